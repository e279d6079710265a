// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"
#include <vfiokit/snapshot.h>
#include "host/kmsg.h"
#include "path.h"
#include "strv.h"

/* Attributes of a PCI device directory that are copied; everything else is left alone.
 * Reading resource*, rom or vpd touches the device (vpd can hang a broken one). */
static const char *const device_files[] = {
	"vendor",
	"device",
	"subsystem_vendor",
	"subsystem_device",
	"class",
	"revision",
	"config",
	"driver_override",
	"numa_node",
	"boot_vga",
	"reset_method",
	"power_state",
	"sriov_totalvfs",
	"sriov_numvfs",
	"sriov_drivers_autoprobe",
	"enable",
	"irq",
	"modalias",
	"local_cpulist",
	"current_link_speed",
	"current_link_width",
	"max_link_speed",
	"max_link_width",
	"d3cold_allowed",
	"resource",
};
static const char *const device_links[] = {"driver", "iommu_group", "iommu", "physfn", "subsystem"};
static const char *const device_dirs[] = {"pci_bus", "vfio-dev"};

static const char *const modules[] = {"vfio",	 "vfio_pci", "vfio_pci_core", "vfio_iommu_type1",
				      "iommufd", "kvm",	     "kvm_intel",     "kvm_amd"};

static const char *const host_files[] = {
	PROC_CMDLINE,
	PROC_CPUINFO,
	PROC_INTERRUPTS,
	PROC_MEMINFO,
	PROC_MODULES,
	PROC_SELF_LIMITS,
	PROC_SELF_MOUNTINFO,
	PROC_SWAPS,
	PROC_IOMEM,
	PROC_NET_ROUTE,
	PROC_NET_IPV6_ROUTE,
	PROC_OSRELEASE,
	ETC_OS_RELEASE,
	USR_LIB_OS_RELEASE,
	ETC_DEFAULT_GRUB,
	ETC_KERNEL_CMDLINE,
	KERNELSTUB_CONFIG,
	SYS_ACPI_TABLES "/DMAR",
	SYS_ACPI_TABLES "/IVRS",
};
/* Only their existence matters. */
static const char *const host_markers[] = {
	DEV_KVM,	DEV_IOMMU,	 DEV_VFIO_CONTAINER, KERNELSTUB_BIN,  GRUBBY_BIN,
	GRUBBY_BIN_ALT, UPDATE_GRUB_BIN, GRUB2_MKCONFIG_BIN, OVMF_CODE_PATHS,
};
static const char *const host_dirs[] = {ETC_MODPROBE_D,	    RUN_MODPROBE_D,
					LIB_MODPROBE_D,	    BOOT_LOADER_ENTRIES,
					EFI_LOADER_ENTRIES, QEMU_FIRMWARE_DIRS};
static const char *const module_indexes[] = {
	"modules.dep",
	"modules.dep.bin",
	"modules.alias.bin",
	"modules.builtin",
	"modules.builtin.bin",
	"modules.builtin.alias.bin",
	"modules.builtin.modinfo",
	"modules.softdep",
	"modules.symbols.bin",
};

#define FILE_MAX (8u << 20)

/* "a/b" into @buf; an empty string when it does not fit, which no lookup will find. */
static int join(char *buf, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb + 1 > size) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(buf, a, la);
	buf[la] = '/';
	memcpy(buf + la + 1, b, lb + 1);
	return 0;
}

struct snap {
	struct vfk_ctx *ctx;
	int dfd;
	unsigned int n_files;
	struct json_object *unreadable;
	struct json_object *skipped;
};

/* Opens (creating) the directories of @rel below the destination, never following a
 * link; returns the parent's fd and points *base at the last component. */
static int dst_parent(struct snap *s, const char *rel, const char **base)
{
	char buf[PATH_MAX];
	int fd = dup(s->dfd);
	char *p, *slash;

	if (fd < 0)
		return negative_errno();
	if (strlen(rel) >= sizeof(buf)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	strcpy(buf, rel);
	for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
		int next;

		*slash = '\0';
		if (*p) {
			if (mkdirat(fd, p, 0700) == 0)
				s->n_files++;
			else if (errno != EEXIST) {
				int r = negative_errno();

				close(fd);
				return r;
			}
			next = openat(fd, p, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH);
			close(fd);
			if (next < 0)
				return negative_errno();
			fd = next;
		}
	}
	*base = rel + (p - buf);
	return fd;
}

