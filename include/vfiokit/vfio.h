/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device access for userspace drivers: a device on vfio-pci opened into an IOMMU domain
 * (see iommu.h), its regions (BARs, ROM, config space, VGA), interrupts to eventfds, and
 * resets. Errors are negative errnos with vfk_last_error() saying why; nothing prints,
 * exits or aborts. One struct vfk_vfio may be used from several threads; the MMIO
 * accessors below take no lock at all.
 */
#ifndef VFIOKIT_VFIO_H
#define VFIOKIT_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/addr.h>
#include <vfiokit/ctx.h>
#include <vfiokit/iommu.h>
#include <vfiokit/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct vfk_vfio - Opaque, reference-counted open VFIO device. */
struct vfk_vfio;

/**
 * vfk_vfio_open() - Open a device that is on vfio-pci into a domain.
 * @iommu: the domain; the device sees its existing mappings at once.
 * @dev: the device (see pci.h).
 * @vf_token: the VF token (a UUID string) when @dev is a VF of a PF on vfio-pci, else NULL.
 * @ret: on success, the open device, holding a reference on @iommu and @dev.
 *
 * With the iommufd backend the device's cdev /dev/vfio/devices/vfioN is bound to the
 * domain's iommufd and attached to its IOAS; otherwise its group /dev/vfio/N joins the
 * container (the first group sets the IOMMU type). Works without root for a user who can
 * open those files, within RLIMIT_MEMLOCK. A VF token goes through the group: Linux 6.12's
 * cdev bind neither takes nor checks one.
 * Return: 0; -ENODEV (not on vfio-pci: vfk_last_error() names `vfiokit bind`); -EACCES
 * (the file named in vfk_last_error(), or vfio-pci wants a VF token: missing, or not the
 * one the PF was given); -EBUSY (held by another process or container); -EINVAL (the
 * group is not viable: a member is on a host driver; @vf_token is not a UUID or @dev takes
 * none); -EOPNOTSUPP (the backend asked for is not available here, or is iommufd with a
 * @vf_token).
 * Since: 0.2
 */
int vfk_vfio_open(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
		  struct vfk_vfio **ret);

/**
 * vfk_vfio_ref() - Take a reference.
 * @v: the device, or NULL.
 * Return: @v.
 * Since: 0.2
 */
struct vfk_vfio *vfk_vfio_ref(struct vfk_vfio *v);

/**
 * vfk_vfio_unref() - Drop a reference; the last one disables interrupts, unmaps regions
 * and closes the device (the kernel resets it if it can).
 * @v: the device, or NULL.
 * Return: NULL.
 * Since: 0.2
 */
struct vfk_vfio *vfk_vfio_unref(struct vfk_vfio *v);

/**
 * vfk_vfio_get_device() - The PCI device.
 * @v: the open device.
 * Return: borrowed, valid as long as @v.
 * Since: 0.2
 */
struct vfk_device *vfk_vfio_get_device(const struct vfk_vfio *v);

/**
 * vfk_vfio_get_iommu() - The domain the device is in.
 * @v: the open device.
 * Return: borrowed, valid as long as @v.
 * Since: 0.2
 */
struct vfk_iommu *vfk_vfio_get_iommu(const struct vfk_vfio *v);

/**
 * vfk_vfio_get_fd() - The VFIO device file descriptor, for ioctls this library does not
 * wrap. Owned by @v: do not close it.
 * @v: the open device.
 * Return: the descriptor.
 * Since: 0.2
 */
int vfk_vfio_get_fd(const struct vfk_vfio *v);

/**
 * vfk_vfio_set_vf_token() - Set the VF token its VFs must be opened with (on a PF).
 * @v: the open PF.
 * @uuid: a UUID string.
 * Return: 0; -EINVAL for a malformed UUID; -ENOTTY when the device is not a PF.
 * Since: 0.2
 */
int vfk_vfio_set_vf_token(struct vfk_vfio *v, const char *uuid);

/**
 * enum vfk_region_flags - What a region allows (VFIO's region flags).
 * @VFK_REGION_READ: read().
 * @VFK_REGION_WRITE: write().
 * @VFK_REGION_MMAP: mmap() of the areas vfk_region_info lists.
 */
enum vfk_region_flags {
	VFK_REGION_READ = 1 << 0,
	VFK_REGION_WRITE = 1 << 1,
	VFK_REGION_MMAP = 1 << 2,
};

