// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "iommu-internal.h"

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

/* Whether map and unmap can reach the kernel; sets the error when not. */
static int check_ready(struct vfk_iommu *iommu)
{
	switch (iommu->backend) {
	case VFK_IOMMU_AUTO:
		return vfk_set_error(-ENODEV, "the IOMMU domain has no device yet: open one into "
					      "it (vfk_vfio_open()) before mapping memory");
	case VFK_IOMMU_NOIOMMU:
		return vfk_set_error(-EOPNOTSUPP,
				     "no-IOMMU mode has no IOMMU to map through: devices use "
				     "physical addresses, which unprivileged code cannot learn; "
				     "this library does not map in that mode");
	case VFK_IOMMU_IOMMUFD:
		if (iommu->iommufd < 0 || !iommu->iova)
			return vfk_set_error(-ENODEV, "the IOMMU domain has no device yet");
		return 0;
	default:
		if (iommu->n_groups == 0 || !iommu->iova)
			return vfk_set_error(-ENODEV,
					     "the IOMMU domain has no device left: the "
					     "container lost its IOMMU with the last group");
		return 0;
	}
}

/* iommu_cpu_page_size() without a call into another file on every map. */
static uint64_t page_size(void)
{
	static uint64_t size;

	if (!size)
		size = iommu_cpu_page_size();
	return size;
}

static int check_args(const void *vaddr, uint64_t len, uint64_t iova, unsigned int flags)
{
	uint64_t page = page_size();

	if (len == 0 || (len & (page - 1)) || ((uintptr_t)vaddr & (page - 1)) ||
	    (iova & (page - 1)))
		return vfk_set_error(
			-EINVAL,
			"mapping %p (0x%" PRIx64 " bytes) at IOVA 0x%" PRIx64
			": address, length and IOVA must be multiples of the page size "
			"(%" PRIu64 ") and the length nonzero",
			vaddr, len, iova, page);
	if (!(flags & VFK_DMA_BIDIRECTIONAL) || (flags & ~(unsigned int)VFK_DMA_BIDIRECTIONAL))
		return vfk_set_error(-EINVAL,
				     "mapping flags 0x%x: give VFK_DMA_TO_DEVICE, "
				     "VFK_DMA_FROM_DEVICE or both",
				     flags);
	if ((uintptr_t)vaddr > UINTPTR_MAX - (len - 1) || iova > UINT64_MAX - (len - 1))
		return vfk_set_error(-EINVAL, "mapping %p (0x%" PRIx64 " bytes) wraps around",
				     vaddr, len);
	return 0;
}

/* With @reserved, the allocator has handed out @iova already. */
static int map_locked(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t iova,
		      unsigned int flags, bool reserved)
{
	struct mapping *m;
	int r;

	if (!reserved && !iova_in_ranges(iommu->iova, iova, len))
		return vfk_set_error(-ERANGE,
				     "IOVA 0x%" PRIx64 "-0x%" PRIx64 " is outside the ranges the "
				     "IOMMU can map (vfk_iommu_get_iova_ranges())",
				     iova, iova + (len - 1));
	/* The common case, a mapping within what is known to fit, decided here. */
	if (iommu->pinned + len < iommu->pinned || iommu->pinned + len > iommu->memlock_fits) {
		r = memlock_check_locked(iommu, len);
		if (r < 0)
			goto release;
	}
	m = mappings_get(&iommu->mappings);
	if (!m || mappings_reserve_slot(&iommu->mappings) < 0) {
		if (m)
			mappings_put(&iommu->mappings, m);
		r = vfk_set_error(-ENOMEM, "out of memory");
		goto release;
	}
	if (iommu->backend == VFK_IOMMU_IOMMUFD)
		r = iommufd_map(iommu, vaddr, len, iova, flags);
	else
		r = type1_map(iommu, vaddr, len, iova, flags);
	if (r < 0) {
		mappings_put(&iommu->mappings, m);
		switch (r) {
		case -ENOMEM:
			vfk_set_error(r,
				      "the kernel refused to pin 0x%" PRIx64 " bytes at %p: "
				      "RLIMIT_MEMLOCK counts all memory this %s has pinned, not "
				      "only this domain's; raise it (ulimit -l, "
				      "/etc/security/limits.conf, LimitMEMLOCK= for a service)",
				      len, vaddr,
				      iommu->backend == VFK_IOMMU_IOMMUFD ? "user" : "process");
			break;
		case -EEXIST:
			/* Fixed mappings are not checked against each other here: the kernel
			 * keeps the authoritative map and refuses the overlap itself. */
			vfk_set_error(r, "IOVA 0x%" PRIx64 "-0x%" PRIx64 " overlaps a mapping",
				      iova, iova + (len - 1));
			break;
		case -EFAULT:
			vfk_set_error(r,
				      "%p (0x%" PRIx64 " bytes) is not memory the kernel can pin: "
				      "unmapped, or device memory (MMIO)",
				      vaddr, len);
			break;
		default:
			vfk_set_error(r,
				      "mapping %p (0x%" PRIx64 " bytes) at IOVA 0x%" PRIx64
				      " failed: %s",
				      vaddr, len, iova, strerror(-r));
		}
		goto release;
	}
	m->iova = iova;
	m->len = len;
	mappings_add(&iommu->mappings, m, (uintptr_t)vaddr, reserved);
	iommu->pinned += len;
	return 0;
release:
	if (reserved)
		iova_release(iommu->iova, iova, len);
	return r;
}

