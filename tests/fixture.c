// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

int fx_mkdtemp(char **ret)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/vfiokit-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return -ENOMEM;
	if (!mkdtemp(path)) {
		int r = -errno;

		free(path);
		return r;
	}
	*ret = path;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

int fx_rmtree(const char *path)
{
	const char *tmp = getenv("TMPDIR");

	/* A test bug must never be able to delete anything but its own scratch tree. */
	if (!((tmp && *tmp && strncmp(path, tmp, strlen(tmp)) == 0) ||
	      strncmp(path, "/tmp/", 5) == 0 || strstr(path, "build")))
		return -EPERM;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return -errno;
	return 0;
}

int fx_mkdir_p(const char *root, const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s/%s", root, path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int mkparent(const char *root, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return fx_mkdir_p(root, dir);
}

int fx_write_bin(const char *root, const char *path, const void *data, size_t len)
{
	char full[PATH_MAX];
	int fd, r;

	r = mkparent(root, path);
	if (r < 0)
		return r;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) < 0 ? -errno : 0;
}

int fx_write_file(const char *root, const char *path, const char *content)
{
	return fx_write_bin(root, path, content, strlen(content));
}

int fx_symlink(const char *root, const char *path, const char *target)
{
	char full[PATH_MAX];
	int r = mkparent(root, path);

	if (r < 0)
		return r;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	unlink(full);
	return symlink(target, full) < 0 ? -errno : 0;
}

static const struct fx_dev *find_dev(const struct fx_topology *t, const char *bdf)
{
	size_t i;

	for (i = 0; bdf && i < t->n_devs; i++)
		if (strcmp(t->devs[i].bdf, bdf) == 0)
			return &t->devs[i];
	return NULL;
}

/* "0000:01:00.0" -> domain "0000", bus "01". */
static void split_bdf(const char *bdf, char *domain, char *bus)
{
	const char *c = strchr(bdf, ':');

	snprintf(domain, 16, "%.*s", (int)(c - bdf), bdf);
	snprintf(bus, 4, "%.2s", c + 1);
}

