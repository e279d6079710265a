// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci/attr.h"

#define S(x) x, sizeof(x) - 1

static void test_hex(void **state)
{
	uint32_t v = 7;
	char junk[4096];

	assert_int_equal(attr_parse_hex(S("0x10de\n"), 4, &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(attr_parse_hex(S("0x8086"), 4, &v), 0); /* no newline */
	assert_int_equal(v, 0x8086);
	assert_int_equal(attr_parse_hex(S("0x030000\n"), 6, &v), 0);
	assert_int_equal(v, 0x030000);
	v = 7;
	/* Garbage, empty, missing prefix, too long, two newlines, junk. */
	assert_int_equal(attr_parse_hex(S("0xZZZZ\n"), 4, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S(""), 4, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("\n"), 4, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("030000\n"), 6, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("0x"), 4, &v), -EINVAL);
	/* Truncated: the kernel always prints every digit. */
	assert_int_equal(attr_parse_hex(S("0x0403"), 6, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("0x10d\n"), 4, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("0x10de0\n"), 4, &v), -ERANGE);
	assert_int_equal(attr_parse_hex(S("0x10de\n\n"), 4, &v), -EINVAL);
	assert_int_equal(attr_parse_hex(S("0x10de \n"), 4, &v), -EINVAL);
	memset(junk, 'A', sizeof(junk));
	assert_int_not_equal(attr_parse_hex(junk, sizeof(junk), 4, &v), 0);
	assert_int_equal(v, 7);
}

static void test_int_bool(void **state)
{
	long v;
	bool b;

	assert_int_equal(attr_parse_int(S("-1\n"), -1, 100, &v), 0); /* numa_node */
	assert_int_equal(v, -1);
	assert_int_equal(attr_parse_int(S("3"), -1, 100, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(attr_parse_int(S("-"), -1, 100, &v), -EINVAL);
	assert_int_equal(attr_parse_int(S("1x"), -1, 100, &v), -EINVAL);
	assert_int_equal(attr_parse_int(S("101"), -1, 100, &v), -ERANGE);
	assert_int_equal(attr_parse_int(S("99999999999999999999"), 0, 100, &v), -EINVAL);
	assert_int_equal(attr_parse_bool(S("1\n"), &b), 0);
	assert_true(b);
	assert_int_equal(attr_parse_bool(S("2\n"), &b), -EINVAL);
	assert_int_equal(attr_parse_bool(S("yes"), &b), -EINVAL);
}

static void test_driver_names(void **state)
{
	char buf[64];

	/* "(null)" and empty mean unset. */
	assert_int_equal(attr_parse_driver_override(S("(null)\n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(attr_parse_driver_override(S("\n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(attr_parse_driver_override(S("vfio-pci\n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	/* Anything that could walk out of sys/bus/pci/drivers. */
	assert_int_equal(attr_parse_driver_override(S("../x\n"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attr_parse_driver_override(S("a/b"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attr_parse_driver_override(S("a b"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attr_parse_driver_override(S("..\n"), buf, sizeof(buf)), -EINVAL);
	assert_true(attr_valid_driver_name("snd_hda_intel"));
	assert_true(attr_valid_driver_name("vfio-pci"));
	assert_false(attr_valid_driver_name(""));
	assert_false(attr_valid_driver_name("."));
	assert_false(attr_valid_driver_name(".."));
	assert_false(attr_valid_driver_name("a\nb"));
	assert_false(attr_valid_driver_name("../../etc"));
}

static void test_reset_method(void **state)
{
	char buf[64];

	assert_int_equal(attr_parse_reset_method(S("flr bus\n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "flr bus");
	assert_int_equal(attr_parse_reset_method(S("  pm   bus \n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pm bus");
	assert_int_equal(attr_parse_reset_method(S("\n"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(attr_parse_reset_method(S("device_specific acpi"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "device_specific acpi");
	assert_int_equal(attr_parse_reset_method(S("flr;bus"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(attr_parse_reset_method(S("flr bus"), buf, 4), -ERANGE);
}

static void test_regions(void **state)
{
	struct vfk_resv_region *r = NULL;
	size_t n = 0;

	/* Real x86 content, unsorted on purpose. */
	assert_int_equal(
		attr_parse_reserved_regions(S("0x00000000fee00000 0x00000000feefffff msi\n"
					      "0x000000007a000000 0x000000007c7fffff direct\n"),
					    &r, &n),
		0);
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0x7a000000 && r[0].end == 0x7c7fffff);
	assert_int_equal(r[0].type, VFK_RESV_DIRECT);
	assert_int_equal(r[1].type, VFK_RESV_MSI);
	free(r);
	assert_int_equal(attr_parse_reserved_regions(S(""), &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);
	assert_int_equal(
		attr_parse_reserved_regions(S("0x1000 0x2000 sw-msi\n0x5 0x6 bogus\n"), &r, &n), 0);
	assert_int_equal(r[0].type, VFK_RESV_UNKNOWN);
	assert_int_equal(r[1].type, VFK_RESV_SW_MSI);
	free(r);
	r = NULL;
	assert_int_equal(attr_parse_reserved_regions(S("0x2000 0x1000 msi\n"), &r, &n), -EINVAL);
	assert_int_equal(attr_parse_reserved_regions(S("0x1000 msi\n"), &r, &n), -EINVAL);
	assert_int_equal(attr_parse_reserved_regions(S("0x1000 0x2000 msi extra\n"), &r, &n),
			 -EINVAL);
	assert_int_equal(attr_parse_reserved_regions(S("1000 2000 msi\n"), &r, &n), -EINVAL);
	assert_null(r);
}

static void test_group_number_and_header(void **state)
{
	unsigned int g;
	uint8_t cfg[64] = {0x86, 0x80, 0xd3, 0x10};
	enum vfk_header_type t;
	bool mf;

	assert_int_equal(attr_parse_group_number("12", &g), 0);
	assert_int_equal(g, 12);
	assert_int_equal(attr_parse_group_number("-1", &g), -EINVAL);
	assert_int_equal(attr_parse_group_number("abc", &g), -EINVAL);
	assert_int_equal(attr_parse_group_number("", &g), -EINVAL);
	cfg[0x0e] = 0x81;
	assert_int_equal(attr_config_header_type(cfg, sizeof(cfg), &t, &mf), 0);
	assert_int_equal(t, VFK_HEADER_BRIDGE);
	assert_true(mf);
	cfg[0x0e] = 0x05;
	assert_int_equal(attr_config_header_type(cfg, sizeof(cfg), &t, &mf), -EINVAL);
	assert_int_equal(attr_config_header_type(cfg, 8, &t, &mf), -ENODATA);
	memset(cfg, 0xff, sizeof(cfg));
	assert_int_equal(attr_config_header_type(cfg, sizeof(cfg), &t, &mf), -ENODATA);
}

static void test_config_class(void **state)
{
	uint8_t cfg[64] = {0x86, 0x80, 0xd3, 0x10, [0x09] = 0x00, [0x0a] = 0x00, [0x0b] = 0x02};
	uint32_t class = 0;

	(void)state;
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), 0);
	assert_int_equal(class, 0x020000);
	/* Too short to hold the header type. */
	assert_int_equal(attr_config_class(cfg, 0x0e, &class), -ENODATA);
	/* Bridges: host controllers' fixups turn root ports into PCI bridges. */
	cfg[0x0e] = 0x01;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), -ENODATA);
	cfg[0x0e] = 0x80;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), 0);
	/* No class at all, or all ones: the kernel may fill one in. */
	cfg[0x0b] = 0x00;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), -ENODATA);
	cfg[0x0b] = 0xff;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), -ENODATA);
	/* A vendor with class quirks (ATI SATA in IDE mode). */
	cfg[0x0b] = 0x01;
	cfg[0x0a] = 0x01;
	cfg[0] = 0x02;
	cfg[1] = 0x10;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), -ENODATA);
	cfg[0] = 0x86;
	cfg[1] = 0x80;
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), 0);
	assert_int_equal(class, 0x010100);
#else
	assert_int_equal(attr_config_class(cfg, sizeof(cfg), &class), -ENODATA);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),	     cmocka_unit_test(test_int_bool),
		cmocka_unit_test(test_driver_names), cmocka_unit_test(test_reset_method),
		cmocka_unit_test(test_regions),	     cmocka_unit_test(test_group_number_and_header),
		cmocka_unit_test(test_config_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
