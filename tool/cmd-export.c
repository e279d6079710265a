// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"

static void help(void)
{
	print_help(
		"Usage: vfiokit export kubevirt|nova [DEVICE...]\n\n"
		"Print what a fleet engine's configuration needs to offer this host's passthrough\n"
		"devices to guests, one entry per vendor:device id. Without DEVICE, every device\n"
		"on vfio-pci; a named device must be on vfio-pci (vfiokit bind DEVICE).\n\n"
		"Engines:\n"
		"  kubevirt   the KubeVirt CR's spec.configuration.permittedHostDevices, as YAML\n"
		"             to merge into it (kubectl patch kubevirt ... --type merge)\n"
		"  nova       the [pci] section of nova.conf: a device_spec for each device and "
		"an\n"
		"             alias for each vendor:device id\n\n"
		"Options:\n"
		"  -J, --json   print JSON\n"
		"  -h, --help   show this help\n\n"
		"Exit status: 0 printed, 1 a device is not on vfio-pci or there is none,\n"
		"2 usage error.");
}

enum engine { ENGINE_KUBEVIRT, ENGINE_NOVA };

/* Nova's device_spec parser takes PCI domains up to ffff (nova.pci.utils). */
#define NOVA_MAX_DOMAIN 0xffff

/* The devices of one vendor:device id: one KubeVirt entry, one nova alias. */
struct entry {
	uint16_t vendor, device;
	char name[64]; /* the resource name without its domain, and nova's alias name */
	const char *domain;
	const char *nova_type;
	struct vfk_device **devs;
	size_t n;
};

/* KubeVirt's resource names are "<domain>/<name>"; the vendors whose device plugins
 * already use a domain keep it, the others get vfiokit's. */
static const struct {
	uint16_t vendor;
	const char *domain;
} vendor_domains[] = {
	{0x10de, "nvidia.com"}, {0x1002, "amd.com"},	  {0x1022, "amd.com"},
	{0x8086, "intel.com"},	{0x15b3, "mellanox.com"},
};
#define OTHER_DOMAIN "devices.vfiokit.io"

static const char *vendor_domain(uint16_t vendor)
{
	for (size_t i = 0; i < ARRAY_SIZE(vendor_domains); i++)
		if (vendor_domains[i].vendor == vendor)
			return vendor_domains[i].domain;
	return OTHER_DOMAIN;
}

/* pci.ids' device name upper-cased, each run of other characters one '_', at most 63
 * characters (a Kubernetes name part); "PCI_VVVV_DDDD" when pci.ids has no name. */
static void make_name(struct vfk_device *dev, uint16_t v, uint16_t d, char *buf, size_t size)
{
	const char *s = vfk_device_get_device_name(dev);
	size_t len = 0;

	for (; s && *s && len + 1 < size && len < 63; s++) {
		if (isalnum((unsigned char)*s))
			buf[len++] = (char)toupper((unsigned char)*s);
		else if (len && buf[len - 1] != '_')
			buf[len++] = '_';
	}
	while (len && buf[len - 1] == '_')
		len--;
	buf[len] = '\0';
	if (!len)
		snprintf(buf, size, "PCI_%04X_%04X", v, d);
}

/* type-VF for a virtual function, type-PF for a physical function with virtual functions
 * enabled, else type-PCI: what nova finds the device to be, which an alias must match. */
static const char *nova_type(struct vfk_device *dev)
{
	struct vfk_addr pf;
	unsigned int num = 0;

	if (vfk_device_get_physfn(dev, &pf) == 0)
		return "type-VF";
	if (vfk_device_get_sriov(dev, NULL, &num) == 0 && num > 0)
		return "type-PF";
	return "type-PCI";
}

/* Groups @devs by vendor:device id, in the order the ids first appear. */
static int group_devices(struct vfk_device **devs, size_t n, struct entry **ret, size_t *ret_n)
{
	struct entry *e = calloc(n ? n : 1, sizeof(*e));
	size_t n_e = 0;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint16_t v = 0xffff, d = 0xffff;
		size_t k;

		(void)vfk_device_get_ids(devs[i], &v, &d);
		for (k = 0; k < n_e; k++)
			if (e[k].vendor == v && e[k].device == d)
				break;
		if (k == n_e) {
			e[k].devs = calloc(n, sizeof(*e[k].devs));
			if (!e[k].devs)
				goto fail;
			e[k].vendor = v;
			e[k].device = d;
			e[k].domain = vendor_domain(v);
			e[k].nova_type = nova_type(devs[i]);
			make_name(devs[i], v, d, e[k].name, sizeof(e[k].name));
			n_e++;
		}
		e[k].devs[e[k].n++] = devs[i];
	}
	*ret = e;
	*ret_n = n_e;
	return 0;
