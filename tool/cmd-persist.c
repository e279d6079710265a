// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "diff.h"
#include "macro.h"
#include "output.h"
#include "report-print.h"
#include "shell-quote.h"
#include "transaction.h"

enum {
	OPT_BY_ID = OPT_FIRST_FREE,
	OPT_APPLY,
	OPT_UNDO,
	OPT_NO_REGENERATE,
	OPT_VERIFY,
	OPT_ACS_OVERRIDE,
	OPT_UNSAFE_INTERRUPTS,
	OPT_VFS,
	OPT_BIND_VFS,
};

static void help(void)
{
	print_help(
		"Usage: vfiokit persist [--by-id] [--apply] [--no-regenerate] DEVICE...\n"
		"       vfiokit persist --undo [--dry-run] [--no-regenerate]\n"
		"       vfiokit persist [--apply] [--no-regenerate] --vfs N [--bind-vfs] PF\n"
		"       vfiokit persist --verify\n\n"
		"Make every boot give the devices to vfio-pci before their host drivers take\n"
		"them: a udev rule that reserves each device by address and identity (or, with\n"
		"--by-id, vfio-pci's ids= option), softdeps that load vfio-pci first, the vfio\n"
		"modules in the initramfs, and the IOMMU options on the kernel command line.\n"
		"Without --apply it only shows the changes as a diff.\n\n"
		"Options:\n"
		"  --by-id           bind by vendor:device (every device with those ids)\n"
		"  --apply           write the files (each atomically, with a backup), then run\n"
		"                    the initramfs and bootloader commands\n"
		"  -n, --dry-run     show the changes only (the default); with --undo, name\n"
		"                    the files it would put back\n"
		"  --no-regenerate   write the files but run no command; print them instead\n"
		"  --undo            put back every file vfiokit changed\n"
		"  --verify          after a reboot: what took effect, and why not\n"
		"  --acs-override    also split IOMMU groups with pcie_acs_override (weakens\n"
		"                    isolation; patched kernels only)\n"
		"  --unsafe-interrupts  also allow VFIO without interrupt remapping (weakens\n"
		"                    isolation)\n"
		"  --vfs N           the SR-IOV physical function PF (the one operand) comes\n"
		"                    up with N virtual functions once its driver binds\n"
		"  --bind-vfs        with --vfs: the virtual functions go to vfio-pci\n"
		"  --group, --force-boot-vga, --force-in-use-storage, --force-net-in-use,\n"
		"                    --force-vmd-domain\n"
		"                    as for vfiokit bind: the same plan applies at boot\n"
		"  -J, --json        print JSON\n"
		"  -h, --help        show this help\n\n"
		"Exit status: 0 done (or nothing to do), 1 refused or failed, 2 usage error.");
}

static void print_command(const char *const *argv, const char *expect)
{
	/* Quoted so that pasting the line runs the very same argv. */
	for (size_t i = 0; argv[i]; i++) {
		_cleanup_free_ char *q = shell_quote(argv[i]);

		print_text("%s%s", i ? " " : "  ", q ? q : argv[i]);
	}
	if (expect)
		print_text("   (must list %s)", expect);
	print_text("\n");
}

/* Text only: @header and the commands that rebuild the initramfs and boot configuration. */
static void print_commands(struct vfk_persist *p, const char *header)
{
	print_text("%s", header);
	for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++)
		print_command(vfk_persist_get_command(p, i), vfk_persist_get_command_expect(p, i));
}

