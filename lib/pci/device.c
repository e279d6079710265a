// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "attr.h"
#include "device-private.h"
#include "internal.h"
#include "path.h"

enum {
	KNOWN_IDS = 1 << 0,
	KNOWN_SUBSYS = 1 << 1,
	KNOWN_CLASS = 1 << 2,
	KNOWN_REVISION = 1 << 3,
	KNOWN_NUMA = 1 << 4,
	KNOWN_PARENT = 1 << 5,
	KNOWN_PHYSFN = 1 << 6,
	KNOWN_SRIOV = 1 << 7,
	KNOWN_GROUP = 1 << 8,
	KNOWN_NAMES = 1 << 9,
};

struct vfk_device {
	int refcount;
	struct vfk_ctx *ctx;
	struct vfk_addr addr;
	char bdf[VFK_ADDR_STRLEN];
	char *syspath;
	unsigned int known;
	/* Details that listings rarely need are read on first use; see device_details(). */
	bool details_loaded;
	uint16_t vendor, device, sub_vendor, sub_device;
	uint32_t class_code;
	uint8_t revision;
	enum vfk_header_type header_type;
	int multifunction;
	int group_error;
	unsigned int group;
	int numa_node;
	int boot_vga;
	bool vfio_dev;
	char *driver;
	char *driver_override;
	char *reset_method;
	char *power_state;
	struct vfk_addr parent;
	struct vfk_addr physfn;
	unsigned int sriov_total, sriov_num;
	char *vendor_name, *device_name, *class_name;
};

