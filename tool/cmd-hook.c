// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "transaction.h"

#ifndef VFIOKIT_TOOL_PATH
#define VFIOKIT_TOOL_PATH "/usr/bin/vfiokit"
#endif

#define XML_READ_MAX (16u << 20)

enum {
	OPT_TOOL = OPT_FIRST_FREE,
	OPT_XML,
};

static void help(void)
{
	print_help(
		"Usage: vfiokit hook install [--release-display] [--tool PATH] DOMAIN\n"
		"       vfiokit hook uninstall DOMAIN\n"
		"       vfiokit hook run [--xml FILE] DOMAIN OPERATION SUB-OPERATION [EXTRA]\n\n"
		"Let libvirt move a domain's PCI hostdevs (managed='no') to vfio-pci through\n"
		"vfiokit's plan and journal when it starts, and back when it stops.\n\n"
		"install writes /etc/vfiokit/hooks/DOMAIN.conf and the hook libvirt runs,\n"
		"/etc/libvirt/hooks/qemu.d/vfiokit, which execs `vfiokit hook run`; libvirt finds "
		"a\n"
		"first hook when its daemon (re)starts. uninstall removes the domain, and the "
		"hook\n"
		"with the last one. run is what libvirt calls, with the domain XML on stdin: on\n"
		"\"prepare begin\" it binds the devices as `vfiokit bind` does, and fails (so "
		"libvirt\n"
		"does not start the domain) when the plan blocks; on \"release end\" it restores\n"
		"those the journal holds. A domain not installed, and any other operation, is "
		"left\n"
		"alone, silently.\n\n"
		"Options:\n"
		"  --release-display  install: have bind release the host's display from a boot\n"
		"                     GPU (recorded; used where bind offers it)\n"
		"  --tool PATH        install: the vfiokit the hook runs "
		"(default " VFIOKIT_TOOL_PATH ")\n"
		"  --xml FILE         run: read the domain XML from FILE instead of stdin\n"
		"  -n, --dry-run      print what would change and change nothing\n"
		"  -J, --json         print JSON\n"
		"  -h, --help         show this help\n\n"
		"Exit status: 0 done (or nothing to do), 1 refused or failed, 2 usage error.");
}