/* Runs each command in order; stops at the first that fails. */
static int run_commands(struct vfk_persist *p)
{
	for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++) {
		const char *const *argv = vfk_persist_get_command(p, i);
		const char *expect = vfk_persist_get_command_expect(p, i);
		_cleanup_free_ char *out = NULL;
		size_t len = 0;
		int status = 0, fds[2] = {-1, -1};
		pid_t pid;

		fflush(stdout);
		print_command(argv, expect);
		fflush(stdout);
		/* A listing is read here, to find the module in it (faults.md F4). */
		if (expect && pipe(fds) < 0)
			return -errno;
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			if (expect) {
				dup2(fds[1], STDOUT_FILENO);
				close(fds[0]);
				close(fds[1]);
			}
			execvp(argv[0], (char *const *)argv);
			fprintf(stderr, "vfiokit: cannot run %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		if (expect) {
			char buf[4096];
			ssize_t r;

			close(fds[1]);
			while ((r = read(fds[0], buf, sizeof(buf))) > 0 ||
			       (r < 0 && errno == EINTR)) {
				char *grown = r > 0 ? realloc(out, len + (size_t)r + 1) : out;

				if (r > 0 && grown) {
					memcpy(grown + len, buf, (size_t)r);
					len += (size_t)r;
					grown[len] = '\0';
					out = grown;
				}
			}
			close(fds[0]);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (expect && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    !(out && strstr(out, expect))) {
			log_error("persist: %s does not list %s: the new initramfs lacks vfio-pci; "
				  "check the generator's configuration above and rebuild it",
				  argv[1] ? argv[1] : argv[0], expect);
			return -ENOENT;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			log_error("persist: %s failed (status %d); the files are written, run it "
				  "again once the cause is fixed",
				  argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return -EIO;
		}
	}
	return 0;
}

static void show_files(struct vfk_persist *p)
{
	size_t changed = 0;

	output_open_array("files");
	for (size_t i = 0; i < vfk_persist_get_n_files(p); i++) {
		const char *now, *after, *path = vfk_persist_get_file(p, i, &now, &after);

		if ((!now && !after) || (now && after && streq(now, after)))
			continue;
		changed++;
		output_open_object(NULL);
		print_string(PRINT_JSON, "path", NULL, path);
		print_string(PRINT_JSON, "old", NULL, now);
		print_string(PRINT_JSON, "new", NULL, after);
		output_close_object();
		diff_print(path, now, after);
	}
	output_close_array();
	if (!changed)
		print_text("No file changes: the configuration is already in place.\n");
}

static void show(struct vfk_persist *p, bool applied, bool regenerate)
{
	show_files(p);
	output_open_array("warnings");
	for (size_t i = 0; i < vfk_persist_get_n_warnings(p); i++) {
		print_string(PRINT_JSON, NULL, NULL, vfk_persist_get_warning(p, i));
		/* In text, warnings go with the other messages, on stderr. */
		if (!output_is_json())
			log_warn("%s", vfk_persist_get_warning(p, i));
	}
	output_close_array();
	output_open_array("commands");
	for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++) {
		const char *const *argv = vfk_persist_get_command(p, i);
		size_t n = 0;

		while (argv[n])
			n++;
		print_string_array(PRINT_JSON, NULL, NULL, argv, n);
	}
	output_close_array();
	if (vfk_persist_get_n_commands(p) && !(applied && regenerate))
		print_commands(p, applied ? "\nRun these to rebuild the initramfs and boot "
					    "configuration:\n"
					  : "\nWith --apply, these run afterwards:\n");
	if (vfk_persist_get_vfs(p, NULL, NULL)) {
		unsigned int n_vfs = 0;
		bool bind = false;
		const char *pf = vfk_persist_get_vfs(p, &n_vfs, &bind);

		output_open_object("sriov");
		print_string(PRINT_JSON, "pf", NULL, pf);
		print_uint(PRINT_JSON, "vfs", NULL, n_vfs);
		print_bool(PRINT_JSON, "bind_vfs", NULL, bind);
		output_open_array("vf_addresses");
		for (unsigned int i = 0; i < n_vfs; i++)
			print_string(PRINT_JSON, NULL, NULL, vfk_persist_get_vf(p, i));
		output_close_array();
		output_close_object();
		print_text("\n%s gets %u virtual functions at every boot%s:", pf, n_vfs,
			   bind ? ", reserved for vfio-pci" : "");
		for (unsigned int i = 0; i < n_vfs; i++)
			print_text(" %s", vfk_persist_get_vf(p, i));
		print_text("\n");
	}
	print_bool(PRINT_JSON, "applied", NULL, applied);
	if (!applied)
		print_text("\nNothing was changed (pass --apply to write these files).\n");
}

/* What bind refuses, persist refuses too: at the next boot the same device goes. A
 * group's other members that must move are added with --group, as they must be on
 * vfio-pci for the group to be usable. */
static int check_plan(struct vfk_ctx *ctx, struct vfk_device ***devices, size_t *n,
		      const struct bind_request *req)
{
	struct vfk_device *const *must;
	struct vfk_plan *plan = NULL;
	enum plan_refusal refusal;
	size_t n_must;
	int err;

	err = vfk_plan_new(ctx, *devices, *n, &plan);
	if (err < 0) {
		log_error("persist: cannot plan: %s", strerror(-err));
		return err;
	}
	err = 0;
	refusal = plan_report(plan, req->forces,
			      VFK_PLAN_CHECK_NEXT_BOOT | (req->group ? VFK_PLAN_CHECK_GROUP : 0),
			      "must be on vfio-pci too");
	must = vfk_plan_get_must_move(plan, &n_must);
	if (refusal == PLAN_BLOCKED) {
		log_error("persist: refused; nothing was changed (see vfiokit plan)");
		err = -EPERM;
	} else if (refusal == PLAN_GROUP) {
		log_error("persist: refused; pass --group to include the whole group, or name "
			  "every member; nothing was changed");
		err = -EPERM;
	} else if (req->group) {
		struct vfk_device **all = calloc(n_must + 1, sizeof(*all));

		if (!all) {
			err = -ENOMEM;
		} else {
			for (size_t i = 0; i < n_must; i++)
				all[i] = vfk_device_ref(must[i]);
			vfk_device_list_free(*devices, *n);
			*devices = all;
			*n = n_must;
		}
	}
	vfk_plan_unref(plan);
	return err;
}

