/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI addresses: strict parsing and canonical printing.
 */
#ifndef VFIOKIT_ADDR_H
#define VFIOKIT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct vfk_addr - A PCI function address.
 * @domain: PCI segment; up to 32 bits (Intel VMD domains start at 0x10000).
 * @bus: bus number, 0-0xff.
 * @dev: device (slot) number, 0-0x1f.
 * @fn: function number, 0-7.
 */
struct vfk_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
};

/**
 * VFK_ADDR_STRLEN - Buffer size that holds any canonical address and its NUL.
 *
 * "ffffffff:ff:1f.7" is 16 characters.
 */
#define VFK_ADDR_STRLEN 17

/**
 * enum vfk_addr_flags - How vfk_addr_parse() read its input.
 * @VFK_ADDR_HAS_DOMAIN: the input named a domain; otherwise the domain was absent
 *                       ("01:00.0") and @ret->domain is 0 until the caller resolves it.
 */
enum vfk_addr_flags {
	VFK_ADDR_HAS_DOMAIN = 1 << 0,
};

/**
 * vfk_addr_parse() - Parse a PCI address strictly.
 * @s: "DDDD:BB:dd.f" with a domain of 1 to 8 hex digits, or the short form "BB:dd.f".
 *     Bus and device take exactly two hex digits and the function one digit 0-7.
 *     Nothing else is accepted: no whitespace, no sign, no "0x", no trailing bytes.
 * @ret: the address.
 * @ret_flags: set to the &enum vfk_addr_flags that describe the input; may be NULL.
 *
 * Return: 0 on success; -EINVAL for anything that is not a valid address, with @ret
 * untouched; -ERANGE for a device above 0x1f or a function above 7.
 *
 * Since: 0.1
 */
int vfk_addr_parse(const char *s, struct vfk_addr *ret, unsigned int *ret_flags);

/**
 * vfk_addr_format() - Print the canonical form of an address.
 * @a: the address.
 * @buf: at least %VFK_ADDR_STRLEN bytes.
 *
 * The domain takes four hex digits, or as many as it needs above 0xffff
 * ("10000:e1:00.0"); all hex digits are lowercase. vfk_addr_parse() of the result gives
 * @a back.
 *
 * Return: @buf.
 *
 * Since: 0.1
 */
char *vfk_addr_format(const struct vfk_addr *a, char buf[VFK_ADDR_STRLEN]);

/**
 * vfk_addr_cmp() - Order two addresses by domain, bus, device and function.
 * @a: first address.
 * @b: second address.
 *
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 *
 * Since: 0.1
 */
int vfk_addr_cmp(const struct vfk_addr *a, const struct vfk_addr *b);

/**
 * vfk_addr_same_slot() - Whether two addresses are functions of one physical slot.
 * @a: first address.
 * @b: second address.
 *
 * Return: true when domain, bus and device are equal.
 *
 * Since: 0.1
 */
bool vfk_addr_same_slot(const struct vfk_addr *a, const struct vfk_addr *b);

#ifdef __cplusplus
}
#endif

#endif
