// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "internal.h"

/* sysfs ends attributes with one newline; accept the value with or without it. */
static size_t chomp(const char *s, size_t len)
{
	if (len && s[len - 1] == '\n')
		len--;
	return len;
}

int attr_parse_hex(const char *s, size_t len, unsigned int digits, uint32_t *ret)
{
	uint32_t v = 0;
	size_t i;

	len = chomp(s, len);
	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EINVAL;
	for (i = 2; i < len; i++)
		if (hexval(s[i]) < 0)
			return -EINVAL;
	if (len - 2 > digits || digits > 8)
		return -ERANGE;
	/* The kernel zero-pads these ("0x%04x"); fewer digits means a truncated read. */
	if (len - 2 < digits)
		return -EINVAL;
	for (i = 2; i < len; i++)
		v = v << 4 | (uint32_t)hexval(s[i]);
	*ret = v;
	return 0;
}

int attr_parse_int(const char *s, size_t len, long min, long max, long *ret)
{
	bool neg = false;
	long v = 0;
	size_t i = 0;

	len = chomp(s, len);
	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || len - i > 18)
		return -EINVAL;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int attr_parse_bool(const char *s, size_t len, bool *ret)
{
	len = chomp(s, len);
	if (len != 1 || (s[0] != '0' && s[0] != '1'))
		return -EINVAL;
	*ret = s[0] == '1';
	return 0;
}

static bool driver_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool attr_valid_driver_name(const char *s)
{
	const char *p;

	if (!*s || streq(s, ".") || streq(s, ".."))
		return false;
	for (p = s; *p; p++)
		if (!driver_char(*p))
			return false;
	return p - s < 64;
}

int attr_parse_driver_override(const char *s, size_t len, char *buf, size_t size)
{
	size_t i;

	len = chomp(s, len);
	if (len == 0 || (len == 6 && memcmp(s, "(null)", 6) == 0)) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (len >= size || len >= 64)
		return -ERANGE;
	for (i = 0; i < len; i++)
		if (!driver_char(s[i]))
			return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!attr_valid_driver_name(buf))
		return -EINVAL;
	return 0;
}

int attr_parse_reset_method(const char *s, size_t len, char *buf, size_t size)
{
	size_t i = 0, out = 0;

	len = chomp(s, len);
	if (size == 0)
		return -ERANGE;
	while (i < len) {
		size_t start;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ') {
			if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
				return -EINVAL;
			i++;
		}
		if (out + (out ? 1 : 0) + (i - start) + 1 > size)
			return -ERANGE;
		if (out)
			buf[out++] = ' ';
		memcpy(buf + out, s + start, i - start);
		out += i - start;
	}
	buf[out] = '\0';
	return 0;
}

int attr_parse_word(const char *s, size_t len, char *buf, size_t size)
{
	size_t i;

	len = chomp(s, len);
	if (len == 0)
		return -EINVAL;
	if (len >= size)
		return -ERANGE;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!(driver_char(c) || c == ':' || c == '+'))
			return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static const char *const resv_names[] = {
	[VFK_RESV_DIRECT] = "direct",	  [VFK_RESV_DIRECT_RELAXABLE] = "direct-relaxable",
	[VFK_RESV_RESERVED] = "reserved", [VFK_RESV_MSI] = "msi",
	[VFK_RESV_SW_MSI] = "sw-msi",	  [VFK_RESV_UNKNOWN] = "unknown",
};

