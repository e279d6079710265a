/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IOMMU domains for userspace drivers: the address space a device's DMA is confined to.
 * One handle covers the backends the kernel offers (iommufd with the VFIO device cdev,
 * the type1 container in its v2 and v1 forms, and VFIO's no-IOMMU mode), chooses among
 * them and says why, maps caller memory, allocates DMA-able memory and hands out IOVAs
 * from the ranges the kernel reports.
 *
 * Errors: every function returns 0 (or a documented value) on success and a negative
 * errno on failure, and never prints, exits or aborts. After a failure,
 * vfk_last_error() holds a sentence naming the device, file or limit and the fix.
 * A struct vfk_iommu may be used from several threads at once.
 */
#ifndef VFIOKIT_IOMMU_H
#define VFIOKIT_IOMMU_H

#include <stddef.h>
#include <stdint.h>

#include <vfiokit/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vfk_iommu_backend - How devices reach the IOMMU.
 * @VFK_IOMMU_AUTO: iommufd when /dev/iommu and the first device's cdev exist, else type1v2,
 *                  else type1. Never no-IOMMU. A first device opened with a VF token
 *                  takes the container, which passes the token on every kernel.
 * @VFK_IOMMU_IOMMUFD: /dev/iommu with an IOAS; devices opened through /dev/vfio/devices/vfioN.
 * @VFK_IOMMU_TYPE1V2: a /dev/vfio/vfio container with VFIO_TYPE1v2_IOMMU; groups through
 *                     /dev/vfio/N.
 * @VFK_IOMMU_TYPE1: the same with VFIO_TYPE1_IOMMU (no huge IOMMU mappings through
 *                   iommufd's compatibility container); the last fallback.
 * @VFK_IOMMU_NOIOMMU: VFIO's no-IOMMU mode: no isolation at all, DMA uses physical
 *                     addresses; only when asked for by name.
 * @_VFK_IOMMU_BACKEND_MAX: number of values.
 */
enum vfk_iommu_backend {
	VFK_IOMMU_AUTO,
	VFK_IOMMU_IOMMUFD,
	VFK_IOMMU_TYPE1V2,
	VFK_IOMMU_TYPE1,
	VFK_IOMMU_NOIOMMU,
	_VFK_IOMMU_BACKEND_MAX,
};

/**
 * vfk_iommu_backend_to_string() - Name of a backend: "auto", "iommufd", "type1v2",
 * "type1" or "noiommu".
 * @backend: the backend.
 * Return: a static string, or NULL for a value out of range.
 * Since: 0.2
 */
const char *vfk_iommu_backend_to_string(enum vfk_iommu_backend backend);

/**
 * vfk_iommu_backend_from_string() - The backend named @s (as vfk_iommu_backend_to_string()).
 * @s: the name.
 * Return: the backend, or -EINVAL for an unknown name.
 * Since: 0.2
 */
int vfk_iommu_backend_from_string(const char *s);

/**
 * vfk_last_error() - Why the calling thread's last failed device-access call failed.
 *
 * Set by every function of iommu.h and vfio.h that returns an error; a sentence naming
 * the device, file or limit in the way and, where there is one, the fix.
 * Return: a thread-local string valid until the thread's next device-access call, or ""
 * when nothing failed yet.
 * Since: 0.2
 */
const char *vfk_last_error(void);

/** struct vfk_iommu - Opaque, reference-counted IOMMU domain shared by several devices. */
struct vfk_iommu;

/**
 * struct vfk_iova_range - A range of IOVAs the domain can map, both ends inclusive.
 * @start: first usable IOVA.
 * @last: last usable IOVA.
 */
struct vfk_iova_range {
	uint64_t start;
	uint64_t last;
};

/**
 * vfk_iommu_new() - Create an empty domain.
 * @ctx: the context; device files are opened below its root.
 * @backend: the backend wanted, or VFK_IOMMU_AUTO.
 * @ret: on success, a new domain with a reference count of one.
 *
 * Nothing is opened until the first device joins (vfk_vfio_open()): the automatic choice
 * depends on that device's files. Mappings outlive the devices: a device that joins later
 * sees them, and with the container backends the last group stays in the container (its
 * file open) while anything is mapped, since the kernel drops every mapping with the
 * container's last group.
 * Return: 0; -EINVAL for a backend out of range; -ENOMEM.
 * Since: 0.2
 */
int vfk_iommu_new(struct vfk_ctx *ctx, enum vfk_iommu_backend backend, struct vfk_iommu **ret);

/**
 * vfk_iommu_ref() - Take a reference.
 * @iommu: the domain, or NULL.
 * Return: @iommu.
 * Since: 0.2
 */
struct vfk_iommu *vfk_iommu_ref(struct vfk_iommu *iommu);

/**
 * vfk_iommu_unref() - Drop a reference; the last one unmaps everything and closes the
 * container or iommufd. Devices hold a reference on their domain.
 * @iommu: the domain, or NULL.
 * Return: NULL.
 * Since: 0.2
 */
struct vfk_iommu *vfk_iommu_unref(struct vfk_iommu *iommu);

/**
 * vfk_iommu_get_backend() - The backend in use.
 * @iommu: the domain.
 * Return: the backend; VFK_IOMMU_AUTO until the first device has joined.
 * Since: 0.2
 */
enum vfk_iommu_backend vfk_iommu_get_backend(const struct vfk_iommu *iommu);

/**
 * vfk_iommu_get_backend_reason() - Why that backend was chosen, as a sentence
 * ("/dev/iommu and /dev/vfio/devices/vfio0 exist", "asked for", "no /dev/iommu: the kernel
 * was built without CONFIG_IOMMUFD").
 * @iommu: the domain.
 * Return: a string valid as long as @iommu, or NULL before the first device has joined.
 * Since: 0.2
 */
const char *vfk_iommu_get_backend_reason(const struct vfk_iommu *iommu);

/**
 * vfk_iommu_get_iova_ranges() - The IOVA ranges the kernel lets this domain map.
 * @iommu: the domain.
 * @ret: on success, a borrowed array valid until the next device joins or leaves.
 * @ret_n: on success, its length.
 *
 * From the type1 IOVA_RANGE capability or iommufd's IOAS_IOVA_RANGES: the IOMMU's address
 * width and reserved regions (the MSI window) are already taken out.
 * Return: 0; -ENODEV before the first device has joined.
 * Since: 0.2
 */
int vfk_iommu_get_iova_ranges(struct vfk_iommu *iommu, const struct vfk_iova_range **ret,
			      size_t *ret_n);

/**
 * vfk_iommu_get_page_sizes() - The IOMMU page sizes the domain can use, as a bitmap
 * (bit n set: 2^n bytes).
 * @iommu: the domain.
 * @ret: on success, the bitmap (type1: VFIO_IOMMU_GET_INFO; iommufd: 4 KiB and the IOVA
 *       alignment it reports, since iommufd picks larger pages itself).
 * Return: 0; -ENODEV before the first device has joined.
 * Since: 0.2
 */
int vfk_iommu_get_page_sizes(struct vfk_iommu *iommu, uint64_t *ret);

/**
 * enum vfk_dma_flags - Direction of DMA a mapping allows.
 * @VFK_DMA_TO_DEVICE: the device may read the memory.
 * @VFK_DMA_FROM_DEVICE: the device may write the memory.
 * @VFK_DMA_BIDIRECTIONAL: both.
 */
enum vfk_dma_flags {
	VFK_DMA_TO_DEVICE = 1 << 0,
	VFK_DMA_FROM_DEVICE = 1 << 1,
	VFK_DMA_BIDIRECTIONAL = VFK_DMA_TO_DEVICE | VFK_DMA_FROM_DEVICE,
};

/**
 * vfk_iommu_map() - Make caller memory reachable by the domain's devices at a fixed IOVA.
 * @iommu: the domain.
 * @vaddr: start of the memory, page-aligned; it stays pinned while mapped.
 * @len: length, a multiple of the page size.
 * @iova: the IOVA, page-aligned, inside vfk_iommu_get_iova_ranges().
 * @flags: enum vfk_dma_flags.
 *
 * One ioctl. The pinned pages count against RLIMIT_MEMLOCK (type1: per process;
 * iommufd: per user); the limit is checked first so that the error names it. The domain
 * reads the limit and CAP_IPC_LOCK again only when a mapping would not fit what it read
 * last, so a map costs no other system call.
 * Return: 0; -EINVAL (alignment, flags); -ERANGE (outside the usable ranges); -EEXIST
 * (overlaps a mapping); -ENOMEM (locked-memory limit, with the fix in vfk_last_error());
 * -EFAULT (@vaddr not mapped); -ENODEV (no device yet); -EOPNOTSUPP in no-IOMMU mode,
 * where devices would need physical addresses, which unprivileged code cannot learn.
 * Since: 0.2
 */
int vfk_iommu_map(struct vfk_iommu *iommu, void *vaddr, size_t len, uint64_t iova,
		  unsigned int flags);

/**
 * vfk_iommu_map_alloc() - Map caller memory at an IOVA the domain chooses.
 * @iommu: the domain.
 * @vaddr: start of the memory, page-aligned.
 * @len: length, a multiple of the page size.
 * @flags: enum vfk_dma_flags.
 * @ret_iova: on success, the IOVA.
 *
 * The IOVA comes from the usable ranges (never 0), aligned to the largest of 1 GiB, 2 MiB
 * and the CPU page size that divides both @vaddr and @len, which for hugetlb memory is its
 * page size, so the IOMMU can use superpages (with a smaller alignment when no such range
 * is free); vfk_iommu_unmap() gives it back for reuse.
 * Return: as vfk_iommu_map(); -ENOSPC when no free IOVA range is large enough.
 * Since: 0.2
 */
int vfk_iommu_map_alloc(struct vfk_iommu *iommu, void *vaddr, size_t len, unsigned int flags,
			uint64_t *ret_iova);

/**
 * vfk_iommu_unmap() - Remove a mapping made by vfk_iommu_map() or vfk_iommu_map_alloc().
 * @iommu: the domain.
 * @iova: its IOVA.
 * @len: its length.
 *
 * One ioctl; an allocated IOVA returns to the allocator. After it returns the devices can
 * no longer reach the memory.
 * Return: 0; -ENOENT when no mapping starts at @iova with length @len.
 * Since: 0.2
 */
int vfk_iommu_unmap(struct vfk_iommu *iommu, uint64_t iova, size_t len);

/**
 * vfk_iommu_translate() - The IOVA at which the devices see a mapped address.
 * @iommu: the domain.
 * @vaddr: any address inside a mapping.
 * @ret_iova: on success, the IOVA of @vaddr.
 * Return: 0; -ENOENT when @vaddr is in no mapping.
 * Since: 0.2
 */
int vfk_iommu_translate(struct vfk_iommu *iommu, const void *vaddr, uint64_t *ret_iova);

/**
 * vfk_iommu_check_memlock() - Whether @bytes more can be pinned under RLIMIT_MEMLOCK.
 * @iommu: the domain.
 * @bytes: what the caller is about to map.
 * Return: 0 when it fits (or the process may exceed the limit); -ENOMEM when not, with the
 * limit, the need and the fix (ulimit -l, limits.conf, LimitMEMLOCK=) in vfk_last_error().
 * Since: 0.2
 */
int vfk_iommu_check_memlock(struct vfk_iommu *iommu, uint64_t bytes);

/**
 * enum vfk_dma_alloc_flags - Backing for vfk_dma_alloc().
 * @VFK_DMA_ALLOC_HUGE_2M: 2 MiB hugetlb pages.
 * @VFK_DMA_ALLOC_HUGE_1G: 1 GiB hugetlb pages.
 * @VFK_DMA_ALLOC_STRICT: fail rather than fall back to smaller pages.
 *
 * Without a HUGE flag the memory is anonymous 4 KiB pages. The values leave the low bits
 * to enum vfk_dma_flags, which vfk_dma_alloc() takes in the same argument.
 */
enum vfk_dma_alloc_flags {
	VFK_DMA_ALLOC_HUGE_2M = 1 << 8,
	VFK_DMA_ALLOC_HUGE_1G = 1 << 9,
	VFK_DMA_ALLOC_STRICT = 1 << 10,
};

/** struct vfk_dma - Opaque DMA-able memory from vfk_dma_alloc(), mapped in its domain. */
struct vfk_dma;

/**
 * vfk_dma_alloc() - Allocate zeroed memory and map it for DMA at an allocated IOVA.
 * @iommu: the domain.
 * @len: bytes wanted; rounded up to the page size.
 * @flags: enum vfk_dma_alloc_flags, and enum vfk_dma_flags for the direction (none given:
 *         bidirectional).
 * @ret: on success, the memory.
 *
 * When the hugetlb pool has no free page of the size asked for, the memory falls back to
 * the next smaller size (unless @VFK_DMA_ALLOC_STRICT), and vfk_dma_get_fallback() says why.
 * Return: 0; -ENOMEM (memory or locked-memory limit); -ENOSPC (no IOVA); as vfk_iommu_map().
 * Since: 0.2
 */
int vfk_dma_alloc(struct vfk_iommu *iommu, size_t len, unsigned int flags, struct vfk_dma **ret);

/**
 * vfk_dma_free() - Unmap and free memory from vfk_dma_alloc().
 * @dma: the memory, or NULL.
 *
 * Should the unmap fail, the memory is leaked rather than reused while a device may reach
 * it. The memory holds a reference on its domain.
 * Return: NULL.
 * Since: 0.2
 */
struct vfk_dma *vfk_dma_free(struct vfk_dma *dma);

/**
 * vfk_dma_get_vaddr() - Where the CPU sees the memory.
 * @dma: the memory.
 * Return: its address.
 * Since: 0.2
 */
void *vfk_dma_get_vaddr(const struct vfk_dma *dma);

/**
 * vfk_dma_get_iova() - Where the devices see the memory.
 * @dma: the memory.
 * Return: its IOVA.
 * Since: 0.2
 */
uint64_t vfk_dma_get_iova(const struct vfk_dma *dma);

/**
 * vfk_dma_get_size() - Its length after rounding.
 * @dma: the memory.
 * Return: bytes.
 * Since: 0.2
 */
size_t vfk_dma_get_size(const struct vfk_dma *dma);

/**
 * vfk_dma_get_page_size() - The page size backing the memory.
 * @dma: the memory.
 * Return: 4096, 2 MiB or 1 GiB.
 * Since: 0.2
 */
size_t vfk_dma_get_page_size(const struct vfk_dma *dma);

/**
 * vfk_dma_get_fallback() - Why the memory has smaller pages than asked for.
 * @dma: the memory.
 * Return: a sentence valid as long as @dma, or NULL when it got what was asked.
 * Since: 0.2
 */
const char *vfk_dma_get_fallback(const struct vfk_dma *dma);

#ifdef __cplusplus
}
#endif

#endif