static int dst_mkdir(struct snap *s, const char *rel)
{
	char path[PATH_MAX];

	/* A trailing component makes dst_parent() create every directory of @rel. */
	join(path, sizeof(path), rel, "x");
	{
		const char *base;
		int fd = dst_parent(s, path, &base);

		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

static int dst_write(struct snap *s, const char *rel, const void *data, size_t len)
{
	const char *base;
	_cleanup_close_ int dir = dst_parent(s, rel, &base);
	_cleanup_close_ int fd = -1;
	const char *p = data;

	if (dir < 0)
		return dir;
	/* The kernel log and configuration space are not for every user of the machine. */
	fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : negative_errno();
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += n;
		len -= (size_t)n;
	}
	s->n_files++;
	return 0;
}

static int dst_symlink(struct snap *s, const char *rel, const char *target)
{
	const char *base;
	_cleanup_close_ int dir = dst_parent(s, rel, &base);

	if (dir < 0)
		return dir;
	if (symlinkat(target, dir, base) < 0)
		return errno == EEXIST ? 0 : negative_errno();
	s->n_files++;
	return 0;
}

static int note_unreadable(struct snap *s, const char *rel, int err)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "path", json_object_new_string(rel));
	json_object_object_add(o, "error", json_object_new_string(strerror(-err)));
	json_object_array_add(s->unreadable, o);
	return 0;
}

static int note_skipped(struct snap *s, const char *rel, const char *why)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "path", json_object_new_string(rel));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_array_add(s->skipped, o);
	return 0;
}

/*
 * Reads a whole regular file. O_NONBLOCK and the type check keep a FIFO or device node in
 * a captured tree from blocking the capture; with @nofollow, an attribute that is a link
 * (never the case in sysfs) is not read, so an allow-listed name cannot lead to a BAR.
 */
static ssize_t read_regular(struct snap *s, const char *rel, bool nofollow, char **ret)
{
	_cleanup_close_ int fd =
		path_open(s->ctx, rel, O_RDONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *p;

			if (cap > FILE_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 8192;
			p = realloc(buf, cap + 1);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > FILE_MAX)
		return -EFBIG;
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return (ssize_t)len;
}

/* Copies a regular file; absent ones are skipped, unreadable ones noted and kept empty so
 * their existence survives (a DMAR table that only root may read still exists). Host
 * files may be links (etc/os-release usually is); sysfs attributes never are. */
static int copy_file_at(struct snap *s, const char *rel, bool nofollow)
{
	_cleanup_free_ char *data = NULL;
	ssize_t n;
	int err;

	n = read_regular(s, rel, nofollow, &data);
	if (n == -ENOENT || n == -ENOTDIR || n == -EISDIR)
		return 0;
	if (n == -ELOOP)
		return note_skipped(s, rel, "a link where a file is expected");
	if (n < 0) {
		err = note_unreadable(s, rel, (int)n);
		return err < 0 ? err : dst_write(s, rel, "", 0);
	}
	return dst_write(s, rel, data, (size_t)n);
}

static int copy_file(struct snap *s, const char *rel)
{
	return copy_file_at(s, rel, false);
}

static int copy_attr(struct snap *s, const char *rel)
{
	return copy_file_at(s, rel, true);
}

/*
 * Whether a link at @rel with @target resolves inside the tree wherever the tree is put:
 * relative, first climbing no higher than the tree's top, then only descending. That is
 * the shape of every sysfs link ("../../../bus/pci/drivers/e1000e"). Each link's
 * directory is a real directory of the copy, so no chain of such links leaves it either.
 */
static bool link_stays_inside(const char *rel, const char *target)
{
	size_t depth = 0, ups = 0;
	bool descending = false;

	if (target[0] == '/')
		return false;
	for (const char *p = rel; (p = strchr(p, '/')); p++)
		depth++;
	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (descending)
				return false;
			ups++;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			descending = true;
		}
		p += n;
		p += strspn(p, "/");
	}
	return descending && ups <= depth;
}

