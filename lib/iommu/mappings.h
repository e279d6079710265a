/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's record of its mappings. Unmap finds a mapping by its IOVA in a hash table,
 * so a map+unmap pair costs the same whether 1 or 16,000 other mappings are live. The
 * two ordered indexes are brought up to date only when a query needs them: the tree by
 * virtual address when a translation is asked for, and the IOVA allocator's free ranges
 * (fixed-IOVA mappings taken out) when an IOVA is allocated. Until then a new mapping
 * waits on a list for each. Overlaps between fixed mappings need no index: the kernel
 * refuses them (-EEXIST). Not thread-safe: the domain's lock covers it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Makes room so that the next mappings_add() cannot fail: 0 or -ENOMEM. */
int mappings_reserve_slot(struct mappings *x);

/* A new entry to fill and add, or NULL when out of memory. */
struct mapping *mappings_get(struct mappings *x);
/* Frees an entry that was removed, or never added. */
void mappings_put(struct mappings *x, struct mapping *m);

/* Records @m (iova, len set; nothing else) for [@vaddr, @vaddr + len). With @reserved,
 * the allocator already holds its IOVAs (vfk_iommu_map_alloc()). */
void mappings_add(struct mappings *x, struct mapping *m, uintptr_t vaddr, bool reserved);

/* The mapping starting at @iova, or NULL. */
struct mapping *mappings_find(const struct mappings *x, uint64_t iova);

/* Forgets @m, giving its IOVAs back to @a when they were taken out of it. */
void mappings_remove(struct mappings *x, struct mapping *m, struct iova_allocator *a);

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
