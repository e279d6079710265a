// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>

#include "mappings.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static void link_init(struct link *head)
{
	head->prev = head->next = head;
}

void mappings_init(struct mappings *x)
{
	*x = (struct mappings){0};
	link_init(&x->vaddr_pending);
	link_init(&x->iova_pending);
}

int mappings_grow(struct mappings *x)
{
	struct mapping **old = x->buckets;
	size_t n_old = x->n_buckets, size = n_old ? 2 * n_old : 64;

	x->buckets = calloc(size, sizeof(*x->buckets));
	if (!x->buckets) {
		x->buckets = old;
		return -ENOMEM;
	}
	x->n_buckets = size;
	for (size_t i = 0; i < n_old; i++) {
		struct mapping *m = old[i], *next;

		for (; m; m = next) {
			size_t b = mappings_bucket(x, m->iova);

			next = m->hash_next;
			m->hash_next = x->buckets[b];
			x->buckets[b] = m;
		}
	}
	free(old);
	return 0;
}

int mappings_sync_allocator(struct mappings *x, struct iova_allocator *a)
{
	while (x->iova_pending.next != &x->iova_pending) {
		struct mapping *m =
			container_of(x->iova_pending.next, struct mapping, iova_pending);
		int r = iova_reserve(a, m->iova, m->len);

		if (r == -ENOMEM)
			return r;
		/* Anything else means the allocator cannot hand these IOVAs out anyway. */
		m->taken = r == 0;
		link_remove(&m->iova_pending);
	}
	return 0;
}

size_t mappings_reserve_all(struct mappings *x, struct iova_allocator *a)
{
	size_t outside = 0;

	for (size_t i = 0; i < x->n_buckets; i++) {
		for (struct mapping *m = x->buckets[i]; m; m = m->hash_next) {
			int r = iova_reserve(a, m->iova, m->len);

			if (link_linked(&m->iova_pending))
				link_remove(&m->iova_pending);
			m->taken = r == 0;
			/* Out of memory: the next allocation tries again first. */
			if (r == -ENOMEM)
				link_append(&x->iova_pending, &m->iova_pending);
			else if (r < 0)
				outside++;
		}
	}
	return outside;
}

struct mapping *mappings_stab(struct mappings *x, uintptr_t vaddr)
{
	struct tree_node *n;

	while (x->vaddr_pending.next != &x->vaddr_pending) {
		struct mapping *m =
			container_of(x->vaddr_pending.next, struct mapping, vaddr_pending);

		link_remove(&m->vaddr_pending);
		tree_insert(&x->by_vaddr, &m->by_vaddr);
	}
	n = tree_stab(&x->by_vaddr, vaddr);
	return n ? container_of(n, struct mapping, by_vaddr) : NULL;
}

void mappings_free_all(struct mappings *x)
{
	for (size_t i = 0; i < x->n_buckets; i++) {
		struct mapping *m = x->buckets[i], *next;

		for (; m; m = next) {
			next = m->hash_next;
			free(m);
		}
	}
	free(x->buckets);
	free(x->spare);
	mappings_init(x);
}
