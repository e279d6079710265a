// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libkmod.h>

#include "doctor.h"
#include "path.h"

static int report_module(struct host *h, struct vfk_report *r, const char *id, const char *name,
			 enum module_state st, const char *file, bool have_moddir)
{
	switch (st) {
	case MODULE_LOADED:
		return report_add(r, id, VFK_CHECK_OK, NULL, "%s is loaded", name);
	case MODULE_BUILTIN:
		return report_add(r, id, VFK_CHECK_OK, NULL, "%s is built into the kernel", name);
	case MODULE_LOADABLE:
		return report_add(r, id, VFK_CHECK_OK, NULL,
				  "%s is not loaded; loadable from %s (binding loads it)", name,
				  *file ? file : "the module directory");
	case MODULE_MISSING:
		break;
	}
	if (*h->kmod_link)
		return report_add(r, id, VFK_CHECK_WARN,
				  "Copy the module directory into the tree instead of linking its "
				  "files.",
				  "%s is not loaded, and whether it can be is unknown: %s is a "
				  "symbolic link, which is not followed in a tree given by --root "
				  "(it could lead out of it)",
				  name, h->kmod_link);
	if (!have_moddir)
		return report_add(r, id, VFK_CHECK_WARN,
				  "Install the modules of the running kernel, or boot the kernel "
				  "whose modules are installed.",
				  "%s is not loaded and /%s/%s is missing, so it cannot be loaded",
				  name, LIB_MODULES, *h->osrelease ? h->osrelease : "<release>");
	return report_add(r, id, VFK_CHECK_FAIL,
			  "Boot a kernel built with CONFIG_VFIO, CONFIG_VFIO_PCI and "
			  "CONFIG_VFIO_IOMMU_TYPE1 (every major distribution's kernel is).",
			  "%s is neither loaded, built in, nor in /%s/%s", name, LIB_MODULES,
			  h->osrelease);
}

int check_modules(struct host *h, struct vfk_report *r)
{
	static const struct {
		const char *id, *name;
		size_t offset;
	} mods[] = {
		{"module.vfio", "vfio", offsetof(struct host, mod_vfio)},
		{"module.vfio_pci", "vfio_pci", offsetof(struct host, mod_vfio_pci)},
		{"module.vfio_iommu_type1", "vfio_iommu_type1", offsetof(struct host, mod_type1)},
	};
	struct kmod_ctx *k = host_kmod_open(h);
	char dir[PATH_MAX], file[PATH_MAX];
	bool have_moddir;
	int err = 0;

	snprintf(dir, sizeof(dir), LIB_MODULES "/%s/modules.dep.bin", h->osrelease);
	have_moddir = *h->osrelease && path_exists(h->ctx, dir) == 0;
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(mods); i++) {
		enum module_state *st = (enum module_state *)((char *)h + mods[i].offset);

		*st = host_module_state(h, k, mods[i].name, file, sizeof(file));
		err = report_module(h, r, mods[i].id, mods[i].name, *st, file, have_moddir);
	}
	h->mod_iommufd = host_module_state(h, k, "iommufd", file, sizeof(file));
	kmod_unref(k);
	return err;
}

static unsigned int count_group_nodes(struct host *h)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	if (path_opendir(h->ctx, DEV_VFIO, &d) < 0)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static int check_iommufd(struct host *h, struct vfk_report *r)
{
	bool dev_iommu = path_exists(h->ctx, DEV_IOMMU) == 0;
	bool cdev = path_exists(h->ctx, DEV_VFIO_DEVICES) == 0 || h->kconfig_vfio_cdev;

	if (dev_iommu)
		return report_add(r, "iommufd", VFK_CHECK_OK, NULL, "available: /%s present%s",
				  DEV_IOMMU,
				  cdev ? ", and vfio device files (/dev/vfio/devices/vfioN) are "
					 "built"
				       : "");
	if (h->mod_iommufd == MODULE_LOADABLE && (!h->kconfig_read || h->kconfig_vfio_cdev))
		return report_add(r, "iommufd", VFK_CHECK_OK, NULL,
				  "available: the iommufd module is loadable (/%s appears when "
				  "it loads)",
				  DEV_IOMMU);
	return report_add(r, "iommufd", VFK_CHECK_SKIP, NULL,
			  "not available: no /%s%s; the type1 container (/%s) is used instead",
			  DEV_IOMMU,
			  h->mod_iommufd == MODULE_MISSING ? " and no iommufd module"
			  : h->kconfig_read && !h->kconfig_vfio_cdev
				  ? " and CONFIG_VFIO_DEVICE_CDEV is not set"
				  : "",
			  DEV_VFIO_CONTAINER);
}

int check_device_nodes(struct host *h, struct vfk_report *r)
{
	unsigned int groups = count_group_nodes(h);
	int err;

	if (path_exists(h->ctx, DEV_VFIO_CONTAINER) == 0)
		err = report_add(r, "dev.vfio", VFK_CHECK_OK, NULL,
				 "/%s present, %u group node%s in /%s", DEV_VFIO_CONTAINER, groups,
				 groups == 1 ? "" : "s", DEV_VFIO);
	else if (h->mod_vfio == MODULE_MISSING)
		err = report_add(r, "dev.vfio", VFK_CHECK_SKIP, NULL,
				 "no /%s: vfio is missing (see module.vfio)", DEV_VFIO_CONTAINER);
	else if (h->mod_vfio == MODULE_LOADABLE)
		err = report_add(r, "dev.vfio", VFK_CHECK_OK, NULL,
				 "/%s appears when vfio is loaded", DEV_VFIO_CONTAINER);
	else if (path_exists(h->ctx, DEV_IOMMU) == 0)
		err = report_add(r, "dev.vfio", VFK_CHECK_OK, NULL,
				 "no /%s (kernel without the vfio container); /%s serves instead",
				 DEV_VFIO_CONTAINER, DEV_IOMMU);
	else
		err = report_add(
			r, "dev.vfio", VFK_CHECK_FAIL,
			"Mount devtmpfs on /dev (mount -t devtmpfs devtmpfs /dev) or check "
			"that udev runs.",
			"vfio is loaded but /%s is missing", DEV_VFIO_CONTAINER);
	return err < 0 ? err : check_iommufd(h, r);
}
