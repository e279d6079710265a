// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vfiokit/iommu.h>
#include <vfiokit/vfio.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"

static void help(void)
{
	print_help("Usage: vfiokit info [--backend auto|iommufd|type1|type1v2] DEVICE\n\n"
		   "Open a device that is on vfio-pci the way a userspace driver would, and show\n"
		   "what VFIO offers: the IOMMU backend used and why, the regions (BARs, ROM,\n"
		   "config space) with the parts that can be mmap'd, the interrupts, whether the\n"
		   "function can be reset and which devices a bus reset would hit, and the IOVA\n"
		   "ranges and page sizes DMA can use. Nothing on the device is changed.\n\n"
		   "Options:\n"
		   "  --backend NAME  the IOMMU backend to open it with (default: auto)\n"
		   "  -J, --json      print JSON\n"
		   "  -h, --help      show this help\n\n"
		   "Exit status: 0 shown, 1 the device cannot be opened, 2 usage error.");
}

/* Flags as an array in JSON and a comma-separated list in text. */
static void print_flags(const char *key, unsigned int flags, const char *const *names, size_t n)
{
	bool first = true;
	size_t i;

	output_open_array(key);
	print_text("  ");
	for (i = 0; i < n; i++) {
		if (!(flags & (1u << i)))
			continue;
		print_string(PRINT_ANY, NULL, first ? "%s" : ",%s", names[i]);
		first = false;
	}
	if (first)
		print_text("-");
	output_close_array();
}

static void print_regions(struct vfk_vfio *v)
{
	static const char *const names[] = {"read", "write", "mmap"};
	unsigned int i, n = vfk_vfio_get_n_regions(v);
	size_t a;

	print_text("Regions:\n");
	output_open_array("regions");
	for (i = 0; i < n; i++) {
		const struct vfk_region_info *r;

		if (vfk_vfio_get_region(v, i, &r) < 0)
			continue;
		output_open_object(NULL);
		print_uint(PRINT_ANY, "index", "  %-2" PRIu64, r->index);
		print_string(PRINT_ANY, "name", " %-9s", r->name);
		print_uint(PRINT_ANY, "size", " size 0x%-9" PRIx64, r->size);
		print_flags("flags", r->flags, names, ARRAY_SIZE(names));
		output_open_array("mmap_areas");
		for (a = 0; a < r->n_areas; a++) {
			output_open_object(NULL);
			print_uint(PRINT_ANY, "offset", a ? ", 0x%" PRIx64 : "  mmap 0x%" PRIx64,
				   r->areas[a].offset);
			print_uint(PRINT_ANY, "size", "+0x%" PRIx64, r->areas[a].size);
			output_close_object();
		}
		output_close_array();
		print_text("\n");
		output_close_object();
	}
	output_close_array();
}

static void print_irqs(struct vfk_vfio *v)
{
	static const char *const names[] = {"eventfd", "maskable", "automasked", "noresize"};
	unsigned int t;

	print_text("Interrupts:\n");
	output_open_array("irqs");
	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++) {
		uint32_t count, flags;

		if (vfk_vfio_get_irq_info(v, (enum vfk_irq_type)t, &count, &flags) < 0)
			continue;
		output_open_object(NULL);
		print_string(PRINT_ANY, "type", "  %-5s",
			     vfk_irq_type_to_string((enum vfk_irq_type)t));
		print_uint(PRINT_ANY, "count", " %4" PRIu64, count);
		print_flags("flags", flags, names, ARRAY_SIZE(names));
		print_text("\n");
		output_close_object();
	}
	output_close_array();
}

static void print_reset(struct vfk_vfio *v)
{
	struct vfk_addr *devs = NULL;
	size_t n = 0, i;
	int r;

	output_open_object("reset");
	print_bool(PRINT_ANY, "function", "Function reset: %s\n", vfk_vfio_can_reset(v));
	r = vfk_vfio_get_hot_reset_devices(v, &devs, &n);
	print_text("Hot reset:");
	output_open_array("hot_reset_devices");
	for (i = 0; i < n; i++) {
		char bdf[VFK_ADDR_STRLEN];

		print_string(PRINT_ANY, NULL, i ? ", %s" : " also resets %s",
			     vfk_addr_format(&devs[i], bdf));
	}
	output_close_array();
	if (r < 0)
		print_text(" not possible (%s)", vfk_last_error());
	print_text("\n");
	output_close_object();
	free(devs);
}

