// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "iommu-internal.h"
#include "path.h"

size_t iommu_cpu_page_size(void)
{
	static size_t size;

	if (!size) {
		long n = sysconf(_SC_PAGESIZE);

		size = n > 0 ? (size_t)n : 4096;
	}
	return size;
}

int iommu_open_dev_file(struct vfk_iommu *iommu, struct vfk_device *dev, const char *path,
			const char *what)
{
	const char *bdf = dev ? vfk_device_get_bdf(dev) : NULL;
	int fd = path_open(iommu->ctx, path, O_RDWR);

	if (fd >= 0)
		return fd;
	switch (fd) {
	case -EACCES:
	case -EPERM:
		return vfk_set_error(
			fd,
			"cannot open /%s (%s): permission denied: the user needs the "
			"file lent to them (`vfiokit qemu --user` lends files) or must be "
			"root",
			path, what);
	case -EBUSY:
		return vfk_set_error(
			fd,
			"/%s (%s) is held elsewhere: another process or container has it "
			"open",
			path, what);
	case -ENOENT:
	case -ENODEV:
		if (bdf)
			return vfk_set_error(
				fd, "no /%s (%s): %s is not on vfio-pci (`vfiokit bind %s`)", path,
				what, bdf, bdf);
		return vfk_set_error(fd, "no /%s (%s)", path, what);
	default:
		return vfk_set_error(fd, "cannot open /%s (%s): %s", path, what, strerror(-fd));
	}
}

int iommu_set_ranges(struct vfk_iommu *iommu, struct vfk_iova_range *ranges, size_t n,
		     uint64_t page_sizes)
{
	struct iova_allocator *a = NULL;
	int r;

	if (iommu->backend != VFK_IOMMU_NOIOMMU) {
		r = iova_new(ranges, n, &a);
		if (r < 0) {
			free(ranges);
			return vfk_set_error(r, "out of memory for the IOVA allocator");
		}
	}
	iova_destroy(iommu->iova);
	iommu->iova = a;
	free(iommu->ranges);
	iommu->ranges = ranges;
	iommu->n_ranges = n;
	iommu->page_sizes = page_sizes;
	if (a) {
		size_t outside = mappings_reserve_all(&iommu->mappings, a);

		if (outside > 0)
			dbg(iommu->ctx, "%zu mapping(s) outside the new IOVA ranges", outside);
	}
	return 0;
}
