// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "iommu/iommu-private.h"
#include "uapi-compat.h"
#include "vfio/vfio-private.h"

VFK_EXPORT bool vfk_vfio_can_reset(const struct vfk_vfio *v)
{
	assert_return(v, false);
	return v->dev_flags & VFIO_DEVICE_FLAGS_RESET;
}

VFK_EXPORT int vfk_vfio_reset(struct vfk_vfio *v)
{
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_reset: no device");
	if (!vfk_vfio_can_reset(v))
		return vfio_error(v, -EOPNOTSUPP,
				  "has no function reset VFIO can use (no FLR, PM or "
				  "device-specific reset); a hot reset of its bus may work "
				  "(vfk_vfio_hot_reset())");
	pthread_mutex_lock(&v->lock);
	if (ioctl(v->fd, VFIO_DEVICE_RESET) < 0) {
		r = -errno;
		pthread_mutex_unlock(&v->lock);
		return vfio_error(v, r == -EINVAL || r == -ENOTTY ? -EIO : r,
				  "VFIO_DEVICE_RESET: %s", strerror(-r));
	}
	/* The reset takes the kernel's MSI-X triggers with it; set them up again. */
	r = vfio_irqs_rearm_locked(v);
	pthread_mutex_unlock(&v->lock);
	return r;
}

/* The kernel's list of devices a bus reset of @v hits, with their group or iommufd ids. */
static int hot_reset_info(struct vfk_vfio *v, struct vfio_pci_hot_reset_info **ret)
{
	struct vfio_pci_hot_reset_info *info = NULL, *bigger;
	size_t argsz = sizeof(*info);
	int r;

	for (;;) {
		bigger = realloc(info, argsz);
		if (!bigger) {
			free(info);
			return vfio_error(v, -ENOMEM, "out of memory");
		}
		info = bigger;
		memset(info, 0, argsz);
		info->argsz = (uint32_t)argsz;
		if (ioctl(v->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info) == 0)
			break;
		r = -errno;
		/* ENOSPC: count now says how many entries there are; they may still change. */
		if (r == -ENOSPC && info->count &&
		    sizeof(*info) + info->count * sizeof(info->devices[0]) > argsz) {
			argsz = sizeof(*info) + info->count * sizeof(info->devices[0]);
			continue;
		}
		free(info);
		if (r == -ENODEV || r == -ENOTTY)
			return vfio_error(
				v, -EOPNOTSUPP,
				"cannot be reset through its bus or slot (no hot reset "
				"possible: it shares the bus with the host bridge, or the "
				"bridge above cannot reset)");
		return vfio_error(v, r, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: %s", strerror(-r));
	}
	*ret = info;
	return 0;
}

static struct vfk_addr dep_addr(const struct vfio_pci_dependent_device *d)
{
	return (struct vfk_addr){.domain = d->segment,
				 .bus = d->bus,
				 .dev = (uint8_t)(d->devfn >> 3),
				 .fn = (uint8_t)(d->devfn & 7)};
}

VFK_EXPORT int vfk_vfio_get_hot_reset_devices(struct vfk_vfio *v, struct vfk_addr **ret,
					      size_t *ret_n)
{
	struct vfio_pci_hot_reset_info *info;
	struct vfk_addr *list;
	uint32_t i;
	int r;

	if (!v || !ret || !ret_n)
		return vfk_set_error(-EINVAL, "vfk_vfio_get_hot_reset_devices: no device or "
					      "result pointer");
	r = hot_reset_info(v, &info);
	if (r < 0)
		return r;
	list = calloc(info->count ? info->count : 1, sizeof(*list));
	if (!list) {
		free(info);
		return vfio_error(v, -ENOMEM, "out of memory");
	}
	for (i = 0; i < info->count; i++)
		list[i] = dep_addr(&info->devices[i]);
	*ret = list;
	*ret_n = info->count;
	free(info);
	return 0;
}

static void rearm(struct vfk_vfio *v)
{
	pthread_mutex_lock(&v->lock);
	vfio_irqs_rearm_locked(v);
	pthread_mutex_unlock(&v->lock);
}

/* Names the devices that keep a hot reset from being allowed: with @not_owned, those the
 * kernel marked as not owned by the iommufd; otherwise, after the kernel refused, those
 * not open in @v's domain (type1 wants each one's group file, iommufd each one bound). */
static int refused(struct vfk_vfio *v, const struct vfio_pci_hot_reset_info *info, bool not_owned,
		   int err)
{
	char names[1024] = "";
	size_t len = 0;
	uint32_t i;

	for (i = 0; i < info->count && len < sizeof(names) - 1; i++) {
		const struct vfio_pci_dependent_device *d = &info->devices[i];
		struct vfk_addr a = dep_addr(d);
		char bdf[VFK_ADDR_STRLEN];

		if (not_owned ? (int32_t)vfk_dependent_devid(d) != VFIO_PCI_DEVID_NOT_OWNED
			      : vfio_is_open(v->iommu, &a))
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
					vfk_addr_format(&a, bdf));
	}
	if (!len)
		return vfio_error(v, err, "VFIO_DEVICE_PCI_HOT_RESET: %s", strerror(-err));
	return vfio_error(v, -EPERM,
			  "a hot reset would also reset %s, not open in this domain: bind it to "
			  "vfio-pci (`vfiokit bind`) and open it with vfk_vfio_open() in the "
			  "same domain first",
			  names);
}

