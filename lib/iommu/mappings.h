/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's record of its mappings. Unmap finds a mapping by its IOVA in a hash table,
 * so a map+unmap pair costs the same whether 1 or 16,000 other mappings are live. The
 * two ordered indexes are brought up to date only when a query needs them: the tree by
 * virtual address when a translation is asked for, and the IOVA allocator's free ranges
 * (fixed-IOVA mappings taken out) when an IOVA is allocated. Until then a new mapping
 * waits on a list for each. Overlaps between fixed mappings need no index: the kernel
 * refuses them (-EEXIST). Not thread-safe: the domain's lock covers it.
 *
 * What a map+unmap pair calls is inline here: under an emulated CPU every return
 * is an indirect jump the emulator looks up, and these run once per operation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "iova.h"
#include "tree.h"

struct link {
	struct link *prev, *next;
};

struct mapping {
	uint64_t iova;
	uint64_t len;
	struct mapping *hash_next;
	/* Key: the first byte's virtual address; value: the last byte's. In the tree only
	 * once off the list below. */
	struct tree_node by_vaddr;
	struct link vaddr_pending;
	/* On the list while the allocator does not know the range is taken. */
	struct link iova_pending;
	/* The allocator holds the range: give it back on removal. */
	bool taken;
};

struct mappings {
	struct mapping **buckets;
	size_t n_buckets;
	size_t n;
	struct tree by_vaddr;
	struct link vaddr_pending;
	struct link iova_pending;
	/* One freed entry kept for the next map: a map+unmap loop then never calls malloc. */
	struct mapping *spare;
};

void mappings_init(struct mappings *x);

static inline bool link_linked(const struct link *l)
{
	return l->next != NULL;
}

static inline void link_append(struct link *head, struct link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static inline void link_remove(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = NULL;
}

static inline size_t mappings_bucket(const struct mappings *x, uint64_t iova)
{
	/* Fibonacci hashing of the page number: IOVAs are page multiples, often in runs. */
	return (size_t)(((iova >> 12) * 0x9e3779b97f4a7c15ULL) >> 32) & (x->n_buckets - 1);
}

/* Doubles the table (first: 64 buckets): 0 or -ENOMEM. */
int mappings_grow(struct mappings *x);

/* Makes room so that the next mappings_add() cannot fail: 0 or -ENOMEM. */
static inline int mappings_reserve_slot(struct mappings *x)
{
	return x->n < x->n_buckets ? 0 : mappings_grow(x);
}

/* A new entry to fill and add, or NULL when out of memory. */
static inline struct mapping *mappings_get(struct mappings *x)
{
	struct mapping *m = x->spare;

	if (!m)
		return malloc(sizeof(*m));
	x->spare = NULL;
	return m;
}

/* Frees an entry that was removed, or never added. */
static inline void mappings_put(struct mappings *x, struct mapping *m)
{
	if (x->spare)
		free(m);
	else
		x->spare = m;
}

/* Records @m (iova, len set; nothing else) for [@vaddr, @vaddr + len). With @reserved,
 * the allocator already holds its IOVAs (vfk_iommu_map_alloc()). */
static inline void mappings_add(struct mappings *x, struct mapping *m, uintptr_t vaddr,
				bool reserved)
{
	size_t b = mappings_bucket(x, m->iova);

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

/* The mapping starting at @iova, or NULL. */
static inline struct mapping *mappings_find(const struct mappings *x, uint64_t iova)
{
	struct mapping *m;

	if (x->n_buckets == 0)
		return NULL;
	for (m = x->buckets[mappings_bucket(x, iova)]; m; m = m->hash_next)
		if (m->iova == iova)
			return m;
	return NULL;
}

/* Forgets @m, giving its IOVAs back to @a when they were taken out of it. */
static inline void mappings_remove(struct mappings *x, struct mapping *m, struct iova_allocator *a)
{
	struct mapping **p = &x->buckets[mappings_bucket(x, m->iova)];

	while (*p != m)
		p = &(*p)->hash_next;
	*p = m->hash_next;
	x->n--;
	if (link_linked(&m->vaddr_pending))
		link_remove(&m->vaddr_pending);
	else
		tree_remove(&x->by_vaddr, &m->by_vaddr);
	if (link_linked(&m->iova_pending))
		link_remove(&m->iova_pending);
	else if (m->taken && a)
		iova_release(a, m->iova, m->len);
}

/* Takes every fixed mapping's IOVAs out of @a before it hands out any: 0 or -ENOMEM
 * (those not yet taken out stay on the list). */
int mappings_sync_allocator(struct mappings *x, struct iova_allocator *a);

/* After @a was made anew: every mapping's IOVAs taken out of it. Returns how many lie
 * outside its ranges (the kernel refuses a device whose reserved regions overlap a
 * mapping, so none should). */
size_t mappings_reserve_all(struct mappings *x, struct iova_allocator *a);

/* A mapping holding the byte at @vaddr, or NULL. */
struct mapping *mappings_stab(struct mappings *x, uintptr_t vaddr);

/* Frees every mapping (the kernel dropped them with the domain). */
void mappings_free_all(struct mappings *x);
