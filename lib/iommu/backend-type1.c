// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "iommu-internal.h"
#include "path.h"
#include "uapi-compat.h"

/* Used when a kernel reports no IOVA_RANGE capability (before 5.4): the narrowest address
 * width Intel IOMMUs have, so that nothing handed out can be out of reach. */
#define FALLBACK_IOVA_LAST ((1ULL << 39) - 1)

static unsigned long iommu_type(enum vfk_iommu_backend backend)
{
	switch (backend) {
	case VFK_IOMMU_TYPE1V2:
		return VFIO_TYPE1v2_IOMMU;
	case VFK_IOMMU_NOIOMMU:
		return VFIO_NOIOMMU_IOMMU;
	default:
		return VFIO_TYPE1_IOMMU;
	}
}

static const char *type_name(enum vfk_iommu_backend backend)
{
	switch (backend) {
	case VFK_IOMMU_TYPE1V2:
		return "VFIO_TYPE1v2_IOMMU";
	case VFK_IOMMU_NOIOMMU:
		return "VFIO_NOIOMMU_IOMMU";
	default:
		return "VFIO_TYPE1_IOMMU";
	}
}

static int open_container(struct vfk_iommu *iommu)
{
	int fd, version;

	if (iommu->container_fd >= 0)
		return 0;
	fd = iommu_open_dev_file(iommu, NULL, DEV_VFIO_CONTAINER, "the VFIO container");
	if (fd < 0)
		return fd;
	version = ioctl(fd, VFIO_GET_API_VERSION);
	if (version != VFIO_API_VERSION) {
		close(fd);
		return vfk_set_error(-EOPNOTSUPP,
				     "/" DEV_VFIO_CONTAINER " speaks VFIO API %d, not %d", version,
				     VFIO_API_VERSION);
	}
	iommu->container_fd = fd;
	return 0;
}

int type1_check(struct vfk_iommu *iommu, enum vfk_iommu_backend backend)
{
	int r = open_container(iommu);

	if (r < 0)
		return r;
	if (ioctl(iommu->container_fd, VFIO_CHECK_EXTENSION, iommu_type(backend)) > 0)
		return 0;
	if (backend == VFK_IOMMU_NOIOMMU)
		return vfk_set_error(
			-EOPNOTSUPP,
			"no-IOMMU mode asked for, but the container does not offer it: "
			"load vfio with enable_unsafe_noiommu_mode=1 (the kernel needs "
			"CONFIG_VFIO_NOIOMMU)");
	return vfk_set_error(-EOPNOTSUPP,
			     "/" DEV_VFIO_CONTAINER
			     " does not offer %s: is vfio_iommu_type1 loaded "
			     "and the IOMMU on? (`vfiokit doctor`)",
			     type_name(backend));
}

static struct group *find_group(struct vfk_iommu *iommu, unsigned int id)
{
	for (size_t i = 0; i < iommu->n_groups; i++)
		if (iommu->groups[i].id == id)
			return &iommu->groups[i];
	return NULL;
}

