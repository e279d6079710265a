// SPDX-License-Identifier: LGPL-2.1-or-later
/* The IOVA allocator and the treap under it, without a kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iommu/iova.h"
#include "iommu/tree.h"

#define SZ_4K 0x1000ULL
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

/* Intel's VT-d with a 39-bit width: everything but the MSI window. */
static const struct vfk_iova_range vtd[] = {
	{0, 0xfedfffffULL},
	{0xfef00000ULL, (1ULL << 39) - 1},
};

static struct iova_allocator *new_alloc(const struct vfk_iova_range *r, size_t n)
{
	struct iova_allocator *a = NULL;

	assert_int_equal(iova_new(r, n, &a), 0);
	return a;
}

static void test_holes(void **state)
{
	struct iova_allocator *a = new_alloc(vtd, 2);
	uint64_t iova, prev = 0;

	(void)state;
	assert_int_equal(iova_n_free_ranges(a), 2);
	/* 16 MiB at a time up to past the hole: none may touch the MSI window. */
	for (int i = 0; i < 300; i++) {
		assert_int_equal(iova_alloc(a, 16ULL << 20, SZ_4K, &iova), 0);
		assert_true(iova > prev);
		assert_true(iova + (16ULL << 20) - 1 < 0xfee00000ULL || iova >= 0xfef00000ULL);
		prev = iova;
	}
	assert_true(prev >= 0xfef00000ULL);
	/* A fixed mapping inside the hole is out of range; across its edge too. */
	assert_int_equal(iova_reserve(a, 0xfee00000ULL, SZ_4K), -ERANGE);
	assert_int_equal(iova_reserve(a, 0xfeeff000ULL, 2 * SZ_4K), -ERANGE);
	assert_int_equal(iova_reserve(a, 1ULL << 39, SZ_4K), -ERANGE);
	/* Above the first allocation: taken. */
	assert_int_equal(iova_reserve(a, SZ_2M, SZ_4K), -EEXIST);
	iova_destroy(a);
}

static void test_reuse(void **state)
{
	struct iova_allocator *a = new_alloc(vtd, 2);
	uint64_t live[64] = {0}, len[64] = {0}, iova;
	uint32_t x = 12345;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		int slot;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		slot = (int)(x % 64);
		if (live[slot]) {
			assert_int_equal(iova_release(a, live[slot], len[slot]), 0);
			live[slot] = 0;
		} else {
			len[slot] = SZ_4K << (x % 10);
			assert_int_equal(iova_alloc(a, len[slot], SZ_4K, &iova), 0);
			assert_true(iova != 0);
			live[slot] = iova;
		}
		/* With at most 64 live ranges there can be at most 65 holes per range. */
		assert_true(iova_n_free_ranges(a) <= 2 + 64);
	}
	for (int i = 0; i < 64; i++)
		if (live[i])
			assert_int_equal(iova_release(a, live[i], len[i]), 0);
	/* Everything merged back: the two ranges, whole. */
	assert_int_equal(iova_n_free_ranges(a), 2);
	assert_int_equal(iova_reserve(a, 0, 0xfee00000ULL), 0);
	assert_int_equal(iova_reserve(a, 0xfef00000ULL, (1ULL << 39) - 0xfef00000ULL), 0);
	assert_int_equal(iova_n_free_ranges(a), 0);
	iova_destroy(a);
}

static void test_alignment(void **state)
{
	struct iova_allocator *a = new_alloc(vtd, 2);
	uint64_t small, big, huge, again;

	(void)state;
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &small), 0);
	assert_int_equal(small, SZ_4K);
	assert_int_equal(iova_alloc(a, SZ_2M, SZ_2M, &big), 0);
	assert_int_equal(big % SZ_2M, 0);
	assert_int_equal(big, SZ_2M);
	assert_int_equal(iova_alloc(a, SZ_1G, SZ_1G, &huge), 0);
	assert_int_equal(huge % SZ_1G, 0);
	assert_int_equal(huge, SZ_1G);
	/* The gaps alignment left are used first. */
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &again), 0);
	assert_int_equal(again, 2 * SZ_4K);
	assert_int_equal(iova_alloc(a, SZ_2M, SZ_2M, &again), 0);
	assert_int_equal(again, 2 * SZ_2M);
	assert_int_equal(iova_alloc(a, SZ_4K, 3 * SZ_4K, &again), -EINVAL);
	assert_int_equal(iova_alloc(a, 0, SZ_4K, &again), -EINVAL);
	iova_destroy(a);
}

static void test_exhaustion(void **state)
{
	const struct vfk_iova_range r = {0x10000, 0x1ffff};
	struct iova_allocator *a = new_alloc(&r, 1);
	uint64_t iova[16], extra;

	(void)state;
	for (int i = 0; i < 16; i++) {
		assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &iova[i]), 0);
		assert_int_equal(iova[i], 0x10000 + i * SZ_4K);
	}
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &extra), -ENOSPC);
	assert_int_equal(iova_release(a, iova[7], SZ_4K), 0);
	/* Released twice, or a range partly free: refused. */
	assert_int_equal(iova_release(a, iova[7], SZ_4K), -EINVAL);
	assert_int_equal(iova_release(a, iova[6], 2 * SZ_4K), -EINVAL);
	assert_int_equal(iova_alloc(a, 2 * SZ_4K, SZ_4K, &extra), -ENOSPC);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &extra), 0);
	assert_int_equal(extra, iova[7]);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &extra), -ENOSPC);
	iova_destroy(a);
}

