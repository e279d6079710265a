// SPDX-License-Identifier: LGPL-2.1-or-later
/* parse_size_mib(): units, bounds, and values that would wrap when scaled. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "size-option.h"

#define MAX_MIB (16ull << 20)

static void test_units(void **state)
{
	static const struct {
		const char *s;
		uint64_t mib;
	} ok[] = {
		{"4096", 4096},	  {"4096M", 4096}, {"4096m", 4096},  {"4096MiB", 4096},
		{"8G", 8192},	  {"8g", 8192},	   {"8GiB", 8192},   {"1T", 1ull << 20},
		{"16T", MAX_MIB}, {"16", 16},	   {"0016G", 16384},
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 0;
		assert_int_equal(parse_size_mib(ok[i].s, 16, MAX_MIB, &v), 0);
		assert_int_equal(v, ok[i].mib);
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",    "G",   "8T0", " 8G",   "+8G",   "-8G",  "8 G",
		"8GB", "8Gi", "8K",  "8GiBx", "0x10G", "8.5G", "8G ",
	};
	uint64_t v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_size_mib(bad[i], 16, MAX_MIB, &v), -EINVAL);
		assert_int_equal(v, 77);
	}
}

static void test_range(void **state)
{
	static const char *const out[] = {
		"15",
		"0",
		"17T",
		"16385G",
		/* 2^54 + 1 GiB: scaled by 1024 it wraps to 1024 MiB. */
		"18014398509481985G",
		/* 2^44 + 1 TiB wraps to 2^20 MiB. */
		"17592186044417T",
		"18446744073709551615",
		"18446744073709551616",
		"99999999999999999999999999M",
	};
	uint64_t v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		assert_int_equal(parse_size_mib(out[i], 16, MAX_MIB, &v), -ERANGE);
		assert_int_equal(v, 77);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