fail:
	for (size_t k = 0; k < n_e; k++)
		free(e[k].devs);
	free(e);
	return -ENOMEM;
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].devs);
	free(e);
}

static void print_kubevirt(const struct entry *e, size_t n)
{
	char sel[16], res[128];

	print_text("# KubeVirt CR: kubectl patch kubevirt kubevirt -n kubevirt --type merge "
		   "--patch-file FILE\n"
		   "spec:\n  configuration:\n    permittedHostDevices:\n"
		   "      pciHostDevices:\n");
	output_open_object("kubevirt");
	output_open_array("pciHostDevices");
	for (size_t i = 0; i < n; i++) {
		snprintf(sel, sizeof(sel), "%04x:%04x", e[i].vendor, e[i].device);
		snprintf(res, sizeof(res), "%s/%s", e[i].domain, e[i].name);
		print_text("        #");
		for (size_t k = 0; k < e[i].n; k++)
			print_text(" %s", vfk_device_get_bdf(e[i].devs[k]));
		print_text("\n");
		output_open_object(NULL);
		print_string(PRINT_ANY, "pciVendorSelector",
			     "        - pciVendorSelector: \"%s\"\n", sel);
		print_string(PRINT_ANY, "resourceName", "          resourceName: \"%s\"\n", res);
		print_bool(PRINT_JSON, "externalResourceProvider", NULL, false);
		print_text("          externalResourceProvider: false\n");
		output_close_object();
	}
	output_close_array();
	output_close_object();
}

static bool nova_takes(struct vfk_device *dev)
{
	struct vfk_addr a;

	return vfk_addr_parse(vfk_device_get_bdf(dev), &a, NULL) == 0 &&
	       a.domain <= NOVA_MAX_DOMAIN;
}

static void print_nova(const struct entry *e, size_t n)
{
	char v[8], d[8];

	print_text("[pci]\n");
	output_open_object("nova");
	output_open_array("device_spec");
	for (size_t i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%04x", e[i].vendor);
		snprintf(d, sizeof(d), "%04x", e[i].device);
		for (size_t k = 0; k < e[i].n; k++) {
			const char *bdf = vfk_device_get_bdf(e[i].devs[k]);

			if (!nova_takes(e[i].devs[k])) {
				log_warn("%s: left out of nova's device_spec: nova takes PCI "
					 "domains up to %04x",
					 bdf, NOVA_MAX_DOMAIN);
				continue;
			}
			print_text("device_spec = {\"vendor_id\": \"%s\", \"product_id\": \"%s\", "
				   "\"address\": \"%s\"}\n",
				   v, d, bdf);
			output_open_object(NULL);
			print_string(PRINT_JSON, "vendor_id", NULL, v);
			print_string(PRINT_JSON, "product_id", NULL, d);
			print_string(PRINT_JSON, "address", NULL, bdf);
			output_close_object();
		}
	}
	output_close_array();
	output_open_array("alias");
	for (size_t i = 0; i < n; i++) {
		size_t taken = 0;

		for (size_t k = 0; k < e[i].n; k++)
			taken += nova_takes(e[i].devs[k]);
		if (!taken)
			continue;
		snprintf(v, sizeof(v), "%04x", e[i].vendor);
		snprintf(d, sizeof(d), "%04x", e[i].device);
		print_text("alias = {\"name\": \"%s\", \"vendor_id\": \"%s\", \"product_id\": "
			   "\"%s\", \"device_type\": \"%s\"}\n",
			   e[i].name, v, d, e[i].nova_type);
		output_open_object(NULL);
		print_string(PRINT_JSON, "name", NULL, e[i].name);
		print_string(PRINT_JSON, "vendor_id", NULL, v);
		print_string(PRINT_JSON, "product_id", NULL, d);
		print_string(PRINT_JSON, "device_type", NULL, e[i].nova_type);
		output_close_object();
	}
	output_close_array();
	output_close_object();
}

