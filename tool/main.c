// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"

static const struct vfk_cmd vfk_cmd_help;
static const struct vfk_cmd vfk_cmd_version;

const struct vfk_cmd *const vfk_commands[] = {
	&vfk_cmd_doctor,
	&vfk_cmd_groups,
	&vfk_cmd_list,
	&vfk_cmd_plan,
	&vfk_cmd_bind,
	&vfk_cmd_restore,
	&vfk_cmd_release,
	&vfk_cmd_sriov,
	&vfk_cmd_qemu,
	&vfk_cmd_libvirt,
	&vfk_cmd_hook,
	&vfk_cmd_persist,
	&vfk_cmd_snapshot,
	&vfk_cmd_info,
	&vfk_cmd_export,
	&vfk_cmd_help,
	&vfk_cmd_version,
	&vfk_cmd_completion,
	&vfk_cmd_complete_devices,
};
const size_t vfk_n_commands = ARRAY_SIZE(vfk_commands);

/* extract_globals() takes these; the table tells completion about them. */
const struct option vfk_global_options[] = {
	{"root", required_argument, NULL, 0},
	{"json", no_argument, NULL, 'J'},
	{"pci-ids", required_argument, NULL, 0},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{},
};
const char vfk_global_shortopts[] = "JvhV";
const struct vfk_opt_hint vfk_global_hints[] = {
	{"root", ARG_DIR, NULL, "treat DIR as the system root (a captured or test tree)"},
	{"json", ARG_NONE, NULL, "print one JSON document on stdout"},
	{"pci-ids", ARG_FILE, NULL, "take device names from FILE instead of the system pci.ids"},
	{"verbose", ARG_NONE, NULL, "show the library's messages on stderr (-vv: debug too)"},
	{"help", ARG_NONE, NULL, "show the help"},
	{"version", ARG_NONE, NULL, "show the version"},
	{},
};

struct global_opts {
	const char *root;
	const char *pci_ids;
	bool json;
	int verbose;
};

/* Prints "vfiokit: <prefix><message>" on stderr and returns the message (malloc'd, or NULL
 * when out of memory) for the JSON document. */
__attribute__((format(printf, 2, 0))) static char *say(const char *prefix, const char *fmt,
						       va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "vfiokit: %s%s\n", prefix, msg ? msg : fmt);
	return msg;
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = say("", fmt, ap);
	va_end(ap);
	output_error(msg, NULL, NULL);
	free(msg);
}

void log_device_error(const char *device, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = say("", fmt, ap);
	va_end(ap);
	output_error(msg, device, NULL);
	free(msg);
}

void log_lines(const char *prefix, const char *text)
{
	while (text && *text) {
		size_t n = strcspn(text, "\n");
		char *msg = NULL;

		fprintf(stderr, "vfiokit: %s%.*s\n", prefix, (int)n, text);
		if (asprintf(&msg, "%s%.*s", prefix, (int)n, text) >= 0)
			output_error(msg, NULL, NULL);
		free(msg);
		text += n + (text[n] == '\n');
	}
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = say("warning: ", fmt, ap);
	va_end(ap);
	output_warning(msg);
	free(msg);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg, *fix = NULL;

	va_start(ap, fmt);
	msg = say("", fmt, ap);
	va_end(ap);
	if (asprintf(&fix, "Try 'vfiokit %s%s--help'.", cmd ? cmd : "", cmd ? " " : "") < 0)
		fix = NULL;
	fprintf(stderr, "%s\n", fix ? fix : "Try 'vfiokit --help'.");
	output_usage_error(msg, fix);
	free(msg);
	free(fix);
	return EXIT_USAGE;
}

