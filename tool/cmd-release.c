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

static void help(void)
{
	print_help(
		"Usage: vfiokit release [--dry-run] DEVICE...\n\n"
		"Give devices on vfio-pci that vfiokit did not move (reserved at boot by\n"
		"vfiokit persist or vfio-pci.ids=, or bound by another tool) to the driver the\n"
		"kernel picks: driver_override is cleared, the device leaves vfio-pci and\n"
		"drivers_probe is written, like `driverctl unset-override`. A device no driver\n"
		"claims stays unbound, and is said. Refused, changing nothing, when a device is\n"
		"in vfiokit's journal (use `vfiokit restore`) or a process holds its VFIO group\n"
		"or device file open (named). A device not on vfio-pci is left alone. Warns when\n"
		"the next boot gives a device to vfio-pci again (`vfiokit persist --undo`).\n\n"
		"Options:\n"
		"  -n, --dry-run  print the writes and change nothing\n"
		"  -J, --json     print JSON\n"
		"  -h, --help     show this help\n\n"
		"Exit status: 0 released (or nothing to do), 1 refused or failed, 2 usage error.");
}

static void show_write(void *userdata, const char *path, const char *value)
{
	print_write(path, value);
}

/* Each line of the library's report as a message of its own (one JSON entry each). */
static void report(const char *detail, bool error)
{
	const char *line = detail;

	while (line && *line) {
		size_t len = strcspn(line, "\n");

		if (error)
			log_error("%.*s", (int)len, line);
		else
			log_warn("%.*s", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

static const char *refusal(int err)
{
	switch (err) {
	case -EEXIST:
	case -EBUSY:
	case -ENODEV:
		return "refused; nothing was changed";
	case -EBADMSG:
		return "refused: the journal is damaged; nothing was changed";
	case -EAGAIN:
		return "vfio-pci took a device again";
	default:
		return strerror(-err);
	}
}

/* Where each device was and is now; text names only the devices that moved. */
static void print_released(struct vfk_ctx *ctx, struct vfk_device **targets, size_t n, bool dry)
{
	output_open_array("devices");
	for (size_t i = 0; i < n; i++) {
		const char *was = vfk_device_get_driver(targets[i]), *drv;
		struct vfk_device *now = NULL;
		bool released;

		if (vfk_device_new(ctx, vfk_device_get_addr(targets[i]), &now) < 0)
			continue;
		drv = vfk_device_get_driver(now);
		released = vfk_device_is_vfio_bound(targets[i]) && !vfk_device_is_vfio_bound(now);
		output_open_object(NULL);
		print_string(PRINT_JSON, "bdf", NULL, vfk_device_get_bdf(now));
		print_string(PRINT_JSON, "was", NULL, was);
		print_string(PRINT_JSON, "driver", NULL, drv);
		print_bool(PRINT_JSON, "released", NULL, !dry && released);
		output_close_object();
		if (!dry && released)
			print_text("%s: %s -> %s\n", vfk_device_get_bdf(now), was ?: "no driver",
				   drv ?: "no driver");
		vfk_device_unref(now);
	}
	output_close_array();
}

static const struct option opts[] = {
	{"dry-run", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "nh";

static int release_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **targets = NULL;
	const char **bdfs = NULL;
	size_t n = 0;
	char *detail = NULL;
	bool dry = false;
	sigset_t old;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("release", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("release", "name at least one device, e.g. 0000:01:00.0");
	err = resolve_devices(ctx, argc - optind, argv + optind, &targets, &n);
	if (err)
		return err;
	bdfs = calloc(n + 1, sizeof(*bdfs));
	if (!bdfs) {
		vfk_device_list_free(targets, n);
		log_error("out of memory");
		return EXIT_NOT_READY;
	}
	for (size_t i = 0; i < n; i++)
		bdfs[i] = vfk_device_get_bdf(targets[i]);
	/* A refused dry run shows nothing of what it would have done. */
	if (dry) {
		output_hold_text();
		print_text("Would write (dry run, nothing changes):\n");
	}
	transaction_begin(&old);
	err = vfk_release(ctx, bdfs, n, dry ? VFK_BIND_DRY_RUN : 0,
			  dry || vfk_ctx_get_log_priority(ctx) >= 6 ? show_write : NULL, NULL,
			  &detail);
	transaction_end(&old);
	if (dry)
		output_release_text(err >= 0);
	report(detail, err < 0);
	if (err < 0)
		log_error("release: %s", refusal(err));
	print_bool(PRINT_JSON, "dry_run", NULL, dry);
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_released(ctx, targets, n, dry);
	free(detail);
	free(bdfs);
	vfk_device_list_free(targets, n);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

const struct vfk_cmd vfk_cmd_release = {
	.name = "release",
	.run = release_run,
	.help = "Give devices vfiokit did not bind back from vfio-pci to the kernel",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