/* The devices each entry stands for: every one for KubeVirt, nova's device_spec's. */
static void print_devices_json(const struct entry *e, size_t n, enum engine engine)
{
	char v[8], d[8];

	output_open_array("devices");
	for (size_t i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%04x", e[i].vendor);
		snprintf(d, sizeof(d), "%04x", e[i].device);
		for (size_t k = 0; k < e[i].n; k++) {
			if (engine == ENGINE_NOVA && !nova_takes(e[i].devs[k]))
				continue;
			output_open_object(NULL);
			print_string(PRINT_JSON, "bdf", NULL, vfk_device_get_bdf(e[i].devs[k]));
			print_string(PRINT_JSON, "vendor_id", NULL, v);
			print_string(PRINT_JSON, "device_id", NULL, d);
			print_string(PRINT_JSON, "name", NULL, e[i].name);
			output_close_object();
		}
	}
	output_close_array();
}

/* Keeps the devices on vfio-pci (all of them when none was named); a named device that
 * is not on vfio-pci is an error. Frees the others. Returns 0 or an exit status. */
static int select_devices(struct vfk_device **devs, size_t *n, bool named, char **names)
{
	size_t kept = 0;
	int rc = 0;

	for (size_t i = 0; i < *n; i++) {
		bool dup = false;

		for (size_t k = 0; k < kept && !dup; k++)
			dup = streq(vfk_device_get_bdf(devs[k]), vfk_device_get_bdf(devs[i]));
		if (!dup && vfk_device_is_vfio_bound(devs[i])) {
			devs[kept++] = devs[i];
			continue;
		}
		if (named && !dup) {
			const char *bdf = vfk_device_get_bdf(devs[i]);

			log_device_error(names[i],
					 "%s: on %s, not vfio-pci; an engine can only hand out "
					 "devices on vfio-pci: `vfiokit bind %s`",
					 bdf, vfk_device_get_driver(devs[i]) ?: "no driver", bdf);
			rc = EXIT_NOT_READY;
		}
		vfk_device_unref(devs[i]);
	}
	*n = kept;
	return rc;
}

static const struct option opts[] = {
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";

static int parse_engine(int argc, char *argv[], enum engine *ret)
{
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c == 'h') {
			help();
			return -1;
		}
		return usage_error("export", "unknown option");
	}
	if (optind >= argc)
		return usage_error("export", "name an engine: kubevirt or nova");
	if (streq(argv[optind], "kubevirt"))
		*ret = ENGINE_KUBEVIRT;
	else if (streq(argv[optind], "nova"))
		*ret = ENGINE_NOVA;
	else
		return usage_error("export", "%s: unknown engine; expected kubevirt or nova",
				   argv[optind]);
	optind++;
	return 0;
}

static int export_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **devs = NULL;
	struct entry *entries = NULL;
	size_t n = 0, n_entries = 0;
	enum engine engine = ENGINE_KUBEVIRT;
	bool named;
	int r, rc;

	r = parse_engine(argc, argv, &engine);
	if (r)
		return r < 0 ? EXIT_OK : r;
	named = optind < argc;
	if (named) {
		r = resolve_devices(ctx, argc - optind, argv + optind, &devs, &n);
		if (r)
			return r;
	} else if ((r = vfk_ctx_get_devices(ctx, &devs, &n)) < 0) {
		log_error("listing PCI devices: %s", strerror(-r));
		return EXIT_NOT_READY;
	}
	rc = select_devices(devs, &n, named, argv + optind);
	if (rc)
		goto out;
	if (!n) {
		log_error("no device is on vfio-pci, so there is nothing to export; move one "
			  "there first: `vfiokit bind DEVICE`");
		rc = EXIT_NOT_READY;
		goto out;
	}
	if (group_devices(devs, n, &entries, &n_entries) < 0) {
		log_error("export: %s", strerror(ENOMEM));
		rc = EXIT_NOT_READY;
		goto out;
	}
	if (engine == ENGINE_KUBEVIRT)
		print_kubevirt(entries, n_entries);
	else
		print_nova(entries, n_entries);
	print_devices_json(entries, n_entries, engine);
	rc = EXIT_OK;
out:
	free_entries(entries, n_entries);
	vfk_device_list_free(devs, n);
	return rc;
}

const struct vfk_cmd vfk_cmd_export = {
	.name = "export",
	.run = export_run,
	.help = "Print KubeVirt or nova configuration for the devices on vfio-pci",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
