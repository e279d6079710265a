// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "iommu/iommu-private.h"
#include "uapi-compat.h"
#include "vfio/vfio-private.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4

static void region_name(unsigned int index, char *buf, size_t size)
{
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		snprintf(buf, size, "BAR%u", index);
	else if (index == VFIO_PCI_ROM_REGION_INDEX)
		snprintf(buf, size, "ROM");
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		snprintf(buf, size, "config");
	else if (index == VFIO_PCI_VGA_REGION_INDEX)
		snprintf(buf, size, "VGA");
	else
		snprintf(buf, size, "region %u", index);
}

/* The sparse-mmap capability, if the chain has one; the MSI-X table of older kernels is
 * the hole between its areas. */
static const struct vfio_region_info_cap_sparse_mmap *
find_sparse(const struct vfio_region_info *info)
{
	uint32_t off;
	unsigned int hops = 0;

	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return NULL;
	for (off = info->cap_offset;
	     off && off + sizeof(struct vfio_info_cap_header) <= info->argsz; hops++) {
		const struct vfio_info_cap_header *h =
			(const struct vfio_info_cap_header *)((const char *)info + off);

		/* A chain that loops or points backwards is the kernel's bug, not ours to hang on. */
		if (hops > 64 || (h->next && h->next <= off))
			return NULL;
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *s = (const void *)h;

			if (off + sizeof(*s) + (uint64_t)s->nr_areas * sizeof(s->areas[0]) >
			    info->argsz)
				return NULL;
			return s;
		}
		off = h->next;
	}
	return NULL;
}

static int region_load(struct vfk_vfio *v, unsigned int index, struct vfio_region *reg)
{
	struct vfio_region_info *info, *bigger;
	const struct vfio_region_info_cap_sparse_mmap *sparse;
	size_t argsz = sizeof(*info);
	uint32_t i;
	int r;

	info = calloc(1, argsz);
	if (!info)
		return vfio_error(v, -ENOMEM, "out of memory");
	for (;;) {
		info->argsz = (uint32_t)argsz;
		info->index = index;
		if (ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0) {
			r = -errno;
			free(info);
			/* The kernel says EINVAL for a region the device lacks (VGA on all but
			 * VGA devices): an empty region, not a failure. */
			if (r == -EINVAL && index != VFIO_PCI_CONFIG_REGION_INDEX) {
				region_name(index, reg->name, sizeof(reg->name));
				reg->info.index = index;
				reg->info.name = reg->name;
				return 0;
			}
			return vfio_error(v, r, "VFIO_DEVICE_GET_REGION_INFO for region %u: %s",
					  index, strerror(-r));
		}
		/* The kernel asks for room for the capability chain by raising argsz. */
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		bigger = realloc(info, argsz);
		if (!bigger) {
			free(info);
			return vfio_error(v, -ENOMEM, "out of memory");
		}
		info = bigger;
		memset(info, 0, argsz);
	}

	region_name(index, reg->name, sizeof(reg->name));
	reg->info.index = index;
	reg->info.name = reg->name;
	reg->info.size = info->size;
	reg->info.offset = info->offset;
	reg->info.flags = (info->flags & VFIO_REGION_INFO_FLAG_READ ? VFK_REGION_READ : 0) |
			  (info->flags & VFIO_REGION_INFO_FLAG_WRITE ? VFK_REGION_WRITE : 0) |
			  (info->flags & VFIO_REGION_INFO_FLAG_MMAP ? VFK_REGION_MMAP : 0);
	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP) || !info->size) {
		free(info);
		return 0;
	}
	sparse = find_sparse(info);
	reg->areas =
		calloc(sparse ? (sparse->nr_areas ? sparse->nr_areas : 1) : 1, sizeof(*reg->areas));
	if (!reg->areas) {
		free(info);
		return vfio_error(v, -ENOMEM, "out of memory");
	}
	if (!sparse) {
		reg->areas[0] = (struct vfk_region_area){0, info->size};
		reg->info.n_areas = 1;
	} else {
		for (i = 0; i < sparse->nr_areas; i++) {
			const struct vfio_region_sparse_mmap_area *a = &sparse->areas[i];

			if (!a->size || a->offset > info->size || a->size > info->size - a->offset)
				continue;
			reg->areas[reg->info.n_areas++] =
				(struct vfk_region_area){a->offset, a->size};
		}
	}
	reg->info.areas = reg->areas;
	free(info);
	return 0;
}

