// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"

static void help(void)
{
	puts("Usage: vfiokit restore [--dry-run] --all | DEVICE...\n\n"
	     "Put devices that vfiokit moved back where they were, newest first, from the\n"
	     "journal in /run/vfiokit: the old driver_override, off vfio-pci, the original\n"
	     "driver probed again (a device that had none stays unbound). A device whose\n"
	     "VFIO group or device file a process holds open is refused, naming the\n"
	     "process. Works after a crash of vfiokit.\n\n"
	     "Options:\n"
	     "  --all          every device in the journal\n"
	     "  -n, --dry-run  print the writes and change nothing\n"
	     "  -J, --json     print JSON\n"
	     "  -h, --help     show this help\n\n"
	     "Exit status: 0 restored, 1 refused or failed, 2 usage error.");
}

static void show_write(void *userdata, const char *path, const char *value)
{
	bool *json = userdata;

	if (!*json)
		printf("  write /%s <- \"%s\"\n", path, streq(value, "\n") ? "\\n" : value);
}

static int restore_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	bool all = false, dry = false, json = output_is_json();
	char **before = NULL, **bdfs = NULL, *detail = NULL;
	size_t n_before = 0, n = 0;
	sigset_t set, old;
	int c, err;

	while ((c = getopt_long(argc, argv, "+anh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("restore", "unknown option");
		}
	}
	if (all == (optind < argc))
		return usage_error("restore", "give --all or devices, not both or neither");
	if (!all) {
		n = (size_t)(argc - optind);
		bdfs = calloc(n, sizeof(*bdfs));
		if (!bdfs)
			return EXIT_NOT_READY;
		for (size_t i = 0; i < n; i++) {
			struct vfk_device *d;

			if (vfk_device_new_from_string(ctx, argv[optind + i], &d) < 0) {
				struct vfk_addr a;

				/* A device gone from the bus can still be in the journal. */
				if (vfk_addr_parse(argv[optind + i], &a, NULL) < 0) {
					free(bdfs);
					return usage_error("restore", "%s: not a PCI address",
							   argv[optind + i]);
				}
				bdfs[i] = malloc(VFK_ADDR_STRLEN);
				if (bdfs[i])
					vfk_addr_format(&a, bdfs[i]);
				continue;
			}
			bdfs[i] = strdup(vfk_device_get_bdf(d));
			vfk_device_unref(d);
		}
	}
	if (vfk_journal_get_devices(ctx, &before, &n_before) < 0)
		n_before = 0;
	if (n_before == 0 && !json) {
		printf("Nothing to restore: the journal is empty.\n");
		free(before);
		for (size_t i = 0; i < n; i++)
			free(bdfs[i]);
		free(bdfs);
		return all ? EXIT_OK : EXIT_NOT_READY;
	}
	if (dry && !json)
		printf("Would write (dry run, nothing changes):\n");
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	err = vfk_restore(ctx, (const char *const *)bdfs, n, dry ? VFK_BIND_DRY_RUN : 0,
			  dry || vfk_ctx_get_log_priority(ctx) >= 6 ? show_write : NULL, &json,
			  &detail);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (detail)
		(err < 0 ? log_error : log_warn)("%s", detail);
	if (err < 0)
		log_error("restore: %s",
			  err == -EBUSY ? "refused: a device is in use" : strerror(-err));
	print_bool(PRINT_JSON, "dry_run", NULL, dry);
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	output_open_array("journal_before");
	for (size_t i = 0; i < n_before; i++)
		print_string(PRINT_JSON, NULL, NULL, before[i]);
	output_close_array();
	for (size_t i = 0; err >= 0 && !dry && !json && i < n_before; i++) {
		struct vfk_device *d;

		if (vfk_device_new_from_string(ctx, before[i], &d) == 0) {
			const char *drv = vfk_device_get_driver(d);
			bool asked = all;

			for (size_t k = 0; k < n; k++)
				asked |= bdfs[k] && streq(bdfs[k], before[i]);
			if (asked)
				printf("%s: now on %s\n", before[i], drv ? drv : "no driver");
			vfk_device_unref(d);
		}
	}
	for (size_t i = 0; i < n_before; i++)
		free(before[i]);
	free(before);
	for (size_t i = 0; i < n; i++)
		free(bdfs[i]);
	free(bdfs);
	free(detail);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

const struct vfk_cmd vfk_cmd_restore = {
	.name = "restore",
	.run = restore_run,
	.help = "Put devices moved by bind back where they were",
};