/* After a reboot: what took effect and why not, in doctor's form. */
static int verify_run(struct vfk_ctx *ctx)
{
	struct vfk_report *r = NULL;
	bool ready;
	int err;

	err = vfk_persist_verify(ctx, &r);
	if (err < 0) {
		log_error("persist: cannot verify: %s", strerror(-err));
		return EXIT_NOT_READY;
	}
	ready = vfk_report_is_ready(r);
	print_bool(PRINT_JSON, "ok", NULL, ready);
	output_open_array("checks");
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		print_check(r, i, 22, false);
	output_close_array();
	print_text(ready ? "\nEverything vfiokit persist configured took effect.\n"
			 : "\nSome of what vfiokit persist configured did not take effect.\n");
	vfk_report_unref(r);
	return ready ? EXIT_OK : EXIT_NOT_READY;
}

struct persist_args {
	struct bind_request breq;
	bool apply, undo, regenerate, dry, verify;
	unsigned int flags;
	long vfs; /* -1: no --vfs */
};

static const struct option opts[] = {
	{"by-id", no_argument, NULL, OPT_BY_ID},
	{"apply", no_argument, NULL, OPT_APPLY},
	{"dry-run", no_argument, NULL, 'n'},
	{"undo", no_argument, NULL, OPT_UNDO},
	{"no-regenerate", no_argument, NULL, OPT_NO_REGENERATE},
	{"verify", no_argument, NULL, OPT_VERIFY},
	{"acs-override", no_argument, NULL, OPT_ACS_OVERRIDE},
	{"unsafe-interrupts", no_argument, NULL, OPT_UNSAFE_INTERRUPTS},
	{"vfs", required_argument, NULL, OPT_VFS},
	{"bind-vfs", no_argument, NULL, OPT_BIND_VFS},
	BIND_LONG_OPTIONS,
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "nh";

/* Options into @a, with optind at the first device; 0 or an exit status (-1 when the help
 * was shown). */
static int parse_args(int argc, char *argv[], struct persist_args *a)
{
	int c;

	a->regenerate = true;
	a->vfs = -1;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c != 'n' && bind_parse_option(&a->breq, c))
			continue;
		switch (c) {
		case OPT_BY_ID:
			a->flags |= VFK_PERSIST_BY_ID;
			break;
		case OPT_APPLY:
			a->apply = true;
			break;
		case 'n':
			a->dry = true;
			break;
		case OPT_UNDO:
			a->undo = true;
			break;
		case OPT_NO_REGENERATE:
			a->regenerate = false;
			break;
		case OPT_VERIFY:
			a->verify = true;
			break;
		case OPT_ACS_OVERRIDE:
			a->flags |= VFK_PERSIST_ACS_OVERRIDE;
			break;
		case OPT_UNSAFE_INTERRUPTS:
			a->flags |= VFK_PERSIST_UNSAFE_INTERRUPTS;
			break;
		case OPT_VFS: {
			char *end;

			errno = 0;
			a->vfs = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || a->vfs < 0 || a->vfs > 65535)
				return usage_error("persist", "--vfs takes a number of virtual "
							      "functions, e.g. --vfs 4");
			break;
		}
		case OPT_BIND_VFS:
			a->flags |= VFK_PERSIST_BIND_VFS;
			break;
		case 'h':
			help();
			return -1;
		default:
			return usage_error("persist", "unknown option");
		}
	}
	return 0;
}

