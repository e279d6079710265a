// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
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
	print_help("Usage: vfiokit groups [GROUP...]\n\n"
		   "List IOMMU groups and their devices: what must be passed through together.\n"
		   "Functions of one slot (a GPU and its HDMI audio) are shown together; a slot\n"
		   "split over several groups is pointed out.\n\n"
		   "Options:\n"
		   "  -J, --json   print JSON\n"
		   "  -h, --help   show this help");
}

/* @all is in address order, so a slot's functions are neighbours: find the first one by
 * bisection instead of comparing every device with every other. */
static size_t slot_first(const struct vfk_addr *a, struct vfk_device **all, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vfk_addr *m = vfk_device_get_addr(all[mid]);

		if (vfk_addr_cmp(m, a) < 0 && !vfk_addr_same_slot(m, a))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The other functions of @dev's slot, with their groups, so a GPU's companion functions
 * stay visible even when the kernel put them in other groups. */
static void print_slot_peers(struct vfk_device *dev, struct vfk_device **all, size_t n)
{
	const struct vfk_addr *addr = vfk_device_get_addr(dev);
	unsigned int mine = 0, theirs = 0;
	bool have_mine = vfk_device_get_iommu_group(dev, &mine) == 0, opened = false;

	for (size_t i = slot_first(addr, all, n);
	     i < n && vfk_addr_same_slot(vfk_device_get_addr(all[i]), addr); i++) {
		const char *bdf = vfk_device_get_bdf(all[i]);
		bool have;

		if (all[i] == dev)
			continue;
		have = vfk_device_get_iommu_group(all[i], &theirs) == 0;
		if (have_mine && have && theirs != mine)
			print_text("      same slot as %s in group %u\n", bdf, theirs);
		/* Text shows only the peers in other groups; a VF has seven peers. */
		if (!output_is_json())
			continue;
		if (!opened)
			output_open_array("slot_peers");
		opened = true;
		output_open_object(NULL);
		print_string(PRINT_JSON, "bdf", NULL, bdf);
		print_uint_or_null(PRINT_JSON, "iommu_group", NULL, have, theirs);
		output_close_object();
	}
	if (opened)
		output_close_array();
	else
		print_null(PRINT_JSON, "slot_peers", NULL);
}

static void print_member(struct vfk_device *dev, struct vfk_device **all, size_t n)
{
	output_open_object(NULL);
	print_device_fields(dev);
	print_device_entry(dev);
	print_slot_peers(dev, all, n);
	output_close_object();
}

static bool wanted(unsigned int id, const unsigned int *filter, size_t n_filter)
{
	if (!n_filter)
		return true;
	for (size_t i = 0; i < n_filter; i++)
		if (filter[i] == id)
			return true;
	return false;
}

static void print_regions(struct vfk_group *g)
{
	const struct vfk_resv_region *regions;
	size_t n;
	char buf[24];

	/* JSON only: text does not show them, and reading them costs a file per group. */
	if (!output_is_json())
		return;
	if (vfk_group_get_reserved_regions(g, &regions, &n) < 0) {
		print_null(PRINT_JSON, "reserved_regions", NULL);
		return;
	}
	output_open_array("reserved_regions");
	for (size_t i = 0; i < n; i++) {
		output_open_object(NULL);
		snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)regions[i].start);
		print_string(PRINT_JSON, "start", NULL, buf);
		snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)regions[i].end);
		print_string(PRINT_JSON, "end", NULL, buf);
		print_string(PRINT_JSON, "type", NULL, vfk_resv_type_to_string(regions[i].type));
		output_close_object();
	}
	output_close_array();
}

static void print_group(struct vfk_group *g, struct vfk_device **all, size_t n_all)
{
	const char *type = vfk_group_get_type(g);
	size_t members = vfk_group_get_n_devices(g);

	output_open_object(NULL);
	print_uint(PRINT_ANY, "id", "IOMMU group %" PRIu64, vfk_group_get_id(g));
	print_string(PRINT_JSON, "type", NULL, type);
	if (type)
		print_text(" (%s)", type);
	print_text(": %zu device%s\n", members, members == 1 ? "" : "s");
	print_regions(g);
	output_open_array("devices");
	for (size_t i = 0; i < members; i++)
		print_member(vfk_group_get_device(g, i), all, n_all);
	output_close_array();
	output_close_object();
}

