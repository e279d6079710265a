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
	print_help("Usage: vfiokit list [--class KIND] [--id VENDOR[:DEVICE]] [DEVICE...]\n\n"
		   "List PCI devices with their IOMMU group and driver, and which network\n"
		   "interfaces are active.\n\n"
		   "Options:\n"
		   "  -c, --class KIND   only gpu, net, storage, usb, audio, bridge or other\n"
		   "  -d, --id V[:D]     only devices with vendor id V (and device id D), in hex\n"
		   "  -J, --json         print JSON\n"
		   "  -h, --help         show this help");
}

struct id_filter {
	bool active;
	uint16_t vendor;
	int device; /* -1: any */
};

static int parse_id_filter(const char *s, struct id_filter *f)
{
	char *end;
	unsigned long v, d;

	v = strtoul(s, &end, 16);
	if (end - s != 4)
		return -EINVAL;
	f->vendor = (uint16_t)v;
	f->device = -1;
	if (*end == ':') {
		const char *p = end + 1;

		if (!*p) {
			f->active = true;
			return 0;
		}
		d = strtoul(p, &end, 16);
		if (end - p != 4)
			return -EINVAL;
		f->device = (int)d;
	}
	if (*end)
		return -EINVAL;
	f->active = true;
	return 0;
}

static bool match(struct vfk_device *dev, int kind, const struct id_filter *f)
{
	uint16_t v, d;
	uint32_t cls;

	if (kind >= 0 &&
	    (vfk_device_get_class(dev, &cls) < 0 || (int)vfk_class_kind_of(cls) != kind))
		return false;
	if (f->active) {
		if (vfk_device_get_ids(dev, &v, &d) < 0 || v != f->vendor)
			return false;
		if (f->device >= 0 && d != f->device)
			return false;
	}
	return true;
}

#define ROW "%-12s  %5s  %-16s  %s%s\n"

static const struct {
	unsigned int bit;
	const char *key, *text;
} reasons[] = {
	{VFK_NET_DEFAULT_ROUTE, "default_route", "default route"},
	{VFK_NET_ADDRESSES, "addresses", "addresses"},
	{VFK_NET_SSH_SESSION, "ssh_session", "SSH session"},
	{VFK_NET_UP, "up", "up"},
};

/* A network function's interfaces: the "network" array in JSON, and in text
 * "  if=NAME *Active* (why, ...)" for each, into @text, as dpdk-devbind.py marks them. */
static void print_network(struct vfk_device *dev, char *text, size_t size)
{
	struct vfk_net_iface *ifs = NULL;
	size_t n = 0, len = 0;
	uint32_t cls;

	text[0] = '\0';
	if (vfk_device_get_class(dev, &cls) < 0 || vfk_class_kind_of(cls) != VFK_CLASS_NET)
		return;
	if (vfk_device_get_net_ifaces(dev, &ifs, &n) < 0) {
		print_null(PRINT_JSON, "network", NULL);
		return;
	}
	output_open_array("network");
	for (size_t i = 0; i < n; i++) {
		const char *sep = " (";

		output_open_object(NULL);
		print_string(PRINT_JSON, "interface", NULL, ifs[i].name);
		print_bool(PRINT_JSON, "active", NULL, ifs[i].reasons != 0);
		output_open_array("reasons");
		if (len < size)
			len += (size_t)snprintf(text + len, size - len, "%sif=%s%s", i ? " " : "  ",
						ifs[i].name, ifs[i].reasons ? " *Active*" : "");
		for (size_t k = 0; k < ARRAY_SIZE(reasons); k++) {
			if (!(ifs[i].reasons & reasons[k].bit))
				continue;
			print_string(PRINT_JSON, NULL, NULL, reasons[k].key);
			if (len < size)
				len += (size_t)snprintf(text + len, size - len, "%s%s", sep,
							reasons[k].text);
			sep = ", ";
		}
		if (ifs[i].reasons && len < size)
			len += (size_t)snprintf(text + len, size - len, ")");
		output_close_array();
		output_close_object();
	}
	output_close_array();
	vfk_net_iface_list_free(ifs, n);
}

static void print_row(struct vfk_device *dev)
{
	char line[512], net[512], group[16] = "-";
	unsigned int g;

	output_open_object(NULL);
	print_device_fields(dev);
	print_network(dev, net, sizeof(net));
	output_close_object();
	if (vfk_device_get_iommu_group(dev, &g) == 0)
		snprintf(group, sizeof(group), "%u", g);
	format_device_line(dev, line, sizeof(line));
	print_text(ROW, vfk_device_get_bdf(dev), group, vfk_device_get_driver(dev) ?: "-", line,
		   net);
}

static const struct option opts[] = {
	{"class", required_argument, NULL, 'c'},
	{"id", required_argument, NULL, 'd'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "c:d:h";
static const struct vfk_opt_hint hints[] = {
	{"class", ARG_WORDS, "gpu net storage usb audio bridge other"},
	{},
};

/* Options into @kind and @idf; 0, or an exit status to return. */
static int parse_options(int argc, char *argv[], int *kind, struct id_filter *idf)
{
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*kind = vfk_class_kind_from_string(optarg);
			if (*kind < 0)
				return usage_error("list",
						   "--class %s: expected gpu, net, storage, usb, "
						   "audio, bridge or other",
						   optarg);
			break;
		case 'd':
			if (parse_id_filter(optarg, idf) < 0)
				return usage_error("list",
						   "--id %s: expected VVVV or VVVV:DDDD in hex, "
						   "e.g. 10de:1b80",
						   optarg);
			break;
		case 'h':
			help();
			return -1;
		default:
			return usage_error("list", "bad option");
		}
	}
	return 0;
}

static int list_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **devices = NULL;
	struct id_filter idf = {0};
	size_t n = 0;
	int kind = -1, r;

	r = parse_options(argc, argv, &kind, &idf);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (optind < argc) {
		r = resolve_devices(ctx, argc - optind, argv + optind, &devices, &n);
		if (r)
			return r;
	} else {
		/* JSON shows every detail of every device listed: read them with the rest. */
		vfk_ctx_set_eager_details(ctx, output_is_json() && kind < 0 && !idf.active);
		r = vfk_ctx_get_devices(ctx, &devices, &n);
	}
	if (r == -ENOENT) {
		log_error("%s: no /sys/bus/pci/devices; is sysfs mounted?", vfk_ctx_get_root(ctx));
		return EXIT_NOT_READY;
	}
	if (r < 0) {
		log_error("listing PCI devices: %s", strerror(-r));
		return EXIT_NOT_READY;
	}
	output_open_array("devices");
	print_text(ROW, "DEVICE", "GROUP", "DRIVER", "DESCRIPTION", "");
	for (size_t i = 0; i < n; i++)
		if (match(devices[i], kind, &idf))
			print_row(devices[i]);
	output_close_array();
	vfk_device_list_free(devices, n);
	return EXIT_OK;
}

const struct vfk_cmd vfk_cmd_list = {
	.name = "list",
	.run = list_run,
	.help = "List PCI devices with group, driver and ids",
	.options = opts,
	.shortopts = shortopts,
	.hints = hints,
	.operands = ARG_DEVICE,
};
