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
	puts("Usage: vfiokit groups [GROUP...]\n\n"
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
	unsigned int mine = 0, theirs;
	bool have_mine = vfk_device_get_iommu_group(dev, &mine) == 0, opened = false;
	size_t i;

	for (i = slot_first(addr, all, n);
	     i < n && vfk_addr_same_slot(vfk_device_get_addr(all[i]), addr); i++) {
		struct vfk_device *o = all[i];
		bool have;

		if (o == dev)
			continue;
		have = vfk_device_get_iommu_group(o, &theirs) == 0;
		if (output_is_json()) {
			if (!opened)
				output_open_array("slot_peers");
			opened = true;
			output_open_object(NULL);
			print_string(PRINT_JSON, "bdf", NULL, vfk_device_get_bdf(o));
			if (have)
				print_uint(PRINT_JSON, "iommu_group", NULL, theirs);
			else
				print_null(PRINT_JSON, "iommu_group", NULL);
			output_close_object();
		} else if (have_mine && have && theirs != mine) {
			printf("      same slot as %s in group %u\n", vfk_device_get_bdf(o),
			       theirs);
		}
	}
	if (opened)
		output_close_array();
	else if (output_is_json())
		print_null(PRINT_JSON, "slot_peers", NULL);
}

static void print_member(struct vfk_device *dev, struct vfk_device **all, size_t n)
{
	char line[512];
	const char *drv = vfk_device_get_driver(dev);

	if (output_is_json()) {
		output_open_object(NULL);
		print_device_json(dev);
		print_slot_peers(dev, all, n);
		output_close_object();
		return;
	}
	format_device_line(dev, line, sizeof(line));
	printf("  %s %s\n", vfk_device_get_bdf(dev), line);
	printf("      driver: %s\n", drv ? drv : "none");
	print_slot_peers(dev, all, n);
}

static bool wanted(unsigned int id, int argc, char *argv[], unsigned int *filter, int nfilter)
{
	int i;

	if (!nfilter)
		return true;
	for (i = 0; i < nfilter; i++)
		if (filter[i] == id)
			return true;
	return false;
}

static void print_regions(struct vfk_group *g)
{
	const struct vfk_resv_region *regions;
	size_t n, i;
	char buf[24];

	if (vfk_group_get_reserved_regions(g, &regions, &n) < 0) {
		print_null(PRINT_JSON, "reserved_regions", NULL);
		return;
	}
	output_open_array("reserved_regions");
	for (i = 0; i < n; i++) {
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

static int groups_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct vfk_device **devices = NULL;
	struct vfk_group **groups = NULL;
	size_t n_dev = 0, n_groups = 0, i, j, n_ungrouped = 0;
	unsigned int *filter = NULL;
	int nfilter = 0, c, r, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("groups", "bad option");
		}
	}
	if (optind < argc) {
		filter = calloc((size_t)(argc - optind), sizeof(*filter));
		if (!filter)
			return EXIT_NOT_READY;
		for (; optind < argc; optind++) {
			char *end;
			unsigned long v = strtoul(argv[optind], &end, 10);

			if (!*argv[optind] || *end || v > 0x7fffffff) {
				free(filter);
				return usage_error("groups", "%s: not a group number",
						   argv[optind]);
			}
			filter[nfilter++] = (unsigned int)v;
		}
	}

	r = vfk_ctx_get_devices(ctx, &devices, &n_dev);
	if (r < 0 && r != -ENOENT) {
		log_error("listing PCI devices: %s", strerror(-r));
		free(filter);
		return EXIT_NOT_READY;
	}
	r = vfk_ctx_group_devices(ctx, devices, n_dev, &groups, &n_groups);
	if (r < 0) {
		log_error("listing IOMMU groups: %s", strerror(-r));
		vfk_device_list_free(devices, n_dev);
		free(filter);
		return EXIT_NOT_READY;
	}

	output_open_array("groups");
	for (i = 0; i < n_groups; i++) {
		struct vfk_group *g = groups[i];
		unsigned int id = vfk_group_get_id(g);
		size_t members = vfk_group_get_n_devices(g);

		if (!wanted(id, argc, argv, filter, nfilter))
			continue;
		output_open_object(NULL);
		print_uint(PRINT_JSON, "id", NULL, id);
		print_string(PRINT_JSON, "type", NULL, vfk_group_get_type(g));
		if (output_is_json())
			print_regions(g);
		if (!output_is_json()) {
			printf("IOMMU group %u", id);
			if (vfk_group_get_type(g))
				printf(" (%s)", vfk_group_get_type(g));
			printf(": %zu device%s\n", members, members == 1 ? "" : "s");
		}
		output_open_array("devices");
		for (j = 0; j < members; j++)
			print_member(vfk_group_get_device(g, j), devices, n_dev);
		output_close_array();
		output_close_object();
	}
	output_close_array();

	for (i = 0; i < n_dev; i++) {
		unsigned int id;

		if (vfk_device_get_iommu_group(devices[i], &id) == 0)
			continue;
		if (!n_ungrouped++) {
			output_open_array("ungrouped");
			print_text("Devices without an IOMMU group:\n");
		}
		print_member(devices[i], devices, n_dev);
	}
	if (n_ungrouped)
		output_close_array();
	else if (output_is_json())
		output_open_array("ungrouped"), output_close_array();

	if (n_groups == 0 && !output_is_json())
		printf("No IOMMU groups: the IOMMU is off or absent. Run 'vfiokit doctor' for the "
		       "fix.\n");
	if (nfilter) {
		for (i = 0; i < (size_t)nfilter; i++) {
			bool found = false;

			for (j = 0; j < n_groups; j++)
				found |= vfk_group_get_id(groups[j]) == filter[i];
			if (!found) {
				log_error("IOMMU group %u does not exist", filter[i]);
				ret = EXIT_NOT_READY;
			}
		}
	}
	vfk_group_list_free(groups, n_groups);
	vfk_device_list_free(devices, n_dev);
	free(filter);
	return ret;
}

const struct vfk_cmd vfk_cmd_groups = {
	.name = "groups",
	.run = groups_run,
	.help = "List IOMMU groups and what each holds",
};
