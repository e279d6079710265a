// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdbool.h>

#include "tree.h"

static inline uint64_t max_of(const struct tree_node *n)
{
	return n ? n->max : 0;
}

static void pull(struct tree_node *n)
{
	uint64_t m = n->value;

	if (max_of(n->left) > m)
		m = max_of(n->left);
	if (max_of(n->right) > m)
		m = max_of(n->right);
	n->max = m;
}

/* Total order: key, then node address, so equal keys can coexist. */
static bool before(const struct tree_node *a, const struct tree_node *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return (uintptr_t)a < (uintptr_t)b;
}

static uint32_t next_prio(struct tree *t)
{
	/* xorshift32: priorities need only be independent of the keys. */
	uint32_t x = t->seed ? t->seed : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	t->seed = x;
	return x;
}

/* Splits @root into the nodes before @pivot (*l) and the rest (*r). */
static void split(struct tree_node *root, const struct tree_node *pivot, struct tree_node **l,
		  struct tree_node **r)
{
	if (!root) {
		*l = *r = NULL;
		return;
	}
	if (before(root, pivot)) {
		split(root->right, pivot, &root->right, r);
		*l = root;
	} else {
		split(root->left, pivot, l, &root->left);
		*r = root;
	}
	pull(root);
}

static struct tree_node *insert(struct tree_node *root, struct tree_node *node)
{
	if (!root)
		return node;
	if (node->prio > root->prio) {
		split(root, node, &node->left, &node->right);
		pull(node);
		return node;
	}
	if (before(node, root))
		root->left = insert(root->left, node);
	else
		root->right = insert(root->right, node);
	pull(root);
	return root;
}

static struct tree_node *merge(struct tree_node *a, struct tree_node *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->right = merge(a->right, b);
		pull(a);
		return a;
	}
	b->left = merge(a, b->left);
	pull(b);
	return b;
}

static struct tree_node *remove_node(struct tree_node *root, struct tree_node *node)
{
	if (!root)
		return NULL;
	if (root == node)
		return merge(root->left, root->right);
	if (before(node, root))
		root->left = remove_node(root->left, node);
	else
		root->right = remove_node(root->right, node);
	pull(root);
	return root;
}

static void update_path(struct tree_node *root, struct tree_node *node)
{
	if (!root)
		return;
	if (root != node)
		update_path(before(node, root) ? root->left : root->right, node);
	pull(root);
}

void tree_insert(struct tree *t, struct tree_node *node)
{
	node->left = node->right = NULL;
	node->prio = next_prio(t);
	node->max = node->value;
	t->root = insert(t->root, node);
	t->n++;
}

void tree_remove(struct tree *t, struct tree_node *node)
{
	t->root = remove_node(t->root, node);
	t->n--;
}

void tree_update(struct tree *t, struct tree_node *node)
{
	update_path(t->root, node);
}

struct tree_node *tree_find(const struct tree *t, uint64_t key)
{
	struct tree_node *n = t->root, *found = NULL;

	while (n) {
		if (key < n->key) {
			n = n->left;
		} else if (key > n->key) {
			n = n->right;
		} else {
			found = n;
			n = n->left;
		}
	}
	return found;
}

struct tree_node *tree_floor(const struct tree *t, uint64_t key)
{
	struct tree_node *n = t->root, *best = NULL;

	while (n) {
		if (n->key <= key) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

struct tree_node *tree_above(const struct tree *t, uint64_t key)
{
	struct tree_node *n = t->root, *best = NULL;

	while (n) {
		if (n->key > key) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct tree_node *tree_stab(const struct tree *t, uint64_t x)
{
	struct tree_node *n = t->root;

	/*
	 * The interval-tree search: when the left subtree reaches @x, any node containing @x
	 * is there if anywhere, since everything to the right starts later than the node in
	 * the left subtree that reaches @x, which itself starts after @x if it misses it.
	 */
	while (n) {
		if (n->key <= x && n->value >= x)
			return n;
		if (n->left && n->left->max >= x)
			n = n->left;
		else if (n->key > x)
			return NULL;
		else
			n = n->right;
	}
	return NULL;
}

static struct tree_node *first_fit(struct tree_node *n, uint64_t min,
				   int (*fits)(const struct tree_node *, void *), void *data)
{
	struct tree_node *r;

	if (!n || n->max < min)
		return NULL;
	r = first_fit(n->left, min, fits, data);
	if (r)
		return r;
	if (n->value >= min && fits(n, data))
		return n;
	return first_fit(n->right, min, fits, data);
}

struct tree_node *tree_first_fit(const struct tree *t, uint64_t min,
				 int (*fits)(const struct tree_node *node, void *data), void *data)
{
	return first_fit(t->root, min, fits, data);
}

static int walk(struct tree_node *n, int (*fn)(struct tree_node *, void *), void *data)
{
	int r;

	if (!n)
		return 0;
	r = walk(n->left, fn, data);
	if (r)
		return r;
	/* @fn may free the node: read the right child first. */
	{
		struct tree_node *right = n->right;

		r = fn(n, data);
		if (r)
			return r;
		return walk(right, fn, data);
	}
}

int tree_walk(const struct tree *t, int (*fn)(struct tree_node *node, void *data), void *data)
{
	return walk(t->root, fn, data);
}

struct tree_node *tree_first(const struct tree *t)
{
	struct tree_node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}