/* --undo: every file back, then the commands that rebuild from them. */
static int undo_run(struct vfk_ctx *ctx, bool dry, bool regenerate)
{
	_cleanup_free_ char *detail = NULL;
	sigset_t old;
	struct vfk_persist *p = NULL;
	size_t n_files = 0;
	int err;

	/* The commands come from the configuration without vfiokit's part, computed before
	 * the files go back, while the record of what grubby or kernelstub were told still
	 * exists. */
	err = vfk_persist_new(ctx, NULL, 0, 0, &p, &detail);
	if (err < 0) {
		if (detail)
			log_lines("persist: ", detail);
		else
			log_error("persist: %s", strerror(-err));
		return EXIT_NOT_READY;
	}
	free(TAKE_PTR(detail));
	transaction_begin(&old);
	err = vfk_persist_undo(ctx, dry ? VFK_PERSIST_UNDO_DRY_RUN : 0, &n_files, &detail);
	transaction_end(&old);
	if (dry && err >= 0) {
		print_text("%s\n", detail ? detail : "");
		print_uint(PRINT_ANY, "would_restore",
			   "Would put back %" PRIu64 " files (dry run, nothing changed).\n",
			   n_files);
		vfk_persist_unref(p);
		return EXIT_OK;
	}
	if (detail)
		log_lines("persist: ", detail);
	if (err < 0 && err != -EBUSY) {
		vfk_persist_unref(p);
		return EXIT_NOT_READY;
	}
	print_uint(PRINT_ANY, "restored", "Put back %" PRIu64 " files.\n", n_files);
	err = 0;
	if (vfk_persist_get_n_commands(p) && regenerate)
		err = run_commands(p);
	else if (vfk_persist_get_n_commands(p))
		print_commands(p, "Run these to rebuild the initramfs and boot configuration:\n");
	vfk_persist_unref(p);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

/* Reports why vfk_persist_new() or vfk_persist_apply() failed. */
static void log_failure(int err, const char *detail)
{
	if (detail)
		log_lines("persist: ", detail);
	else
		log_error("persist: %s", strerror(-err));
}

/* The configuration for @devices: shown, and with @a->apply written. */
static int configure(struct vfk_ctx *ctx, struct vfk_device **devices, size_t n,
		     const struct persist_args *a)
{
	_cleanup_free_ char *detail = NULL;
	struct vfk_persist *p = NULL;
	int err, rc = EXIT_NOT_READY;

	/* With --vfs the one operand is the PF, which keeps its host driver. */
	if (a->vfs >= 0)
		err = vfk_persist_new_vfs(ctx, NULL, 0, devices[0], (unsigned int)a->vfs, a->flags,
					  &p, &detail);
	else
		err = vfk_persist_new(ctx, devices, n, a->flags, &p, &detail);
	if (err < 0) {
		log_failure(err, detail);
		return EXIT_NOT_READY;
	}
	if (a->apply) {
		sigset_t old;

		free(TAKE_PTR(detail));
		/* SIGINT, SIGTERM and SIGHUP wait until every file and the record are written. */
		transaction_begin(&old);
		err = vfk_persist_apply(p, &detail);
		transaction_end(&old);
		if (err < 0) {
			log_failure(err, detail);
			goto out;
		}
	}
	show(p, a->apply, a->regenerate);
	rc = EXIT_OK;
	if (a->apply && a->regenerate && run_commands(p) < 0)
		rc = EXIT_NOT_READY;
out:
	vfk_persist_unref(p);
	return rc;
}

static int persist_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct persist_args a = {};
	struct vfk_device **devices = NULL;
	size_t n = 0;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (a.apply && a.dry)
		return usage_error("persist", "--apply and --dry-run contradict each other");
	if (a.verify) {
		if (optind < argc || a.apply || a.undo || a.flags || a.vfs >= 0)
			return usage_error("persist", "--verify takes no devices or other options");
		return verify_run(ctx);
	}
	if (a.undo && (optind < argc || a.flags || a.vfs >= 0))
		return usage_error("persist", "--undo takes no devices or --by-id");
	if ((a.flags & VFK_PERSIST_BIND_VFS) && a.vfs < 0)
		return usage_error("persist", "--bind-vfs goes with --vfs N");
	if (a.vfs >= 0 && argc - optind != 1)
		return usage_error("persist", "--vfs N takes one device, the physical function");
	if (!a.undo && optind >= argc)
		return usage_error("persist", "name at least one device, e.g. 0000:01:00.0");
	/* Commands act on the running system: never for another root. */
	if (!vfk_ctx_is_host(ctx))
		a.regenerate = false;
	if (a.undo)
		return undo_run(ctx, a.dry, a.regenerate);
	rc = resolve_devices(ctx, argc - optind, argv + optind, &devices, &n);
	if (rc)
		return rc;
	rc = EXIT_NOT_READY;
	/* The PF stays with its driver: bind's plan for it does not apply. */
	if (a.vfs >= 0 || check_plan(ctx, &devices, &n, &a.breq) >= 0)
		rc = configure(ctx, devices, n, &a);
	vfk_device_list_free(devices, n);
	return rc;
}

const struct vfk_cmd vfk_cmd_persist = {
	.name = "persist",
	.run = persist_run,
	.help = "Bind devices to vfio-pci at every boot, before their host drivers",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
