/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An intrusive treap keyed by a 64-bit start, with each node's 64-bit value maximised over
 * its subtree. The IOMMU domain indexes its mappings by virtual address in one (the last
 * byte as value, for stabbing queries) and the IOVA allocator keeps its free ranges in
 * another (with the span as value, for first-fit searches). Expected O(log n) for
 * every operation. Nodes with equal keys are allowed; they are ordered by address.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct tree_node {
	struct tree_node *left, *right;
	uint32_t prio;
	uint64_t key;
	uint64_t value;
	/* Largest value in this node's subtree. */
	uint64_t max;
};

struct tree {
	struct tree_node *root;
	size_t n;
	uint32_t seed;
};

void tree_insert(struct tree *t, struct tree_node *node);
void tree_remove(struct tree *t, struct tree_node *node);
/* Call after changing a node's value in place, or its key when that keeps the node's
 * place in the order. */
void tree_update(struct tree *t, struct tree_node *node);

/* The first node with exactly @key, or NULL. */
struct tree_node *tree_find(const struct tree *t, uint64_t key);
/* The node with the largest key <= @key, or NULL. */
struct tree_node *tree_floor(const struct tree *t, uint64_t key);
/* The node with the smallest key > @key, or NULL. */
struct tree_node *tree_above(const struct tree *t, uint64_t key);
/* A node with key <= @x <= value (values taken as each node's last byte), or NULL. */
struct tree_node *tree_stab(const struct tree *t, uint64_t x);
/* The node with the smallest key whose value is >= @min and for which @fits says yes;
 * subtrees whose largest value is below @min are skipped. */
struct tree_node *tree_first_fit(const struct tree *t, uint64_t min,
				 int (*fits)(const struct tree_node *node, void *data), void *data);
/* In key order; stops at the first nonzero return of @fn and returns it. */
int tree_walk(const struct tree *t, int (*fn)(struct tree_node *node, void *data), void *data);
/* Leftmost node (smallest key), or NULL. */
struct tree_node *tree_first(const struct tree *t);
