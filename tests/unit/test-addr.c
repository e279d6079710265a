// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vfiokit/addr.h>

static void check_ok(const char *s, uint32_t dom, uint8_t bus, uint8_t dev, uint8_t fn,
		     unsigned int want_flags, const char *canonical)
{
	struct vfk_addr a, b;
	unsigned int flags = 99;
	char buf[VFK_ADDR_STRLEN];

	assert_int_equal(vfk_addr_parse(s, &a, &flags), 0);
	assert_int_equal(a.domain, dom);
	assert_int_equal(a.bus, bus);
	assert_int_equal(a.dev, dev);
	assert_int_equal(a.fn, fn);
	assert_int_equal(flags, want_flags);
	assert_string_equal(vfk_addr_format(&a, buf), canonical);
	assert_int_equal(vfk_addr_parse(buf, &b, NULL), 0);
	assert_int_equal(vfk_addr_cmp(&a, &b), 0);
}

static void test_valid(void **state)
{
	check_ok("0000:00:00.0", 0, 0, 0, 0, VFK_ADDR_HAS_DOMAIN, "0000:00:00.0");
	check_ok("0000:0a:00.1", 0, 0x0a, 0, 1, VFK_ADDR_HAS_DOMAIN, "0000:0a:00.1");
	check_ok("FFFF:FF:1F.7", 0xffff, 0xff, 0x1f, 7, VFK_ADDR_HAS_DOMAIN, "ffff:ff:1f.7");
	/* Domains above 0xffff (VMD, Hyper-V, SPDK's 6-digit form). */
	check_ok("10000:e1:00.0", 0x10000, 0xe1, 0, 0, VFK_ADDR_HAS_DOMAIN, "10000:e1:00.0");
	check_ok("5d0505:01:00.0", 0x5d0505, 1, 0, 0, VFK_ADDR_HAS_DOMAIN, "5d0505:01:00.0");
	check_ok("ffffffff:ff:1f.7", 0xffffffff, 0xff, 0x1f, 7, VFK_ADDR_HAS_DOMAIN,
		 "ffffffff:ff:1f.7");
	check_ok("0:01:00.0", 0, 1, 0, 0, VFK_ADDR_HAS_DOMAIN, "0000:01:00.0");
	/* The short form is parsed but flagged for the caller to resolve. */
	check_ok("01:00.0", 0, 1, 0, 0, 0, "0000:01:00.0");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"0000:00:1f",
		"00:1f",
		"0000:100:00.0",
		"0000:00:1f.3x",
		"0000:00:1f.3 ",
		" 0000:00:1f.3",
		"0000:00:1f.3\n",
		"0000:00:1f.",
		"0000:00:1f.-1",
		"0000:0:1f.3",
		"0000:00:1.3",
		"000g:00:1f.3",
		"0000-00-1f.3",
		"0000:00.1f.3",
		"::.",
		"",
		"0x00:00:1f.3",
		"+000:00:1f.3",
		"123456789:00:00.0",
		"0000:00:1f:3",
		"0000x01y02z3",
		"0000:００:1f.3",
		"0000:00:1f.3.0",
	};
	struct vfk_addr a = {.domain = 42};
	char longs[201];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = vfk_addr_parse(bad[i], &a, NULL);

		if (r != -EINVAL)
			fail_msg("\"%s\" gave %d, expected -EINVAL", bad[i], r);
		assert_int_equal(a.domain, 42); /* untouched on failure */
	}
	memset(longs, '0', 200);
	longs[200] = '\0';
	assert_int_equal(vfk_addr_parse(longs, &a, NULL), -EINVAL);
}

static void test_range(void **state)
{
	struct vfk_addr a;

	assert_int_equal(vfk_addr_parse("0000:00:20.0", &a, NULL), -ERANGE);
	assert_int_equal(vfk_addr_parse("00:20.0", &a, NULL), -ERANGE);
	assert_int_equal(vfk_addr_parse("0000:00:1f.8", &a, NULL), -ERANGE);
	assert_int_equal(vfk_addr_parse("0000:00:1f.f", &a, NULL), -ERANGE);
}

static void test_roundtrip_all(void **state)
{
	static const uint32_t domains[] = {0, 1, 0xffff, 0x10000, 0xabcdef, 0xffffffff};
	unsigned int d, bus, dev, fn;
	char buf[VFK_ADDR_STRLEN];

	for (d = 0; d < 6; d++)
		for (bus = 0; bus < 256; bus += 17)
			for (dev = 0; dev < 32; dev++)
				for (fn = 0; fn < 8; fn++) {
					struct vfk_addr a = {domains[d], (uint8_t)bus, (uint8_t)dev,
							     (uint8_t)fn},
							b;

					vfk_addr_format(&a, buf);
					assert_int_equal(vfk_addr_parse(buf, &b, NULL), 0);
					assert_int_equal(vfk_addr_cmp(&a, &b), 0);
				}
}

static void test_cmp_slot(void **state)
{
	struct vfk_addr a = {0, 1, 0, 0}, b = {0, 1, 0, 1}, c = {0x10000, 1, 0, 0};

	assert_true(vfk_addr_cmp(&a, &b) < 0);
	assert_true(vfk_addr_cmp(&c, &a) > 0);
	assert_true(vfk_addr_same_slot(&a, &b));
	/* Equal bus/dev in another domain is another slot. */
	assert_false(vfk_addr_same_slot(&a, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),	 cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_range),	 cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_cmp_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
