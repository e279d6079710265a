// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "iova.h"
#include "tree.h"

/* A free range: node.key is its start, node.value its span (last - start), which unlike
 * the length cannot overflow for a range reaching 2^64 - 1. */
struct free_range {
	struct tree_node node;
};

struct iova_allocator {
	struct tree free;
	struct vfk_iova_range *ranges;
	size_t n_ranges;
};

static inline uint64_t range_last(const struct tree_node *n)
{
	return n->key + n->value;
}

static int cmp_range(const void *a, const void *b)
{
	const struct vfk_iova_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int add_free(struct iova_allocator *a, uint64_t start, uint64_t last,
		    struct free_range *reuse)
{
	struct free_range *f = reuse ? reuse : calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->node.key = start;
	f->node.value = last - start;
	tree_insert(&a->free, &f->node);
	return 0;
}

int iova_new(const struct vfk_iova_range *ranges, size_t n, struct iova_allocator **ret)
{
	struct iova_allocator *a = calloc(1, sizeof(*a));
	size_t m = 0;

	if (!a)
		return -ENOMEM;
	a->ranges = calloc(n ? n : 1, sizeof(*a->ranges));
	if (!a->ranges) {
		free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (ranges[i].start <= ranges[i].last)
			a->ranges[m++] = ranges[i];
	qsort(a->ranges, m, sizeof(*a->ranges), cmp_range);
	/* Merge overlapping and touching ranges so each free range lies in one of them. */
	n = 0;
	for (size_t i = 0; i < m; i++) {
		if (n > 0 && (a->ranges[n - 1].last == UINT64_MAX ||
			      a->ranges[i].start <= a->ranges[n - 1].last + 1)) {
			if (a->ranges[i].last > a->ranges[n - 1].last)
				a->ranges[n - 1].last = a->ranges[i].last;
			continue;
		}
		a->ranges[n++] = a->ranges[i];
	}
	a->n_ranges = n;
	for (size_t i = 0; i < n; i++) {
		if (add_free(a, a->ranges[i].start, a->ranges[i].last, NULL) < 0) {
			iova_destroy(a);
			return -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

static int free_node(struct tree_node *n, void *data)
{
	(void)data;
	free(n);
	return 0;
}

void iova_destroy(struct iova_allocator *a)
{
	if (!a)
		return;
	tree_walk(&a->free, free_node, NULL);
	free(a->ranges);
	free(a);
}

/* The first multiple of @align at or after @x, false on overflow. */
static bool align_up(uint64_t x, uint64_t align, uint64_t *ret)
{
	if (x > UINT64_MAX - (align - 1))
		return false;
	*ret = (x + align - 1) & ~(align - 1);
	return true;
}

struct fit {
	uint64_t len, align, at;
};

static int fits(const struct tree_node *n, void *data)
{
	struct fit *f = data;
	uint64_t last = range_last(n), at;

	/* IOVA 0 looks like a null pointer to too many drivers: start above it. */
	if (!align_up(n->key ? n->key : 1, f->align, &at) || at > last || last - at < f->len - 1)
		return 0;
	f->at = at;
	return 1;
}

/* Takes [@at, @at + @len) out of the free range @n, which holds it. */
static int carve(struct iova_allocator *a, struct tree_node *n, uint64_t at, uint64_t len)
{
	uint64_t start = n->key, last = range_last(n), end = at + (len - 1);

	if (at > start && end < last) {
		/* The right piece needs a new node; get it before anything changes. */
		struct free_range *right = calloc(1, sizeof(*right));

		if (!right)
			return -ENOMEM;
		n->value = at - 1 - start;
		tree_update(&a->free, n);
		return add_free(a, end + 1, last, right);
	}
	if (at > start) {
		n->value = at - 1 - start;
		tree_update(&a->free, n);
		return 0;
	}
	if (end < last) {
		/* No other free range lies between the old start and the new one, so the node
		 * keeps its place in the order: move its start in place. */
		n->key = end + 1;
		n->value = last - (end + 1);
		tree_update(&a->free, n);
		return 0;
	}
	tree_remove(&a->free, n);
	free(n);
	return 0;
}

int iova_alloc(struct iova_allocator *a, uint64_t len, uint64_t align, uint64_t *ret)
{
	struct fit f = {.len = len, .align = align};
	struct tree_node *n;
	int r;

	if (len == 0 || align == 0 || (align & (align - 1)))
		return -EINVAL;
	n = tree_first_fit(&a->free, len - 1, fits, &f);
	if (!n)
		return -ENOSPC;
	r = carve(a, n, f.at, len);
	if (r < 0)
		return r;
	*ret = f.at;
	return 0;
}

static bool in_ranges(const struct iova_allocator *a, uint64_t iova, uint64_t last)
{
	size_t lo = 0, hi = a->n_ranges;

	/* The last range starting at or before @iova is the only candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->ranges[mid].start <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && a->ranges[lo - 1].last >= last;
}

bool iova_in_ranges(const struct iova_allocator *a, uint64_t iova, uint64_t len)
{
	if (len == 0 || iova > UINT64_MAX - (len - 1))
		return false;
	return in_ranges(a, iova, iova + (len - 1));
}

int iova_reserve(struct iova_allocator *a, uint64_t iova, uint64_t len)
{
	struct tree_node *n;
	uint64_t last;

	if (len == 0)
		return -EINVAL;
	if (iova > UINT64_MAX - (len - 1))
		return -ERANGE;
	last = iova + (len - 1);
	if (!in_ranges(a, iova, last))
		return -ERANGE;
	n = tree_floor(&a->free, iova);
	if (!n || range_last(n) < last)
		return -EEXIST;
	return carve(a, n, iova, len);
}

int iova_release(struct iova_allocator *a, uint64_t iova, uint64_t len)
{
	struct tree_node *pred, *succ;
	bool join_pred, join_succ;
	uint64_t last;

	if (len == 0 || iova > UINT64_MAX - (len - 1))
		return -EINVAL;
	last = iova + (len - 1);
	pred = tree_floor(&a->free, iova);
	succ = tree_above(&a->free, iova);
	if ((pred && range_last(pred) >= iova) || (succ && succ->key <= last))
		return -EINVAL;
	join_pred = pred && range_last(pred) + 1 == iova;
	join_succ = succ && last + 1 == succ->key;
	if (join_pred && join_succ) {
		pred->value = range_last(succ) - pred->key;
		tree_remove(&a->free, succ);
		free(succ);
		tree_update(&a->free, pred);
		return 0;
	}
	if (join_pred) {
		pred->value = last - pred->key;
		tree_update(&a->free, pred);
		return 0;
	}
	if (join_succ) {
		/* As in carve(): nothing lies between, so the start moves in place. */
		succ->value = range_last(succ) - iova;
		succ->key = iova;
		tree_update(&a->free, succ);
		return 0;
	}
	return add_free(a, iova, last, NULL);
}

size_t iova_n_free_ranges(const struct iova_allocator *a)
{
	return a->free.n;
}