static void print_dma(struct vfk_iommu *iommu)
{
	const struct vfk_iova_range *ranges = NULL;
	size_t n = 0, i;
	uint64_t sizes = 0;
	unsigned int bit;

	print_text("IOVA ranges:\n");
	output_open_array("iova_ranges");
	if (vfk_iommu_get_iova_ranges(iommu, &ranges, &n) == 0)
		for (i = 0; i < n; i++) {
			output_open_object(NULL);
			print_uint(PRINT_ANY, "start", "  0x%016" PRIx64, ranges[i].start);
			print_uint(PRINT_ANY, "last", "-0x%016" PRIx64 "\n", ranges[i].last);
			output_close_object();
		}
	output_close_array();

	print_text("Page sizes:");
	output_open_array("page_sizes");
	if (vfk_iommu_get_page_sizes(iommu, &sizes) == 0)
		for (bit = 0; bit < 64; bit++) {
			if (!(sizes & (UINT64_C(1) << bit)))
				continue;
			/* Bytes in JSON; K, M, G in text. */
			print_uint(PRINT_JSON, NULL, NULL, UINT64_C(1) << bit);
			if (bit >= 30)
				print_text(" %" PRIu64 "G", UINT64_C(1) << (bit - 30));
			else if (bit >= 20)
				print_text(" %" PRIu64 "M", UINT64_C(1) << (bit - 20));
			else if (bit >= 10)
				print_text(" %" PRIu64 "K", UINT64_C(1) << (bit - 10));
			else
				print_text(" %" PRIu64, UINT64_C(1) << bit);
		}
	output_close_array();
	print_text("\n");
}

enum { OPT_BACKEND = OPT_FIRST_FREE };
static const struct option opts[] = {
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";
static const struct vfk_opt_hint hints[] = {
	{"backend", ARG_WORDS, "auto iommufd type1v2 type1"},
	{},
};

static int info_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	enum vfk_iommu_backend backend = VFK_IOMMU_AUTO;
	struct vfk_device **devs = NULL;
	struct vfk_iommu *iommu = NULL;
	struct vfk_vfio *v = NULL;
	size_t n_devs = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case OPT_BACKEND:
			r = vfk_iommu_backend_from_string(optarg);
			if (r < 0 || r == VFK_IOMMU_NOIOMMU)
				return usage_error(
					"info", "--backend takes auto, iommufd, type1v2 or type1");
			backend = (enum vfk_iommu_backend)r;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("info", "unknown option");
		}
	}
	if (argc - optind != 1)
		return usage_error("info", "give one device");
	r = resolve_devices(ctx, 1, argv + optind, &devs, &n_devs);
	if (r)
		return r;

	r = vfk_iommu_new(ctx, backend, &iommu);
	if (r == 0)
		r = vfk_vfio_open(iommu, devs[0], NULL, &v);
	if (r < 0) {
		const char *why = vfk_last_error()[0] ? vfk_last_error() : strerror(-r);
		const char *bdf = vfk_device_get_bdf(devs[0]);

		/* Say which device, also when the reason is about the domain. */
		if (strstr(why, bdf))
			log_error("%s", why);
		else
			log_error("%s: %s", bdf, why);
		vfk_iommu_unref(iommu);
		vfk_device_list_free(devs, n_devs);
		return EXIT_NOT_READY;
	}

	print_string(PRINT_ANY, "bdf", "Device %s\n", vfk_device_get_bdf(devs[0]));
	print_string(PRINT_ANY, "backend", "Backend: %s",
		     vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)));
	print_string(PRINT_ANY, "backend_reason", " (%s)\n", vfk_iommu_get_backend_reason(iommu));
	print_regions(v);
	print_irqs(v);
	print_reset(v);
	print_dma(iommu);

	vfk_vfio_unref(v);
	vfk_iommu_unref(iommu);
	vfk_device_list_free(devs, n_devs);
	return EXIT_OK;
}

const struct vfk_cmd vfk_cmd_info = {
	.name = "info",
	.run = info_run,
	.help = "Open a device on vfio-pci and show its regions, interrupts and resets",
	.options = opts,
	.shortopts = shortopts,
	.hints = hints,
	.operands = ARG_DEVICE,
};
