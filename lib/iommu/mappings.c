// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>

#include "mappings.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static void link_init(struct link *head)
{
	head->prev = head->next = head;
}

static bool linked(const struct link *l)
{
	return l->next != NULL;
}

static void link_append(struct link *head, struct link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static void link_remove(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = NULL;
}

void mappings_init(struct mappings *x)
{
	*x = (struct mappings){0};
	link_init(&x->vaddr_pending);
	link_init(&x->iova_pending);
}

static size_t bucket_of(const struct mappings *x, uint64_t iova)
{
	/* Fibonacci hashing of the page number: IOVAs are page multiples, often in runs. */
	return (size_t)(((iova >> 12) * 0x9e3779b97f4a7c15ULL) >> 32) & (x->n_buckets - 1);
}

int mappings_reserve_slot(struct mappings *x)
{
	struct mapping **old = x->buckets;
	size_t n_old = x->n_buckets, size = n_old ? 2 * n_old : 64;

	if (x->n < n_old)
		return 0;
	x->buckets = calloc(size, sizeof(*x->buckets));
	if (!x->buckets) {
		x->buckets = old;
		return -ENOMEM;
	}
	x->n_buckets = size;
	for (size_t i = 0; i < n_old; i++) {
		struct mapping *m = old[i], *next;

		for (; m; m = next) {
			size_t b = bucket_of(x, m->iova);

			next = m->hash_next;
			m->hash_next = x->buckets[b];
			x->buckets[b] = m;
		}
	}
	free(old);
	return 0;
}

struct mapping *mappings_get(struct mappings *x)
{
	struct mapping *m = x->spare;

	if (m) {
		x->spare = NULL;
		return m;
	}
	return malloc(sizeof(*m));
}

void mappings_put(struct mappings *x, struct mapping *m)
{
	if (x->spare)
		free(m);
	else
		x->spare = m;
}

void mappings_add(struct mappings *x, struct mapping *m, uintptr_t vaddr, bool reserved)
{
	size_t b = bucket_of(x, m->iova);

	m->hash_next = x->buckets[b];
	x->buckets[b] = m;
	x->n++;
	m->by_vaddr.key = vaddr;
	m->by_vaddr.value = vaddr + (m->len - 1);
	link_append(&x->vaddr_pending, &m->vaddr_pending);
	m->taken = reserved;
	if (reserved)
		m->iova_pending.prev = m->iova_pending.next = NULL;
	else
		link_append(&x->iova_pending, &m->iova_pending);
}

struct mapping *mappings_find(const struct mappings *x, uint64_t iova)
{
	struct mapping *m;

	if (x->n_buckets == 0)
		return NULL;
	for (m = x->buckets[bucket_of(x, iova)]; m; m = m->hash_next)
		if (m->iova == iova)
			return m;
	return NULL;
}

void mappings_remove(struct mappings *x, struct mapping *m, struct iova_allocator *a)
{
	struct mapping **p = &x->buckets[bucket_of(x, m->iova)];

	while (*p != m)
		p = &(*p)->hash_next;
	*p = m->hash_next;
	x->n--;
	if (linked(&m->vaddr_pending))
		link_remove(&m->vaddr_pending);
	else
		tree_remove(&x->by_vaddr, &m->by_vaddr);
	if (linked(&m->iova_pending))
		link_remove(&m->iova_pending);
	else if (m->taken && a)
		iova_release(a, m->iova, m->len);
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

			if (linked(&m->iova_pending))
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