static int read_hex(int dirfd, const char *name, unsigned int digits, uint32_t *ret)
{
	char buf[64];
	ssize_t n = path_read_at(dirfd, name, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return attr_parse_hex(buf, (size_t)n, digits, ret);
}

static int read_long(int dirfd, const char *name, long min, long max, long *ret)
{
	char buf[64];
	ssize_t n = path_read_at(dirfd, name, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return attr_parse_int(buf, (size_t)n, min, max, ret);
}

static char *read_word(int dirfd, const char *name)
{
	char buf[128], word[64];
	ssize_t n = path_read_at(dirfd, name, buf, sizeof(buf));

	if (n < 0 || attr_parse_word(buf, (size_t)n, word, sizeof(word)) < 0)
		return NULL;
	return strdup(word);
}

static void load_ids_from_attrs(struct vfk_device *d, int dirfd, bool ids, bool subsys,
				bool revision)
{
	uint32_t v, dv;

	if (ids && read_hex(dirfd, "vendor", 4, &v) == 0 &&
	    read_hex(dirfd, "device", 4, &dv) == 0) {
		d->vendor = (uint16_t)v;
		d->device = (uint16_t)dv;
		d->known |= KNOWN_IDS;
	}
	if (subsys && read_hex(dirfd, "subsystem_vendor", 4, &v) == 0 &&
	    read_hex(dirfd, "subsystem_device", 4, &dv) == 0) {
		d->sub_vendor = (uint16_t)v;
		d->sub_device = (uint16_t)dv;
		d->known |= KNOWN_SUBSYS;
	}
	if (revision && read_hex(dirfd, "revision", 2, &v) == 0) {
		d->revision = (uint8_t)v;
		d->known |= KNOWN_REVISION;
	}
}

/*
 * One read of config space gives the ids, revision, subsystem and header type that would
 * otherwise take six attribute files; listing thousands of functions is dominated by
 * such opens. The attributes are the fallback: a virtual function's config space reads
 * its vendor and device as ffff (the kernel takes them from the PF), a bridge keeps its
 * subsystem ids in a capability, and a short or unreadable config gives nothing. The
 * class comes from config space too, except where a kernel quirk may have changed it
 * (attr_config_class()); then from its attribute, which shows the quirk's class.
 */
static void load_ids(struct vfk_device *d, int dirfd)
{
	uint8_t cfg[0x30];
	ssize_t n = path_read_bin_at(dirfd, "config", cfg, sizeof(cfg));
	bool full = n == (ssize_t)sizeof(cfg);
	enum vfk_header_type type;
	bool mf, have_ids = false, have_subsys = false;
	uint32_t v;

	d->header_type = VFK_HEADER_UNKNOWN;
	d->multifunction = -ENODATA;
	if (n > 0 && attr_config_header_type(cfg, (size_t)n, &type, &mf) == 0) {
		d->header_type = type;
		d->multifunction = mf;
	} else if (path_exists_at(dirfd, "pci_bus") == 0) {
		/* Without config space, a function with a secondary bus can only be a bridge. */
		d->header_type = VFK_HEADER_BRIDGE;
	}
	if (full && d->multifunction != -ENODATA) {
		uint16_t vendor = (uint16_t)(cfg[0] | cfg[1] << 8);

		if (vendor != 0xffff) {
			d->vendor = vendor;
			d->device = (uint16_t)(cfg[2] | cfg[3] << 8);
			d->known |= KNOWN_IDS;
			have_ids = true;
		}
		d->revision = cfg[0x08];
		d->known |= KNOWN_REVISION;
		if (d->header_type == VFK_HEADER_NORMAL) {
			d->sub_vendor = (uint16_t)(cfg[0x2c] | cfg[0x2d] << 8);
			d->sub_device = (uint16_t)(cfg[0x2e] | cfg[0x2f] << 8);
			d->known |= KNOWN_SUBSYS;
			have_subsys = true;
		}
	}
	load_ids_from_attrs(d, dirfd, !have_ids, !have_subsys, !(d->known & KNOWN_REVISION));
	if (full && attr_config_class(cfg, (size_t)n, &v) == 0) {
		d->class_code = v;
		d->known |= KNOWN_CLASS;
	} else if (read_hex(dirfd, "class", 6, &v) == 0) {
		d->class_code = v;
		d->known |= KNOWN_CLASS;
	}
}

static void load_driver(struct vfk_device *d, int dirfd)
{
	char name[256];

	if (path_readlink_basename_at(dirfd, "driver", name, sizeof(name)) == 0 &&
	    attr_valid_driver_name(name))
		d->driver = strdup(name);
}

static void load_override(struct vfk_device *d, int dirfd)
{
	char name[256], buf[256];
	ssize_t n = path_read_at(dirfd, "driver_override", buf, sizeof(buf));

	if (n >= 0 && attr_parse_driver_override(buf, (size_t)n, name, sizeof(name)) == 0 &&
	    name[0])
		d->driver_override = strdup(name);
}

static void load_misc(struct vfk_device *d, int dirfd)
{
	char buf[256], methods[256];
	long v;
	ssize_t n;

	if (read_long(dirfd, "numa_node", -1, 65535, &v) == 0) {
		d->numa_node = (int)v;
		d->known |= KNOWN_NUMA;
	}
	d->boot_vga = -ENODATA;
	/* The kernel gives only display controllers a boot_vga attribute. */
	if ((!(d->known & KNOWN_CLASS) || d->class_code >> 16 == 0x03) &&
	    read_long(dirfd, "boot_vga", 0, 1, &v) == 0)
		d->boot_vga = (int)v;
	n = path_read_at(dirfd, "reset_method", buf, sizeof(buf));
	if (n >= 0 && attr_parse_reset_method(buf, (size_t)n, methods, sizeof(methods)) == 0)
		d->reset_method = strdup(methods);
	d->power_state = read_word(dirfd, "power_state");
}

static void load_group(struct vfk_device *d, int dirfd)
{
	char name[64];
	int r = path_readlink_basename_at(dirfd, "iommu_group", name, sizeof(name));

	if (r == -ENOENT) {
		d->group_error = -ENOENT;
		return;
	}
	if (r < 0 || attr_parse_group_number(name, &d->group) < 0) {
		d->group_error = -ENODATA;
		return;
	}
	d->group_error = 0;
}

static void load_sriov(struct vfk_device *d, int dirfd)
{
	char name[64];
	long total, num;

	if (path_readlink_basename_at(dirfd, "physfn", name, sizeof(name)) == 0 &&
	    vfk_addr_parse(name, &d->physfn, NULL) == 0)
		d->known |= KNOWN_PHYSFN;
	/* A virtual function has no SR-IOV capability of its own (PCIe), hence no
	 * sriov_* attributes: most functions of a large host are VFs. */
	if (d->known & KNOWN_PHYSFN)
		return;
	if (read_long(dirfd, "sriov_totalvfs", 0, 65535, &total) == 0 &&
	    read_long(dirfd, "sriov_numvfs", 0, 65535, &num) == 0) {
		d->sriov_total = (unsigned int)total;
		d->sriov_num = (unsigned int)num;
		d->known |= KNOWN_SRIOV;
	}
}

static void load_details(struct vfk_device *d, int dirfd)
{
	d->details_loaded = true;
	d->vfio_dev = path_exists_at(dirfd, "vfio-dev") == 0;
	load_override(d, dirfd);
	load_misc(d, dirfd);
	load_sriov(d, dirfd);
}

/* sysfs lists each function as a link into the physical hierarchy; the parent bridge
 * is the previous path component when that is an address too. */
static int load_syspath(struct vfk_ctx *ctx, struct vfk_device *d, int busfd)
{
	char link[PATH_MAX], path[PATH_MAX], full[PATH_MAX + 2];
	struct vfk_addr parent;
	char *slash;
	unsigned int flags;
	ssize_t n;

	if (busfd >= 0) {
		n = path_readlink_at(busfd, d->bdf, link, sizeof(link));
	} else {
		snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s", d->bdf);
		n = path_readlink(ctx, path, link, sizeof(link));
	}
	if (n >= 0) {
		if (path_join_normalize(SYS_PCI_DEVICES, link, path, sizeof(path)) < 0)
			return -ENAMETOOLONG;
	} else if (n != -EINVAL) {
		return (int)n;
	}
	snprintf(full, sizeof(full), "/%s", path);
	d->syspath = strdup(full);
	if (!d->syspath)
		return -ENOMEM;

	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		slash = strrchr(path, '/');
		if (slash && vfk_addr_parse(slash + 1, &parent, &flags) == 0 &&
		    (flags & VFK_ADDR_HAS_DOMAIN)) {
			d->parent = parent;
			d->known |= KNOWN_PARENT;
		}
	}
	return 0;
}

/*
 * @busfd and @devfd: SYS_PCI_DEVICES and SYS_DEVICES opened by a caller that loads many
 * devices, or -1. With them the device's directory is opened from its resolved path
 * below sys/devices, which walks a few components instead of the bus link and the whole
 * physical path again; listing thousands of functions is dominated by such walks.
 *
 * The device holds no reference on @ctx until vfk_device_adopt(): listings read devices
 * on several threads at once, and the context's count is not atomic.
 */
int vfk_device_read(struct vfk_ctx *ctx, int busfd, int devfd, const struct vfk_addr *addr,
		    struct vfk_device **ret)
{
	struct vfk_device *d;
	_cleanup_close_ int dirfd = -1;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->refcount = 1;
	d->addr = *addr;
	vfk_addr_format(addr, d->bdf);

	r = load_syspath(ctx, d, busfd);
	if (r < 0) {
		r = r == -ENOENT || r == -ENOTDIR ? -ENODEV : r;
		goto fail;
	}
	if (devfd >= 0 && startswith(d->syspath, "/" SYS_DEVICES "/"))
		dirfd = path_open_beneath(devfd, d->syspath + strlen("/" SYS_DEVICES "/"),
					  O_PATH | O_DIRECTORY);
	if (dirfd < 0)
		dirfd = path_openf(ctx, O_PATH | O_DIRECTORY, SYS_PCI_DEVICES "/%s", d->bdf);
	if (dirfd < 0) {
		r = dirfd == -ENOENT || dirfd == -ENOTDIR ? -ENODEV : dirfd;
		goto fail;
	}
	load_ids(d, dirfd);
	load_driver(d, dirfd);
	load_group(d, dirfd);
	d->boot_vga = -ENODATA;
	if (ctx_eager_details(ctx))
		load_details(d, dirfd);
	*ret = d;
	return 0;
fail:
	vfk_device_unref(d);
	return r;
}

void vfk_device_adopt(struct vfk_device *dev, struct vfk_ctx *ctx)
{
	dev->ctx = vfk_ctx_ref(ctx);
}

int vfk_device_load(struct vfk_ctx *ctx, const struct vfk_addr *addr, struct vfk_device **ret)
{
	int r = vfk_device_read(ctx, -1, -1, addr, ret);

	if (r == 0)
		vfk_device_adopt(*ret, ctx);
	return r;
}

VFK_EXPORT int vfk_device_new(struct vfk_ctx *ctx, const struct vfk_addr *addr,
			      struct vfk_device **ret)
{
	assert_return(ctx && addr && ret, -EINVAL);
	return vfk_device_load(ctx, addr, ret);
}

/* The PCI function a class device's sysfs link leads to: the last full address among the
 * target's components ("../../devices/pci0000:00/0000:00:1c.0/0000:04:00.0/net/enp4s0"). */
static int class_device_addr(struct vfk_ctx *ctx, const char *class, const char *name,
			     struct vfk_addr *ret)
{
	char path[PATH_MAX], target[PATH_MAX], *save = NULL;
	bool found = false;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", class, name);
	n = path_readlink(ctx, path, target, sizeof(target));
	if (n < 0)
		return (int)n;
	for (char *c = strtok_r(target, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct vfk_addr a;
		unsigned int flags;

		if (vfk_addr_parse(c, &a, &flags) == 0 && (flags & VFK_ADDR_HAS_DOMAIN)) {
			*ret = a;
			found = true;
		}
	}
	return found ? 0 : -ENXIO;
}

/* A network interface, block device or DRM card by the name people know it by. */
static int device_from_name(struct vfk_ctx *ctx, const char *s, struct vfk_device **ret)
{
	static const char *const any[] = {SYS_CLASS_NET, SYS_CLASS_BLOCK, SYS_CLASS_DRM, NULL};
	static const char *const block[] = {SYS_CLASS_BLOCK, NULL};
	static const char *const drm[] = {SYS_CLASS_DRM, NULL};
	const char *const *classes = any;
	const char *name = s;
	struct vfk_addr addr;
	int r = -EINVAL;

	if (startswith(s, "/dev/dri/")) {
		name = s + strlen("/dev/dri/");
		classes = drm;
	} else if (startswith(s, "/dev/")) {
		name = s + strlen("/dev/");
		classes = block;
	}
	if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, "..") ||
	    strlen(name) > NAME_MAX)
		return -EINVAL;
	for (; *classes; classes++) {
		r = class_device_addr(ctx, *classes, name, &addr);
		if (r == 0)
			return vfk_device_load(ctx, &addr, ret);
		if (r != -ENOENT)
			return r;
	}
	/* A /dev path names a device that is not there; anything else was no name at all. */
	return s[0] == '/' ? -ENODEV : -EINVAL;
}

