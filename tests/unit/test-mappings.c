// SPDX-License-Identifier: LGPL-2.1-or-later
/* A domain's record of its mappings (lib/iommu/mappings.c), without a kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "iommu/mappings.h"

#define SZ_4K 0x1000ULL

static const struct vfk_iova_range vtd[] = {
	{0, 0xfedfffffULL},
	{0xfef00000ULL, (1ULL << 39) - 1},
};

static struct mapping *add(struct mappings *x, uint64_t iova, uint64_t len, uintptr_t vaddr,
			   bool reserved)
{
	struct mapping *m = mappings_get(x);

	assert_non_null(m);
	assert_int_equal(mappings_reserve_slot(x), 0);
	m->iova = iova;
	m->len = len;
	mappings_add(x, m, vaddr, reserved);
	return m;
}

static void drop(struct mappings *x, struct mapping *m, struct iova_allocator *a)
{
	mappings_remove(x, m, a);
	mappings_put(x, m);
}

/* 100k mappings found by IOVA through every growth of the table, then gone. */
static void test_find_many(void **state)
{
	enum { N = 100000 };
	struct mapping **ms = calloc(N, sizeof(*ms));
	struct mappings x;

	(void)state;
	mappings_init(&x);
	assert_null(mappings_find(&x, 0x1000));
	for (size_t i = 0; i < N; i++)
		ms[i] = add(&x, 0x10000000ULL + i * SZ_4K, SZ_4K, 0x7f0000000000ULL + i * SZ_4K,
			    false);
	assert_int_equal(x.n, N);
	assert_true(x.n_buckets >= N);
	for (size_t i = 0; i < N; i += 997)
		assert_ptr_equal(mappings_find(&x, 0x10000000ULL + i * SZ_4K), ms[i]);
	assert_null(mappings_find(&x, 0x10000000ULL + N * SZ_4K));
	assert_null(mappings_find(&x, 0x10000800ULL));
	for (size_t i = 0; i < N; i += 2)
		drop(&x, ms[i], NULL);
	for (size_t i = 0; i < N; i++)
		if (i % 2)
			assert_ptr_equal(mappings_find(&x, 0x10000000ULL + i * SZ_4K), ms[i]);
		else
			assert_null(mappings_find(&x, 0x10000000ULL + i * SZ_4K));
	mappings_free_all(&x);
	assert_int_equal(x.n, 0);
	assert_null(mappings_find(&x, 0x10001000ULL));
	free(ms);
}

/* Translation sees mappings added before and after the index was last brought up to
 * date, and none that were removed, whether indexed by then or not. */
static void test_stab(void **state)
{
	struct mappings x;
	struct mapping *a, *b, *c, *d;

	(void)state;
	mappings_init(&x);
	a = add(&x, 0x1000, SZ_4K, 0x10000, false);
	b = add(&x, 0x8000, 2 * SZ_4K, 0x20000, false);
	assert_ptr_equal(mappings_stab(&x, 0x10fff), a);
	assert_ptr_equal(mappings_stab(&x, 0x21234), b);
	assert_null(mappings_stab(&x, 0x22000));
	c = add(&x, 0x20000, SZ_4K, 0x30000, false);
	d = add(&x, 0x30000, SZ_4K, 0x40000, false);
	drop(&x, d, NULL); /* never indexed */
	drop(&x, a, NULL); /* indexed */
	assert_null(mappings_stab(&x, 0x10000));
	assert_null(mappings_stab(&x, 0x40000));
	assert_ptr_equal(mappings_stab(&x, 0x30800), c);
	assert_ptr_equal(mappings_stab(&x, 0x20000), b);
	/* The same memory mapped twice: either mapping translates it. */
	a = add(&x, 0x50000, SZ_4K, 0x30000, false);
	assert_true(mappings_stab(&x, 0x30000) == a || mappings_stab(&x, 0x30000) == c);
	drop(&x, c, NULL);
	assert_ptr_equal(mappings_stab(&x, 0x30000), a);
	mappings_free_all(&x);
}

/* Fixed mappings are taken out of the free ranges before the allocator hands out an IOVA,
 * and given back when removed; one removed before that never touches the allocator. */