VFK_EXPORT int vfk_vfio_hot_reset(struct vfk_vfio *v)
{
	struct vfio_pci_hot_reset_info *info;
	struct vfio_pci_hot_reset *req = NULL;
	struct vfk_addr *addrs = NULL;
	int *group_fds = NULL;
	size_t n_fds = 0, i;
	bool iommufd;
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_hot_reset: no device");
	r = hot_reset_info(v, &info);
	if (r < 0)
		return r;
	iommufd = vfk_iommu_get_backend(v->iommu) == VFK_IOMMU_IOMMUFD;
	if (iommufd) {
		/* The kernel already knows which devices the iommufd owns: refuse up front
		 * with the culprit's name rather than after a bare EPERM. */
		for (i = 0; i < info->count; i++)
			if ((info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) &&
			    (int32_t)vfk_dependent_devid(&info->devices[i]) ==
				    VFIO_PCI_DEVID_NOT_OWNED) {
				r = refused(v, info, true, -EPERM);
				goto out;
			}
	} else {
		r = iommu_get_group_fds(v->iommu, &group_fds, &n_fds);
		if (r < 0)
			goto out;
	}
	req = calloc(1, sizeof(*req) + n_fds * sizeof(req->group_fds[0]));
	addrs = calloc(info->count ? info->count : 1, sizeof(*addrs));
	if (!req || !addrs) {
		r = vfio_error(v, -ENOMEM, "out of memory");
		goto out;
	}
	/* iommufd: the zero-length form, ownership proven by the device's own iommufd. */
	req->argsz = (uint32_t)(sizeof(*req) + n_fds * sizeof(req->group_fds[0]));
	req->count = (uint32_t)n_fds;
	for (i = 0; i < n_fds; i++)
		req->group_fds[i] = group_fds[i];
	if (ioctl(v->fd, VFIO_DEVICE_PCI_HOT_RESET, req) < 0) {
		r = -errno;
		if (r == -EPERM || r == -EINVAL)
			r = refused(v, info, false, r);
		else
			r = vfio_error(v, r, "VFIO_DEVICE_PCI_HOT_RESET: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < info->count; i++)
		addrs[i] = dep_addr(&info->devices[i]);
	vfio_for_each_open(v->iommu, addrs, info->count, rearm);
	r = 0;
out:
	free(info);
	free(req);
	free(addrs);
	free(group_fds);
	return r;
}
