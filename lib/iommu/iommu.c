// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "iommu-internal.h"
#include "path.h"

static const char *const backend_names[_VFK_IOMMU_BACKEND_MAX] = {
	[VFK_IOMMU_AUTO] = "auto",	 [VFK_IOMMU_IOMMUFD] = "iommufd",
	[VFK_IOMMU_TYPE1V2] = "type1v2", [VFK_IOMMU_TYPE1] = "type1",
	[VFK_IOMMU_NOIOMMU] = "noiommu",
};

VFK_EXPORT const char *vfk_iommu_backend_to_string(enum vfk_iommu_backend backend)
{
	if ((unsigned int)backend >= _VFK_IOMMU_BACKEND_MAX)
		return NULL;
	return backend_names[backend];
}

VFK_EXPORT int vfk_iommu_backend_from_string(const char *s)
{
	if (!s)
		return vfk_set_error(-EINVAL, "no IOMMU backend named");
	for (int i = 0; i < _VFK_IOMMU_BACKEND_MAX; i++)
		if (streq(s, backend_names[i]))
			return i;
	return vfk_set_error(-EINVAL,
			     "unknown IOMMU backend \"%s\" (known: auto, iommufd, type1v2, type1, "
			     "noiommu)",
			     s);
}

VFK_EXPORT int vfk_iommu_new(struct vfk_ctx *ctx, enum vfk_iommu_backend backend,
			     struct vfk_iommu **ret)
{
	struct vfk_iommu *iommu;

	if (!ctx || !ret)
		return vfk_set_error(-EINVAL, "vfk_iommu_new: no context or result pointer");
	if ((unsigned int)backend >= _VFK_IOMMU_BACKEND_MAX)
		return vfk_set_error(-EINVAL,
				     "IOMMU backend %d is out of range (0 to %d: auto, iommufd, "
				     "type1v2, type1, noiommu)",
				     (int)backend, _VFK_IOMMU_BACKEND_MAX - 1);
	iommu = calloc(1, sizeof(*iommu));
	if (!iommu)
		return vfk_set_error(-ENOMEM, "out of memory for an IOMMU domain");
	iommu->refcount = 1;
	iommu->ctx = vfk_ctx_ref(ctx);
	iommu->asked = backend;
	iommu->backend = VFK_IOMMU_AUTO;
	iommu->container_fd = -1;
	iommu->iommufd = -1;
	pthread_mutex_init(&iommu->lock, NULL);
	mappings_init(&iommu->mappings);
	*ret = iommu;
	return 0;
}

VFK_EXPORT struct vfk_iommu *vfk_iommu_ref(struct vfk_iommu *iommu)
{
	if (iommu)
		__atomic_add_fetch(&iommu->refcount, 1, __ATOMIC_RELAXED);
	return iommu;
}