/* Copies the link @rel; 1 with its target in @target, 0 when absent or left out. */
static int copy_link_target(struct snap *s, const char *rel, char *target, size_t size)
{
	ssize_t n = path_readlink(s->ctx, rel, target, size);
	int err;

	if (n == -ENOENT || n == -EINVAL)
		return 0;
	if (n < 0)
		return (int)n;
	if (!link_stays_inside(rel, target))
		return note_skipped(s, rel, "link target leaves the tree");
	err = dst_symlink(s, rel, target);
	return err < 0 ? err : 1;
}

static int copy_link(struct snap *s, const char *rel)
{
	char target[PATH_MAX];
	int err = copy_link_target(s, rel, target, sizeof(target));

	return err < 0 ? err : 0;
}

static int mark(struct snap *s, const char *rel)
{
	return path_exists(s->ctx, rel) == 0 ? dst_write(s, rel, "", 0) : 0;
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(name, list[i]))
			return true;
	return false;
}

/* Names of the entries of @rel (NULL-terminated array of malloc'd strings in *ret). */
static int list_dir(struct snap *s, const char *rel, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int err = path_opendir(s->ctx, rel, &d);

	if (err < 0)
		return err;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		err = strv_push(&names, &n, strdup(de->d_name));
		if (err < 0) {
			strv_free(names);
			closedir(d);
			return err;
		}
	}
	closedir(d);
	*ret = names;
	*ret_n = n;
	return 0;
}

static bool is_link(struct snap *s, const char *rel)
{
	char buf[8];

	return path_readlink(s->ctx, rel, buf, sizeof(buf)) >= 0 ||
	       path_readlink(s->ctx, rel, buf, sizeof(buf)) == -ENAMETOOLONG;
}

/* Directories below a function that plan never needs and that hold many entries. */
static const char *const child_skip[] = {"power",      "queue",	   "mq",     "trace", "integrity",
					 "statistics", "msi_irqs", "slaves", "bdi"};

/*
 * What the host uses below a function: the net, block, drm and sound devices that plan
 * looks for. Only their names, "subsystem" links, "dev" numbers, holders and a network
 * interface's master and upper links are copied, with sys/class/net's link for it.
 */
static int copy_children(struct snap *s, const char *dir, unsigned int depth)
{
	char **names = NULL;
	size_t n = 0;
	int err;

	if (depth > 9 || list_dir(s, dir, &names, &n) < 0)
		return 0;
	err = dst_mkdir(s, dir);
	for (size_t i = 0; err >= 0 && i < n; i++) {
		const char *name = names[i];
		char path[PATH_MAX];
		struct vfk_addr a;

		join(path, sizeof(path), dir, name);
		if (streq(name, "subsystem") || streq(name, "master") ||
		    startswith(name, "upper_")) {
			err = copy_link(s, path);
			if (err >= 0 && streq(name, "subsystem")) {
				char target[PATH_MAX], net[PATH_MAX];
				const char *base = strrchr(dir, '/');
				ssize_t k = path_readlink(s->ctx, path, target, sizeof(target));
				const char *tb = k > 0 ? strrchr(target, '/') : NULL;

				tb = tb ? tb + 1 : k > 0 ? target : "";
				if (base && streq(tb, "net")) {
					join(net, sizeof(net), SYS_CLASS_NET, base + 1);
					err = copy_link(s, net);
				}
			}
		} else if (streq(name, "dev") || streq(name, "name")) {
			err = copy_attr(s, path);
		} else if (streq(name, "holders")) {
			char **h = NULL;
			size_t nh = 0;

			err = dst_mkdir(s, path);
			if (err >= 0 && list_dir(s, path, &h, &nh) >= 0) {
				for (size_t k = 0; err >= 0 && k < nh; k++) {
					char p2[PATH_MAX];

					join(p2, sizeof(p2), path, h[k]);
					err = copy_link(s, p2);
				}
				strv_free(h);
			}
		} else if (!is_link(s, path) && vfk_addr_parse(name, &a, NULL) < 0 &&
			   !in_list(name, child_skip, ARRAY_SIZE(child_skip))) {
			err = copy_children(s, path, depth + 1);
		}
	}
	strv_free(names);
	return err;
}