/* The ranges and page sizes VFIO_IOMMU_GET_INFO reports, capability chain included. */
static int refresh_info(struct vfk_iommu *iommu)
{
	struct vfio_iommu_type1_info *info;
	struct vfk_iova_range *ranges = NULL;
	size_t n = 0;
	uint32_t argsz = sizeof(*info);
	uint64_t pgsizes;

	if (iommu->backend == VFK_IOMMU_NOIOMMU)
		return iommu_set_ranges(iommu, NULL, 0, iommu_cpu_page_size());
	for (;;) {
		info = calloc(1, argsz);
		if (!info)
			return vfk_set_error(-ENOMEM, "out of memory");
		info->argsz = argsz;
		if (ioctl(iommu->container_fd, VFIO_IOMMU_GET_INFO, info) < 0) {
			int r = negative_errno();

			free(info);
			return vfk_set_error(r, "VFIO_IOMMU_GET_INFO on the container failed: %s",
					     strerror(-r));
		}
		if (info->argsz <= argsz)
			break;
		/* The capabilities did not fit: the kernel said how much they need. */
		argsz = info->argsz;
		free(info);
	}
	pgsizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes
							  : iommu_cpu_page_size();
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;

		while (off && off + sizeof(struct vfio_info_cap_header) <= argsz) {
			struct vfio_info_cap_header *h = (void *)((char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
			    off + sizeof(struct vfio_iommu_type1_info_cap_iova_range) <= argsz) {
				struct vfio_iommu_type1_info_cap_iova_range *c = (void *)h;
				size_t max = (argsz - off - sizeof(*c)) / sizeof(c->iova_ranges[0]);

				n = c->nr_iovas < max ? c->nr_iovas : max;
				ranges = calloc(n ? n : 1, sizeof(*ranges));
				if (!ranges) {
					free(info);
					return vfk_set_error(-ENOMEM, "out of memory");
				}
				for (size_t i = 0; i < n; i++) {
					ranges[i].start = c->iova_ranges[i].start;
					ranges[i].last = c->iova_ranges[i].end;
				}
				break;
			}
			if (h->next <= off)
				break;
			off = h->next;
		}
	}
	free(info);
	if (!ranges) {
		ranges = calloc(1, sizeof(*ranges));
		if (!ranges)
			return vfk_set_error(-ENOMEM, "out of memory");
		ranges[0] = (struct vfk_iova_range){0, FALLBACK_IOVA_LAST};
		n = 1;
	}
	return iommu_set_ranges(iommu, ranges, n, pgsizes);
}

/* " (0000:01:00.0 on bochs-drm)": the first member of the group on a driver other than
 * vfio-pci, or "" when sysfs does not tell. */
static void host_driver_member(struct vfk_iommu *iommu, unsigned int id, char *buf, size_t size)
{
	struct vfk_group *g;

	*buf = '\0';
	if (vfk_group_new(iommu->ctx, id, &g) < 0)
		return;
	for (size_t i = 0; i < vfk_group_get_n_devices(g); i++) {
		struct vfk_device *d = vfk_group_get_device(g, i);
		const char *drv = vfk_device_get_driver(d);

		if (drv && !streq(drv, "vfio-pci")) {
			snprintf(buf, size, " (%s on %s)", vfk_device_get_bdf(d), drv);
			break;
		}
	}
	vfk_group_unref(g);
}

static int open_group(struct vfk_iommu *iommu, struct vfk_device *dev, unsigned int id,
		      struct group **ret)
{
	char path[64];
	char what[64];
	struct vfio_group_status status = {.argsz = sizeof(status)};
	struct group *g, *groups;
	bool first = iommu->n_groups == 0;
	int fd, r;

