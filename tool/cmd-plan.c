// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "device-print.h"
#include "macro.h"
#include "output.h"

static void help(void)
{
	print_help("Usage: vfiokit plan DEVICE...\n\n"
		   "Show what passing DEVICE... through takes, before anything changes: the\n"
		   "members of their IOMMU groups that must move to vfio-pci and those that may\n"
		   "stay, what the host loses (network interfaces, disks, its display, sound),\n"
		   "what blocks the move (mounted filesystems, swap, the boot display, bridges,\n"
		   "the vfio-pci denylist, no IOMMU), and how the devices reset.\n"
		   "Nothing is changed.\n\n"
		   "Options:\n"
		   "  -J, --json   print JSON\n"
		   "  -h, --help   show this help\n\n"
		   "Exit status: 0 the plan can be applied, 1 something blocks it, 2 usage error.");
}

static void print_devices(const char *key, const char *title, struct vfk_device *const *devs,
			  size_t n)
{
	output_open_array(key);
	print_text("%s:%s\n", title, n ? "" : " none");
	for (size_t i = 0; i < n; i++) {
		print_string(PRINT_JSON, NULL, NULL, vfk_device_get_bdf(devs[i]));
		print_device_entry(devs[i]);
	}
	output_close_array();
}

/* "  BDF  id: message", its further lines under the id on a terminal. */
static void print_finding_text(struct vfk_plan *plan, size_t i)
{
	const char *dev = vfk_plan_get_finding_device(plan, i);
	char *prefix = NULL, *text = NULL;

	if (output_is_json())
		return;
	if (asprintf(&prefix, "  %s  ", dev) >= 0 &&
	    asprintf(&text, "%s: %s", vfk_plan_get_finding_id(plan, i),
		     vfk_plan_get_finding_message(plan, i)) >= 0)
		print_wrapped(prefix, strlen(prefix), strlen(prefix), text);
	free(prefix);
	free(text);
}

static void print_findings(struct vfk_plan *plan, enum vfk_finding_kind kind, const char *key,
			   const char *title)
{
	size_t n = vfk_plan_get_n_findings(plan), shown = 0;

	output_open_array(key);
	for (size_t i = 0; i < n; i++) {
		const char *force = force_flag_name(vfk_plan_get_finding_force(plan, i));

		if (vfk_plan_get_finding_kind(plan, i) != kind)
			continue;
		if (!shown++)
			print_text("\n%s:\n", title);
		output_open_object(NULL);
		print_string(PRINT_JSON, "device", NULL, vfk_plan_get_finding_device(plan, i));
		print_string(PRINT_JSON, "id", NULL, vfk_plan_get_finding_id(plan, i));
		print_string(PRINT_JSON, "message", NULL, vfk_plan_get_finding_message(plan, i));
		print_finding_text(plan, i);
		if (kind == VFK_FINDING_BLOCKER)
			print_string(PRINT_JSON, "force", NULL, force);
		if (force)
			print_text("      (to do it anyway: --%s)\n", force);
		output_close_object();
	}
	output_close_array();
}

static const struct option opts[] = {
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";

static int plan_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **targets = NULL;
	struct vfk_device *const *devs;
	struct vfk_plan *plan = NULL;
	size_t n_targets = 0, n;
	bool ok;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("plan", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("plan", "name at least one device, e.g. 0000:01:00.0");
	err = resolve_devices(ctx, argc - optind, argv + optind, &targets, &n_targets);
	if (err)
		return err;
	err = vfk_plan_new(ctx, targets, n_targets, &plan);
	vfk_device_list_free(targets, n_targets);
	if (err < 0) {
		log_error("plan: %s", strerror(-err));
		return EXIT_NOT_READY;
	}
	ok = vfk_plan_is_applicable(plan);

	print_bool(PRINT_JSON, "applicable", NULL, ok);
	devs = vfk_plan_get_must_move(plan, &n);
	print_devices("must_move", "Must move to vfio-pci", devs, n);
	devs = vfk_plan_get_may_stay(plan, &n);
	print_devices("may_stay", "\nMay stay (the kernel allows them in a group in use)", devs, n);
	print_findings(plan, VFK_FINDING_BLOCKER, "blockers", "Blocks the move");
	print_findings(plan, VFK_FINDING_HOST_LOSES, "host_loses", "The host loses");
	print_findings(plan, VFK_FINDING_NOTE, "notes", "Notes");
	/* vfio pins all guest RAM for DMA; libvirt adds 1 GiB for the devices' own mappings. */
	print_string(PRINT_JSON, "memlock", NULL, "guest RAM + 1 GiB");
	print_text("\nA VM with these devices locks all of its RAM (vfio pins it for DMA):\n"
		   "RLIMIT_MEMLOCK must be at least the guest's RAM + 1 GiB.\n"
		   "%s\n",
		   ok ? "Nothing blocks this plan."
		      : "Blocked: fix or override every item under \"Blocks the move\".");
	vfk_plan_unref(plan);
	return ok ? EXIT_OK : EXIT_NOT_READY;
}

const struct vfk_cmd vfk_cmd_plan = {
	.name = "plan",
	.run = plan_run,
	.help = "Show what passing devices through takes and what the host loses",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