VFK_EXPORT int vfk_device_new_from_string(struct vfk_ctx *ctx, const char *s,
					  struct vfk_device **ret)
{
	struct vfk_addr addr, found = {0};
	struct dirent *de;
	unsigned int flags, matches = 0;
	DIR *dir;
	int r;

	assert_return(ctx && s && ret, -EINVAL);
	r = vfk_addr_parse(s, &addr, &flags);
	if (r == -EINVAL)
		return device_from_name(ctx, s, ret);
	if (r < 0)
		return r;
	if (flags & VFK_ADDR_HAS_DOMAIN)
		return vfk_device_load(ctx, &addr, ret);

	/* A short address is expanded only when it names one function in one domain. */
	r = path_opendir(ctx, SYS_PCI_DEVICES, &dir);
	if (r < 0)
		return r == -ENOENT ? -ENODEV : r;
	while ((de = readdir(dir))) {
		struct vfk_addr a;

		if (vfk_addr_parse(de->d_name, &a, &flags) < 0 || !(flags & VFK_ADDR_HAS_DOMAIN))
			continue;
		if (a.bus == addr.bus && a.dev == addr.dev && a.fn == addr.fn) {
			found = a;
			matches++;
		}
	}
	closedir(dir);
	if (matches == 0)
		return -ENODEV;
	if (matches > 1)
		return -ENOTUNIQ;
	return vfk_device_load(ctx, &found, ret);
}

