// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "iommu/iommu-private.h"
#include "uapi-compat.h"
#include "vfio/vfio-private.h"

/* Open devices, so that a hot reset can re-arm the interrupts of every device it hit,
 * not only those of the device it was asked on. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfk_vfio *open_list;

int vfio_device_query(struct vfk_vfio *v)
{
	struct vfio_device_info info = {.argsz = sizeof(info)};
	int r;

	if (ioctl(v->fd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		r = -errno;
		if (r == -ENOTTY || r == -EINVAL)
			return vfio_error(v, -ENODEV,
					  "its device file is not a VFIO device "
					  "(VFIO_DEVICE_GET_INFO: %s); is vfio-pci really bound?",
					  strerror(-r));
		return vfio_error(v, r, "VFIO_DEVICE_GET_INFO: %s", strerror(-r));
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI))
		return vfio_error(v, -ENODEV, "VFIO does not present it as a PCI device");
	v->dev_flags = info.flags;
	v->n_regions = info.num_regions;
	r = vfio_regions_load(v);
	if (r < 0)
		return r;
	return vfio_irqs_load(v);
}

void vfio_device_forget(struct vfk_vfio *v)
{
	unsigned int t;

	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++)
		if (v->irqs[t].n_enabled)
			vfk_vfio_irq_disable(v, (enum vfk_irq_type)t);
	vfio_irqs_free(v);
	vfio_regions_free(v);
}

static int parse_uuid(const char *s, uint8_t out[16]);

static int not_on_vfio_pci(struct vfk_device *dev)
{
	const char *bdf = vfk_device_get_bdf(dev);
	const char *drv = vfk_device_get_driver(dev);

	if (drv)
		return vfk_set_error(-ENODEV, "%s is on %s, not vfio-pci: run `vfiokit bind %s`",
				     bdf, drv, bdf);
	return vfk_set_error(-ENODEV, "%s has no driver, not vfio-pci: run `vfiokit bind %s`", bdf,
			     bdf);
}

VFK_EXPORT int vfk_vfio_open(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
			     struct vfk_vfio **ret)
{
	struct vfk_vfio *v;
	uint8_t uuid[16];
	int fd, r;
	uint32_t devid = 0;

	if (!iommu || !dev || !ret)
		return vfk_set_error(-EINVAL, "vfk_vfio_open: a domain, a device and a result "
					      "pointer are needed");
	if (!vfk_device_is_vfio_bound(dev))
		return not_on_vfio_pci(dev);
	/* The kernel takes the token inside the device's name ("BDF vf_token=UUID"): anything
	 * else there would reach it as options of its own, refused with a bare -EINVAL. */
	if (vf_token && parse_uuid(vf_token, uuid) < 0)
		return vfk_set_error(-EINVAL,
				     "%s: VF token '%s' is not a UUID "
				     "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				     vfk_device_get_bdf(dev), vf_token);
	r = iommu_attach_device(iommu, dev, vf_token, &fd, &devid);
	if (r < 0)
		return r;

	v = calloc(1, sizeof(*v));
	if (!v) {
		iommu_detach_device(iommu, dev, fd);
		return vfk_set_error(-ENOMEM, "%s: out of memory", vfk_device_get_bdf(dev));
	}
	v->refcount = 1;
	v->iommu = vfk_iommu_ref(iommu);
	v->dev = vfk_device_ref(dev);
	v->fd = fd;
	v->devid = devid;
	pthread_mutex_init(&v->lock, NULL);
	r = vfio_device_query(v);
	if (r < 0) {
		char why[512];

		/* Leaving the domain may say something of its own; the reason to report is
		 * why the device could not be used. */
		snprintf(why, sizeof(why), "%s", vfk_last_error());
		vfio_device_forget(v);
		iommu_detach_device(iommu, dev, fd);
		vfk_device_unref(v->dev);
		vfk_iommu_unref(v->iommu);
		pthread_mutex_destroy(&v->lock);
		free(v);
		return vfk_set_error(r, "%s", why);
	}
	pthread_mutex_lock(&open_lock);
	v->next_open = open_list;
	open_list = v;
	pthread_mutex_unlock(&open_lock);
	*ret = v;
	return 0;
}