/**
 * struct vfk_region_area - A part of a region that may be mmap'd.
 * @offset: from the start of the region.
 * @size: bytes.
 */
struct vfk_region_area {
	uint64_t offset;
	uint64_t size;
};

/**
 * struct vfk_region_info - A region of the device.
 * @index: VFIO's region index (0-5 BARs, 6 ROM, 7 config, 8 VGA, then device-specific).
 * @name: "BAR0".."BAR5", "ROM", "config", "VGA" or "region N".
 * @size: bytes; 0 for an absent BAR.
 * @offset: where the region starts in the device file.
 * @flags: enum vfk_region_flags.
 * @n_areas: number of mmap-able areas: with VFIO's sparse-mmap capability its areas
 *           (an MSI-X table is left out), else one area covering the region when
 *           @VFK_REGION_MMAP is set, else none.
 * @areas: those areas.
 */
struct vfk_region_info {
	uint32_t index;
	const char *name;
	uint64_t size;
	uint64_t offset;
	uint32_t flags;
	size_t n_areas;
	const struct vfk_region_area *areas;
};

/**
 * vfk_vfio_get_n_regions() - How many regions the device reports.
 * @v: the open device.
 * Return: the count (at least 9 for a PCI device).
 * Since: 0.2
 */
unsigned int vfk_vfio_get_n_regions(const struct vfk_vfio *v);

/**
 * vfk_vfio_get_region() - Describe a region.
 * @v: the open device.
 * @index: the region index.
 * @ret: on success, borrowed, valid as long as @v.
 * Return: 0; -EINVAL for an index out of range.
 * Since: 0.2
 */
int vfk_vfio_get_region(struct vfk_vfio *v, unsigned int index, const struct vfk_region_info **ret);

/**
 * vfk_vfio_map_region() - Map a region's mmap-able areas into memory.
 * @v: the open device.
 * @index: the region index.
 * @ret: on success, the address of the region's first byte. The whole region's size is
 *       reserved; only the areas are mapped, holes between them are inaccessible
 *       (PROT_NONE) and must be reached with vfk_vfio_region_read()/_write().
 *
 * Mapping a region twice returns the same address.
 * Return: 0; -EINVAL (index); -EOPNOTSUPP (the region cannot be mmap'd); -ENOMEM.
 * Since: 0.2
 */
int vfk_vfio_map_region(struct vfk_vfio *v, unsigned int index, void **ret);

/**
 * vfk_vfio_unmap_region() - Undo vfk_vfio_map_region().
 * @v: the open device.
 * @index: the region index.
 * Return: 0; -ENOENT when it was not mapped.
 * Since: 0.2
 */
int vfk_vfio_unmap_region(struct vfk_vfio *v, unsigned int index);

/**
 * vfk_vfio_region_read() - Read from a region through the device file.
 * @v: the open device.
 * @index: the region index.
 * @offset: offset within the region.
 * @buf: destination.
 * @len: bytes; 1, 2, 4 or 8 bytes at a naturally aligned offset are one access.
 * Return: 0 when all @len bytes were read; -EINVAL (range); -EIO; -EACCES (not readable).
 * Since: 0.2
 */
int vfk_vfio_region_read(struct vfk_vfio *v, unsigned int index, uint64_t offset, void *buf,
			 size_t len);

/**
 * vfk_vfio_region_write() - Write to a region through the device file.
 * @v: the open device.
 * @index: the region index.
 * @offset: offset within the region.
 * @buf: source.
 * @len: bytes, as vfk_vfio_region_read().
 * Return: 0 when all @len bytes were written; -EINVAL; -EIO; -EACCES (not writable).
 * Since: 0.2
 */
int vfk_vfio_region_write(struct vfk_vfio *v, unsigned int index, uint64_t offset, const void *buf,
			  size_t len);

/**
 * vfk_vfio_config_read() - Read PCI configuration space (as the kernel virtualises it).
 * @v: the open device.
 * @offset: byte offset.
 * @buf: destination.
 * @len: bytes.
 * Return: as vfk_vfio_region_read().
 * Since: 0.2
 */
int vfk_vfio_config_read(struct vfk_vfio *v, uint64_t offset, void *buf, size_t len);

