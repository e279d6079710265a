// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "iommu-internal.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

struct vfk_dma {
	struct vfk_iommu *iommu;
	void *vaddr;
	size_t size;
	uint64_t iova;
	size_t page_size;
	char *fallback;
};

static const char *size_name(size_t size)
{
	return size == SZ_1G ? "1 GiB" : size == SZ_2M ? "2 MiB" : "4 KiB";
}

/* Why mmap() gave no hugetlb memory: EINVAL for a page size the kernel does not offer
 * (no such hstate: the CPU lacks it or nothing reserved any at boot), else an empty pool. */
static const char *hugetlb_failure(int err, size_t page, size_t size)
{
	static __thread char buf[160];

	if (err == EINVAL)
		snprintf(buf, sizeof(buf), "this kernel offers no %s hugetlb pages",
			 size_name(page));
	else
		snprintf(buf, sizeof(buf), "no free %s hugetlb pages for %zu bytes (%s)",
			 size_name(page), size, strerror(err));
	return buf;
}

/* Shared anonymous memory: pinned pages stay the ones the device sees across fork(),
 * where private memory would be copied on write. */
static void *map_pages(size_t size, size_t page)
{
	int flags = MAP_SHARED | MAP_ANONYMOUS;
	void *p;

	if (page == SZ_2M)
		flags |= MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
	else if (page == SZ_1G)
		flags |= MAP_HUGETLB | (30 << MAP_HUGE_SHIFT);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

VFK_EXPORT int vfk_dma_alloc(struct vfk_iommu *iommu, size_t len, unsigned int flags,
			     struct vfk_dma **ret)
{
	const unsigned int known = VFK_DMA_BIDIRECTIONAL | VFK_DMA_ALLOC_HUGE_2M |
				   VFK_DMA_ALLOC_HUGE_1G | VFK_DMA_ALLOC_STRICT;
	unsigned int dir = flags & VFK_DMA_BIDIRECTIONAL;
	size_t sizes[3], n = 0, page = 0, size = 0;
	char fallback[512] = "";
	struct vfk_dma *dma;
	const char *why;
	void *p = NULL;
	int r;

	if (!iommu || !ret || len == 0 || (flags & ~known))
		return vfk_set_error(-EINVAL,
				     "vfk_dma_alloc: no domain, zero length or unknown "
				     "flags 0x%x",
				     flags & ~known);
	if (flags & VFK_DMA_ALLOC_HUGE_1G)
		sizes[n++] = SZ_1G;
	if (flags & (VFK_DMA_ALLOC_HUGE_1G | VFK_DMA_ALLOC_HUGE_2M))
		sizes[n++] = SZ_2M;
	sizes[n++] = iommu_cpu_page_size();
	if (flags & VFK_DMA_ALLOC_STRICT)
		n = 1;
	for (size_t i = 0; i < n; i++) {
		page = sizes[i];
		if (len > SIZE_MAX - (page - 1))
			return vfk_set_error(-EINVAL, "vfk_dma_alloc: %zu bytes is too large", len);
		size = (len + page - 1) & ~(page - 1);
		p = map_pages(size, page);
		if (p)
			break;
		if (page == iommu_cpu_page_size())
			return vfk_set_error(-ENOMEM, "cannot allocate %zu bytes: %s", size,
					     strerror(errno));
		why = hugetlb_failure(errno, page, size);
		if (i + 1 == n)
			return vfk_set_error(
				-ENOMEM,
				"%s; reserve them (hugepagesz=/hugepages= on the kernel "
				"command line, or /sys/kernel/mm/hugepages/*/nr_hugepages)",
				why);
		snprintf(fallback + strlen(fallback), sizeof(fallback) - strlen(fallback), "%s%s",
			 *fallback ? "; " : "", why);
	}
	dma = calloc(1, sizeof(*dma));
	if (!dma) {
		munmap(p, size);
		return vfk_set_error(-ENOMEM, "out of memory");
	}
	if (*fallback) {
		char *s;

		if (asprintf(&s, "%s: %s pages instead", fallback, size_name(page)) < 0) {
			free(dma);
			munmap(p, size);
			return vfk_set_error(-ENOMEM, "out of memory");
		}
		dma->fallback = s;
	}
	r = iommu_map_alloc_aligned(iommu, p, size, page, dir ? dir : VFK_DMA_BIDIRECTIONAL,
				    &dma->iova);
	if (r < 0) {
		free(dma->fallback);
		free(dma);
		munmap(p, size);
		return r;
	}
	dma->iommu = vfk_iommu_ref(iommu);
	dma->vaddr = p;
	dma->size = size;
	dma->page_size = page;
	*ret = dma;
	return 0;
}

VFK_EXPORT struct vfk_dma *vfk_dma_free(struct vfk_dma *dma)
{
	if (!dma)
		return NULL;
	/* Memory a device might still reach is never given back: leak it instead. */
	if (vfk_iommu_unmap(dma->iommu, dma->iova, dma->size) == 0)
		munmap(dma->vaddr, dma->size);
	vfk_iommu_unref(dma->iommu);
	free(dma->fallback);
	free(dma);
	return NULL;
}

VFK_EXPORT void *vfk_dma_get_vaddr(const struct vfk_dma *dma)
{
	return dma ? dma->vaddr : NULL;
}

VFK_EXPORT uint64_t vfk_dma_get_iova(const struct vfk_dma *dma)
{
	return dma ? dma->iova : 0;
}

VFK_EXPORT size_t vfk_dma_get_size(const struct vfk_dma *dma)
{
	return dma ? dma->size : 0;
}

VFK_EXPORT size_t vfk_dma_get_page_size(const struct vfk_dma *dma)
{
	return dma ? dma->page_size : 0;
}

VFK_EXPORT const char *vfk_dma_get_fallback(const struct vfk_dma *dma)
{
	return dma ? dma->fallback : NULL;
}
