// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "shell-quote.h"
#include "vm-options.h"

#define QEMU_DEFAULT "qemu-system-x86_64"

enum {
	OPT_PRINT = OPT_FIRST_FREE,
	OPT_BIND,
	OPT_USER,
	OPT_QEMU,
};

static void help(void)
{
	print_help(
		"Usage: vfiokit qemu [OPTIONS] DEVICE... [-- QEMU ARGUMENTS]\n\n"
		"Start a QEMU guest (q35) that owns the devices. Each must be on vfio-pci with a\n"
		"viable IOMMU group, or --bind moves them first and puts them back when QEMU\n"
		"exits, also when it crashes. Functions of one slot (a GPU and its audio) stay\n"
		"together in one guest slot. The locked-memory limit is raised for QEMU (guest\n"
		"RAM plus 1 GiB). Arguments after -- go to QEMU unchanged.\n\n"
		"Options:\n" VM_OPTIONS_HELP
		"  --vars FILE             the guest's UEFI variables (default\n"
		"                          /var/lib/vfiokit/vars/NAME_VARS.fd, made on first use)\n"
		"  --bind                  bind the devices first and restore them afterwards\n"
		"  --group, --force-boot-vga, --force-in-use-storage, --force-net-in-use,\n"
		"                          --force-vmd-domain, --release-display\n"
		"                          with --bind: as for vfiokit bind\n"
		"  --user USER             run QEMU as USER; the VFIO files are lent to it\n"
		"  --qemu PROGRAM          QEMU binary (default " QEMU_DEFAULT ")\n"
		"  --print[=shell|argv], --dry-run\n"
		"                          print the QEMU command as one shell-quoted line to\n"
		"                          paste (argv: one argument per line); change and run\n"
		"                          nothing\n"
		"  -J, --json              with --print: JSON\n"
		"  -h, --help              show this help\n\n"
		"Exit status: QEMU's when it ran; 1 refused or failed; 2 usage error.");
}

/* faults.md G4: VFIO pins all guest RAM, and MAP_DMA fails with ENOMEM past the limit. */
static int raise_memlock(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		return 0;
	log_error("qemu: the locked-memory limit is too low for this guest: QEMU needs %llu "
		  "MiB (guest RAM plus 1 GiB for VFIO) and cannot raise it (%s); run as root, "
		  "or raise it: `ulimit -l %llu`, a memlock line in /etc/security/limits.conf, "
		  "or LimitMEMLOCK= in a systemd unit",
		  (unsigned long long)(need >> 20), strerror(errno),
		  (unsigned long long)(need >> 10));
	return -EPERM;
}

static pid_t child_pid;

/* QEMU shares the terminal, so it sees ^C itself; a TERM or HUP sent to us is passed on,
 * and we stay to restore the devices after it has gone. */
static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void exec_qemu(char **argv, const struct passwd *pw)
{
	if (pw && (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		   setuid(pw->pw_uid) < 0)) {
		log_error("qemu: cannot become %s: %s", pw->pw_name, strerror(errno));
		_exit(126);
	}
	execvp(argv[0], argv);
	log_error("qemu: cannot run %s: %s%s", argv[0], strerror(errno),
		  errno == ENOENT ? " (install qemu-system-x86, or name it with --qemu)" : "");
	_exit(127);
}