/**
 * vfk_vfio_config_write() - Write PCI configuration space.
 * @v: the open device.
 * @offset: byte offset.
 * @buf: source.
 * @len: bytes.
 * Return: as vfk_vfio_region_write().
 * Since: 0.2
 */
int vfk_vfio_config_write(struct vfk_vfio *v, uint64_t offset, const void *buf, size_t len);

/**
 * vfk_vfio_set_bus_master() - Turn Bus Master Enable on or off; without it the device's
 * DMA is silently dropped.
 * @v: the open device.
 * @on: the new state.
 * Return: 0; as vfk_vfio_config_write().
 * Since: 0.2
 */
int vfk_vfio_set_bus_master(struct vfk_vfio *v, bool on);

/*
 * MMIO accessors for a mapped region: plain volatile loads and stores of the given width,
 * no barrier beyond what volatile gives, little-endian as PCI is (x86 needs no swap).
 */
static inline uint8_t vfk_mmio_read8(const volatile void *base, size_t off)
{
	return *(const volatile uint8_t *)((const volatile char *)base + off);
}

static inline uint16_t vfk_mmio_read16(const volatile void *base, size_t off)
{
	return *(const volatile uint16_t *)((const volatile char *)base + off);
}

static inline uint32_t vfk_mmio_read32(const volatile void *base, size_t off)
{
	return *(const volatile uint32_t *)((const volatile char *)base + off);
}

static inline uint64_t vfk_mmio_read64(const volatile void *base, size_t off)
{
	return *(const volatile uint64_t *)((const volatile char *)base + off);
}

static inline void vfk_mmio_write8(volatile void *base, size_t off, uint8_t val)
{
	*(volatile uint8_t *)((volatile char *)base + off) = val;
}

static inline void vfk_mmio_write16(volatile void *base, size_t off, uint16_t val)
{
	*(volatile uint16_t *)((volatile char *)base + off) = val;
}

static inline void vfk_mmio_write32(volatile void *base, size_t off, uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)base + off) = val;
}

static inline void vfk_mmio_write64(volatile void *base, size_t off, uint64_t val)
{
	*(volatile uint64_t *)((volatile char *)base + off) = val;
}

/**
 * enum vfk_irq_type - Interrupt kinds (VFIO's PCI IRQ indexes).
 * @VFK_IRQ_INTX: legacy INTx; masked by the kernel when it fires, see vfk_vfio_irq_unmask().
 * @VFK_IRQ_MSI: MSI vectors.
 * @VFK_IRQ_MSIX: MSI-X vectors.
 * @VFK_IRQ_ERR: AER error notification.
 * @VFK_IRQ_REQ: the kernel asks for the device back (unbind, hot unplug).
 * @_VFK_IRQ_TYPE_MAX: number of values.
 */
enum vfk_irq_type {
	VFK_IRQ_INTX,
	VFK_IRQ_MSI,
	VFK_IRQ_MSIX,
	VFK_IRQ_ERR,
	VFK_IRQ_REQ,
	_VFK_IRQ_TYPE_MAX,
};

/**
 * vfk_irq_type_to_string() - "intx", "msi", "msix", "err" or "req".
 * @type: the type.
 * Return: a static string, or NULL out of range.
 * Since: 0.2
 */
const char *vfk_irq_type_to_string(enum vfk_irq_type type);

/**
 * enum vfk_irq_info_flags - What an interrupt type allows (VFIO's IRQ info flags).
 * @VFK_IRQ_EVENTFD: can signal an eventfd.
 * @VFK_IRQ_MASKABLE: can be masked and unmasked.
 * @VFK_IRQ_AUTOMASKED: masked by the kernel each time it fires (INTx).
 * @VFK_IRQ_NORESIZE: vectors cannot be added while others are enabled.
 */
enum vfk_irq_info_flags {
	VFK_IRQ_EVENTFD = 1 << 0,
	VFK_IRQ_MASKABLE = 1 << 1,
	VFK_IRQ_AUTOMASKED = 1 << 2,
	VFK_IRQ_NORESIZE = 1 << 3,
};

/**
 * vfk_vfio_get_irq_info() - How many interrupts of a type the device has.
 * @v: the open device.
 * @type: the type.
 * @ret_count: on success, the number of vectors (0: none).
 * @ret_flags: on success, enum vfk_irq_info_flags; may be NULL.
 * Return: 0; -EINVAL for a type out of range.
 * Since: 0.2
 */