VFK_EXPORT struct vfk_device *vfk_device_ref(struct vfk_device *dev)
{
	if (dev)
		dev->refcount++;
	return dev;
}

VFK_EXPORT struct vfk_device *vfk_device_unref(struct vfk_device *dev)
{
	if (!dev || --dev->refcount > 0)
		return NULL;
	free(dev->syspath);
	free(dev->driver);
	free(dev->driver_override);
	free(dev->reset_method);
	free(dev->power_state);
	free(dev->vendor_name);
	free(dev->device_name);
	free(dev->class_name);
	vfk_ctx_unref(dev->ctx);
	free(dev);
	return NULL;
}

/*
 * The attributes that a listing of groups does not show (driver_override, NUMA node,
 * boot_vga, reset methods, power state, SR-IOV links and counts, vfio-dev) are read the first time
 * one of them is asked for, through the device's directory opened again from its sysfs
 * path, so no descriptor is held per device. The getters stay const for callers: the
 * object caches what it read. A device that vanished in between reports them unknown.
 */
static struct vfk_device *device_details(const struct vfk_device *cdev)
{
	struct vfk_device *d = (struct vfk_device *)cdev;
	_cleanup_close_ int dirfd = -1;
	int devfd;

	if (d->details_loaded)
		return d;
	/* Once only, also when the directory has gone: the details stay unknown. */
	d->details_loaded = true;
	/* From sys/devices, kept open by the context: a listing walks only the components
	 * below it for each device, not the whole path from the root. */
	devfd = path_cached_dir(d->ctx, PATH_DIR_DEVICES);
	if (devfd >= 0 && startswith(d->syspath, "/" SYS_DEVICES "/"))
		dirfd = path_open_beneath(devfd, d->syspath + strlen("/" SYS_DEVICES "/"),
					  O_PATH | O_DIRECTORY);
	if (dirfd < 0)
		dirfd = path_open(d->ctx, d->syspath, O_PATH | O_DIRECTORY);
	if (dirfd >= 0)
		load_details(d, dirfd);
	return d;
}