int resolve_devices(struct vfk_ctx *ctx, int argc, char *argv[], struct vfk_device ***ret,
		    size_t *ret_n)
{
	struct vfk_device **list = calloc((size_t)argc + 1, sizeof(*list));
	int i, failed = 0, status = EXIT_NOT_READY;

	if (!list) {
		log_error("out of memory");
		return EXIT_NOT_READY;
	}
	for (i = 0; i < argc; i++) {
		int r = vfk_device_new_from_string(ctx, argv[i], &list[i - failed]);

		if (r == 0)
			continue;
		failed++;
		if (r == -EINVAL || r == -ERANGE || r == -ENOTUNIQ)
			status = EXIT_USAGE;
		switch (r) {
		case -EINVAL:
			log_device_error(
				argv[i],
				"%s: not a PCI address (DDDD:BB:DD.F, e.g. 0000:01:00.0), nor a "
				"network interface, block device or DRM card here",
				argv[i]);
			break;
		case -ENXIO:
			log_device_error(
				argv[i],
				"%s: belongs to no PCI device (virtual, or on another bus)",
				argv[i]);
			break;
		case -ERANGE:
			log_device_error(argv[i], "%s: device must be 00-1f and function 0-7",
					 argv[i]);
			break;
		case -ENODEV:
			if (argv[i][0] == '/') {
				log_device_error(argv[i], "%s: no such device", argv[i]);
				break;
			}
			log_device_error(
				argv[i], "%s: no such PCI device in %s/sys/bus/pci/devices",
				argv[i],
				streq(vfk_ctx_get_root(ctx), "/") ? "" : vfk_ctx_get_root(ctx));
			break;
		case -ENOTUNIQ:
			log_device_error(
				argv[i],
				"%s: matches devices in several PCI domains; give the domain, "
				"e.g. 0000:%s",
				argv[i], argv[i]);
			break;
		default:
			log_device_error(argv[i], "%s: %s", argv[i], strerror(-r));
		}
	}
	if (failed) {
		vfk_device_list_free(list, (size_t)(argc - failed));
		return status;
	}
	*ret = list;
	*ret_n = (size_t)argc;
	return 0;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("Usage: vfiokit [--root DIR] [--json] [-v] COMMAND [ARGS...]\n\n"
	      "Prepare and drive Linux VFIO PCI passthrough, safely and explainably.\n\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < vfk_n_commands; i++)
		if (!vfk_commands[i]->hidden)
			fprintf(f, "  %-10s %s\n", vfk_commands[i]->name, vfk_commands[i]->help);
	fputs("\nGlobal options (accepted before or after the command):\n"
	      "  --root DIR      treat DIR as the system root (a captured or test tree)\n"
	      "  -J, --json      print one JSON document on stdout\n"
	      "  --pci-ids FILE  take device names from FILE instead of the system pci.ids\n"
	      "  -v, --verbose   show the library's messages on stderr (-vv: debug too)\n"
	      "  -h, --help      show this help; a command's: COMMAND --help, help COMMAND\n"
	      "  -V, --version   show the version\n\n"
	      "A command's options may also follow its operands; \"--\" ends them.\n"
	      "Exit status: 0 success, 1 the answer is no or an operation failed, 2 usage error.\n"
	      "See vfiokit(1) and vfiokit-COMMAND(1).\n",
	      f);
}

static int help_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	print_usage(stdout);
	output_skip_document();
	return EXIT_OK;
}

static const struct vfk_cmd vfk_cmd_help = {
	.name = "help",
	.run = help_run,
	.help = "Show this help",
	.no_ctx = true,
	.operands = ARG_COMMAND,
};

static int version_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	print_text("vfiokit %s\n", PACKAGE_VERSION);
	print_string(PRINT_JSON, "version", NULL, PACKAGE_VERSION);
	return EXIT_OK;
}

static const struct vfk_cmd vfk_cmd_version = {
	.name = "version",
	.run = version_run,
	.help = "Show the version",
	.no_ctx = true,
};

__attribute__((format(printf, 6, 0))) static void log_stderr(void *data, int priority,
							     const char *file, int line,
							     const char *fn, const char *format,
							     va_list args)
{
	fprintf(stderr, "vfiokit: %s: ", priority >= LOG_DEBUG ? "debug" : "info");
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

/* Takes a value either as "--opt=VAL" or as the next argument. */
static int take_value(int argc, char *argv[], int *i, const char *name, const char **ret)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) == 0 && argv[*i][len] == '=') {
		*ret = argv[*i] + len + 1;
		return 1;
	}
	if (!streq(argv[*i], name))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*ret = argv[++*i];
	return 1;
}