VFK_EXPORT struct vfk_vfio *vfk_vfio_ref(struct vfk_vfio *v)
{
	if (v)
		__atomic_add_fetch(&v->refcount, 1, __ATOMIC_RELAXED);
	return v;
}

VFK_EXPORT struct vfk_vfio *vfk_vfio_unref(struct vfk_vfio *v)
{
	struct vfk_vfio **p;

	if (!v || __atomic_sub_fetch(&v->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return NULL;
	pthread_mutex_lock(&open_lock);
	for (p = &open_list; *p; p = &(*p)->next_open)
		if (*p == v) {
			*p = v->next_open;
			break;
		}
	pthread_mutex_unlock(&open_lock);
	vfio_device_forget(v);
	iommu_detach_device(v->iommu, v->dev, v->fd);
	vfk_device_unref(v->dev);
	vfk_iommu_unref(v->iommu);
	pthread_mutex_destroy(&v->lock);
	free(v);
	return NULL;
}

void vfio_for_each_open(struct vfk_iommu *iommu, const struct vfk_addr *addrs, size_t n,
			void (*fn)(struct vfk_vfio *v))
{
	struct vfk_vfio *v;
	size_t i;

	pthread_mutex_lock(&open_lock);
	for (v = open_list; v; v = v->next_open) {
		if (v->iommu != iommu)
			continue;
		for (i = 0; i < n; i++)
			if (vfk_addr_cmp(vfk_device_get_addr(v->dev), &addrs[i]) == 0) {
				fn(v);
				break;
			}
	}
	pthread_mutex_unlock(&open_lock);
}

bool vfio_is_open(struct vfk_iommu *iommu, const struct vfk_addr *addr)
{
	struct vfk_vfio *v;
	bool found = false;

	pthread_mutex_lock(&open_lock);
	for (v = open_list; v && !found; v = v->next_open)
		found = v->iommu == iommu && vfk_addr_cmp(vfk_device_get_addr(v->dev), addr) == 0;
	pthread_mutex_unlock(&open_lock);
	return found;
}

VFK_EXPORT struct vfk_device *vfk_vfio_get_device(const struct vfk_vfio *v)
{
	assert_return(v, NULL);
	return v->dev;
}

VFK_EXPORT struct vfk_iommu *vfk_vfio_get_iommu(const struct vfk_vfio *v)
{
	assert_return(v, NULL);
	return v->iommu;
}

VFK_EXPORT int vfk_vfio_get_fd(const struct vfk_vfio *v)
{
	assert_return(v, -EINVAL);
	return v->fd;
}

/* 8-4-4-4-12 hex digits, the form the kernel's own vf_token= parser takes. */
static int parse_uuid(const char *s, uint8_t out[16])
{
	size_t i, n = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

VFK_EXPORT int vfk_vfio_set_vf_token(struct vfk_vfio *v, const char *uuid)
{
	/* struct vfio_device_feature ends in a flexible array: the UUID follows it. */
	union {
		struct vfio_device_feature hdr;
		uint8_t bytes[sizeof(struct vfio_device_feature) + 16];
	} feat = {0};
	uint8_t *token = feat.bytes + sizeof(struct vfio_device_feature);
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_set_vf_token: no device");
	if (!uuid || parse_uuid(uuid, token) < 0)
		return vfio_error(
			v, -EINVAL,
			"VF token '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); "
			"make one with uuidgen",
			uuid ? uuid : "(null)");
	feat.hdr.argsz = sizeof(feat);
	feat.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	if (ioctl(v->fd, VFIO_DEVICE_FEATURE, &feat) == 0)
		return 0;
	r = -errno;
	if (r == -ENOTTY)
		return vfio_error(v, r,
				  "not an SR-IOV physical function on vfio-pci, so it takes no "
				  "VF token");
	return vfio_error(v, r, "setting the VF token: %s", strerror(-r));
}