/* Runs QEMU as a child and waits; returns its exit status (128+N for a signal). */
static int run_child(char **argv, const struct passwd *pw)
{
	struct sigaction sa = {.sa_handler = forward}, ign = {.sa_handler = SIG_IGN}, old_int,
			 old_quit, old_term, old_hup;
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("qemu: fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0)
		exec_qemu(argv, pw);
	child_pid = pid;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (WIFSIGNALED(status)) {
		log_error("qemu: QEMU was killed by signal %d (%s)", WTERMSIG(status),
			  strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* faults.md G6: the kernel releases (and resets) the devices when the last file on them
 * closes, which can be a moment after QEMU's exit if it left helpers behind; restore
 * refuses while a holder remains, so it is retried for up to ten seconds. */
static int restore_moved(struct vfk_ctx *ctx, struct vfk_plan *plan)
{
	size_t n = 0, k = 0;
	struct vfk_device *const *moved = vfk_plan_get_must_move(plan, &n);
	_cleanup_free_ const char **bdfs = calloc(n + 1, sizeof(*bdfs));
	char *detail = NULL;
	int err = 0;

	if (!bdfs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!vfk_device_is_vfio_bound(moved[i]))
			bdfs[k++] = vfk_device_get_bdf(moved[i]);
	if (k == 0)
		return 0;
	for (int tries = 0; tries < 50; tries++) {
		free(detail);
		detail = NULL;
		err = vfk_restore(ctx, bdfs, k, 0, NULL, NULL, &detail);
		if (err != -EBUSY)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL);
	}
	if (err < 0)
		log_error("qemu: restore failed: %s\nvfiokit: the journal keeps them; run `vfiokit "
			  "restore --all` when the cause is gone",
			  detail ? detail : strerror(-err));
	else
		for (size_t i = 0; i < k; i++)
			fprintf(stderr, "vfiokit: %s restored\n", bdfs[i]);
	free(detail);
	return err;
}

/* One command line a shell reads back as @argv, continued before each option so that
 * an option and its value share a line. */
static int print_command_line(char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		char *q = shell_quote(argv[i]);

		if (!q) {
			log_error("qemu: out of memory");
			return -ENOMEM;
		}
		print_text("%s%s", i == 0 ? "" : argv[i][0] == '-' ? " \\\n    " : " ", q);
		free(q);
	}
	print_text("\n");
	return 0;
}

static int print_argv(char **argv, const struct vfk_vm *vm, bool one_per_line)
{
	size_t n = 0;

	while (argv[n])
		n++;
	print_string_array(one_per_line ? PRINT_ANY : PRINT_JSON, "argv", "%s\n",
			   (const char *const *)argv, n);
	print_uint(PRINT_JSON, "memlock_bytes", NULL, vfk_vm_get_memlock_bytes(vm));
	return one_per_line || output_is_json() ? 0 : print_command_line(argv);
}

static void free_argv(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

struct qemu_args {
	struct vm_request req;
	struct bind_request breq;
	const char *qemu, *user;
	bool print, print_argv, bind;
	struct passwd *pw;
	int n_dev_args;
	const char *const *extra; /* after "--", for QEMU */
	size_t n_extra;
};

static const struct option opts[] = {
	VM_LONG_OPTIONS,
	BIND_LONG_OPTIONS,
	{"release-display", no_argument, NULL, OPT_RELEASE_DISPLAY},
	{"print", optional_argument, NULL, OPT_PRINT},
	{"dry-run", no_argument, NULL, OPT_PRINT},
	{"bind", no_argument, NULL, OPT_BIND},
	{"user", required_argument, NULL, OPT_USER},
	{"qemu", required_argument, NULL, OPT_QEMU},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "gh";
static const struct vfk_opt_hint hints[] = {
	VM_OPTION_HINTS,
	{"print", ARG_WORDS, "shell argv"},
	{"qemu", ARG_FILE},
	{},
};

/* Options and arguments into @a, with optind at the first device; 0 or an exit status
 * (-1 when the help was shown). */
static int parse_args(int argc, char *argv[], struct qemu_args *a)
{
	int c, end;

	/* Options stand anywhere before "--" (GNU style); what follows it is QEMU's. */
	for (end = 1; end < argc && !streq(argv[end], "--"); end++)
		;
	a->extra = (const char *const *)argv + end + (end < argc);
	a->n_extra = (size_t)(argc - end - (end < argc));
	a->qemu = QEMU_DEFAULT;
	while ((c = getopt_long(end, argv, shortopts, opts, NULL)) != -1) {
		int r = vm_parse_option(&a->req, "qemu", c, optarg);

		if (r == EXIT_USAGE)
			return r;
		if (r || bind_parse_option(&a->breq, c))
			continue;
		switch (c) {
		case OPT_PRINT:
			a->print = true;
			if (optarg && !streq(optarg, "shell") && !streq(optarg, "argv"))
				return usage_error("qemu", "--print takes shell or argv, not '%s'",
						   optarg);
			a->print_argv = optarg && streq(optarg, "argv");
			break;
		case OPT_BIND:
			a->bind = true;
			break;
		case OPT_USER:
			a->user = optarg;
			break;
		case OPT_QEMU:
			a->qemu = optarg;
			break;
		case 'h':
			help();
			return -1;
		default:
			return usage_error("qemu", "unknown option");
		}
	}
	a->n_dev_args = end - optind;
	if (a->n_dev_args == 0)
		return usage_error("qemu", "name at least one device, e.g. 0000:01:00.0");
	if (!a->bind && (a->breq.group || a->breq.forces || a->breq.display))
		return usage_error("qemu",
				   "--group, --force-* and --release-display go with --bind");
	if (a->user) {
		a->pw = getpwnam(a->user);
		if (!a->pw)
			return usage_error("qemu", "--user %s: no such user", a->user);
	}
	return 0;
}

/* Checks @vm, reporting what is wrong; @flags as for vfk_vm_check(). */
static int check_vm(struct vfk_vm *vm, unsigned int flags)
{
	_cleanup_free_ char *detail = NULL;
	int err = vfk_vm_check(vm, flags, &detail);

	if (err < 0 && detail)
		log_lines("qemu: ", detail);
	else if (err < 0)
		log_error("qemu: %s", strerror(-err));
	return err;
}

/* --print: QEMU's arguments, changing and running nothing. */
static int print_only(struct vfk_vm *vm, const struct qemu_args *a, struct vfk_device **devices,
		      size_t n_devices)
{
	char **qargv = NULL;
	int err;

	vm_print_warnings(vm);
	for (size_t i = 0; a->bind && i < n_devices; i++)
		if (!vfk_device_is_vfio_bound(devices[i]))
			fprintf(stderr,
				"vfiokit: note: --bind first moves %s (on %s) to vfio-pci; "
				"see: vfiokit bind --dry-run %s\n",
				vfk_device_get_bdf(devices[i]),
				vfk_device_get_driver(devices[i]) ?: "no driver",
				vfk_device_get_bdf(devices[i]));
	err = vfk_vm_get_qemu_argv(vm, a->qemu, a->extra, a->n_extra, &qargv);
	if (err < 0) {
		log_error("qemu: %s", strerror(-err));
		return EXIT_NOT_READY;
	}
	err = print_argv(qargv, vm, a->print_argv);
	free_argv(qargv);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

/* --bind: moves the devices to vfio-pci for the guest's lifetime; *ret_plan says what
 * moved, for restore_moved(), also when the guest cannot start after all. */
static int bind_for_guest(struct vfk_ctx *ctx, struct vfk_vm *vm, struct vfk_device **devices,
			  size_t n_devices, const struct bind_request *breq,
			  struct vfk_plan **ret_plan)
{
	struct vfk_device *const *moved;
	size_t n_moved = 0;
	int err;

	err = bind_targets(ctx, devices, n_devices, breq, ret_plan);
	if (err < 0)
		return err;
	moved = vfk_plan_get_must_move(*ret_plan, &n_moved);
	for (size_t i = 0; i < n_moved; i++)
		if (!vfk_device_is_vfio_bound(moved[i]))
			fprintf(stderr, "vfiokit: %s: %s -> vfio-pci until QEMU exits\n",
				vfk_device_get_bdf(moved[i]),
				vfk_device_get_driver(moved[i]) ?: "no driver");
	return check_vm(vm, 0);
}

/* Everything QEMU needs from the host before it starts. */
static int prepare_host(struct vfk_vm *vm, const struct qemu_args *a, char ***ret_argv)
{
	int err;

	vm_print_warnings(vm);
	err = vfk_vm_get_qemu_argv(vm, a->qemu, a->extra, a->n_extra, ret_argv);
	if (err >= 0)
		err = raise_memlock(vfk_vm_get_memlock_bytes(vm));
	if (err >= 0) {
		err = vfk_vm_install_vars(vm);
		if (err < 0)
			log_error("qemu: cannot create the guest's UEFI variables: %s",
				  strerror(-err));
	}
	if (err >= 0 && a->pw) {
		err = vfk_vm_give_to_user(vm, a->pw->pw_uid, a->pw->pw_gid);
		if (err < 0)
			log_error("qemu: cannot lend the VFIO files to %s: %s", a->user,
				  strerror(-err));
	}
	return err;
}

/* Runs QEMU, in place of this process when nothing is to be undone afterwards. Returns
 * its exit status. */
static int launch(struct vfk_vm *vm, const struct qemu_args *a)
{
	char **qargv = NULL;
	int rc = EXIT_NOT_READY;

	if (prepare_host(vm, a, &qargv) < 0)
		goto out;
	if (!a->bind && !a->pw) {
		fflush(stdout);
		exec_qemu(qargv, NULL);
	}
	rc = run_child(qargv, a->pw);
	if (rc < 0)
		rc = EXIT_NOT_READY;
	if (a->pw && vfk_vm_take_back(vm) < 0)
		log_error("qemu: could not give the VFIO files back to their owners");
out:
	free_argv(qargv);
	return rc;
}

static int qemu_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct qemu_args a = {};
	struct vfk_device **devices = NULL;
	struct vfk_plan *plan = NULL;
	struct vfk_vm *vm = NULL;
	size_t n_devices = 0;
	int err, rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = resolve_devices(ctx, a.n_dev_args, argv + optind, &devices, &n_devices);
	if (rc)
		return rc;
	rc = vm_build(ctx, &a.req, "qemu", devices, n_devices, &vm);
	if (rc)
		goto out;
	rc = EXIT_NOT_READY;
	/* Everything is checked before anything changes; with --bind the devices may still
	 * be on their host drivers at this point. */
	err = check_vm(vm, a.bind ? VFK_VM_CHECK_UNBOUND_OK : 0);
	if (err < 0) {
		if (err == -ENODEV && !a.bind)
			log_error("qemu: or pass --bind to move them for the guest's lifetime");
		goto out;
	}
	if (a.print) {
		rc = print_only(vm, &a, devices, n_devices);
		goto out;
	}
	/* The tree's addresses and files are not this machine's: QEMU would get the host's
	 * devices by the tree's names. */
	if (!vfk_ctx_is_host(ctx)) {
		log_error("qemu: %s is not this machine's root: a guest is started only on the "
			  "running system (--print shows what would run)",
			  vfk_ctx_get_root(ctx));
		goto out;
	}
	if (!a.bind || bind_for_guest(ctx, vm, devices, n_devices, &a.breq, &plan) >= 0)
		rc = launch(vm, &a);
	if (plan && restore_moved(ctx, plan) < 0)
		rc = EXIT_NOT_READY;
out:
	vfk_plan_unref(plan);
	vfk_vm_unref(vm);
	vfk_device_list_free(devices, n_devices);
	return rc;
}

const struct vfk_cmd vfk_cmd_qemu = {
	.name = "qemu",
	.run = qemu_run,
	.help = "Start a QEMU guest that owns the devices",
	.options = opts,
	.shortopts = shortopts,
	.hints = hints,
	.operands = ARG_DEVICE,
};