static int copy_device(struct snap *s, const char *dev)
{
	char **names = NULL, path[PATH_MAX];
	size_t n = 0;
	int err = list_dir(s, dev, &names, &n);

	if (err < 0)
		return err == -ENOENT ? 0 : err;
	err = dst_mkdir(s, dev);
	for (size_t i = 0; err >= 0 && i < n; i++) {
		const char *name = names[i];

		join(path, sizeof(path), dev, name);
		if (in_list(name, device_links, ARRAY_SIZE(device_links)) ||
		    startswith(name, "virtfn"))
			err = copy_link(s, path);
		else if (in_list(name, device_files, ARRAY_SIZE(device_files)))
			err = copy_attr(s, path);
		else if (in_list(name, device_dirs, ARRAY_SIZE(device_dirs)) && !is_link(s, path)) {
			char **sub = NULL;
			size_t nsub = 0;

			/* pci_bus/0000:01 and vfio-dev/vfio0: their names are what matters. */
			if (list_dir(s, path, &sub, &nsub) >= 0) {
				for (size_t k = 0; err >= 0 && k < nsub; k++) {
					char p2[PATH_MAX];

					join(p2, sizeof(p2), path, sub[k]);
					err = dst_mkdir(s, p2);
				}
				strv_free(sub);
			}
		} else if (!in_list(name, device_dirs, ARRAY_SIZE(device_dirs)) &&
			   !in_list(name, child_skip, ARRAY_SIZE(child_skip)) &&
			   !is_link(s, path) &&
			   vfk_addr_parse(name, &(struct vfk_addr){}, NULL) < 0) {
			err = copy_children(s, path, 1);
		}
	}
	strv_free(names);
	return err;
}

static int copy_pci(struct snap *s)
{
	char **names = NULL;
	size_t n = 0;
	int err = list_dir(s, SYS_PCI_DEVICES, &names, &n);

	if (err < 0)
		return err == -ENOENT ? 0 : err;
	/* Sorted, so parents (shorter addresses sort first on one bus) come before children;
	 * the order does not matter for correctness since directories are created as needed. */
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char link[PATH_MAX], dev[PATH_MAX], rel[PATH_MAX];
		ssize_t k;

		snprintf(rel, sizeof(rel), SYS_PCI_DEVICES "/%s", names[i]);
		k = copy_link_target(s, rel, link, sizeof(link));
		if (k <= 0) {
			err = (int)k;
			continue;
		}
		if (path_join_normalize(SYS_PCI_DEVICES, link, dev, sizeof(dev)) >= 0)
			err = copy_device(s, dev);
	}
	strv_free(names);
	return err;
}

static int copy_drivers(struct snap *s)
{
	char **drivers = NULL;
	size_t n = 0;
	int err = list_dir(s, SYS_PCI_DRIVERS, &drivers, &n);

	if (err < 0)
		return err == -ENOENT ? 0 : err;
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char dir[PATH_MAX], **entries = NULL;
		size_t ne = 0;

		snprintf(dir, sizeof(dir), SYS_PCI_DRIVERS "/%s", drivers[i]);
		err = dst_mkdir(s, dir);
		if (err < 0 || list_dir(s, dir, &entries, &ne) < 0)
			continue;
		for (size_t k = 0; err >= 0 && k < ne; k++) {
			char path[PATH_MAX];
			struct vfk_addr a;

			/* Only the bound devices; bind, unbind and new_id act when written. */
			if (vfk_addr_parse(entries[k], &a, NULL) < 0)
				continue;
			join(path, sizeof(path), dir, entries[k]);
			err = copy_link(s, path);
		}
		strv_free(entries);
	}
	strv_free(drivers);
	return err;
}

static int copy_groups(struct snap *s)
{
	char **groups = NULL;
	size_t n = 0;
	int err = list_dir(s, SYS_IOMMU_GROUPS, &groups, &n);

	if (err < 0)
		return err == -ENOENT ? dst_mkdir(s, SYS_IOMMU_GROUPS) : err;
	err = dst_mkdir(s, SYS_IOMMU_GROUPS);
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char dir[PATH_MAX], path[PATH_MAX], **devs = NULL;
		size_t nd = 0;

		snprintf(dir, sizeof(dir), SYS_IOMMU_GROUPS "/%s", groups[i]);
		join(path, sizeof(path), dir, "type");
		err = copy_attr(s, path);
		join(path, sizeof(path), dir, "reserved_regions");
		if (err >= 0)
			err = copy_attr(s, path);
		join(path, sizeof(path), dir, "devices");
		if (err >= 0)
			err = dst_mkdir(s, path);
		if (err < 0 || list_dir(s, path, &devs, &nd) < 0)
			continue;
		for (size_t k = 0; err >= 0 && k < nd; k++) {
			char p2[PATH_MAX];

			join(p2, sizeof(p2), path, devs[k]);
			err = copy_link(s, p2);
		}
		strv_free(devs);
	}
	strv_free(groups);
	return err;
}