VFK_EXPORT const struct vfk_addr *vfk_device_get_addr(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return &dev->addr;
}

VFK_EXPORT const char *vfk_device_get_bdf(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return dev->bdf;
}

struct vfk_ctx *vfk_device_get_ctx(const struct vfk_device *dev)
{
	return dev->ctx;
}

VFK_EXPORT const char *vfk_device_get_syspath(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return dev->syspath;
}

VFK_EXPORT int vfk_device_get_ids(const struct vfk_device *dev, uint16_t *ret_vendor,
				  uint16_t *ret_device)
{
	assert_return(dev, -EINVAL);
	if (!(dev->known & KNOWN_IDS))
		return -ENODATA;
	if (ret_vendor)
		*ret_vendor = dev->vendor;
	if (ret_device)
		*ret_device = dev->device;
	return 0;
}

VFK_EXPORT int vfk_device_get_subsystem_ids(const struct vfk_device *dev, uint16_t *ret_vendor,
					    uint16_t *ret_device)
{
	assert_return(dev, -EINVAL);
	if (!(dev->known & KNOWN_SUBSYS))
		return -ENODATA;
	if (ret_vendor)
		*ret_vendor = dev->sub_vendor;
	if (ret_device)
		*ret_device = dev->sub_device;
	return 0;
}

VFK_EXPORT int vfk_device_get_class(const struct vfk_device *dev, uint32_t *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (!(dev->known & KNOWN_CLASS))
		return -ENODATA;
	*ret = dev->class_code;
	return 0;
}

VFK_EXPORT int vfk_device_get_revision(const struct vfk_device *dev, uint8_t *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (!(dev->known & KNOWN_REVISION))
		return -ENODATA;
	*ret = dev->revision;
	return 0;
}

VFK_EXPORT enum vfk_header_type vfk_device_get_header_type(const struct vfk_device *dev)
{
	assert_return(dev, VFK_HEADER_UNKNOWN);
	return dev->header_type;
}

VFK_EXPORT int vfk_device_is_multifunction(const struct vfk_device *dev)
{
	assert_return(dev, -EINVAL);
	return dev->multifunction;
}

VFK_EXPORT const char *vfk_device_get_driver(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return dev->driver;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && streq(s + a - b, suffix);
}

VFK_EXPORT bool vfk_device_is_vfio_bound(const struct vfk_device *dev)
{
	assert_return(dev, false);
	if (!dev->driver)
		return false;
	return endswith(dev->driver, "vfio-pci") || endswith(dev->driver, "vfio_pci") ||
	       device_details(dev)->vfio_dev;
}

VFK_EXPORT const char *vfk_device_get_driver_override(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return device_details(dev)->driver_override;
}

VFK_EXPORT int vfk_device_get_numa_node(const struct vfk_device *dev, int *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (!(device_details(dev)->known & KNOWN_NUMA))
		return -ENODATA;
	*ret = dev->numa_node;
	return 0;
}