VFK_EXPORT int vfk_iommu_map(struct vfk_iommu *iommu, void *vaddr, size_t len, uint64_t iova,
			     unsigned int flags)
{
	int r;

	if (!iommu)
		return vfk_set_error(-EINVAL, "vfk_iommu_map: no domain");
	r = check_args(vaddr, len, iova, flags);
	if (r < 0)
		return r;
	pthread_mutex_lock(&iommu->lock);
	r = check_ready(iommu);
	if (r == 0)
		r = map_locked(iommu, vaddr, len, iova, flags, false);
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

/* The largest of 1 GiB, 2 MiB and 4 KiB dividing both: the page size the memory most
 * likely has (hugetlb mappings are aligned to theirs), so the IOVA lets the IOMMU use
 * pages as large without asking the kernel what backs @vaddr. */
static uint64_t natural_alignment(const void *vaddr, uint64_t len)
{
	uint64_t x = (uintptr_t)vaddr | len;

	if ((x & (SZ_1G - 1)) == 0)
		return SZ_1G;
	if ((x & (SZ_2M - 1)) == 0)
		return SZ_2M;
	return iommu_cpu_page_size();
}

int iommu_map_alloc_aligned(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t align,
			    unsigned int flags, uint64_t *ret_iova)
{
	uint64_t iova;
	int r;

	r = check_args(vaddr, len, 0, flags);
	if (r < 0)
		return r;
	pthread_mutex_lock(&iommu->lock);
	r = check_ready(iommu);
	if (r < 0)
		goto out;
	/* Fixed mappings made since the last allocation are taken out of the free ranges. */
	r = mappings_sync_allocator(&iommu->mappings, iommu->iova);
	if (r == 0)
		r = iova_alloc(iommu->iova, len, align, &iova);
	if (r == -ENOSPC && align > iommu_cpu_page_size())
		/* Fragmented or small ranges: an IOVA with smaller pages beats none. */
		r = iova_alloc(iommu->iova, len, iommu_cpu_page_size(), &iova);
	if (r < 0) {
		r = vfk_set_error(r,
				  r == -ENOSPC ? "no free IOVA range of 0x%" PRIx64
						 " bytes is left in the domain"
					       : "out of memory (0x%" PRIx64 " bytes)",
				  len);
		goto out;
	}
	r = map_locked(iommu, vaddr, len, iova, flags, true);
	if (r == 0)
		*ret_iova = iova;
out:
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

VFK_EXPORT int vfk_iommu_map_alloc(struct vfk_iommu *iommu, void *vaddr, size_t len,
				   unsigned int flags, uint64_t *ret_iova)
{
	if (!iommu || !ret_iova)
		return vfk_set_error(-EINVAL, "vfk_iommu_map_alloc: missing argument");
	return iommu_map_alloc_aligned(iommu, vaddr, len, natural_alignment(vaddr, len), flags,
				       ret_iova);
}

VFK_EXPORT int vfk_iommu_unmap(struct vfk_iommu *iommu, uint64_t iova, size_t len)
{
	struct mapping *m;
	int r;

	if (!iommu || len == 0)
		return vfk_set_error(-EINVAL, "vfk_iommu_unmap: no domain or zero length");
	pthread_mutex_lock(&iommu->lock);
	m = mappings_find(&iommu->mappings, iova);
	if (!m || m->len != len) {
		r = vfk_set_error(-ENOENT, "no mapping of 0x%zx bytes starts at IOVA 0x%" PRIx64 "",
				  len, iova);
		goto out;
	}
	r = check_ready(iommu);
	if (r < 0)
		goto out;
	if (iommu->backend == VFK_IOMMU_IOMMUFD)
		r = iommufd_unmap(iommu, iova, len);
	else
		r = type1_unmap(iommu, iova, len);
	if (r < 0) {
		vfk_set_error(r, "unmapping IOVA 0x%" PRIx64 " (0x%zx bytes) failed: %s", iova, len,
			      strerror(-r));
		goto out;
	}
	mappings_remove(&iommu->mappings, m, iommu->iova);
	mappings_put(&iommu->mappings, m);
	iommu->pinned -= len;
	if (iommu->mappings.n == 0 && iommu->backend != VFK_IOMMU_IOMMUFD)
		type1_release_idle_groups(iommu);
out:
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

VFK_EXPORT int vfk_iommu_translate(struct vfk_iommu *iommu, const void *vaddr, uint64_t *ret_iova)
{
	struct mapping *m;
	int r = 0;

	if (!iommu || !ret_iova)
		return vfk_set_error(-EINVAL, "vfk_iommu_translate: missing argument");
	pthread_mutex_lock(&iommu->lock);
	m = mappings_stab(&iommu->mappings, (uintptr_t)vaddr);
	if (m) {
		*ret_iova = m->iova + ((uintptr_t)vaddr - m->by_vaddr.key);
	} else {
		r = vfk_set_error(-ENOENT, "%p is in no mapping of the domain", vaddr);
	}
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

void map_free_all(struct vfk_iommu *iommu)
{
	mappings_free_all(&iommu->mappings);
	iommu->pinned = 0;
}