static void print_ungrouped(struct vfk_device **all, size_t n_all)
{
	bool any = false;

	output_open_array("ungrouped");
	for (size_t i = 0; i < n_all; i++) {
		unsigned int id;

		if (vfk_device_get_iommu_group(all[i], &id) == 0)
			continue;
		if (!any)
			print_text("Devices without an IOMMU group:\n");
		any = true;
		print_member(all[i], all, n_all);
	}
	output_close_array();
}

/* Group numbers from the command line; 0 or EXIT_USAGE. */
static int parse_filter(int argc, char *argv[], unsigned int **ret, size_t *ret_n)
{
	unsigned int *filter = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (argc == 0)
		return 0;
	filter = calloc((size_t)argc, sizeof(*filter));
	if (!filter)
		return EXIT_NOT_READY;
	for (int i = 0; i < argc; i++) {
		char *end;
		unsigned long v = strtoul(argv[i], &end, 10);

		if (!*argv[i] || *end || v > 0x7fffffff) {
			free(filter);
			return usage_error("groups", "%s: not a group number", argv[i]);
		}
		filter[n++] = (unsigned int)v;
	}
	*ret = filter;
	*ret_n = n;
	return 0;
}

/* Reports the group numbers asked for that do not exist; true when any. */
static bool missing_groups(const unsigned int *filter, size_t n_filter,
			   struct vfk_group *const *groups, size_t n_groups)
{
	bool missing = false;

	for (size_t i = 0; i < n_filter; i++) {
		bool found = false;

		for (size_t j = 0; j < n_groups; j++)
			found |= vfk_group_get_id(groups[j]) == filter[i];
		if (!found) {
			log_error("IOMMU group %u does not exist", filter[i]);
			missing = true;
		}
	}
	return missing;
}

static const struct option opts[] = {
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";

static int groups_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **devices = NULL;
	struct vfk_group **groups = NULL;
	size_t n_dev = 0, n_groups = 0, n_filter = 0;
	_cleanup_free_ unsigned int *filter = NULL;
	int c, r, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("groups", "bad option");
		}
	}
	r = parse_filter(argc - optind, argv + optind, &filter, &n_filter);
	if (r)
		return r;
	/* JSON shows every detail of every device listed: read them with the rest. */
	vfk_ctx_set_eager_details(ctx, output_is_json() && n_filter == 0);
	r = vfk_ctx_get_devices(ctx, &devices, &n_dev);
	if (r < 0 && r != -ENOENT) {
		log_error("listing PCI devices: %s", strerror(-r));
		return EXIT_NOT_READY;
	}
	r = vfk_ctx_group_devices(ctx, devices, n_dev, &groups, &n_groups);
	if (r < 0) {
		log_error("listing IOMMU groups: %s", strerror(-r));
		vfk_device_list_free(devices, n_dev);
		return EXIT_NOT_READY;
	}
	/* A large host has thousands of functions: write each group as it is done. */
	output_set_stream(true);
	output_open_array("groups");
	for (size_t i = 0; i < n_groups; i++)
		if (wanted(vfk_group_get_id(groups[i]), filter, n_filter))
			print_group(groups[i], devices, n_dev);
	output_close_array();
	print_ungrouped(devices, n_dev);
	if (n_groups == 0)
		print_text("No IOMMU groups: the IOMMU is off or absent. Run 'vfiokit doctor' for "
			   "the fix.\n");
	if (missing_groups(filter, n_filter, groups, n_groups))
		ret = EXIT_NOT_READY;
	vfk_group_list_free(groups, n_groups);
	vfk_device_list_free(devices, n_dev);
	return ret;
}

const struct vfk_cmd vfk_cmd_groups = {
	.name = "groups",
	.run = groups_run,
	.help = "List IOMMU groups and what each holds",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_NONE,
};