VFK_EXPORT int vfk_device_is_boot_vga(const struct vfk_device *dev)
{
	assert_return(dev, -EINVAL);
	return device_details(dev)->boot_vga;
}

VFK_EXPORT const char *vfk_device_get_reset_methods(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return device_details(dev)->reset_method;
}

VFK_EXPORT const char *vfk_device_get_power_state(const struct vfk_device *dev)
{
	assert_return(dev, NULL);
	return device_details(dev)->power_state;
}

VFK_EXPORT int vfk_device_get_iommu_group(const struct vfk_device *dev, unsigned int *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (dev->group_error < 0)
		return dev->group_error;
	*ret = dev->group;
	return 0;
}

VFK_EXPORT int vfk_device_get_parent_addr(const struct vfk_device *dev, struct vfk_addr *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (!(dev->known & KNOWN_PARENT))
		return -ENOENT;
	*ret = dev->parent;
	return 0;
}

VFK_EXPORT int vfk_device_get_physfn(const struct vfk_device *dev, struct vfk_addr *ret)
{
	assert_return(dev && ret, -EINVAL);
	if (!(device_details(dev)->known & KNOWN_PHYSFN))
		return -ENOENT;
	*ret = dev->physfn;
	return 0;
}

VFK_EXPORT int vfk_device_get_sriov(const struct vfk_device *dev, unsigned int *ret_total,
				    unsigned int *ret_num)
{
	assert_return(dev, -EINVAL);
	if (!(device_details(dev)->known & KNOWN_SRIOV))
		return -ENOENT;
	if (ret_total)
		*ret_total = dev->sriov_total;
	if (ret_num)
		*ret_num = dev->sriov_num;
	return 0;
}

static void load_names(struct vfk_device *d)
{
	char buf[256];

	d->known |= KNOWN_NAMES;
	if (d->known & KNOWN_IDS) {
		if (vfk_names_lookup(d->ctx, PCI_LOOKUP_VENDOR, buf, sizeof(buf), d->vendor, 0) ==
		    0)
			d->vendor_name = strdup(buf);
		if (vfk_names_lookup(d->ctx, PCI_LOOKUP_DEVICE, buf, sizeof(buf), d->vendor,
				     d->device) == 0)
			d->device_name = strdup(buf);
	}
	if (d->known & KNOWN_CLASS) {
		/* Subclass first ("VGA compatible controller"), then the base class. */
		if (vfk_names_lookup(d->ctx, PCI_LOOKUP_CLASS, buf, sizeof(buf), d->class_code >> 8,
				     0) == 0 ||
		    vfk_names_lookup(d->ctx, PCI_LOOKUP_CLASS, buf, sizeof(buf),
				     d->class_code >> 16 << 8, 0) == 0)
			d->class_name = strdup(buf);
	}
}

VFK_EXPORT const char *vfk_device_get_vendor_name(struct vfk_device *dev)
{
	assert_return(dev, NULL);
	if (!(dev->known & KNOWN_NAMES))
		load_names(dev);
	return dev->vendor_name;
}

VFK_EXPORT const char *vfk_device_get_device_name(struct vfk_device *dev)
{
	assert_return(dev, NULL);
	if (!(dev->known & KNOWN_NAMES))
		load_names(dev);
	return dev->device_name;
}

VFK_EXPORT const char *vfk_device_get_class_name(struct vfk_device *dev)
{
	assert_return(dev, NULL);
	if (!(dev->known & KNOWN_NAMES))
		load_names(dev);
	return dev->class_name;
}

static int cmp_device(const void *a, const void *b)
{
	const struct vfk_device *x = *(struct vfk_device *const *)a;
	const struct vfk_device *y = *(struct vfk_device *const *)b;

	return vfk_addr_cmp(&x->addr, &y->addr);
}

void vfk_device_list_sort(struct vfk_device **list, size_t n)
{
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_device);
}

int vfk_device_list_append(struct vfk_device ***list, size_t *n, size_t *cap,
			   struct vfk_device *dev)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct vfk_device **p = realloc(*list, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*list = p;
		*cap = c;
	}
	(*list)[(*n)++] = dev;
	return 0;
}

VFK_EXPORT void vfk_device_list_free(struct vfk_device **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vfk_device_unref(list[i]);
	free(list);
}
