// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "device-print.h"
#include "output.h"

/* "%0*x" by hand: a listing prints five of these per device. */
static void print_hex(const char *key, unsigned int width, int have, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[16], *p = buf + sizeof(buf) - 1;
	int w = (int)width;

	if (!have) {
		print_null(PRINT_JSON, key, NULL);
		return;
	}
	*p = '\0';
	do {
		*--p = digits[v & 0xf];
		v >>= 4;
		w--;
	} while ((v || w > 0) && p > buf);
	print_string(PRINT_JSON, key, NULL, p);
}

static void print_addr(const char *key, int have, const struct vfk_addr *a)
{
	char buf[VFK_ADDR_STRLEN];

	if (have)
		print_string(PRINT_JSON, key, NULL, vfk_addr_format(a, buf));
	else
		print_null(PRINT_JSON, key, NULL);
}

static const char *header_name(enum vfk_header_type t)
{
	switch (t) {
	case VFK_HEADER_NORMAL:
		return "endpoint";
	case VFK_HEADER_BRIDGE:
		return "bridge";
	case VFK_HEADER_CARDBUS:
		return "cardbus";
	default:
		return NULL;
	}
}

static void print_reset_methods(const char *methods)
{
	char copy[256], *tok, *save = NULL;

	if (!methods) {
		print_null(PRINT_JSON, "reset_methods", NULL);
		return;
	}
	output_open_array("reset_methods");
	snprintf(copy, sizeof(copy), "%s", methods);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		print_string(PRINT_JSON, NULL, NULL, tok);
	output_close_array();
}

static void print_sriov(struct vfk_device *dev)
{
	unsigned int total, num;

	if (vfk_device_get_sriov(dev, &total, &num) < 0) {
		print_null(PRINT_JSON, "sriov", NULL);
		return;
	}
	output_open_object("sriov");
	print_uint(PRINT_JSON, "total_vfs", NULL, total);
	print_uint(PRINT_JSON, "num_vfs", NULL, num);
	output_close_object();
}

/* Text shows a line per device; reading the other fields would cost a listing one more
 * sysfs directory per device, so they are read for JSON only. */
void print_device_fields(struct vfk_device *dev)
{
	uint16_t v = 0, d = 0, sv = 0, sd = 0;
	uint32_t cls = 0;
	uint8_t rev = 0;
	unsigned int group = 0;
	struct vfk_addr a;
	int have_ids, have_sub, have_class, have_rev, have_group, numa = 0, boot_vga;

	if (!output_is_json())
		return;
	have_ids = vfk_device_get_ids(dev, &v, &d) == 0;
	have_sub = vfk_device_get_subsystem_ids(dev, &sv, &sd) == 0;
	have_class = vfk_device_get_class(dev, &cls) == 0;
	have_rev = vfk_device_get_revision(dev, &rev) == 0;
	print_string(PRINT_JSON, "bdf", NULL, vfk_device_get_bdf(dev));
	print_hex("vendor_id", 4, have_ids, v);
	print_hex("device_id", 4, have_ids, d);
	print_hex("subsystem_vendor_id", 4, have_sub, sv);
	print_hex("subsystem_device_id", 4, have_sub, sd);
	print_hex("class", 6, have_class, cls);
	print_string(PRINT_JSON, "class_kind", NULL,
		     have_class ? vfk_class_kind_to_string(vfk_class_kind_of(cls)) : NULL);
	print_hex("revision", 2, have_rev, rev);
	print_string(PRINT_JSON, "vendor_name", NULL, vfk_device_get_vendor_name(dev));
	print_string(PRINT_JSON, "device_name", NULL, vfk_device_get_device_name(dev));
	print_string(PRINT_JSON, "class_name", NULL, vfk_device_get_class_name(dev));
	print_string(PRINT_JSON, "header", NULL, header_name(vfk_device_get_header_type(dev)));
	print_string(PRINT_JSON, "driver", NULL, vfk_device_get_driver(dev));
	print_bool(PRINT_JSON, "vfio", NULL, vfk_device_is_vfio_bound(dev));
	print_string(PRINT_JSON, "driver_override", NULL, vfk_device_get_driver_override(dev));
	have_group = vfk_device_get_iommu_group(dev, &group) == 0;
	print_uint_or_null(PRINT_JSON, "iommu_group", NULL, have_group, group);
	if (vfk_device_get_numa_node(dev, &numa) == 0)
		print_int(PRINT_JSON, "numa_node", NULL, numa);
	else
		print_null(PRINT_JSON, "numa_node", NULL);
	boot_vga = vfk_device_is_boot_vga(dev);
	if (boot_vga >= 0)
		print_bool(PRINT_JSON, "boot_vga", NULL, boot_vga);
	else
		print_null(PRINT_JSON, "boot_vga", NULL);
	print_reset_methods(vfk_device_get_reset_methods(dev));
	print_string(PRINT_JSON, "power_state", NULL, vfk_device_get_power_state(dev));
	print_addr("parent", vfk_device_get_parent_addr(dev, &a) == 0, &a);
	print_addr("physfn", vfk_device_get_physfn(dev, &a) == 0, &a);
	print_sriov(dev);
}

