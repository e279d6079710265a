// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"

static void help(void)
{
	print_help(
		"Usage: vfiokit snapshot [--no-modules] DIR\n\n"
		"Copy what vfiokit reads of this machine (PCI devices, IOMMU groups and units,\n"
		"ACPI IOMMU tables, kernel command line and log, CPU, vfio modules, device\n"
		"nodes, distribution and bootloader files) into DIR, which must not exist or\n"
		"be empty. `vfiokit --root DIR ...` then shows that machine anywhere: attach\n"
		"DIR to a bug report, or keep it as a test fixture. Run it as root so the ACPI\n"
		"tables and the kernel log can be read. See vfiokit-snapshot(1) for the list.\n\n"
		"Options:\n"
		"  --no-modules  leave out the module index files (about 2 MB)\n"
		"  -J, --json    print JSON\n"
		"  -h, --help    show this help");
}

/* Opening the capture as a root proves it works and gives the counts users expect. */
static int count(const char *dir, size_t *n_devices, size_t *n_groups)
{
	struct vfk_device **devs = NULL;
	struct vfk_group **groups = NULL;
	struct vfk_ctx *ctx;
	int err = vfk_ctx_new(dir, &ctx);

	if (err < 0)
		return err;
	err = vfk_ctx_get_devices(ctx, &devs, n_devices);
	if (err >= 0) {
		vfk_device_list_free(devs, *n_devices);
		err = vfk_ctx_get_groups(ctx, &groups, n_groups);
		if (err >= 0)
			vfk_group_list_free(groups, *n_groups);
	}
	vfk_ctx_unref(ctx);
	return err;
}

static const struct option opts[] = {
	{"no-modules", no_argument, NULL, 'M'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";

static int snapshot_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	unsigned int flags = 0, n_files = 0, n_unreadable = 0;
	size_t n_devices = 0, n_groups = 0;
	const char *dir;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'M':
			flags |= VFK_SNAPSHOT_NO_MODULES;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("snapshot", "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_error("snapshot", "expected one directory");
	dir = argv[optind];

	err = vfk_snapshot_write(ctx, dir, flags, &n_files, &n_unreadable);
	if (err == -EEXIST) {
		log_error("snapshot: %s is not empty; give a new or empty directory", dir);
		return EXIT_NOT_READY;
	}
	if (err == -EPERM) {
		log_error("snapshot: %s exists but is not yours alone (another owner, or "
			  "writable by others); give a new directory",
			  dir);
		return EXIT_NOT_READY;
	}
	if (err < 0) {
		log_error("snapshot: cannot capture into %s: %s (nothing was left behind)", dir,
			  strerror(-err));
		return EXIT_NOT_READY;
	}
	err = count(dir, &n_devices, &n_groups);
	if (err < 0) {
		log_error("snapshot: %s was written but cannot be read back: %s", dir,
			  strerror(-err));
		return EXIT_NOT_READY;
	}
	print_string(PRINT_JSON, "path", NULL, dir);
	print_uint(PRINT_JSON, "devices", NULL, n_devices);
	print_uint(PRINT_JSON, "groups", NULL, n_groups);
	print_uint(PRINT_JSON, "files", NULL, n_files);
	print_uint(PRINT_JSON, "unreadable", NULL, n_unreadable);
	print_text("Captured %zu PCI device%s in %zu IOMMU group%s (%u files) into %s.\n",
		   n_devices, n_devices == 1 ? "" : "s", n_groups, n_groups == 1 ? "" : "s",
		   n_files, dir);
	if (n_unreadable)
		print_text("%u file%s could not be read (run as root to include them); see "
			   "%s/vfiokit-snapshot.json.\n",
			   n_unreadable, n_unreadable == 1 ? "" : "s", dir);
	print_text("Look at it with: vfiokit --root %s groups\n", dir);
	return EXIT_OK;
}

const struct vfk_cmd vfk_cmd_snapshot = {
	.name = "snapshot",
	.run = snapshot_run,
	.help = "Capture this machine's PCI, IOMMU and boot facts into a directory",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DIR,
};
