// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Exactly @n hex digits at *p; advances *p. */
static int fixed_hex(const char **p, unsigned int n, uint32_t *ret)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int d = hexval((*p)[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	*p += n;
	*ret = v;
	return 0;
}

VFK_EXPORT int vfk_addr_parse(const char *s, struct vfk_addr *ret, unsigned int *ret_flags)
{
	const char *p = s, *colon1, *colon2;
	uint32_t domain = 0, bus, dev, fn;
	unsigned int flags = 0;
	size_t len;

	assert_return(s && ret, -EINVAL);

	len = strlen(s);
	if (len < 7 || len > 16)
		return -EINVAL;
	colon1 = strchr(s, ':');
	if (!colon1)
		return -EINVAL;
	colon2 = strchr(colon1 + 1, ':');
	if (colon2) {
		size_t dlen = (size_t)(colon1 - s);

		/* The domain is the only field of variable width; bus and slot are fixed so
		 * that "00:1f.3" can never be read as domain 00, bus 1f. */
		if (dlen < 1 || dlen > 8 || fixed_hex(&p, (unsigned int)dlen, &domain) < 0)
			return -EINVAL;
		p++;
		flags |= VFK_ADDR_HAS_DOMAIN;
	}
	if (fixed_hex(&p, 2, &bus) < 0 || *p++ != ':')
		return -EINVAL;
	if (fixed_hex(&p, 2, &dev) < 0 || *p++ != '.')
		return -EINVAL;
	if (fixed_hex(&p, 1, &fn) < 0 || *p != '\0')
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -ERANGE;

	ret->domain = domain;
	ret->bus = (uint8_t)bus;
	ret->dev = (uint8_t)dev;
	ret->fn = (uint8_t)fn;
	if (ret_flags)
		*ret_flags = flags;
	return 0;
}

/* @v in lower-case hex, at least @min digits, before @end; returns the first digit. */
static char *hex_before(char *end, uint32_t v, int min)
{
	static const char digits[] = "0123456789abcdef";

	do {
		*--end = digits[v & 0xf];
		v >>= 4;
		min--;
	} while (v || min > 0);
	return end;
}

/* "%04x:%02x:%02x.%x" without snprintf: listings format an address per field shown. */
VFK_EXPORT char *vfk_addr_format(const struct vfk_addr *a, char buf[VFK_ADDR_STRLEN])
{
	char tmp[32], *p = tmp + sizeof(tmp) - 1;
	size_t n;

	*p = '\0';
	p = hex_before(p, a->fn, 1);
	*--p = '.';
	p = hex_before(p, a->dev, 2);
	*--p = ':';
	p = hex_before(p, a->bus, 2);
	*--p = ':';
	p = hex_before(p, a->domain, 4);
	n = (size_t)(tmp + sizeof(tmp) - 1 - p);
	if (n > VFK_ADDR_STRLEN - 1)
		n = VFK_ADDR_STRLEN - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

VFK_EXPORT int vfk_addr_cmp(const struct vfk_addr *a, const struct vfk_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return 0;
}

VFK_EXPORT bool vfk_addr_same_slot(const struct vfk_addr *a, const struct vfk_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}