static int parse_u64_hex(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (len < 3 || len > 18 || s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	for (i = 2; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*ret = v;
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct vfk_resv_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int attr_parse_reserved_regions(const char *s, size_t len, struct vfk_resv_region **ret,
				size_t *ret_n)
{
	_cleanup_free_ struct vfk_resv_region *regions = NULL;
	size_t n = 0, cap = 0, pos = 0, i;

	while (pos < len) {
		const char *line = s + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *f[3];
		size_t flen[3], k = 0, j = 0;
		struct vfk_resv_region r;

		pos += llen + (nl ? 1 : 0);
		if (llen == 0)
			continue;
		while (j < llen && k < 3) {
			while (j < llen && line[j] == ' ')
				j++;
			if (j == llen)
				break;
			f[k] = line + j;
			while (j < llen && line[j] != ' ')
				j++;
			flen[k] = (size_t)(line + j - f[k]);
			k++;
		}
		while (j < llen && line[j] == ' ')
			j++;
		if (k != 3 || j != llen)
			return -EINVAL;
		if (parse_u64_hex(f[0], flen[0], &r.start) < 0 ||
		    parse_u64_hex(f[1], flen[1], &r.end) < 0 || r.end < r.start)
			return -EINVAL;
		r.type = VFK_RESV_UNKNOWN;
		for (i = 0; i < VFK_RESV_UNKNOWN; i++)
			if (strlen(resv_names[i]) == flen[2] &&
			    memcmp(resv_names[i], f[2], flen[2]) == 0)
				r.type = (enum vfk_resv_type)i;
		if (n == cap) {
			struct vfk_resv_region *p;

			cap = cap ? cap * 2 : 4;
			if (cap > 4096)
				return -E2BIG;
			p = realloc(regions, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			regions = p;
		}
		regions[n++] = r;
	}
	if (n)
		qsort(regions, n, sizeof(*regions), cmp_region);
	/* The kernel merges overlapping regions of one type; overlap between types is
	 * legal (e.g. "direct" inside "reserved"), so only exact garbage is rejected. */
	*ret = TAKE_PTR(regions);
	*ret_n = n;
	return 0;
}

VFK_EXPORT const char *vfk_resv_type_to_string(enum vfk_resv_type type)
{
	if ((unsigned int)type > VFK_RESV_UNKNOWN)
		return resv_names[VFK_RESV_UNKNOWN];
	return resv_names[type];
}

int attr_parse_group_number(const char *s, unsigned int *ret)
{
	long v;

	if (attr_parse_int(s, strlen(s), 0, 0x7fffffff, &v) < 0 || s[0] == '-' || strchr(s, '\n'))
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

/*
 * The kernel reads the class from config space at enumeration, then its fixups may
 * replace it without writing config space back, and the class attribute shows the
 * replacement. The fixups (drivers/pci/quirks.c, the host controllers, the architectures
 * that enumerate from firmware) give a class to functions that report none, turn
 * non-bridge classes of host controllers' root ports into PCI bridges, and change the
 * class of a few vendors' storage, serial, video capture and USB device controllers.
 * Those cases are left to the attribute; everything else reads the same either way.
 */
int attr_config_class(const uint8_t *cfg, size_t len, uint32_t *ret)
{
	static const uint16_t quirked_vendors[] = {
		0x1002, /* ATI/AMD SATA in IDE mode shown as AHCI */
		0x1166, /* ServerWorks CSB5 IDE programming interface */
		0x16c3, /* Synopsys HAPS USB device controllers */
		0x1797, /* Techwell TW686x video capture */
		0x197b, /* JMicron SATA/PATA class read again after mode switch */
		0x9710, /* NetMos multi-I/O serial ports shown as other */
	};
	uint16_t vendor;
	uint32_t class;
	size_t i;

#if !defined(__x86_64__) && !defined(__i386__) && !defined(__aarch64__)
	/* powerpc, sparc, mips and alpha fill classes from firmware or board fixups. */
	return -ENODATA;
#endif
	if (len < 0x0f || (cfg[0x0e] & 0x7f) != 0)
		return -ENODATA;
	vendor = (uint16_t)(cfg[0] | cfg[1] << 8);
	class = (uint32_t)cfg[0x09] | (uint32_t)cfg[0x0a] << 8 | (uint32_t)cfg[0x0b] << 16;
	if (class >> 16 == 0x00 || class >> 16 == 0xff)
		return -ENODATA;
	for (i = 0; i < sizeof(quirked_vendors) / sizeof(quirked_vendors[0]); i++)
		if (vendor == quirked_vendors[i])
			return -ENODATA;
	*ret = class;
	return 0;
}

int attr_config_header_type(const uint8_t *cfg, size_t len, enum vfk_header_type *ret_type,
			    bool *ret_multifunction)
{
	uint8_t ht;

	if (len < 0x10)
		return -ENODATA;
	ht = cfg[0x0e];
	/* All ones is what a vanished or powered-off function returns; a virtual function
	 * reads ffff as its vendor too, but its header type is real. */
	if (ht == 0xff)
		return -ENODATA;
	if ((ht & 0x7f) > 2)
		return -EINVAL;
	*ret_type = (enum vfk_header_type)(ht & 0x7f);
	*ret_multifunction = ht & 0x80;
	return 0;
}