static int copy_iommus(struct snap *s)
{
	static const char *const attrs[] = {"intel-iommu/cap", "intel-iommu/ecap",
					    "intel-iommu/version", "amd-iommu/cap",
					    "amd-iommu/features"};
	char **units = NULL;
	size_t n = 0;
	int err = list_dir(s, SYS_CLASS_IOMMU, &units, &n);

	if (err < 0)
		return err == -ENOENT ? 0 : err;
	err = dst_mkdir(s, SYS_CLASS_IOMMU);
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char rel[PATH_MAX], link[PATH_MAX], dev[PATH_MAX];
		int copied;

		snprintf(rel, sizeof(rel), SYS_CLASS_IOMMU "/%s", units[i]);
		copied = copy_link_target(s, rel, link, sizeof(link));

		err = copied < 0 ? copied : 0;
		if (copied <= 0 || path_join_normalize(SYS_CLASS_IOMMU, link, dev, sizeof(dev)) < 0)
			continue;
		for (size_t k = 0; err >= 0 && k < ARRAY_SIZE(attrs); k++) {
			char path[PATH_MAX * 2];

			join(path, sizeof(path), dev, attrs[k]);
			err = copy_attr(s, path);
		}
	}
	strv_free(units);
	return err;
}

/* Every regular file of a directory, e.g. sys/module/vfio/parameters or etc/modprobe.d. */
static int copy_dir_files(struct snap *s, const char *dir)
{
	char **names = NULL;
	size_t n = 0;
	int err = list_dir(s, dir, &names, &n);

	if (err < 0)
		return 0;
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char path[PATH_MAX];

		join(path, sizeof(path), dir, names[i]);
		err = copy_file(s, path);
	}
	strv_free(names);
	return err;
}

static int copy_modules_and_hugepages(struct snap *s)
{
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(modules); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), SYS_MODULE "/%s/initstate", modules[i]);
		err = copy_file(s, path);
		snprintf(path, sizeof(path), SYS_MODULE "/%s/parameters", modules[i]);
		if (err >= 0)
			err = copy_dir_files(s, path);
		/* Built-in code without parameters still has its directory. */
		snprintf(path, sizeof(path), SYS_MODULE "/%s", modules[i]);
		if (err >= 0 && path_exists(s->ctx, path) == 0)
			err = dst_mkdir(s, path);
	}
	if (err >= 0 && list_dir(s, SYS_HUGEPAGES, &names, &n) >= 0) {
		for (size_t i = 0; err >= 0 && i < n; i++) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), SYS_HUGEPAGES "/%s/nr_hugepages", names[i]);
			err = copy_file(s, path);
		}
		strv_free(names);
	}
	return err;
}

static int copy_vfio_nodes(struct snap *s)
{
	static const char *const dirs[] = {DEV_VFIO, DEV_VFIO_DEVICES};
	int err = 0;

	for (size_t d = 0; err >= 0 && d < ARRAY_SIZE(dirs); d++) {
		char **names = NULL;
		size_t n = 0;

		if (list_dir(s, dirs[d], &names, &n) < 0)
			continue;
		for (size_t i = 0; err >= 0 && i < n; i++) {
			char path[PATH_MAX];

			join(path, sizeof(path), dirs[d], names[i]);
			if (!streq(names[i], "devices"))
				err = dst_write(s, path, "", 0);
		}
		strv_free(names);
	}
	return err;
}

/* The framebuffer console and the framebuffers it may draw on, for plan's console check:
 * each class link, and below its target the files and the device link that matter. */
