/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What lib/vfio/ needs from a domain: opening a device's file through the domain's
 * backend (cdev bound to the iommufd, or group joined to the container), leaving again,
 * and the proof of ownership a hot reset wants. Also the thread-local error sentence both
 * parts set.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vfiokit/iommu.h>
#include <vfiokit/pci.h>

/*
 * Opens @dev's VFIO device fd through @iommu's backend (resolving VFK_IOMMU_AUTO on the
 * first device), attaches it to the domain, and returns the fd (owned by the caller, to be
 * handed back with iommu_detach_device()). For iommufd, *ret_devid is the device's id in
 * the iommufd; for the container backends it is the IOMMU group number.
 * Sets vfk_last_error() on failure.
 */
int iommu_attach_device(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
			int *ret_fd, uint32_t *ret_devid);

/*
 * Closes @fd and drops the group or binding when it was the last user of it. With the
 * container backends the container's last group stays open (so /dev/vfio/N stays busy)
 * while the domain has mappings, since the kernel drops them all with the last group; it
 * goes with the last unmap or vfk_iommu_unref().
 */
void iommu_detach_device(struct vfk_iommu *iommu, struct vfk_device *dev, int fd);

/*
 * The group fds of every group in the container (type1/noiommu), for
 * VFIO_DEVICE_PCI_HOT_RESET; *ret_n == 0 with the iommufd backend (zero-length form).
 * *ret is malloc'd.
 */
int iommu_get_group_fds(struct vfk_iommu *iommu, int **ret, size_t *ret_n);

/* printf-style: sets the calling thread's vfk_last_error() and returns @err (negative). */
int vfk_set_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
