/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsers for the text of sysfs attributes. All are total functions over arbitrary
 * bytes: they either return 0 with a value or a negative errno, never crash, and never
 * read past @len. Inputs need not be NUL-terminated.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/pci.h>

/* "0x8086\n" style ids and class codes: "0x" then exactly @digits hex digits (the kernel
 * zero-pads them, so fewer is a truncated value: -EINVAL; more: -ERANGE), one optional
 * trailing newline, nothing else. */
int attr_parse_hex(const char *s, size_t len, unsigned int digits, uint32_t *ret);

/* A decimal integer (with an optional '-'), one optional trailing newline. */
int attr_parse_int(const char *s, size_t len, long min, long max, long *ret);

/* "0" or "1". */
int attr_parse_bool(const char *s, size_t len, bool *ret);

/* driver_override: "(null)" or empty means unset (*ret = '\0'); names must match
 * [A-Za-z0-9_.-]+. @buf receives the name. */
int attr_parse_driver_override(const char *s, size_t len, char *buf, size_t size);

/* A driver or module name as found in sysfs or given by a user: [A-Za-z0-9_.-]+,
 * not "." or "..". */
bool attr_valid_driver_name(const char *s);

/* reset_method: space-separated method names, each [a-z_]+; copied normalised to @buf
 * (single spaces, no newline). An empty attribute is valid and means "none". */
int attr_parse_reset_method(const char *s, size_t len, char *buf, size_t size);

/* A short single-token word such as power_state "D3cold" or a group type "DMA-FQ". */
int attr_parse_word(const char *s, size_t len, char *buf, size_t size);

/* One line per region: "0x00000000fee00000 0x00000000feefffff msi". Regions come back
 * sorted by start; overlapping or reversed ranges are rejected. *ret is malloc'd. */
int attr_parse_reserved_regions(const char *s, size_t len, struct vfk_resv_region **ret,
				size_t *ret_n);

/* The number of a group from the last component of the iommu_group link. */
int attr_parse_group_number(const char *s, unsigned int *ret);

/* The class code from the first 12 bytes of config space, where it is what the kernel
 * shows in the class attribute: -ENODATA where a kernel quirk may have replaced it. */
int attr_config_class(const uint8_t *cfg, size_t len, uint32_t *ret);

/* Config-space header type byte and multifunction bit from a config-space blob. */
int attr_config_header_type(const uint8_t *cfg, size_t len, enum vfk_header_type *ret_type,
			    bool *ret_multifunction);