	snprintf(path, sizeof(path),
		 iommu->backend == VFK_IOMMU_NOIOMMU ? DEV_VFIO_NOIOMMU_GROUP_FMT
						     : DEV_VFIO_GROUP_FMT,
		 id);
	snprintf(what, sizeof(what), "IOMMU group %u of %s", id, vfk_device_get_bdf(dev));
	fd = iommu_open_dev_file(iommu, dev, path, what);
	if (fd == -ENOENT && iommu->backend != VFK_IOMMU_NOIOMMU) {
		char alt[64];

		/* vfio-pci in no-IOMMU mode names the group differently; type1 reports
		 * itself available all the same. */
		snprintf(alt, sizeof(alt), DEV_VFIO_NOIOMMU_GROUP_FMT, id);
		if (path_exists(iommu->ctx, alt) == 0)
			return vfk_set_error(
				-EOPNOTSUPP,
				"%s has no IOMMU: its group is /%s, in VFIO's no-IOMMU "
				"mode, which gives no isolation and is used only when "
				"asked for by name (the noiommu backend)",
				vfk_device_get_bdf(dev), alt);
	}
	if (fd < 0)
		return fd;
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) < 0) {
		r = negative_errno();
		vfk_set_error(r, "VFIO_GROUP_GET_STATUS on /%s failed: %s", path, strerror(-r));
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		char culprit[128];

		host_driver_member(iommu, id, culprit, sizeof(culprit));
		r = vfk_set_error(
			-EINVAL,
			"IOMMU group %u is not viable: a member of it%s is on a host "
			"driver; every device of the group must be on vfio-pci or no driver "
			"(`vfiokit bind %s` moves the whole group)",
			id, culprit, vfk_device_get_bdf(dev));
		goto fail;
	}
	if (status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) {
		r = vfk_set_error(-EBUSY,
				  "IOMMU group %u is held elsewhere: it is in another "
				  "container already",
				  id);
		goto fail;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &iommu->container_fd) < 0) {
		r = negative_errno();
		vfk_set_error(r, "cannot put IOMMU group %u into the container: %s", id,
			      strerror(-r));
		goto fail;
	}
	/* The first group decides the container's IOMMU; the others join that domain and so
	 * see the mappings made so far. */
	if (first && ioctl(iommu->container_fd, VFIO_SET_IOMMU, iommu_type(iommu->backend)) < 0) {
		r = negative_errno();
		if (r == -EPERM && iommu->backend == VFK_IOMMU_NOIOMMU)
			vfk_set_error(r, "no-IOMMU mode needs CAP_SYS_RAWIO: run as root");
		else
			vfk_set_error(r, "VFIO_SET_IOMMU(%s) for IOMMU group %u failed: %s",
				      type_name(iommu->backend), id, strerror(-r));
		ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
		goto fail;
	}
	groups = realloc(iommu->groups, (iommu->n_groups + 1) * sizeof(*groups));
	if (!groups) {
		r = vfk_set_error(-ENOMEM, "out of memory");
		ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
		goto fail;
	}
	iommu->groups = groups;
	g = &groups[iommu->n_groups++];
	*g = (struct group){.id = id, .fd = fd};
	r = refresh_info(iommu);
	if (r < 0) {
		ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
		iommu->n_groups--;
		goto fail;
	}
	*ret = g;
	return 0;
fail:
	close(fd);
	return r;
}

/* Why VFIO_GROUP_GET_DEVICE_FD refused @dev with @r. vfio-pci's VF-token check
 * (vfio_pci_validate_vf_token()) answers -EACCES for a token missing or not the PF's, on a
 * VF whose PF is on vfio-pci and on such a PF while its VFs are open, and -EINVAL for a
 * token the device does not take. */
static int get_device_fd_error(struct vfk_device *dev, unsigned int id, const char *vf_token, int r)
{
	const char *bdf = vfk_device_get_bdf(dev);
	char pf_bdf[VFK_ADDR_STRLEN];
	struct vfk_addr pf;
	bool is_vf = vfk_device_get_physfn(dev, &pf) == 0;

	if (is_vf)
		vfk_addr_format(&pf, pf_bdf);
	if (r == -EBUSY)
		return vfk_set_error(r, "%s is held elsewhere: it is open already", bdf);
	if (r == -EACCES && vf_token && is_vf)
		return vfk_set_error(r,
				     "%s refused the VF token: it is not the one its PF %s was "
				     "given",
				     bdf, pf_bdf);
	if (r == -EACCES && vf_token)
		return vfk_set_error(r,
				     "%s refused the VF token: it is not the one its open VFs "
				     "were opened with",
				     bdf);
	if (r == -EACCES && is_vf)
		return vfk_set_error(r,
				     "%s is a VF of %s, whose driver (vfio-pci) asks for a VF "
				     "token: open it with the token its PF was given "
				     "(vfk_vfio_set_vf_token())",
				     bdf, pf_bdf);
	if (r == -EACCES && vfk_device_get_sriov(dev, NULL, NULL) == 0)
		return vfk_set_error(r,
				     "%s is a PF whose VFs are open, so vfio-pci asks for their VF "
				     "token: open it with the token it was given",
				     bdf);
	if (r == -EINVAL && vf_token)
		return vfk_set_error(r,
				     "%s takes no VF token: only a VF whose PF is on vfio-pci, "
				     "or such a PF, does",
				     bdf);
	return vfk_set_error(r, "cannot get %s from IOMMU group %u: %s", bdf, id, strerror(-r));
}

