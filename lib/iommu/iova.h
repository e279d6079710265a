/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IOVA allocator: hands out aligned ranges of IOVAs from the ranges the kernel lets a
 * domain map, takes them back for reuse (adjacent free ranges merge again, so a long-lived
 * program allocating and freeing forever leaves no trace), and keeps fixed-address
 * mappings out of its way. The free ranges live in a treap keyed by start with the largest
 * free span per subtree, so allocating is first fit in O(log n) and freeing merges with the
 * neighbours in O(log n). Not thread-safe: the domain's lock covers it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/iommu.h>

struct iova_allocator;

/* All of @ranges (inclusive ends; any order; overlaps merged) start out free. */
int iova_new(const struct vfk_iova_range *ranges, size_t n, struct iova_allocator **ret);
void iova_destroy(struct iova_allocator *a);

/*
 * The lowest free range of @len bytes starting at a multiple of @align (a power of two);
 * never IOVA 0. Returns 0, -EINVAL (@len 0, @align not a power of two) or -ENOSPC.
 */
int iova_alloc(struct iova_allocator *a, uint64_t len, uint64_t align, uint64_t *ret);

/* Takes [@iova, @iova + @len) out of the free ranges for a fixed mapping: -ERANGE when it
 * is not inside one usable range, -EEXIST when part of it is taken already. */
int iova_reserve(struct iova_allocator *a, uint64_t iova, uint64_t len);

/* Whether [@iova, @iova + @len) lies inside one usable range. */
bool iova_in_ranges(const struct iova_allocator *a, uint64_t iova, uint64_t len);

/* Gives back what iova_alloc() or iova_reserve() took: -EINVAL when part of it is free. */
int iova_release(struct iova_allocator *a, uint64_t iova, uint64_t len);

/* How many separate free ranges there are (for tests: it must not grow with reuse). */
size_t iova_n_free_ranges(const struct iova_allocator *a);