static int copy_class(struct snap *s, const char *cls, const char *prefix, const char *const *files,
		      size_t n_files, const char *link_name)
{
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	if (list_dir(s, cls, &names, &n) < 0)
		return 0;
	for (size_t i = 0; err >= 0 && i < n; i++) {
		char rel[PATH_MAX], target[PATH_MAX], dir[PATH_MAX], path[PATH_MAX * 2];

		if (!startswith(names[i], prefix))
			continue;
		join(rel, sizeof(rel), cls, names[i]);
		if (path_readlink(s->ctx, rel, target, sizeof(target)) < 0 ||
		    path_join_normalize(cls, target, dir, sizeof(dir)) < 0)
			continue;
		err = copy_link(s, rel);
		for (size_t k = 0; err >= 0 && k < n_files; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
			err = copy_attr(s, path);
		}
		if (err >= 0 && link_name) {
			snprintf(path, sizeof(path), "%s/%s", dir, link_name);
			err = copy_link(s, path);
		}
	}
	strv_free(names);
	return err;
}

static int copy_consoles(struct snap *s)
{
	static const char *const vt_files[] = {"name", "bind"};
	static const char *const fb_files[] = {"name"};
	int err = copy_class(s, SYS_CLASS_VTCONSOLE, "vtcon", vt_files, ARRAY_SIZE(vt_files), NULL);

	return err < 0 ? err
		       : copy_class(s, SYS_CLASS_GRAPHICS, "fb", fb_files, ARRAY_SIZE(fb_files),
				    "device");
}

static int copy_kmsg(struct snap *s)
{
	_cleanup_free_ char *raw = NULL;
	size_t len;
	int err = kmsg_read_raw(s->ctx, &raw, &len);

	if (err == -ENOENT)
		return 0;
	if (err < 0) {
		int r = note_unreadable(s, DEV_KMSG, err);

		return r < 0 ? r : 0;
	}
	return dst_write(s, DEV_KMSG, raw, len);
}

/* The firmware images a QEMU descriptor names: their presence is what the doctor checks. */
static int mark_descriptor_images(struct snap *s, const char *dir)
{
	static const char *const maps[] = {"executable", "nvram-template"};
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	if (list_dir(s, dir, &names, &n) < 0)
		return 0;
	for (size_t i = 0; err >= 0 && i < n; i++) {
		_cleanup_free_ char *text = NULL;
		struct json_object *root, *mapping, *m, *file;
		char path[PATH_MAX];

		join(path, sizeof(path), dir, names[i]);
		if (path_read_all(s->ctx, path, 1u << 20, &text) < 0)
			continue;
		root = json_tokener_parse(text);
		if (!root)
			continue;
		if (json_object_object_get_ex(root, "mapping", &mapping))
			for (size_t k = 0; err >= 0 && k < ARRAY_SIZE(maps); k++)
				if (json_object_object_get_ex(mapping, maps[k], &m) &&
				    json_object_object_get_ex(m, "filename", &file) &&
				    json_object_get_string(file))
					err = mark(s, json_object_get_string(file));
		json_object_put(root);
	}
	strv_free(names);
	return err;
}

static int copy_host(struct snap *s, unsigned int flags, const char *osrelease)
{
	static const char *const descriptor_dirs[] = {QEMU_FIRMWARE_DIRS};
	char path[PATH_MAX];
	int err = 0;

	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(host_files); i++)
		err = copy_file(s, host_files[i]);
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(host_markers); i++)
		err = mark(s, host_markers[i]);
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(host_dirs); i++)
		err = copy_dir_files(s, host_dirs[i]);
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(descriptor_dirs); i++)
		err = mark_descriptor_images(s, descriptor_dirs[i]);
	if (err < 0 || !*osrelease)
		return err;
	snprintf(path, sizeof(path), BOOT_CONFIG_FMT, osrelease);
	err = copy_file(s, path);
	snprintf(path, sizeof(path), BOOT_VMLINUZ_FMT, osrelease);
	if (err >= 0)
		err = mark(s, path);
	for (size_t i = 0;
	     err >= 0 && !(flags & VFK_SNAPSHOT_NO_MODULES) && i < ARRAY_SIZE(module_indexes);
	     i++) {
		snprintf(path, sizeof(path), LIB_MODULES "/%s/%s", osrelease, module_indexes[i]);
		err = copy_file(s, path);
	}
	return err;
}