int vfk_vfio_get_irq_info(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t *ret_count,
			  uint32_t *ret_flags);

/**
 * vfk_vfio_irq_enable() - Signal eventfds for vectors @start .. @start + @count - 1.
 * @v: the open device.
 * @type: the type.
 * @start: first vector.
 * @count: number of vectors, at least one.
 * @efds: @count eventfds; an entry of -1 is replaced by a new eventfd that @v owns. The
 *        caller keeps ownership of the ones it passed. May be NULL: all new.
 *
 * Vectors already enabled stay enabled: where the kernel allows (no VFK_IRQ_NORESIZE)
 * the new ones are added alone, otherwise all are set again in one call.
 * Return: 0; -EINVAL (range, type); -ENOSPC (no interrupt resources); -EBUSY (another
 * type is enabled: INTx, MSI and MSI-X exclude one another).
 * Since: 0.2
 */
int vfk_vfio_irq_enable(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t start, uint32_t count,
			int *efds);

/**
 * vfk_vfio_irq_disable() - Stop all vectors of a type and close the eventfds @v owns.
 * @v: the open device.
 * @type: the type.
 * Return: 0; -EINVAL.
 * Since: 0.2
 */
int vfk_vfio_irq_disable(struct vfk_vfio *v, enum vfk_irq_type type);

/**
 * vfk_vfio_irq_get_eventfd() - The eventfd of an enabled vector.
 * @v: the open device.
 * @type: the type.
 * @vector: the vector.
 * Return: the descriptor (owned as vfk_vfio_irq_enable() says); -ENOENT when not enabled.
 * Since: 0.2
 */
int vfk_vfio_irq_get_eventfd(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector);

/**
 * vfk_vfio_irq_unmask() - Unmask a vector the kernel masked when it fired (INTx), after
 * the device's interrupt was acknowledged.
 * @v: the open device.
 * @type: the type.
 * @vector: the vector.
 * Return: 0; -EINVAL.
 * Since: 0.2
 */
int vfk_vfio_irq_unmask(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector);

/**
 * vfk_vfio_irq_trigger() - Fire a vector from software, for tests: its eventfd is signalled
 * as if the device had raised it.
 * @v: the open device.
 * @type: the type.
 * @vector: the vector, which must be enabled.
 * Return: 0; -EINVAL.
 * Since: 0.2
 */
int vfk_vfio_irq_trigger(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector);

/**
 * vfk_vfio_can_reset() - Whether the device has a function-level reset VFIO can use.
 * @v: the open device.
 * Return: true or false.
 * Since: 0.2
 */
bool vfk_vfio_can_reset(const struct vfk_vfio *v);

/**
 * vfk_vfio_reset() - Reset the function (VFIO_DEVICE_RESET), then re-arm the interrupts
 * that were enabled (the kernel tears down their triggers).
 * @v: the open device.
 * Return: 0; -EOPNOTSUPP when the device has no function reset (see
 * vfk_vfio_hot_reset()); -EIO.
 * Since: 0.2
 */
int vfk_vfio_reset(struct vfk_vfio *v);

/**
 * vfk_vfio_get_hot_reset_devices() - The devices a hot (bus) reset of @v also resets.
 * @v: the open device.
 * @ret: on success, a malloc'd array of addresses (@v's own included); free() it.
 * @ret_n: on success, its length.
 * Return: 0; -EOPNOTSUPP when no bus reset is possible.
 * Since: 0.2
 */
int vfk_vfio_get_hot_reset_devices(struct vfk_vfio *v, struct vfk_addr **ret, size_t *ret_n);

/**
 * vfk_vfio_hot_reset() - Reset the bus or slot below @v's bridge.
 * @v: the open device.
 *
 * Every device it hits must be opened in @v's domain: with type1 the groups' files are
 * handed to the kernel as proof of ownership; with iommufd the zero-length form proves it
 * through the shared iommufd. Interrupts of the affected devices are re-armed.
 * Return: 0; -EOPNOTSUPP (no bus reset); -EPERM (an affected device is not open here:
 * vfk_last_error() names it).
 * Since: 0.2
 */
int vfk_vfio_hot_reset(struct vfk_vfio *v);

#ifdef __cplusplus
}
#endif

#endif