static void test_sync_allocator(void **state)
{
	struct iova_allocator *a;
	struct mappings x;
	struct mapping *f, *g, *h;
	uint64_t iova;

	(void)state;
	mappings_init(&x);
	assert_int_equal(iova_new(vtd, 2, &a), 0);
	f = add(&x, 0x1000, 2 * SZ_4K, 0x10000, false);
	g = add(&x, 0x5000, SZ_4K, 0x20000, false);
	drop(&x, g, a);
	assert_int_equal(iova_n_free_ranges(a), 2);
	assert_int_equal(mappings_sync_allocator(&x, a), 0);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &iova), 0);
	assert_int_equal(iova, 0x3000);
	h = add(&x, iova, SZ_4K, 0x30000, true);
	/* Syncing twice takes nothing out twice. */
	assert_int_equal(mappings_sync_allocator(&x, a), 0);
	drop(&x, f, a);
	drop(&x, h, a);
	assert_int_equal(iova_n_free_ranges(a), 2);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &iova), 0);
	assert_int_equal(iova, 0x1000);
	assert_int_equal(iova_release(a, iova, SZ_4K), 0);
	iova_destroy(a);
	mappings_free_all(&x);
}

/* A new allocator (other devices, other ranges) gets every mapping taken out of it; one
 * outside its ranges is counted and never given back to it. */
static void test_reserve_all(void **state)
{
	static const struct vfk_iova_range low[] = {{0, 0xfffffULL}};
	struct iova_allocator *a, *b;
	struct mapping *in, *out, *pending;
	struct mappings x;
	uint64_t iova;

	(void)state;
	mappings_init(&x);
	assert_int_equal(iova_new(vtd, 2, &a), 0);
	in = add(&x, 0x1000, SZ_4K, 0x10000, false);
	out = add(&x, 0x200000, SZ_4K, 0x20000, false);
	assert_int_equal(mappings_sync_allocator(&x, a), 0);
	pending = add(&x, 0x2000, SZ_4K, 0x30000, false);
	assert_int_equal(iova_new(low, 1, &b), 0);
	assert_int_equal(mappings_reserve_all(&x, b), 1);
	iova_destroy(a);
	assert_int_equal(iova_alloc(b, SZ_4K, SZ_4K, &iova), 0);
	assert_int_equal(iova, 0x3000);
	assert_int_equal(iova_release(b, iova, SZ_4K), 0);
	drop(&x, out, b);
	drop(&x, in, b);
	drop(&x, pending, b);
	assert_int_equal(iova_n_free_ranges(b), 1);
	assert_false(iova_in_ranges(b, 0x200000, SZ_4K));
	iova_destroy(b);
	mappings_free_all(&x);
}

/* A long-lived program mapping and unmapping one buffer beside 16k live mappings: the
 * table does not grow and the allocator keeps its shape. */
static void test_churn(void **state)
{
	enum { LIVE = 16000 };
	struct iova_allocator *a;
	struct mappings x;
	size_t buckets;

	(void)state;
	mappings_init(&x);
	assert_int_equal(iova_new(vtd, 2, &a), 0);
	for (size_t i = 0; i < LIVE; i++)
		add(&x, 0x40000000ULL + i * 2 * SZ_4K, SZ_4K, 0x100000 + i * SZ_4K, false);
	assert_int_equal(mappings_sync_allocator(&x, a), 0);
	buckets = x.n_buckets;
	for (int i = 0; i < 200000; i++) {
		struct mapping *m = add(&x, 0x100000000ULL, SZ_4K, 0x7000000, false);

		assert_ptr_equal(mappings_find(&x, 0x100000000ULL), m);
		drop(&x, m, a);
		/* The entry is kept for the next map, not freed and allocated again. */
		assert_ptr_equal(x.spare, m);
	}
	assert_int_equal(x.n, LIVE);
	assert_int_equal(x.n_buckets, buckets);
	assert_int_equal(iova_n_free_ranges(a), LIVE + 2);
	iova_destroy(a);
	mappings_free_all(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_many),      cmocka_unit_test(test_stab),
		cmocka_unit_test(test_sync_allocator), cmocka_unit_test(test_reserve_all),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