VFK_EXPORT struct vfk_iommu *vfk_iommu_unref(struct vfk_iommu *iommu)
{
	if (!iommu || __atomic_sub_fetch(&iommu->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return NULL;
	/* Closing the container or iommufd unmaps in the kernel; only our records remain. */
	map_free_all(iommu);
	type1_close(iommu);
	iommufd_close(iommu);
	iova_destroy(iommu->iova);
	free(iommu->ranges);
	free(iommu->reason);
	pthread_mutex_destroy(&iommu->lock);
	vfk_ctx_unref(iommu->ctx);
	free(iommu);
	return NULL;
}

VFK_EXPORT enum vfk_iommu_backend vfk_iommu_get_backend(const struct vfk_iommu *iommu)
{
	return iommu ? iommu->backend : VFK_IOMMU_AUTO;
}

VFK_EXPORT const char *vfk_iommu_get_backend_reason(const struct vfk_iommu *iommu)
{
	return iommu && iommu->backend != VFK_IOMMU_AUTO ? iommu->reason : NULL;
}

VFK_EXPORT int vfk_iommu_get_iova_ranges(struct vfk_iommu *iommu, const struct vfk_iova_range **ret,
					 size_t *ret_n)
{
	int r = 0;

	if (!iommu || !ret || !ret_n)
		return vfk_set_error(-EINVAL, "vfk_iommu_get_iova_ranges: missing argument");
	pthread_mutex_lock(&iommu->lock);
	if (iommu->backend == VFK_IOMMU_AUTO) {
		r = vfk_set_error(-ENODEV, "the IOMMU domain has no device yet: its IOVA ranges "
					   "are known once the first device joins");
	} else {
		*ret = iommu->ranges;
		*ret_n = iommu->n_ranges;
	}
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

VFK_EXPORT int vfk_iommu_get_page_sizes(struct vfk_iommu *iommu, uint64_t *ret)
{
	int r = 0;

	if (!iommu || !ret)
		return vfk_set_error(-EINVAL, "vfk_iommu_get_page_sizes: missing argument");
	pthread_mutex_lock(&iommu->lock);
	if (iommu->backend == VFK_IOMMU_AUTO)
		r = vfk_set_error(-ENODEV, "the IOMMU domain has no device yet: its page sizes "
					   "are known once the first device joins");
	else
		*ret = iommu->page_sizes;
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

static int set_reason(struct vfk_iommu *iommu, const char *fmt, ...) _printf_(2, 3);
static int set_reason(struct vfk_iommu *iommu, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return vfk_set_error(-ENOMEM, "out of memory");
	free(iommu->reason);
	iommu->reason = s;
	return 0;
}

/* The automatic choice, made on the first device: iommufd when both /dev/iommu and the
 * device's cdev exist, else the container in its best form. */
static int choose_backend(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token)
{
	char cdev[64];
	bool have_iommufd = path_exists(iommu->ctx, DEV_IOMMU) == 0;
	int have_cdev = iommufd_cdev_name(iommu, dev, cdev, sizeof(cdev));
	const char *why;

	if (have_iommufd && have_cdev == 0 && !vf_token) {
		iommu->backend = VFK_IOMMU_IOMMUFD;
		return set_reason(iommu, "/%s and /" DEV_VFIO_DEVICES "/%s exist", DEV_IOMMU, cdev);
	}
	if (!have_iommufd)
		why = "no /" DEV_IOMMU ": the kernel was built without CONFIG_IOMMUFD";
	else if (have_cdev < 0)
		why = "/" DEV_IOMMU " exists but the device has no VFIO cdev (no "
		      "CONFIG_VFIO_DEVICE_CDEV)";
	else
		why = "a VF token was given, which this library passes through the group";
	if (type1_check(iommu, VFK_IOMMU_TYPE1V2) == 0) {
		iommu->backend = VFK_IOMMU_TYPE1V2;
		return set_reason(iommu, "%s; /" DEV_VFIO_CONTAINER " offers VFIO_TYPE1v2_IOMMU",
				  why);
	}
	if (type1_check(iommu, VFK_IOMMU_TYPE1) == 0) {
		iommu->backend = VFK_IOMMU_TYPE1;
		return set_reason(iommu,
				  "%s; /" DEV_VFIO_CONTAINER " offers only VFIO_TYPE1_IOMMU (v1)",
				  why);
	}
	return vfk_set_error(-EOPNOTSUPP,
			     "%s, and /" DEV_VFIO_CONTAINER " offers no type1 IOMMU: is "
			     "vfio_iommu_type1 loaded and the IOMMU on? (`vfiokit doctor`)",
			     why);
}

static int resolve_backend(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token)
{
	int r;

	switch (iommu->asked) {
	case VFK_IOMMU_AUTO:
		return choose_backend(iommu, dev, vf_token);
	case VFK_IOMMU_IOMMUFD:
		if (path_exists(iommu->ctx, DEV_IOMMU) < 0)
			return vfk_set_error(-EOPNOTSUPP,
					     "iommufd asked for, but there is no /" DEV_IOMMU
					     ": the kernel was built without CONFIG_IOMMUFD");
		iommu->backend = VFK_IOMMU_IOMMUFD;
		return set_reason(iommu, "asked for");
	case VFK_IOMMU_NOIOMMU:
		r = type1_check(iommu, VFK_IOMMU_NOIOMMU);
		if (r < 0)
			return r;
		iommu->backend = VFK_IOMMU_NOIOMMU;
		return set_reason(iommu,
				  "asked for; VFIO's no-IOMMU mode gives no isolation at all: the "
				  "device's DMA reaches all of memory");
	default:
		r = type1_check(iommu, iommu->asked);
		if (r < 0)
			return r;
		iommu->backend = iommu->asked;
		return set_reason(iommu, "asked for");
	}
}

int iommu_attach_device(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token,
			int *ret_fd, uint32_t *ret_devid)
{
	bool chose = false;
	int r;

	if (!iommu || !dev || !ret_fd || !ret_devid)
		return vfk_set_error(-EINVAL, "iommu_attach_device: missing argument");
	pthread_mutex_lock(&iommu->lock);
	if (iommu->backend == VFK_IOMMU_AUTO) {
		r = resolve_backend(iommu, dev, vf_token);
		if (r < 0)
			goto out;
		chose = true;
		dbg(iommu->ctx, "IOMMU backend %s: %s", backend_names[iommu->backend],
		    iommu->reason);
	}
	if (iommu->backend == VFK_IOMMU_IOMMUFD)
		r = iommufd_attach(iommu, dev, vf_token, ret_fd, ret_devid);
	else
		r = type1_attach(iommu, dev, vf_token, ret_fd, ret_devid);
	if (r < 0) {
		/* A first device that failed leaves the choice open for the next. */
		if (chose && iommu->n_devices == 0 && iommu->n_groups == 0 &&
		    iommu->mappings.n == 0) {
			type1_close(iommu);
			iommufd_close(iommu);
			iommu->backend = VFK_IOMMU_AUTO;
		}
		goto out;
	}
	iommu->n_devices++;
out:
	pthread_mutex_unlock(&iommu->lock);
	return r;
}

void iommu_detach_device(struct vfk_iommu *iommu, struct vfk_device *dev, int fd)
{
	if (!iommu)
		return;
	pthread_mutex_lock(&iommu->lock);
	/* Closing the device fd unbinds a cdev from the iommufd; a group may stay. */
	if (fd >= 0)
		close(fd);
	if (iommu->n_devices > 0)
		iommu->n_devices--;
	if (iommu->backend != VFK_IOMMU_IOMMUFD && iommu->backend != VFK_IOMMU_AUTO)
		type1_detach(iommu, dev);
	pthread_mutex_unlock(&iommu->lock);
}

int iommu_get_group_fds(struct vfk_iommu *iommu, int **ret, size_t *ret_n)
{
	int *fds = NULL;
	size_t n = 0;

	if (!iommu || !ret || !ret_n)
		return vfk_set_error(-EINVAL, "iommu_get_group_fds: missing argument");
	pthread_mutex_lock(&iommu->lock);
	if (iommu->n_groups > 0) {
		fds = malloc(iommu->n_groups * sizeof(*fds));
		if (!fds) {
			pthread_mutex_unlock(&iommu->lock);
			return vfk_set_error(-ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < iommu->n_groups; i++)
			fds[n++] = iommu->groups[i].fd;
	}
	pthread_mutex_unlock(&iommu->lock);
	*ret = fds;
	*ret_n = n;
	return 0;
}