int vfio_regions_load(struct vfk_vfio *v)
{
	unsigned int i;
	int r;

	if (!v->n_regions)
		return 0;
	v->regions = calloc(v->n_regions, sizeof(*v->regions));
	if (!v->regions)
		return vfio_error(v, -ENOMEM, "out of memory");
	for (i = 0; i < v->n_regions; i++) {
		r = region_load(v, i, &v->regions[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void vfio_regions_free(struct vfk_vfio *v)
{
	unsigned int i;

	if (!v->regions)
		return;
	for (i = 0; i < v->n_regions; i++) {
		if (v->regions[i].map)
			munmap(v->regions[i].map, v->regions[i].map_len);
		free(v->regions[i].areas);
	}
	free(v->regions);
	v->regions = NULL;
}

VFK_EXPORT unsigned int vfk_vfio_get_n_regions(const struct vfk_vfio *v)
{
	assert_return(v, 0);
	return v->n_regions;
}

static int check_index(struct vfk_vfio *v, unsigned int index)
{
	if (index >= v->n_regions)
		return vfio_error(v, -EINVAL, "no region %u (it has %u)", index, v->n_regions);
	return 0;
}

VFK_EXPORT int vfk_vfio_get_region(struct vfk_vfio *v, unsigned int index,
				   const struct vfk_region_info **ret)
{
	int r;

	if (!v || !ret)
		return vfk_set_error(-EINVAL, "vfk_vfio_get_region: no device or result pointer");
	r = check_index(v, index);
	if (r < 0)
		return r;
	*ret = &v->regions[index].info;
	return 0;
}

VFK_EXPORT int vfk_vfio_map_region(struct vfk_vfio *v, unsigned int index, void **ret)
{
	struct vfio_region *reg;
	long page = sysconf(_SC_PAGESIZE);
	size_t len, i;
	char *base;
	int prot, r;

	if (!v || !ret)
		return vfk_set_error(-EINVAL, "vfk_vfio_map_region: no device or result pointer");
	r = check_index(v, index);
	if (r < 0)
		return r;
	reg = &v->regions[index];
	if (!(reg->info.flags & VFK_REGION_MMAP) || !reg->info.n_areas)
		return vfio_error(v, -EOPNOTSUPP,
				  "%s cannot be mmap'd (VFIO does not allow it%s); use "
				  "vfk_vfio_region_read()/_write()",
				  reg->name, reg->info.size ? "" : ": the region is empty");
	if (reg->info.size > SIZE_MAX - (size_t)page)
		return vfio_error(v, -ENOMEM, "%s is larger than the address space", reg->name);
	len = ((size_t)reg->info.size + (size_t)page - 1) & ~((size_t)page - 1);
	prot = (reg->info.flags & VFK_REGION_READ ? PROT_READ : 0) |
	       (reg->info.flags & VFK_REGION_WRITE ? PROT_WRITE : 0);

	pthread_mutex_lock(&v->lock);
	if (reg->map) {
		*ret = reg->map;
		pthread_mutex_unlock(&v->lock);
		return 0;
	}
	/* The whole region is reserved first so the areas keep their offsets from one base
	 * and the holes between them (an MSI-X table) fault instead of reaching other
	 * mappings. */
	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		r = -errno;
		pthread_mutex_unlock(&v->lock);
		return vfio_error(v, r, "reserving %zu bytes for %s: %s", len, reg->name,
				  strerror(-r));
	}
	for (i = 0; i < reg->info.n_areas; i++) {
		const struct vfk_region_area *a = &reg->areas[i];
		size_t alen = ((size_t)a->size + (size_t)page - 1) & ~((size_t)page - 1);

		if (a->offset % (uint64_t)page)
			continue;
		if (mmap(base + a->offset, alen, prot, MAP_SHARED | MAP_FIXED, v->fd,
			 (off_t)(reg->info.offset + a->offset)) == MAP_FAILED) {
			r = -errno;
			munmap(base, len);
			pthread_mutex_unlock(&v->lock);
			return vfio_error(v, r, "mmap of %s at +0x%llx (0x%llx bytes): %s",
					  reg->name, (unsigned long long)a->offset,
					  (unsigned long long)a->size, strerror(-r));
		}
	}
	reg->map = base;
	reg->map_len = len;
	*ret = base;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

VFK_EXPORT int vfk_vfio_unmap_region(struct vfk_vfio *v, unsigned int index)
{
	struct vfio_region *reg;
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_unmap_region: no device");
	r = check_index(v, index);
	if (r < 0)
		return r;
	reg = &v->regions[index];
	pthread_mutex_lock(&v->lock);
	if (!reg->map) {
		pthread_mutex_unlock(&v->lock);
		return vfio_error(v, -ENOENT, "%s is not mapped", reg->name);
	}
	munmap(reg->map, reg->map_len);
	reg->map = NULL;
	reg->map_len = 0;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/* The widest naturally aligned access that fits: VFIO turns each pread/pwrite of 1, 2, 4
 * or 8 aligned bytes into one access of that width on the device. */
static size_t chunk_len(uint64_t offset, size_t left)
{
	size_t w;

	for (w = 8; w > 1; w /= 2)
		if (left >= w && offset % w == 0)
			return w;
	return 1;
}

static int region_rw(struct vfk_vfio *v, unsigned int index, uint64_t offset, void *buf, size_t len,
		     bool write)
{
	const struct vfio_region *reg;
	size_t done = 0;
	int r;

	if (!v || (!buf && len))
		return vfk_set_error(-EINVAL, "region access: no device or buffer");
	r = check_index(v, index);
	if (r < 0)
		return r;
	reg = &v->regions[index];
	if (!(reg->info.flags & (write ? VFK_REGION_WRITE : VFK_REGION_READ)))
		return vfio_error(v, -EACCES, "%s is not %s", reg->name,
				  write ? "writable" : "readable");
	if (offset > reg->info.size || len > reg->info.size - offset)
		return vfio_error(v, -EINVAL,
				  "%s: 0x%zx bytes at 0x%llx are outside its 0x%llx bytes",
				  reg->name, len, (unsigned long long)offset,
				  (unsigned long long)reg->info.size);
	while (done < len) {
		size_t n = chunk_len(offset + done, len - done);
		off_t pos = (off_t)(reg->info.offset + offset + done);
		ssize_t got;

		if (write)
			got = pwrite(v->fd, (const char *)buf + done, n, pos);
		else
			got = pread(v->fd, (char *)buf + done, n, pos);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return vfio_error(v, errno == EINVAL ? -EIO : -errno,
					  "%s of %zu bytes at %s+0x%llx: %s",
					  write ? "write" : "read", n, reg->name,
					  (unsigned long long)(offset + done), strerror(errno));
		if ((size_t)got != n)
			return vfio_error(v, -EIO, "%s of %zu bytes at %s+0x%llx was short (%zd)",
					  write ? "write" : "read", n, reg->name,
					  (unsigned long long)(offset + done), got);
		done += n;
	}
	return 0;
}

VFK_EXPORT int vfk_vfio_region_read(struct vfk_vfio *v, unsigned int index, uint64_t offset,
				    void *buf, size_t len)
{
	return region_rw(v, index, offset, buf, len, false);
}

VFK_EXPORT int vfk_vfio_region_write(struct vfk_vfio *v, unsigned int index, uint64_t offset,
				     const void *buf, size_t len)
{
	return region_rw(v, index, offset, (void *)buf, len, true);
}

VFK_EXPORT int vfk_vfio_config_read(struct vfk_vfio *v, uint64_t offset, void *buf, size_t len)
{
	return region_rw(v, VFIO_PCI_CONFIG_REGION_INDEX, offset, buf, len, false);
}

VFK_EXPORT int vfk_vfio_config_write(struct vfk_vfio *v, uint64_t offset, const void *buf,
				     size_t len)
{
	return region_rw(v, VFIO_PCI_CONFIG_REGION_INDEX, offset, (void *)buf, len, true);
}

VFK_EXPORT int vfk_vfio_set_bus_master(struct vfk_vfio *v, bool on)
{
	uint16_t cmd;
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_set_bus_master: no device");
	/* Read-modify-write of the command register must not interleave with another. */
	pthread_mutex_lock(&v->lock);
	r = vfk_vfio_config_read(v, PCI_COMMAND, &cmd, sizeof(cmd));
	if (r == 0) {
		cmd = on ? (uint16_t)(cmd | PCI_COMMAND_MASTER)
			 : (uint16_t)(cmd & ~PCI_COMMAND_MASTER);
		r = vfk_vfio_config_write(v, PCI_COMMAND, &cmd, sizeof(cmd));
	}
	pthread_mutex_unlock(&v->lock);
	return r;
}