/* A string built in a fixed buffer, cut where snprintf() would cut it: a listing prints
 * thousands of these lines, and formatting them piece by piece with snprintf() cost as
 * much as reading the devices. */
struct line {
	char *buf;
	size_t size, len;
};

static void line_add(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->len + n >= l->size)
		n = l->size - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* @v as lower-case hex, @digits of them. */
static void line_add_hex(struct line *l, uint32_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char buf[9];

	buf[digits] = '\0';
	while (digits-- > 0) {
		buf[digits] = hex[v & 0xf];
		v >>= 4;
	}
	line_add(l, buf);
}

void print_device_entry(struct vfk_device *dev)
{
	char line[512], out[1024];
	struct line o = {out, sizeof(out), 0};

	if (output_is_json())
		return;
	format_device_line(dev, line, sizeof(line));
	line_add(&o, "  ");
	line_add(&o, vfk_device_get_bdf(dev));
	line_add(&o, " ");
	line_add(&o, line);
	line_add(&o, "\n      driver: ");
	line_add(&o, vfk_device_get_driver(dev) ?: "none");
	line_add(&o, "\n");
	print_text_raw(out);
}

/* "CLASS [cccc]: VENDOR DEVICE [vvvv:dddd] (rev rr)", each part cut as before at 128 and
 * 300 bytes. */
void format_device_line(struct vfk_device *dev, char *buf, size_t size)
{
	const char *cname = vfk_device_get_class_name(dev);
	const char *vname = vfk_device_get_vendor_name(dev);
	const char *dname = vfk_device_get_device_name(dev);
	uint16_t v, d;
	uint32_t cls;
	uint8_t rev;
	char cls_text[128], name[300];
	struct line c = {cls_text, sizeof(cls_text), 0}, n = {name, sizeof(name), 0};
	struct line b = {buf, size, 0};

	if (!size)
		return;
	buf[0] = '\0';
	line_add(&c, cname ? cname : "Class");
	line_add(&c, " [");
	if (vfk_device_get_class(dev, &cls) == 0)
		line_add_hex(&c, (cls >> 8) & 0xffff, 4);
	else
		line_add(&c, "????");
	line_add(&c, "]");
	if (vname) {
		line_add(&n, vname);
		line_add(&n, " ");
		line_add(&n, dname ? dname : "Device");
	} else {
		line_add(&n, "Unknown device");
	}
	line_add(&b, cls_text);
	line_add(&b, ": ");
	line_add(&b, name);
	line_add(&b, " ");
	if (vfk_device_get_ids(dev, &v, &d) == 0) {
		line_add(&b, "[");
		line_add_hex(&b, v, 4);
		line_add(&b, ":");
		line_add_hex(&b, d, 4);
		line_add(&b, "]");
	} else {
		line_add(&b, "[????:????]");
	}
	if (vfk_device_get_revision(dev, &rev) == 0 && rev) {
		line_add(&b, " (rev ");
		line_add_hex(&b, rev, 2);
		line_add(&b, ")");
	}
}
