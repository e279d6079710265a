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

_printf_(6, 0) static void kmod_log(void *data, int priority, const char *file, int line,
				    const char *fn, const char *format, va_list args)
{
	struct vfk_ctx *ctx = data;
	char msg[512];

	/* libkmod prints to stderr unless told otherwise; the library never prints. */
	if (vfk_ctx_get_log_priority(ctx) < LOG_DEBUG)
		return;
	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = '\0';
	vfk_log(ctx, LOG_DEBUG, file, line, fn, "libkmod: %s", msg);
}

/*
 * libkmod takes directory names, not fds, so the module directory and modprobe.d are
 * named by the root's path. Its own initstate lookup would read the running system's
 * /sys/module, so the loaded state comes from the path layer instead.
 */
struct kmod_ctx *host_kmod_open(struct host *h)
{
	const char *root = streq(vfk_ctx_get_root(h->ctx), "/") ? "" : vfk_ctx_get_root(h->ctx);
	char dir[PATH_MAX], c1[PATH_MAX], c2[PATH_MAX], c3[PATH_MAX];
	const char *config[] = {c1, c2, c3, NULL};
	struct kmod_ctx *k;

	if (!*h->osrelease)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/" LIB_MODULES "/%s", root, h->osrelease);
	snprintf(c1, sizeof(c1), "%s/" ETC_MODPROBE_D, root);
	snprintf(c2, sizeof(c2), "%s/" RUN_MODPROBE_D, root);
	snprintf(c3, sizeof(c3), "%s/" LIB_MODPROBE_D, root);
	k = kmod_new(dir, config);
	if (k)
		kmod_set_log_fn(k, kmod_log, h->ctx);
	return k;
}

enum module_state host_module_state(struct host *h, struct kmod_ctx *k, const char *name,
				    char *path, size_t size)
{
	struct kmod_module *mod = NULL;
	char p[PATH_MAX], buf[32];
	enum module_state st = MODULE_MISSING;

	path[0] = '\0';
	snprintf(p, sizeof(p), SYS_MODULE "/%s/initstate", name);
	if (path_read(h->ctx, p, buf, sizeof(buf)) > 0)
		return startswith(buf, "live") || startswith(buf, "coming") ? MODULE_LOADED
									    : MODULE_LOADABLE;
	if (k && kmod_module_new_from_name_lookup(k, name, &mod) >= 0 && mod) {
		const char *file = kmod_module_get_path(mod);

		if (file) {
			const char *root = vfk_ctx_get_root(h->ctx);
			size_t rl = strlen(root);

			/* Show the path as the host sees it, without the root prefix. */
			if (!streq(root, "/") && strncmp(file, root, rl) == 0)
				file += rl;
			snprintf(path, size, "%s", file);
			st = MODULE_LOADABLE;
		} else {
			st = MODULE_BUILTIN;
		}
		kmod_module_unref(mod);
		return st;
	}
	/* Built-in code with parameters shows up in /sys/module without an initstate. */
	snprintf(p, sizeof(p), SYS_MODULE "/%s", name);
	if (path_exists(h->ctx, p) == 0)
		return MODULE_BUILTIN;
	return MODULE_MISSING;
}

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