int fx_device_path(const struct fx_topology *t, const char *bdf, char **ret)
{
	const struct fx_dev *chain[32];
	const struct fx_dev *d = find_dev(t, bdf);
	char path[PATH_MAX], domain[16], bus[4];
	size_t n = 0, len;

	if (!d)
		return -ENOENT;
	while (d && n < 32) {
		chain[n++] = d;
		d = find_dev(t, d->parent);
	}
	split_bdf(chain[n - 1]->bdf, domain, bus);
	len = (size_t)snprintf(path, sizeof(path), "sys/devices/pci%s:%s", domain, bus);
	while (n--)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", chain[n]->bdf);
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

/* "../" repeated once per component of @path, to climb from its directory to the root. */
static void up_to_root(const char *path, char *buf, size_t size)
{
	const char *p;
	size_t len = 0;

	buf[0] = '\0';
	for (p = path; p; p = strchr(p + 1, '/'))
		len += (size_t)snprintf(buf + len, size - len, "../");
}

static void put16(uint8_t *c, size_t off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, size_t off, uint32_t v)
{
	put16(c, off, (uint16_t)v);
	put16(c, off + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *c, size_t off)
{
	return (uint32_t)c[off] | (uint32_t)c[off + 1] << 8 | (uint32_t)c[off + 2] << 16 |
	       (uint32_t)c[off + 3] << 24;
}

static size_t build_config(const struct fx_dev *d, uint8_t *c)
{
	size_t len = d->caps & (FX_CAP_ACS | FX_CAP_SRIOV | FX_CAP_DSN) ? 4096 : 256;
	uint8_t ptr = 0x40, *prev = &c[0x34];
	uint16_t ext = 0x100;

	memset(c, 0, len);
	put16(c, 0x00, d->vendor);
	put16(c, 0x02, d->device);
	put16(c, 0x04, 0x0006);
	c[0x08] = d->revision;
	c[0x09] = (uint8_t)d->class_code;
	c[0x0a] = (uint8_t)(d->class_code >> 8);
	c[0x0b] = (uint8_t)(d->class_code >> 16);
	c[0x0e] = (uint8_t)((d->bridge ? 1 : 0) | (d->multifunction ? 0x80 : 0));
	if (!d->bridge) {
		put16(c, 0x2c, d->sub_vendor);
		put16(c, 0x2e, d->sub_device);
	}
	if (d->caps & (FX_CAP_PM | FX_CAP_PM_NOSOFTRST)) {
		*prev = ptr;
		c[ptr] = 0x01;
		put16(c, ptr + 2, 0x0003);
		/* PMCSR bit 3: No_Soft_Reset. */
		put16(c, ptr + 4, d->caps & FX_CAP_PM_NOSOFTRST ? 0x0008 : 0);
		prev = &c[ptr + 1];
		ptr += 8;
	}
	if (d->caps & (FX_CAP_EXP | FX_CAP_FLR)) {
		*prev = ptr;
		c[ptr] = 0x10;
		/* Port type: endpoint, or downstream port for bridges. */
		put16(c, ptr + 2, (uint16_t)(0x0002 | (d->bridge ? 0x60 : 0x00) << 0));
		put32(c, ptr + 4, d->caps & FX_CAP_FLR ? 1u << 28 : 0);
		prev = &c[ptr + 1];
		ptr += 0x3c;
	}
	if (d->caps & FX_CAP_MSI) {
		*prev = ptr;
		c[ptr] = 0x05;
		prev = &c[ptr + 1];
		ptr += 0x18;
	}
	if (d->caps & FX_CAP_MSIX) {
		*prev = ptr;
		c[ptr] = 0x11;
		prev = &c[ptr + 1];
		ptr += 0x0c;
	}
	if (d->caps & FX_CAP_LOOP)
		*prev = c[0x34] ? c[0x34] : 0x40;
	if (c[0x34])
		put16(c, 0x06, 0x0010);
	if (len == 4096) {
		/* Extended capabilities at 0x100, 0x140, 0x180, each pointing at the next. */
		uint16_t prev_ext = 0;

		if (d->caps & FX_CAP_ACS) {
			put32(c, ext, 0x000du | 1u << 16);
			put16(c, ext + 6, 0x001f);
			prev_ext = ext;
			ext += 0x40;
		}
		if (d->caps & FX_CAP_SRIOV) {
			if (prev_ext)
				put32(c, prev_ext, get32(c, prev_ext) | (uint32_t)ext << 20);
			put32(c, ext, 0x0010u | 1u << 16);
			put16(c, ext + 0x0e, (uint16_t)d->sriov_total);
			put16(c, ext + 0x10, (uint16_t)d->sriov_num);
			prev_ext = ext;
			ext += 0x40;
		}
		if (d->caps & FX_CAP_DSN) {
			if (prev_ext)
				put32(c, prev_ext, get32(c, prev_ext) | (uint32_t)ext << 20);
			put32(c, ext, 0x0003u | 1u << 16);
			put32(c, ext + 4, (uint32_t)d->serial);
			put32(c, ext + 8, (uint32_t)(d->serial >> 32));
		}
	}
	return len;
}

#define TRY(expr)                                                                                  \
	do {                                                                                       \
		int _r = (expr);                                                                   \
		if (_r < 0)                                                                        \
			return _r;                                                                 \
	} while (0)

static int attr(const char *root, const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int attr(const char *root, const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX], *val;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = fx_write_file(root, path, val);
	free(val);
	return r;
}

static int build_dev(const char *root, const struct fx_topology *t, const struct fx_dev *d)
{
	char *dir = NULL, up[PATH_MAX], link[PATH_MAX * 2], path[PATH_MAX];
	uint8_t cfg[4096];
	size_t cfglen, i;
	int r;

	r = fx_device_path(t, d->bdf, &dir);
	if (r < 0)
		return r;
	up_to_root(dir, up, sizeof(up));
	r = fx_mkdir_p(root, dir);
	if (r < 0)
		goto out;

	r = attr(root, dir, "vendor", "0x%04x\n", d->vendor);
	r = r ?: attr(root, dir, "device", "0x%04x\n", d->device);
	r = r ?: attr(root, dir, "subsystem_vendor", "0x%04x\n", d->sub_vendor);
	r = r ?: attr(root, dir, "subsystem_device", "0x%04x\n", d->sub_device);
	r = r ?: attr(root, dir, "class", "0x%06x\n", d->class_code);
	r = r ?: attr(root, dir, "revision", "0x%02x\n", d->revision);
	r = r ?: attr(root, dir, "enable", "1\n");
	r = r ?: attr(root, dir, "irq", "%d\n", 16);
	r = r ?: attr(root, dir, "local_cpulist", "0-1\n");
	r = r
		    ?: attr(root, dir, "resource",
			    "0x00000000f0000000 0x00000000f0ffffff 0x0000000000040200\n");
	r = r ?: attr(root, dir, "power_state", "%s\n", d->power_state ? d->power_state : "D0");
	r = r
		    ?: attr(root, dir, "driver_override", "%s\n",
			    d->driver_override ? d->driver_override : "(null)");
	if (!r && d->numa_node != FX_ABSENT)
		r = attr(root, dir, "numa_node", "%d\n", d->numa_node);
	if (!r && d->boot_vga != FX_ABSENT && d->class_code >> 16 == 0x03)
		r = attr(root, dir, "boot_vga", "%d\n", d->boot_vga);
	if (!r && d->reset_method)
		r = attr(root, dir, "reset_method", "%s\n", d->reset_method);
	if (r < 0)
		goto out;

	cfglen = build_config(d, cfg);
	snprintf(path, sizeof(path), "%s/config", dir);
	r = fx_write_bin(root, path, cfg, cfglen);
	if (r < 0)
		goto out;

	/* sys/bus/pci/devices/X -> ../../../devices/... as the kernel makes it. */
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", d->bdf);
	snprintf(link, sizeof(link), "../../../%s", dir + 4);
	r = fx_symlink(root, path, link);
	if (r < 0)
		goto out;

	if (d->bridge) {
		char domain[16], bus[4];
		const char *secondary = NULL;

		for (i = 0; i < t->n_devs; i++)
			if (t->devs[i].parent && strcmp(t->devs[i].parent, d->bdf) == 0)
				secondary = t->devs[i].bdf;
		split_bdf(secondary ? secondary : d->bdf, domain, bus);
		snprintf(path, sizeof(path), "%s/pci_bus/%s:%s", dir, domain, bus);
		r = fx_mkdir_p(root, path);
		if (r < 0)
			goto out;
	}
	if (d->driver) {
		snprintf(path, sizeof(path), "%s/driver", dir);
		snprintf(link, sizeof(link), "%sbus/pci/drivers/%s", up + 3, d->driver);
		r = fx_symlink(root, path, link);
		snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", d->driver, d->bdf);
		snprintf(link, sizeof(link), "../../../../%s", dir + 4);
		r = r ?: fx_symlink(root, path, link);
		if (r < 0)
			goto out;
	}
	if (d->vfio_dev) {
		snprintf(path, sizeof(path), "%s/vfio-dev/vfio0", dir);
		r = fx_mkdir_p(root, path);
		if (r < 0)
			goto out;
	}
	if (d->group != FX_NO_GROUP) {
		snprintf(path, sizeof(path), "%s/iommu_group", dir);
		snprintf(link, sizeof(link), "%skernel/iommu_groups/%d", up + 3, d->group);
		r = fx_symlink(root, path, link);
		snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%d/devices/%s", d->group,
			 d->bdf);
		snprintf(link, sizeof(link), "../../../../%s", dir + 4);
		r = r ?: fx_symlink(root, path, link);
		if (r < 0)
			goto out;
	}
	if (d->physfn) {
		snprintf(path, sizeof(path), "%s/physfn", dir);
		snprintf(link, sizeof(link), "../%s", d->physfn);
		r = fx_symlink(root, path, link);
		if (r < 0)
			goto out;
	}
	if (d->sriov_total) {
		unsigned int n = 0;

		r = attr(root, dir, "sriov_totalvfs", "%u\n", d->sriov_total);
		r = r ?: attr(root, dir, "sriov_numvfs", "%u\n", d->sriov_num);
		/* The capability's First VF Offset and VF Stride, and the VFs' device id: from
		 * the first VF there is, else the usual offset 1, stride 1 and the PF's id. */
		{
			unsigned int off = 1, vfdev = d->device, pf_fn, vf_fn, bus, dev, fn, pbus;

			for (i = 0; i < t->n_devs; i++) {
				if (!t->devs[i].physfn || strcmp(t->devs[i].physfn, d->bdf) != 0)
					continue;
				if (sscanf(d->bdf, "%*x:%x:%x.%x", &pbus, &dev, &fn) == 3) {
					pf_fn = pbus << 8 | dev << 3 | fn;
					if (sscanf(t->devs[i].bdf, "%*x:%x:%x.%x", &bus, &dev,
						   &fn) == 3) {
						vf_fn = bus << 8 | dev << 3 | fn;
						off = vf_fn - pf_fn;
					}
				}
				vfdev = t->devs[i].device;
				break;
			}
			r = r ?: attr(root, dir, "sriov_offset", "%u\n", off);
			r = r ?: attr(root, dir, "sriov_stride", "%u\n", 1u);
			r = r ?: attr(root, dir, "sriov_vf_device", "%x\n", vfdev);
		}
		for (i = 0; !r && i < t->n_devs; i++) {
			if (!t->devs[i].physfn || strcmp(t->devs[i].physfn, d->bdf) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/virtfn%u", dir, n++);
			snprintf(link, sizeof(link), "../%s", t->devs[i].bdf);
			r = fx_symlink(root, path, link);
		}
	}
out:
	free(dir);
	return r;
}

static int build_group(const char *root, int id, const struct fx_group *g)
{
	char dir[64];
	int r;

	snprintf(dir, sizeof(dir), "sys/kernel/iommu_groups/%d", id);
	r = fx_mkdir_p(root, dir);
	if (r < 0)
		return r;
	if (g && g->type)
		TRY(attr(root, dir, "type", "%s\n", g->type));
	return attr(root, dir, "reserved_regions", "%s",
		    g && g->reserved_regions ? g->reserved_regions
					     : "0x00000000fee00000 0x00000000feefffff msi\n");
}

int fx_build(const char *root, const struct fx_topology *t)
{
	size_t i, j;

	TRY(fx_mkdir_p(root, "sys/bus/pci/devices"));
	TRY(fx_mkdir_p(root, "sys/bus/pci/drivers"));
	TRY(fx_write_file(root, "sys/bus/pci/drivers_probe", ""));
	for (i = 0; i < t->n_devs; i++) {
		const struct fx_dev *d = &t->devs[i];

		TRY(build_dev(root, t, d));
		if (d->driver) {
			static const char *const files[] = {"bind", "unbind", "new_id",
							    "remove_id"};
			char path[PATH_MAX];

			for (j = 0; j < 4; j++) {
				snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s/%s", d->driver,
					 files[j]);
				TRY(fx_write_file(root, path, ""));
			}
		}
	}
	for (i = 0; i < t->n_groups; i++)
		TRY(build_group(root, t->groups[i].id, &t->groups[i]));
	for (i = 0; i < t->n_devs; i++) {
		char dir[64];
		struct stat st;
		char full[PATH_MAX];

		if (t->devs[i].group == FX_NO_GROUP)
			continue;
		snprintf(dir, sizeof(dir), "sys/kernel/iommu_groups/%d/reserved_regions",
			 t->devs[i].group);
		snprintf(full, sizeof(full), "%s/%s", root, dir);
		if (stat(full, &st) < 0)
			TRY(build_group(root, t->devs[i].group, NULL));
	}
	return 0;
}