static int write_manifest(struct snap *s, unsigned int flags, const char *osrelease)
{
	struct json_object *m = json_object_new_object();
	char when[64];
	const char *text;
	time_t now = time(NULL);
	struct tm tm;
	int err;

	if (!m)
		return -ENOMEM;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_object_object_add(m, "format", json_object_new_int(1));
	json_object_object_add(m, "generator", json_object_new_string("vfiokit " PACKAGE_VERSION));
	json_object_object_add(m, "created", json_object_new_string(when));
	json_object_object_add(m, "osrelease", json_object_new_string(osrelease));
	json_object_object_add(m, "modules",
			       json_object_new_boolean(!(flags & VFK_SNAPSHOT_NO_MODULES)));
	json_object_object_add(m, "unreadable", json_object_get(s->unreadable));
	json_object_object_add(m, "skipped", json_object_get(s->skipped));
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		_cleanup_free_ char *line = NULL;

		err = asprintf(&line, "%s\n", text) < 0 ? -ENOMEM : 0;
		if (err >= 0)
			err = dst_write(s, "vfiokit-snapshot.json", line, strlen(line));
	}
	json_object_put(m);
	return err;
}

/* Empties a directory we filled, without following links. */
static void remove_contents(int dfd)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(dfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				remove_contents(sub);
				close(sub);
			}
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

static int open_destination(const char *dir, bool *created)
{
	struct dirent *de;
	struct stat st;
	int fd, fd2;
	DIR *d;

	*created = mkdir(dir, 0700) == 0;
	if (!*created && errno != EEXIST)
		return negative_errno();
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : negative_errno();
	if (*created)
		return fd;
	/* A directory someone else made (in /tmp, say) could be read or swapped under us. */
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	fd2 = dup(fd);
	d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d) {
		if (fd2 >= 0)
			close(fd2);
		close(fd);
		return -EIO;
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
			closedir(d);
			close(fd);
			return -EEXIST;
		}
	closedir(d);
	return fd;
}

VFK_EXPORT int vfk_snapshot_write(struct vfk_ctx *ctx, const char *dir, unsigned int flags,
				  unsigned int *ret_n_files, unsigned int *ret_n_unreadable)
{
	struct snap s = {.ctx = ctx};
	char osrelease[128] = "";
	bool created;
	int err;

	assert_return(ctx && dir && *dir, -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_SNAPSHOT_NO_MODULES), -EINVAL);

	s.unreadable = json_object_new_array();
	s.skipped = json_object_new_array();
	if (!s.unreadable || !s.skipped) {
		json_object_put(s.unreadable);
		json_object_put(s.skipped);
		return -ENOMEM;
	}
	s.dfd = open_destination(dir, &created);
	if (s.dfd < 0) {
		json_object_put(s.unreadable);
		json_object_put(s.skipped);
		return s.dfd;
	}
	if (path_read(ctx, PROC_OSRELEASE, osrelease, sizeof(osrelease)) > 0)
		osrelease[strcspn(osrelease, "\n")] = '\0';

	err = copy_pci(&s);
	if (err >= 0)
		err = copy_drivers(&s);
	if (err >= 0)
		err = copy_groups(&s);
	if (err >= 0)
		err = copy_iommus(&s);
	if (err >= 0)
		err = copy_modules_and_hugepages(&s);
	if (err >= 0)
		err = copy_vfio_nodes(&s);
	if (err >= 0)
		err = copy_consoles(&s);
	if (err >= 0)
		err = copy_kmsg(&s);
	if (err >= 0)
		err = copy_host(&s, flags, osrelease);
	if (err >= 0)
		err = write_manifest(&s, flags, osrelease);

	if (err < 0) {
		dbg(ctx, "snapshot into %s failed: %s; removing it", dir, strerror(-err));
		remove_contents(s.dfd);
		if (created)
			rmdir(dir);
	} else {
		if (ret_n_files)
			*ret_n_files = s.n_files;
		if (ret_n_unreadable)
			*ret_n_unreadable = (unsigned int)json_object_array_length(s.unreadable);
	}
	close(s.dfd);
	json_object_put(s.unreadable);
	json_object_put(s.skipped);
	return err;
}