int type1_attach(struct vfk_iommu *iommu, struct vfk_device *dev, const char *vf_token, int *ret_fd,
		 uint32_t *ret_devid)
{
	char name[128];
	unsigned int id;
	struct group *g;
	int r, fd;
	bool opened = false;

	r = vfk_device_get_iommu_group(dev, &id);
	if (r < 0)
		return vfk_set_error(r == -ENOENT ? -ENODEV : r,
				     "%s has no IOMMU group: the IOMMU is off or absent "
				     "(`vfiokit doctor`)",
				     vfk_device_get_bdf(dev));
	r = open_container(iommu);
	if (r < 0)
		return r;
	g = find_group(iommu, id);
	if (!g) {
		r = open_group(iommu, dev, id, &g);
		if (r < 0)
			return r;
		opened = true;
	}
	if (vf_token)
		snprintf(name, sizeof(name), "%s vf_token=%s", vfk_device_get_bdf(dev), vf_token);
	else
		snprintf(name, sizeof(name), "%s", vfk_device_get_bdf(dev));
	fd = ioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0) {
		r = get_device_fd_error(dev, id, vf_token, negative_errno());
		if (opened)
			type1_release_idle_groups(iommu);
		return r;
	}
	/* Only a group with a device counts as used; see type1_release_idle_groups(). */
	g->users++;
	*ret_fd = fd;
	*ret_devid = id;
	return 0;
}

static void close_group(struct vfk_iommu *iommu, size_t i)
{
	ioctl(iommu->groups[i].fd, VFIO_GROUP_UNSET_CONTAINER);
	close(iommu->groups[i].fd);
	memmove(&iommu->groups[i], &iommu->groups[i + 1],
		(iommu->n_groups - i - 1) * sizeof(*iommu->groups));
	iommu->n_groups--;
}

void type1_release_idle_groups(struct vfk_iommu *iommu)
{
	bool mapped = iommu->mappings.n > 0;

	for (size_t i = iommu->n_groups; i-- > 0;) {
		if (iommu->groups[i].users > 0)
			continue;
		/* The last group in the container holds the IOMMU and its mappings. */
		if (mapped && iommu->n_groups == 1)
			break;
		close_group(iommu, i);
	}
	if (iommu->n_groups == 0) {
		/* An empty container must be given its IOMMU again by the next group. */
		iova_destroy(iommu->iova);
		iommu->iova = NULL;
	} else if (iommu->backend != VFK_IOMMU_AUTO) {
		refresh_info(iommu);
	}
}

void type1_detach(struct vfk_iommu *iommu, struct vfk_device *dev)
{
	unsigned int id;
	struct group *g;

	if (!dev || vfk_device_get_iommu_group(dev, &id) < 0)
		return;
	g = find_group(iommu, id);
	if (!g || g->users == 0)
		return;
	g->users--;
	if (g->users == 0)
		type1_release_idle_groups(iommu);
}

int type1_map(struct vfk_iommu *iommu, void *vaddr, uint64_t len, uint64_t iova, unsigned int flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = len,
	};

	if (flags & VFK_DMA_TO_DEVICE)
		map.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (flags & VFK_DMA_FROM_DEVICE)
		map.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(iommu->container_fd, VFIO_IOMMU_MAP_DMA, &map) < 0)
		return negative_errno();
	return 0;
}

int type1_unmap(struct vfk_iommu *iommu, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(iommu->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		return negative_errno();
	return unmap.size == len ? 0 : -EIO;
}

void type1_close(struct vfk_iommu *iommu)
{
	while (iommu->n_groups > 0)
		close_group(iommu, iommu->n_groups - 1);
	free(iommu->groups);
	iommu->groups = NULL;
	if (iommu->container_fd >= 0)
		close(iommu->container_fd);
	iommu->container_fd = -1;
}