static const struct option opts[] = {
	{"release-display", no_argument, NULL, OPT_RELEASE_DISPLAY},
	{"tool", required_argument, NULL, OPT_TOOL},
	{"xml", required_argument, NULL, OPT_XML},
	{"dry-run", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "nh";
static const struct vfk_opt_hint hints[] = {
	{"tool", ARG_FILE, NULL, NULL},
	{"xml", ARG_FILE, NULL, NULL},
	{},
};

struct hook_opts {
	bool dry, release_display;
	const char *tool, *xml;
};

static void on_file(void *userdata, const char *path, const char *content, unsigned int mode)
{
	bool dry = *(bool *)userdata;

	char abs[4096];

	snprintf(abs, sizeof(abs), "/%s", path);
	output_open_object(NULL);
	print_string(PRINT_JSON, "path", NULL, abs);
	print_bool(PRINT_JSON, "removed", NULL, !content);
	if (content) {
		char m[8];

		snprintf(m, sizeof(m), "%04o", mode);
		print_string(PRINT_JSON, "mode", NULL, m);
		print_text("%s /%s (mode %s):\n", dry ? "Would write" : "Wrote", path, m);
		for (const char *l = content; *l;) {
			size_t len = strcspn(l, "\n");

			print_text("  | %.*s\n", (int)len, l);
			l += len + (l[len] == '\n');
		}
	} else {
		print_null(PRINT_JSON, "mode", NULL);
		print_text("%s /%s\n", dry ? "Would remove" : "Removed", path);
	}
	output_close_object();
}

static int install_run(struct vfk_ctx *ctx, const struct hook_opts *o, const char *domain)
{
	unsigned int flags = (o->dry ? VFK_HOOK_DRY_RUN : 0) |
			     (o->release_display ? VFK_HOOK_RELEASE_DISPLAY : 0);
	bool dry = o->dry;
	char *detail = NULL;
	int err;

	print_string(PRINT_JSON, "action", NULL, "install");
	print_string(PRINT_JSON, "domain", NULL, domain);
	print_bool(PRINT_JSON, "dry_run", NULL, dry);
	print_bool(PRINT_JSON, "release_display", NULL, o->release_display);
	output_open_array("files");
	err = vfk_hook_install(ctx, domain, o->tool ? o->tool : VFIOKIT_TOOL_PATH, flags, on_file,
			       &dry, &detail);
	output_close_array();
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	if (err < 0) {
		log_error("hook install: %s", detail ? detail : strerror(-err));
		free(detail);
		return err == -EINVAL ? EXIT_USAGE : EXIT_NOT_READY;
	}
	print_text("%s: domain %s %s; libvirt runs the hook from its next start of the daemon "
		   "(systemctl restart libvirtd or virtqemud)\n",
		   dry ? "Dry run" : "Done", domain, dry ? "would be installed" : "installed");
	return EXIT_OK;
}

static int uninstall_run(struct vfk_ctx *ctx, const struct hook_opts *o, const char *domain)
{
	bool dry = o->dry;
	char *detail = NULL;
	int err;

	print_string(PRINT_JSON, "action", NULL, "uninstall");
	print_string(PRINT_JSON, "domain", NULL, domain);
	print_bool(PRINT_JSON, "dry_run", NULL, dry);
	output_open_array("files");
	err = vfk_hook_uninstall(ctx, domain, dry ? VFK_HOOK_DRY_RUN : 0, on_file, &dry, &detail);
	output_close_array();
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	if (err < 0) {
		log_error("hook uninstall: %s", detail ? detail : strerror(-err));
		free(detail);
		return err == -EINVAL ? EXIT_USAGE : EXIT_NOT_READY;
	}
	return EXIT_OK;
}

/* The domain XML from @file, or stdin when NULL. */
static int read_xml(const char *file, char **ret, size_t *ret_len)
{
	FILE *f = file ? fopen(file, "re") : stdin;
	size_t len = 0, cap = 65536;
	char *buf;

	if (!f) {
		log_error("hook run: %s: %s", file, strerror(errno));
		return -errno;
	}
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0)
			break;
		if (len == cap) {
			char *p = cap > XML_READ_MAX ? NULL : realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (file)
		fclose(f);
	if (!buf) {
		log_error("hook run: the domain XML on %s is larger than %u bytes",
			  file ? file : "stdin", XML_READ_MAX);
		return -EFBIG;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void print_devices(struct vfk_ctx *ctx, char **bdfs, const char *const *was, size_t n,
			  bool dry)
{
	output_open_array("devices");
	for (size_t i = 0; i < n; i++) {
		struct vfk_device *now = NULL;
		const char *drv = NULL;

		if (vfk_device_new_from_string(ctx, bdfs[i], &now) == 0)
			drv = vfk_device_get_driver(now);
		output_open_object(NULL);
		print_string(PRINT_JSON, "bdf", NULL, bdfs[i]);
		print_string(PRINT_JSON, "was", NULL, was[i]);
		print_string(PRINT_JSON, "driver", NULL, dry ? NULL : drv);
		output_close_object();
		if (!dry)
			print_text("%s: %s -> %s\n", bdfs[i], was[i] ?: "no driver",
				   drv ?: "no driver");
		vfk_device_unref(now);
	}
	output_close_array();
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static bool in_list(char **list, size_t n, const char *bdf)
{
	for (size_t i = 0; i < n; i++)
		if (streq(list[i], bdf))
			return true;
	return false;
}

/*
 * After a start's bind: the hostdevs the journal holds now that it did not before, and
 * those an earlier start recorded (its stop never ran) that it still holds. A device
 * bound by hand before the start is in neither, so the stop leaves it on vfio-pci.
 */
static void record_moved(struct vfk_ctx *ctx, const char *domain, char **bdfs, size_t n,
			 char **before, size_t n_before)
{
	char **after = NULL, **old = NULL, *detail = NULL;
	const char **moved = calloc(n + 1, sizeof(*moved));
	size_t n_after = 0, n_old = 0, k = 0;
	int err;

	err = moved ? vfk_journal_get_devices(ctx, &after, &n_after) : -ENOMEM;
	if (err >= 0 && vfk_hook_get_moved(ctx, domain, &old, &n_old, NULL) < 0)
		n_old = 0;
	for (size_t i = 0; err >= 0 && i < n; i++)
		if (in_list(after, n_after, bdfs[i]) &&
		    (!in_list(before, n_before, bdfs[i]) || in_list(old, n_old, bdfs[i])))
			moved[k++] = bdfs[i];
	if (err >= 0)
		err = vfk_hook_set_moved(ctx, domain, moved, k, &detail);
	if (err < 0)
		log_warn("hook: domain %s: what its start moved is not recorded (%s); at its stop "
			 "give its devices back with vfiokit restore",
			 domain, detail ? detail : strerror(-err));
	free(detail);
	free(moved);
	free_strv(after, n_after);
	free_strv(old, n_old);
}

static int prepare(struct vfk_ctx *ctx, const char *domain, const struct vfk_addr *addrs, size_t n,
		   bool dry, bool release_display)
{
	struct bind_request req = {.dry = dry, .display = release_display};
	struct vfk_device **targets = calloc(n + 1, sizeof(*targets));
	char **bdfs = calloc(n + 1, sizeof(*bdfs));
	const char **was = calloc(n + 1, sizeof(*was));
	struct vfk_plan *plan = NULL;
	char **before = NULL;
	size_t n_targets = 0, n_before = 0;
	int err = -ENOMEM;

	if (!targets || !bdfs || !was)
		goto out;
	/* A damaged journal fails the bind below, which says so. */
	if (vfk_journal_get_devices(ctx, &before, &n_before) < 0)
		n_before = 0;
	for (size_t i = 0; i < n; i++) {
		bdfs[i] = malloc(VFK_ADDR_STRLEN);
		if (!bdfs[i])
			goto out;
		vfk_addr_format(&addrs[i], bdfs[i]);
		err = vfk_device_new(ctx, &addrs[i], &targets[n_targets]);
		if (err < 0) {
			log_device_error(bdfs[i],
					 "hook: domain %s: its hostdev %s is not a PCI device here "
					 "(%s); fix the domain's <hostdev> (virsh edit %s)",
					 domain, bdfs[i], strerror(-err), domain);
			goto out;
		}
		was[i] = vfk_device_get_driver(targets[n_targets++]);
	}
	err = bind_targets(ctx, targets, n_targets, &req, &plan);
	if (err < 0)
		log_error("hook: domain %s: its PCI hostdevs were not moved to vfio-pci; libvirt "
			  "does not start it",
			  domain);
	else if (!dry)
		record_moved(ctx, domain, bdfs, n, before, n_before);
out:
	if (err == -ENOMEM)
		log_error("hook: out of memory");
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_devices(ctx, bdfs, was, err >= 0 ? n : 0, dry);
	vfk_plan_unref(plan);
	vfk_device_list_free(targets, n_targets);
	free(was);
	free_strv(bdfs, n);
	free_strv(before, n_before);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

static void show_write(void *userdata, const char *path, const char *value)
{
	print_write(path, value);
}

static int release(struct vfk_ctx *ctx, const char *domain, const struct vfk_addr *addrs, size_t n,
		   bool dry)
{
	char **journal = NULL, **moved = NULL, **bdfs = calloc(n + 1, sizeof(*bdfs));
	const char **was = calloc(n + 1, sizeof(*was));
	size_t n_journal = 0, n_moved = 0, k = 0;
	char *detail = NULL;
	sigset_t old;
	int err;

	err = bdfs && was ? vfk_journal_get_devices(ctx, &journal, &n_journal) : -ENOMEM;
	if (err < 0) {
		log_error("hook: domain %s: cannot read the journal: %s; see vfiokit restore",
			  domain, err == -EBADMSG ? "it is damaged" : strerror(-err));
		goto out;
	}
	err = vfk_hook_get_moved(ctx, domain, &moved, &n_moved, &detail);
	if (err == -ENOENT) {
		err = 0;
	} else if (err < 0) {
		log_error("hook: domain %s: %s", domain, detail ? detail : strerror(-err));
		goto out;
	}
	/* Only what this domain's start moved goes back; what was bound before it stays. */
	for (size_t i = 0; i < n; i++) {
		char bdf[VFK_ADDR_STRLEN];

		vfk_addr_format(&addrs[i], bdf);
		if (!in_list(journal, n_journal, bdf))
			continue;
		if (!in_list(moved, n_moved, bdf)) {
			log_warn("hook: domain %s: %s stays on vfio-pci: it was there before the "
				 "domain started (vfiokit restore %s gives it back)",
				 domain, bdf, bdf);
			continue;
		}
		bdfs[k] = strdup(bdf);
		if (bdfs[k])
			was[k++] = "vfio-pci";
	}
	if (k) {
		/* A refused dry run shows nothing of what it would have done. */
		if (dry) {
			output_hold_text();
			print_text("Would write (dry run, nothing changes):\n");
		}
		transaction_begin(&old);
		err = vfk_restore(ctx, (const char *const *)bdfs, k, dry ? VFK_BIND_DRY_RUN : 0,
				  dry || vfk_ctx_get_log_priority(ctx) >= 6 ? show_write : NULL,
				  NULL, &detail);
		transaction_end(&old);
		if (dry)
			output_release_text(err >= 0);
		if (detail)
			log_lines(err < 0 ? "" : "warning: ", detail);
		if (err < 0)
			log_error("hook: domain %s: its PCI hostdevs were not all restored: %s; "
				  "see vfiokit restore",
				  domain, strerror(-err));
	}
	if (err >= 0 && !dry && vfk_hook_set_moved(ctx, domain, NULL, 0, NULL) < 0)
		log_warn("hook: domain %s: cannot remove /run/vfiokit/hooks/%s.moved", domain,
			 domain);
out:
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_devices(ctx, bdfs, was, err >= 0 ? k : 0, dry);
	free(detail);
	free(was);
	free_strv(bdfs, k);
	free_strv(journal, n_journal);
	free_strv(moved, n_moved);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

static int hook_run_run(struct vfk_ctx *ctx, const struct hook_opts *o, int argc, char *argv[])
{
	const char *domain = argv[0], *op = argv[1], *subop = argv[2];
	bool is_prepare = streq(op, "prepare") && streq(subop, "begin");
	bool is_release = streq(op, "release") && streq(subop, "end");
	unsigned int flags = 0;
	struct vfk_addr *addrs = NULL;
	size_t len = 0, n = 0, n_managed = 0;
	char *xml = NULL, *name = NULL, *detail = NULL;
	int err, rc = EXIT_NOT_READY;

	print_string(PRINT_JSON, "action", NULL, "run");
	print_string(PRINT_JSON, "domain", NULL, domain);
	print_string(PRINT_JSON, "operation", NULL, op);
	print_string(PRINT_JSON, "sub_operation", NULL, subop);
	print_bool(PRINT_JSON, "dry_run", NULL, o->dry);
	err = vfk_hook_get(ctx, domain, &flags, &detail);
	print_bool(PRINT_JSON, "installed", NULL, err != -ENOENT);
	if (err == -ENOENT || (!is_prepare && !is_release)) {
		print_bool(PRINT_JSON, "ok", NULL, true);
		free(detail);
		return EXIT_OK;
	}
	if (err < 0) {
		log_error("hook: domain %s: %s", domain, detail ? detail : strerror(-err));
		goto out;
	}
	if (read_xml(o->xml, &xml, &len) < 0)
		goto out;
	err = vfk_libvirt_get_hostdevs(xml, len, &name, &addrs, &n, &n_managed, &detail);
	if (err < 0) {
		log_error("hook: domain %s: %s", domain, detail ? detail : strerror(-err));
		goto out;
	}
	if (!streq(name, domain)) {
		log_error("hook: domain %s: the XML given names domain '%.64s'; libvirt passes "
			  "the domain's own",
			  domain, name);
		goto out;
	}
	if (n_managed)
		log_warn("hook: domain %s: %zu PCI hostdev(s) with managed='yes' left to libvirt",
			 domain, n_managed);
	rc = is_prepare ? prepare(ctx, domain, addrs, n, o->dry, flags & VFK_HOOK_RELEASE_DISPLAY)
			: release(ctx, domain, addrs, n, o->dry);
	goto done;
out:
	print_bool(PRINT_JSON, "ok", NULL, false);
done:
	free(addrs);
	free(name);
	free(xml);
	free(detail);
	return rc;
}

static int hook_main(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct hook_opts o = {};
	const char *sub;
	int c, n;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case OPT_RELEASE_DISPLAY:
			o.release_display = true;
			break;
		case OPT_TOOL:
			o.tool = optarg;
			break;
		case OPT_XML:
			o.xml = optarg;
			break;
		case 'n':
			o.dry = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("hook", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("hook", "give install, uninstall or run");
	sub = argv[optind++];
	n = argc - optind;
	if (streq(sub, "run")) {
		if (n < 3 || n > 4)
			return usage_error("hook",
					   "run takes DOMAIN OPERATION SUB-OPERATION [EXTRA], as "
					   "libvirt gives them");
		if (o.tool || o.release_display)
			return usage_error("hook", "--tool and --release-display are install's");
		return hook_run_run(ctx, &o, n, argv + optind);
	}
	if (!streq(sub, "install") && !streq(sub, "uninstall"))
		return usage_error("hook", "unknown action '%s': give install, uninstall or run",
				   sub);
	if (n != 1)
		return usage_error("hook", "%s takes one DOMAIN", sub);
	if (o.xml)
		return usage_error("hook", "--xml is run's");
	if (streq(sub, "install"))
		return install_run(ctx, &o, argv[optind]);
	if (o.tool || o.release_display)
		return usage_error("hook", "--tool and --release-display are install's");
	return uninstall_run(ctx, &o, argv[optind]);
}

const struct vfk_cmd vfk_cmd_hook = {
	.name = "hook",
	.run = hook_main,
	.help = "Bind a libvirt domain's hostdevs from a libvirt hook",
	.options = opts,
	.shortopts = shortopts,
	.hints = hints,
	.operands = ARG_NONE,
};
