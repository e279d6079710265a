// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "iommu-internal.h"
#include "path.h"
#include "uapi-compat.h"

int iommufd_cdev_name(struct vfk_iommu *iommu, struct vfk_device *dev, char *buf, size_t size)
{
	char dir[4096], rel[NAME_MAX + 8];
	DIR *d = NULL;
	struct dirent *de;
	int r = -ENOENT, fd;

	if (snprintf(dir, sizeof(dir), "%s/" SYSFS_VFIO_DEV, vfk_device_get_syspath(dev)) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (path_opendir(iommu->ctx, dir, &d) < 0)
		return -ENOENT;
	while ((de = readdir(d))) {
		char node[NAME_MAX + 32];

		if (!startswith(de->d_name, "vfio") || strlen(de->d_name) >= size)
			continue;
		/* The directory exists without the cdev too; its dev attribute does not. */
		snprintf(rel, sizeof(rel), "%s/dev", de->d_name);
		fd = path_open_beneath(dirfd(d), rel, O_PATH);
		if (fd < 0)
			continue;
		close(fd);
		snprintf(node, sizeof(node), DEV_VFIO_DEVICE_FMT, de->d_name);
		if (path_exists(iommu->ctx, node) < 0)
			continue;
		strcpy(buf, de->d_name);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

static int open_iommufd(struct vfk_iommu *iommu)
{
	struct iommu_ioas_alloc alloc = {.size = sizeof(alloc)};
	int fd, r;

	if (iommu->iommufd >= 0)
		return 0;
	fd = iommu_open_dev_file(iommu, NULL, DEV_IOMMU, "iommufd");
	if (fd < 0)
		return fd;
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) < 0) {
		r = negative_errno();
		close(fd);
		return vfk_set_error(r, "IOMMU_IOAS_ALLOC on /" DEV_IOMMU " failed: %s",
				     strerror(-r));
	}
	iommu->iommufd = fd;
	iommu->ioas_id = alloc.out_ioas_id;
	return 0;
}

/* IOMMU_IOAS_IOVA_RANGES, asked twice: once for the count, once for the ranges (and again
 * should a device have changed them in between). */
static int refresh_ranges(struct vfk_iommu *iommu)
{
	struct iommu_iova_range *buf = NULL;
	struct vfk_iova_range *ranges;
	struct iommu_ioas_iova_ranges q;
	uint32_t cap = 0;
	uint64_t align;

	for (;;) {
		q = (struct iommu_ioas_iova_ranges){
			.size = sizeof(q),
			.ioas_id = iommu->ioas_id,
			.num_iovas = cap,
			.allowed_iovas = (uintptr_t)buf,
		};
		if (ioctl(iommu->iommufd, IOMMU_IOAS_IOVA_RANGES, &q) == 0)
			break;
		if (errno != EMSGSIZE || q.num_iovas <= cap) {
			int r = negative_errno();

			free(buf);
			return vfk_set_error(r, "IOMMU_IOAS_IOVA_RANGES failed: %s", strerror(-r));
		}
		cap = q.num_iovas;
		free(buf);
		buf = calloc(cap, sizeof(*buf));
		if (!buf)
			return vfk_set_error(-ENOMEM, "out of memory");
	}
	ranges = calloc(q.num_iovas ? q.num_iovas : 1, sizeof(*ranges));
	if (!ranges) {
		free(buf);
		return vfk_set_error(-ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < q.num_iovas; i++)
		ranges[i] = (struct vfk_iova_range){buf[i].start, buf[i].last};
	free(buf);
	/* iommufd picks IOMMU page sizes itself; it reports only the alignment it needs. */
	align = q.out_iova_alignment ? q.out_iova_alignment : iommu_cpu_page_size();
	return iommu_set_ranges(iommu, ranges, q.num_iovas, iommu_cpu_page_size() | align);
}

int iommufd_attach(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
		   int *ret_fd, uint32_t *ret_devid)
{
	struct vfio_device_bind_iommufd bind = {.argsz = sizeof(bind)};
	struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof(attach)};
	const char *bdf = vfk_device_get_bdf(dev);
	char cdev[64], path[128], what[96];
	int fd, r;

	if (vf_token)
		return vfk_set_error(-EOPNOTSUPP,
				     "%s: a VF token goes through the group here; open it with the "
				     "type1v2 backend (or auto, which picks that for a VF token)",
				     bdf);
	r = iommufd_cdev_name(iommu, dev, cdev, sizeof(cdev));
	if (r < 0)
		return vfk_set_error(r == -ENOENT ? -ENODEV : r,
				     "%s has no VFIO cdev below /" DEV_VFIO_DEVICES
				     ": it is not on "
				     "vfio-pci (`vfiokit bind %s`) or the kernel lacks "
				     "CONFIG_VFIO_DEVICE_CDEV",
				     bdf, bdf);
	r = open_iommufd(iommu);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), DEV_VFIO_DEVICE_FMT, cdev);
	snprintf(what, sizeof(what), "the VFIO cdev of %s", bdf);
	fd = iommu_open_dev_file(iommu, dev, path, what);
	if (fd < 0)
		return fd;
	bind.iommufd = iommu->iommufd;
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
		r = negative_errno();
		unsigned int group;

		if (r == -EBUSY && vfk_device_get_iommu_group(dev, &group) == 0)
			vfk_set_error(r,
				      "%s is held elsewhere: a process has its IOMMU group %u open "
				      "(/" DEV_VFIO_GROUP_FMT
				      "), or another iommufd has the device",
				      bdf, group, group);
		else if (r == -EBUSY)
			vfk_set_error(r, "%s is held elsewhere: another iommufd has it", bdf);
		else
			vfk_set_error(r, "VFIO_DEVICE_BIND_IOMMUFD of /%s failed: %s", path,
				      strerror(-r));
		goto fail;
	}
	attach.pt_id = iommu->ioas_id;
	if (ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0) {
		r = negative_errno();
		vfk_set_error(r, "attaching %s to the domain's IOAS failed: %s%s", bdf,
			      strerror(-r),
			      r == -EINVAL ? " (its reserved regions may overlap a mapping)" : "");
		goto fail;
	}
	/* Attaching may narrow the usable ranges (aperture, reserved regions). */
	r = refresh_ranges(iommu);
	if (r < 0)
		goto fail;
	*ret_fd = fd;
	*ret_devid = bind.out_devid;
	return 0;
fail:
	close(fd);
	return r;
}

int iommufd_map(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t iova,
		unsigned int flags)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = iommu->ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = len,
		.iova = iova,
	};

	if (flags & VFK_DMA_TO_DEVICE)
		map.flags |= IOMMU_IOAS_MAP_READABLE;
	if (flags & VFK_DMA_FROM_DEVICE)
		map.flags |= IOMMU_IOAS_MAP_WRITEABLE;
	if (ioctl(iommu->iommufd, IOMMU_IOAS_MAP, &map) < 0)
		return negative_errno();
	return 0;
}

int iommufd_unmap(struct vfk_iommu *iommu, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = iommu->ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(iommu->iommufd, IOMMU_IOAS_UNMAP, &unmap) < 0)
		return negative_errno();
	return unmap.length == len ? 0 : -EIO;
}

void iommufd_close(struct vfk_iommu *iommu)
{
	if (iommu->iommufd >= 0)
		close(iommu->iommufd);
	iommu->iommufd = -1;
}
