/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside a domain: what lib/iommu/'s files share. The backends (backend-type1.c for the
 * container in its type1v2, type1 and no-IOMMU forms, backend-iommufd.c) attach devices
 * and issue the map and unmap ioctls; map.c keeps the bookkeeping; all of it runs under
 * the domain's mutex.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/iommu.h>
#include <vfiokit/pci.h>

#include "iommu-private.h"
#include "iova.h"
#include "mappings.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* A group in the container. With no users it is kept only while it holds the container's
 * IOMMU (and so the mappings) alive: the kernel drops every mapping when the last group
 * leaves. */
struct group {
	unsigned int id;
	int fd;
	unsigned int users;
};

struct vfk_iommu {
	int refcount;
	struct vfk_ctx *ctx;
	enum vfk_iommu_backend asked;
	/* VFK_IOMMU_AUTO until the first device has joined. */
	enum vfk_iommu_backend backend;
	char *reason;
	pthread_mutex_t lock;

	/* type1, type1v2, noiommu */
	int container_fd;
	struct group *groups;
	size_t n_groups;

	/* iommufd */
	int iommufd;
	uint32_t ioas_id;

	unsigned int n_devices;
	struct vfk_iova_range *ranges;
	size_t n_ranges;
	uint64_t page_sizes;
	/* NULL until the ranges are known, and for no-IOMMU. */
	struct iova_allocator *iova;
	struct mappings mappings;
	/* Bytes the mappings pin, for the RLIMIT_MEMLOCK check. */
	uint64_t pinned;
	/* Pinned bytes known to fit the locked-memory limit; 0 until first read. */
	uint64_t memlock_fits;
};

/* Opens a device file below the root for a backend, with the error sentence for the
 * usual failures (EACCES: lend it or be root; EBUSY: held elsewhere; ENOENT: bind). */
int iommu_open_dev_file(struct vfk_iommu *iommu, struct vfk_device *dev, const char *path,
			const char *what);

/* After the set of devices changed: the ranges and page sizes again, and an allocator
 * that knows them with the current mappings taken out. */
int iommu_set_ranges(struct vfk_iommu *iommu, struct vfk_iova_range *ranges, size_t n,
		     uint64_t page_sizes);

/* Closes groups no device uses while that leaves the mappings alive (all of them once
 * nothing is mapped). */
void type1_release_idle_groups(struct vfk_iommu *iommu);

/* Whether the container's form is available: opens /dev/vfio/vfio when needed. Sets the
 * error. */
int type1_check(struct vfk_iommu *iommu, enum vfk_iommu_backend backend);
int type1_attach(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token, int *ret_fd,
		 uint32_t *ret_devid);
void type1_detach(struct vfk_iommu *iommu, struct vfk_device *dev);
int type1_map(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t iova,
	      unsigned int flags);
int type1_unmap(struct vfk_iommu *iommu, uint64_t iova, uint64_t len);
void type1_close(struct vfk_iommu *iommu);

/* The device's VFIO cdev name ("vfio0") when its sysfs entry has a dev attribute and the
 * node exists below /dev/vfio/devices; -ENOENT otherwise. */
int iommufd_cdev_name(struct vfk_iommu *iommu, struct vfk_device *dev, char *buf, size_t size);
int iommufd_attach(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
		   int *ret_fd, uint32_t *ret_devid);
int iommufd_map(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t iova,
		unsigned int flags);
int iommufd_unmap(struct vfk_iommu *iommu, uint64_t iova, uint64_t len);
void iommufd_close(struct vfk_iommu *iommu);

/* memlock.c: vfk_iommu_check_memlock() with the lock held. */
int memlock_check_locked(struct vfk_iommu *iommu, uint64_t bytes);

/* map.c: vfk_iommu_map_alloc() with the IOVA aligned to @align (falling back to the CPU's
 * page size when no such range is free), for memory whose page size is known. */
int iommu_map_alloc_aligned(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t align,
			    unsigned int flags, uint64_t *ret_iova);
/* map.c: the mappings' teardown on the last reference. */
void map_free_all(struct vfk_iommu *iommu);

/* The CPU's page size. */
size_t iommu_cpu_page_size(void);