static void test_never_zero(void **state)
{
	const struct vfk_iova_range r = {0, 0xffff};
	struct iova_allocator *a = new_alloc(&r, 1);
	uint64_t iova;

	(void)state;
	assert_int_equal(iova_alloc(a, 1, 1, &iova), 0);
	assert_int_equal(iova, 1);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &iova), 0);
	assert_int_equal(iova, SZ_4K);
	/* A fixed mapping may still use IOVA 0. */
	assert_int_equal(iova_reserve(a, 0, 1), 0);
	/* The whole range but 0 as one allocation: does not fit below 64K anymore. */
	assert_int_equal(iova_alloc(a, 0x10000, 1, &iova), -ENOSPC);
	iova_destroy(a);

	a = new_alloc(&r, 1);
	assert_int_equal(iova_alloc(a, 0x10000, 1, &iova), -ENOSPC);
	assert_int_equal(iova_alloc(a, 0xffff, 1, &iova), 0);
	assert_int_equal(iova, 1);
	iova_destroy(a);
}

static void test_top_of_space(void **state)
{
	const struct vfk_iova_range top = {UINT64_MAX - 2 * SZ_1G + 1, UINT64_MAX};
	const struct vfk_iova_range all = {0, UINT64_MAX};
	struct iova_allocator *a = new_alloc(&top, 1);
	uint64_t x, y, z;

	(void)state;
	assert_int_equal(iova_alloc(a, SZ_1G, SZ_1G, &x), 0);
	assert_int_equal(x, top.start);
	assert_int_equal(iova_alloc(a, SZ_1G, SZ_1G, &y), 0);
	assert_int_equal(y, UINT64_MAX - SZ_1G + 1);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &z), -ENOSPC);
	assert_int_equal(iova_release(a, y, SZ_1G), 0);
	assert_int_equal(iova_release(a, x, SZ_1G), 0);
	assert_int_equal(iova_n_free_ranges(a), 1);
	/* Alignment that would wrap past 2^64 fits nowhere. */
	assert_int_equal(iova_alloc(a, SZ_4K, 1ULL << 63, &z), -ENOSPC);
	assert_int_equal(iova_reserve(a, UINT64_MAX - SZ_4K + 1, SZ_4K), 0);
	assert_int_equal(iova_release(a, UINT64_MAX - SZ_4K + 1, SZ_4K), 0);
	assert_int_equal(iova_reserve(a, UINT64_MAX, 2), -ERANGE);
	assert_int_equal(iova_release(a, UINT64_MAX, 2), -EINVAL);
	iova_destroy(a);

	a = new_alloc(&all, 1);
	assert_int_equal(iova_alloc(a, 1ULL << 63, 1ULL << 63, &x), 0);
	assert_int_equal(x, 1ULL << 63);
	assert_int_equal(iova_alloc(a, SZ_4K, SZ_4K, &y), 0);
	assert_int_equal(y, SZ_4K);
	assert_int_equal(iova_release(a, x, 1ULL << 63), 0);
	assert_int_equal(iova_release(a, y, SZ_4K), 0);
	assert_int_equal(iova_n_free_ranges(a), 1);
	iova_destroy(a);
}

static void test_ranges_merged(void **state)
{
	/* Out of order, overlapping and touching: one range 0x1000-0x5fff. */
	const struct vfk_iova_range r[] = {{0x3000, 0x4fff}, {0x1000, 0x3fff}, {0x5000, 0x5fff}};
	struct iova_allocator *a = new_alloc(r, 3);
	uint64_t iova;

	(void)state;
	assert_int_equal(iova_n_free_ranges(a), 1);
	assert_int_equal(iova_alloc(a, 0x5000, SZ_4K, &iova), 0);
	assert_int_equal(iova, 0x1000);
	iova_destroy(a);
}

struct ival {
	struct tree_node node;
	bool in;
};

static void test_tree_stab(void **state)
{
	enum { N = 2000 };
	struct ival *v = calloc(N, sizeof(*v));
	struct tree t = {0};
	uint32_t x = 777;

	(void)state;
	assert_non_null(v);
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		v[i].node.key = x % 100000;
		v[i].node.value = v[i].node.key + (x % 1000);
	}
	for (int round = 0; round < 4000; round++) {
		int i;
		uint64_t q;
		struct tree_node *hit;
		bool any = false;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		i = (int)(x % N);
		if (v[i].in)
			tree_remove(&t, &v[i].node);
		else
			tree_insert(&t, &v[i].node);
		v[i].in = !v[i].in;
		q = (x >> 8) % 101000;
		hit = tree_stab(&t, q);
		for (int j = 0; j < N; j++)
			if (v[j].in && v[j].node.key <= q && v[j].node.value >= q)
				any = true;
		assert_int_equal(hit != NULL, any);
		if (hit)
			assert_true(hit->key <= q && hit->value >= q);
	}
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holes),	      cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_alignment),     cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_never_zero),    cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_ranges_merged), cmocka_unit_test(test_tree_stab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