/*
 * Global options may stand anywhere before "--", so that both "vfiokit --root T groups"
 * and "vfiokit groups --root T --json" work; they are removed from argv in place.
 */
static int extract_globals(int *argc, char *argv[], struct global_opts *o)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];
		int r;

		if (streq(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if ((r = take_value(*argc, argv, &i, "--root", &o->root)) ||
		    (r = take_value(*argc, argv, &i, "--pci-ids", &o->pci_ids))) {
			if (r < 0)
				return usage_error(NULL, "option '%s' needs a value", a);
			continue;
		}
		if (streq(a, "--json") || streq(a, "-J")) {
			o->json = true;
			continue;
		}
		if (streq(a, "--verbose")) {
			o->verbose++;
			continue;
		}
		/* -v, -vv, -vvv: each v one level more. */
		if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
			o->verbose += (int)strlen(a + 1);
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

/* Edit distance between two short words, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32], i, j;

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const struct vfk_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < vfk_n_commands; i++)
		if (streq(vfk_commands[i]->name, name))
			return vfk_commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	if (name[0] == '-')
		return usage_error(NULL, "unknown option '%s'", name);
	for (size_t i = 0; i < vfk_n_commands; i++) {
		size_t d = distance(name, vfk_commands[i]->name);

		if (d < best_d && !vfk_commands[i]->hidden) {
			best_d = d;
			best = vfk_commands[i]->name;
		}
	}
	if (best)
		return usage_error(NULL, "unknown command '%s'; did you mean '%s'?", name, best);
	return usage_error(NULL, "unknown command '%s'", name);
}

/* Ends with the JSON document, if any; @status is the command's exit status. */
static int finish(int status)
{
	int r = output_finish(status);

	if (r < 0 && status == EXIT_OK) {
		fprintf(stderr, "vfiokit: writing output: %s\n", strerror(-r));
		return EXIT_NOT_READY;
	}
	return status;
}

int main(int argc, char *argv[])
{
	struct global_opts o = {0};
	const struct vfk_cmd *cmd = NULL;
	struct vfk_ctx *ctx = NULL;
	const char *name;
	int r;

	r = extract_globals(&argc, argv, &o);
	if (r)
		return r;
	output_init(o.json);
	if (argc < 2) {
		print_usage(stderr);
		output_usage_error("no command given", "Try 'vfiokit --help'.");
		return finish(EXIT_USAGE);
	}
	name = argv[1];
	if (streq(name, "--help") || streq(name, "-h"))
		name = "help";
	else if (streq(name, "--version") || streq(name, "-V"))
		name = "version";
	cmd = find_command(name);
	if (!cmd)
		return finish(unknown_command(name));
	/* "help CMD" is "CMD --help". */
	if (cmd == &vfk_cmd_help && argc > 2) {
		static char help_opt[] = "--help";

		cmd = find_command(argv[2]);
		if (!cmd)
			return finish(unknown_command(argv[2]));
		argv[1] = argv[2];
		argv[2] = help_opt;
		argc = 3;
		argv[3] = NULL;
	}

	if (!cmd->no_ctx) {
		r = vfk_ctx_new(o.root, &ctx);
		if (r < 0) {
			log_error("--root %s: %s", o.root ? o.root : "/", strerror(-r));
			return finish(EXIT_USAGE);
		}
		if (o.verbose) {
			vfk_ctx_set_log_fn(ctx, log_stderr, NULL);
			vfk_ctx_set_log_priority(ctx, o.verbose > 1 ? LOG_DEBUG : LOG_INFO);
		} else if (vfk_ctx_get_log_priority(ctx) > LOG_ERR) {
			vfk_ctx_set_log_fn(ctx, log_stderr, NULL);
		}
		if (o.pci_ids || (o.pci_ids = getenv("VFIOKIT_PCI_IDS"))) {
			r = vfk_ctx_set_pci_ids_path(ctx, o.pci_ids);
			if (r < 0) {
				log_error("--pci-ids %s: %s", o.pci_ids, strerror(-r));
				vfk_ctx_unref(ctx);
				return finish(EXIT_USAGE);
			}
		}
	}
	r = cmd->run(ctx, argc - 1, argv + 1);
	vfk_ctx_unref(ctx);
	return finish(r);
}
