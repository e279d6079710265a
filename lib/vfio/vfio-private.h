/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The open device shared by lib/vfio's files: what VFIO reported at open (regions,
 * interrupt counts), what this process set up since (mappings, eventfds), and the lock
 * around the latter.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <vfiokit/vfio.h>

struct vfio_region {
	struct vfk_region_info info;
	char name[24];
	struct vfk_region_area *areas;
	void *map; /* NULL while not mapped */
	size_t map_len;
};

struct vfio_irq {
	uint32_t count;
	uint32_t flags; /* enum vfk_irq_info_flags */
	int *efds;	/* count entries, -1 where not enabled */
	bool *owned;	/* the eventfd was created here and is closed here */
	uint32_t n_enabled;
};

struct vfk_vfio {
	int refcount;
	struct vfk_iommu *iommu;
	struct vfk_device *dev;
	int fd;
	uint32_t devid;	    /* iommufd device id, or the IOMMU group number */
	uint32_t dev_flags; /* VFIO_DEVICE_FLAGS_* */
	unsigned int n_regions;
	struct vfio_region *regions;
	struct vfio_irq irqs[_VFK_IRQ_TYPE_MAX];
	pthread_mutex_t lock;	    /* around regions[].map and irqs[] */
	struct vfk_vfio *next_open; /* the list of open devices, for hot reset's re-arm */
};

/* vfk_set_error() with the device's address in front: "0000:00:03.0: ...". */
int vfio_error(const struct vfk_vfio *v, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* device.c: the queries made at open, split out so tests can run them on any fd. */
int vfio_device_query(struct vfk_vfio *v);
void vfio_device_forget(struct vfk_vfio *v);

/* region.c */
int vfio_regions_load(struct vfk_vfio *v);
void vfio_regions_free(struct vfk_vfio *v);

/* irq.c */
int vfio_irqs_load(struct vfk_vfio *v);
void vfio_irqs_free(struct vfk_vfio *v);
/* Sets every enabled vector again with the same eventfds, after a reset. Caller holds
 * v->lock. */
int vfio_irqs_rearm_locked(struct vfk_vfio *v);

/* device.c: whether a device at @addr is open in @iommu. */
bool vfio_is_open(struct vfk_iommu *iommu, const struct vfk_addr *addr);
/* device.c: calls @fn on each open device in @iommu whose address is in @addrs. */
void vfio_for_each_open(struct vfk_iommu *iommu, const struct vfk_addr *addrs, size_t n,
			void (*fn)(struct vfk_vfio *v));
