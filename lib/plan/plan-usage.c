// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount.h>

#include "path.h"
#include "plan-private.h"
#include "host/procfd.h"
#include "host/routes.h"

/* Deep enough for SATA (ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1), bounded so a
 * strange tree cannot make the walk run away. */
#define WALK_DEPTH 9

struct plan_usage {
	struct vfk_ctx *ctx;
	struct libmnt_table *mounts;
	struct libmnt_table *swaps;
	/* Why a table could not be read (not -ENOENT, which a tree without the file means:
	 * nothing mounted); then whether a disk is in use is unknown, and said so. */
	int mounts_err, swaps_err;
	struct route_ifaces routes;
	char ssh_iface[IF_NAMESIZE];
};

static struct libmnt_table *read_mounts(struct vfk_ctx *ctx, int *err)
{
	_cleanup_close_ int fd = path_open_file(ctx, PROC_SELF_MOUNTINFO);
	struct libmnt_table *tb;
	FILE *f;

	*err = fd == -ENOENT ? 0 : fd < 0 ? fd : -EBADMSG;
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "re");
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	fd = -1;
	tb = mnt_new_table();
	if (tb && mnt_table_parse_stream(tb, f, PROC_SELF_MOUNTINFO) < 0) {
		mnt_unref_table(tb);
		tb = NULL;
	}
	fclose(f);
	*err = tb ? 0 : -EBADMSG;
	return tb;
}

/*
 * libmount reads swaps only from a file name. A name built from the root would follow an
 * absolute link in the tree (proc/swaps -> /proc/swaps) out to the host, so the file is
 * opened through the root and libmount is given the descriptor's name.
 */
static struct libmnt_table *read_swaps(struct vfk_ctx *ctx, int *err)
{
	_cleanup_close_ int fd = path_open_file(ctx, PROC_SWAPS);
	struct libmnt_table *tb;
	char name[64];

	*err = fd == -ENOENT ? 0 : fd;
	if (fd < 0)
		return NULL;
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	tb = mnt_new_table();
	if (tb && mnt_table_parse_swaps(tb, name) < 0) {
		mnt_unref_table(tb);
		tb = NULL;
	}
	*err = tb ? 0 : -EBADMSG;
	return tb;
}

int plan_usage_new(struct vfk_ctx *ctx, struct plan_usage **ret)
{
	struct plan_usage *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->ctx = ctx;
	u->mounts = read_mounts(ctx, &u->mounts_err);
	u->swaps = read_swaps(ctx, &u->swaps_err);
	if (routes_default_ifaces(ctx, &u->routes) < 0)
		u->routes.n = 0;
	routes_ssh_iface(ctx, u->ssh_iface, sizeof(u->ssh_iface));
	*ret = u;
	return 0;
}

void plan_usage_free(struct plan_usage *u)
{
	if (!u)
		return;
	mnt_unref_table(u->mounts);
	mnt_unref_table(u->swaps);
	free(u);
}

static const char *mountpoint_of(struct plan_usage *u, dev_t devno)
{
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	const char *found = NULL;

	if (!u->mounts || !(it = mnt_new_iter(MNT_ITER_FORWARD)))
		return NULL;
	while (!found && mnt_table_next_fs(u->mounts, it, &fs) == 0)
		if (mnt_fs_get_devno(fs) == devno)
			found = mnt_fs_get_target(fs);
	mnt_free_iter(it);
	return found;
}

static bool is_swap(struct plan_usage *u, const char *name)
{
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	bool found = false;

	if (!u->swaps || !(it = mnt_new_iter(MNT_ITER_FORWARD)))
		return false;
	while (!found && mnt_table_next_fs(u->swaps, it, &fs) == 0) {
		const char *src = mnt_fs_get_srcpath(fs);
		const char *base = src ? strrchr(src, '/') : NULL;

		found = base && streq(base + 1, name);
	}
	mnt_free_iter(it);
	return found;
}

/* The first holder (dm-0, md127...) of a block device, or "" when none. */
static void first_holder(int dirfd, char *buf, size_t size)
{
	int fd = openat(dirfd, "holders", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	buf[0] = '\0';
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(buf, size, "%s", de->d_name);
			break;
		}
	closedir(d);
}

static int check_block(struct plan_usage *u, struct vfk_plan *plan, const char *bdf,
		       const char *name, int dirfd)
{
	char buf[64], holder[NAME_MAX + 1];
	unsigned int maj, min;
	const char *mnt = NULL;

	if (u->mounts_err < 0 || u->swaps_err < 0)
		return plan_add(plan, VFK_FINDING_BLOCKER, "block.unknown", bdf,
				VFK_FORCE_IN_USE_STORAGE,
				"cannot tell whether %s is mounted or swap: /%s: %s", name,
				u->mounts_err < 0 ? PROC_SELF_MOUNTINFO : PROC_SWAPS,
				strerror(-(u->mounts_err < 0 ? u->mounts_err : u->swaps_err)));
	if (path_read_at(dirfd, "dev", buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%u:%u", &maj, &min) == 2)
		mnt = mountpoint_of(u, makedev(maj, min));
	if (mnt)
		return plan_add(plan, VFK_FINDING_BLOCKER, "block.mounted", bdf,
				VFK_FORCE_IN_USE_STORAGE, "%s is mounted on %s", name, mnt);
	if (is_swap(u, name))
		return plan_add(plan, VFK_FINDING_BLOCKER, "block.swap", bdf,
				VFK_FORCE_IN_USE_STORAGE, "%s is active swap", name);
	first_holder(dirfd, holder, sizeof(holder));
	if (*holder)
		return plan_add(
			plan, VFK_FINDING_BLOCKER, "block.holder", bdf, VFK_FORCE_IN_USE_STORAGE,
			"%s is held by %s (LVM, MD, device-mapper or multipath)", name, holder);
	return 0;
}

/* " (master br0, upper vlan10)" for an interface; "" when it stands alone. The interface
 * and its upper devices go into @names, which routes and addresses may sit on. */
static void net_uppers(struct vfk_ctx *ctx, const char *ifname, char *buf, size_t size,
		       struct route_ifaces *names)
{
	char path[PATH_MAX], master[NAME_MAX + 1];
	struct dirent *de;
	size_t len = 0;
	DIR *d;

	buf[0] = '\0';
	master[0] = '\0';
	names->n = 1;
	snprintf(names->names[0], sizeof(names->names[0]), "%s", ifname);
	snprintf(path, sizeof(path), SYS_CLASS_NET "/%s", ifname);
	if (path_opendir(ctx, path, &d) < 0)
		return;
	if (path_readlink_basename_at(dirfd(d), "master", master, sizeof(master)) == 0) {
		len += (size_t)snprintf(buf, size, " (master %s", master);
		snprintf(names->names[names->n++], sizeof(names->names[0]), "%s", master);
	}
	while ((de = readdir(d)) && len < size)
		if (startswith(de->d_name, "upper_") && !streq(de->d_name + 6, master)) {
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : " (",
						de->d_name + 6);
			if (names->n < ARRAY_SIZE(names->names))
				snprintf(names->names[names->n++], sizeof(names->names[0]), "%s",
					 de->d_name + 6);
		}
	closedir(d);
	if (len && len < size - 1)
		snprintf(buf + len, size - len, ")");
}

/* "card0", not its connectors ("card0-HDMI-A-1") or sound's pcm and control nodes. */
static bool is_card(const char *name)
{
	return startswith(name, "card") && name[4] &&
	       strspn(name + 4, "0123456789") == strlen(name + 4);
}

/* The default route and this SSH session, on the interface or one stacked on it. */
static int check_net(struct plan_usage *u, struct vfk_plan *plan, const char *bdf,
		     const char *ifname, const struct route_ifaces *names)
{
	int err = 0;

	for (size_t i = 0; err >= 0 && i < names->n; i++) {
		const char *via = streq(names->names[i], ifname) ? "" : " through ";
		const char *upper = *via ? names->names[i] : "";

		for (size_t k = 0; err >= 0 && k < u->routes.n; k++)
			if (streq(u->routes.names[k], names->names[i]))
				err = plan_add(plan, VFK_FINDING_BLOCKER, "net.default-route", bdf,
					       VFK_FORCE_NET_IN_USE,
					       "%s carries the default route%s%s: the host "
					       "goes off the network",
					       ifname, via, upper);
		if (err >= 0 && *u->ssh_iface && streq(u->ssh_iface, names->names[i]))
			err = plan_add(plan, VFK_FINDING_BLOCKER, "net.ssh", bdf,
				       VFK_FORCE_NET_IN_USE,
				       "%s carries this SSH session%s%s: it would drop", ifname,
				       via, upper);
	}
	return err;
}

static int walk(struct plan_usage *u, struct vfk_plan *plan, const char *bdf, int dirfd,
		unsigned int depth, bool in_block)
{
	struct dirent *de;
	int err = 0, fd;
	DIR *d;

	if (depth > WALK_DEPTH)
		return 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (err >= 0 && (de = readdir(d))) {
		char subsystem[NAME_MAX + 1], extra[256];
		struct vfk_addr a;
		struct stat st;
		int sub;

		if (de->d_name[0] == '.' || vfk_addr_parse(de->d_name, &a, NULL) == 0)
			continue;
		/* Real directories only: links lead to other parts of sysfs. */
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (path_readlink_basename_at(sub, "subsystem", subsystem, sizeof(subsystem)) < 0)
			subsystem[0] = '\0';
		if (streq(subsystem, "net")) {
			struct route_ifaces names;

			net_uppers(u->ctx, de->d_name, extra, sizeof(extra), &names);
			err = plan_add(plan, VFK_FINDING_HOST_LOSES, "net.interface", bdf, 0,
				       "network interface %s%s", de->d_name, extra);
			if (err >= 0)
				err = check_net(u, plan, bdf, de->d_name, &names);
		} else if (streq(subsystem, "block")) {
			/* A disk, then its partitions below it. */
			if (!in_block)
				err = plan_add(plan, VFK_FINDING_HOST_LOSES, "block.disk", bdf, 0,
					       "disk %s", de->d_name);
			if (err >= 0)
				err = check_block(u, plan, bdf, de->d_name, sub);
		} else if (streq(subsystem, "drm") && is_card(de->d_name)) {
			char node[300], who[300];
			bool used;

			snprintf(node, sizeof(node), "/dev/dri/%s", de->d_name);
			used = proc_find_holder(u->ctx, node, who, sizeof(who));
			err = plan_add(plan, VFK_FINDING_HOST_LOSES, "display.drm", bdf, 0,
				       "graphics device %s (%s)%s%s", de->d_name, node,
				       used ? ", in use by " : "", used ? who : "");
		} else if (streq(subsystem, "input") && startswith(de->d_name, "input")) {
			char name[256] = "";
			ssize_t n = path_read_at(sub, "name", name, sizeof(name));

			if (n > 0)
				name[strcspn(name, "\n")] = '\0';
			err = plan_add(plan, VFK_FINDING_HOST_LOSES, "input.device", bdf, 0,
				       "input device %s%s%s%s", de->d_name, *name ? " (" : "", name,
				       *name ? ")" : "");
		} else if (streq(subsystem, "sound") && is_card(de->d_name)) {
			err = plan_add(plan, VFK_FINDING_HOST_LOSES, "sound.card", bdf, 0,
				       "sound card %s", de->d_name);
		}
		if (err >= 0 && !streq(subsystem, "net"))
			err = walk(u, plan, bdf, sub, depth + 1, streq(subsystem, "block"));
		close(sub);
	}
	closedir(d);
	return err;
}

int plan_usage_check(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev)
{
	const char *syspath = vfk_device_get_syspath(dev);
	_cleanup_close_ int fd = syspath ? path_open(u->ctx, syspath, O_PATH | O_DIRECTORY) : -1;

	if (fd < 0)
		return 0;
	return walk(u, plan, vfk_device_get_bdf(dev), fd, 0, false);
}

bool plan_framebuffer_in_bars(const char *iomem, const char *resource, const char **name,
			      unsigned long long *start, unsigned long long *end)
{
	static const char *const names[] = {"efifb", "simpledrm", "vesafb", "BOOTFB",
					    "simple-framebuffer"};

	for (const char *line = iomem; *line;) {
		const char *nl = strchrnul(line, '\n');
		unsigned long long s, e;
		char what[128] = "";

		/* The kernel never writes a range that ends before it starts: one that does is
		 * not trusted to lie anywhere. */
		if (sscanf(line, " %llx-%llx : %127[^\n]", &s, &e, what) == 3 && s <= e)
			for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
				if (!strstr(what, names[k]))
					continue;
				for (const char *r = resource; *r;) {
					const char *rn = strchrnul(r, '\n');
					unsigned long long bs, be, flags;

					if (sscanf(r, "%llx %llx %llx", &bs, &be, &flags) == 3 &&
					    bs && bs <= be && s >= bs && e <= be) {
						*name = names[k];
						*start = s;
						*end = e;
						return true;
					}
					r = *rn ? rn + 1 : rn;
				}
			}
		line = *nl ? nl + 1 : nl;
	}
	return false;
}

/*
 * The firmware's framebuffer (efifb, simpledrm, vesafb, BOOTFB) lives in a BAR of the boot
 * GPU; /proc/iomem names it. Moving that device takes the console away even when no
 * DRM driver is bound to it.
 */
int plan_usage_framebuffer(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev)
{
	_cleanup_free_ char *iomem = NULL, *resource = NULL;
	char path[PATH_MAX];
	const char *syspath = vfk_device_get_syspath(dev), *name;
	unsigned long long start, end;

	if (!syspath || path_read_all(u->ctx, PROC_IOMEM, 1u << 20, &iomem) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/resource", syspath);
	if (path_read_all(u->ctx, path, 64u << 10, &resource) < 0)
		return 0;
	if (!plan_framebuffer_in_bars(iomem, resource, &name, &start, &end))
		return 0;
	return plan_add(plan, VFK_FINDING_BLOCKER, "display.framebuffer", vfk_device_get_bdf(dev),
			VFK_FORCE_BOOT_VGA,
			"holds the firmware framebuffer (%s at %llx-%llx in /proc/iomem): the "
			"console goes dark",
			name, start, end);
}

/*
 * The text console: a framebuffer console (fbcon) bound to a vtconsole draws on fbN, and
 * fbN's device link names the PCI function under it.
 */
int plan_usage_console(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev)
{
	const char *syspath = vfk_device_get_syspath(dev);
	bool fbcon = false;
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (!syspath || path_opendir(u->ctx, SYS_CLASS_VTCONSOLE, &d) < 0)
		return 0;
	while ((de = readdir(d))) {
		char path[PATH_MAX], name[128], bind[8];

		if (!startswith(de->d_name, "vtcon"))
			continue;
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/name", de->d_name);
		if (path_read(u->ctx, path, name, sizeof(name)) <= 0)
			continue;
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/bind", de->d_name);
		if (path_read(u->ctx, path, bind, sizeof(bind)) > 0 && bind[0] == '1' &&
		    strstr(name, "frame buffer"))
			fbcon = true;
	}
	closedir(d);
	if (!fbcon || path_opendir(u->ctx, SYS_CLASS_GRAPHICS, &d) < 0)
		return 0;
	while (err >= 0 && (de = readdir(d))) {
		char path[PATH_MAX], link[PATH_MAX], target[PATH_MAX];

		if (!startswith(de->d_name, "fb"))
			continue;
		snprintf(path, sizeof(path), SYS_CLASS_GRAPHICS "/%s/device", de->d_name);
		/* fbN is a link into the device tree; its device link is relative to that. */
		if (path_readlink(u->ctx, path, link, sizeof(link)) < 0)
			continue;
		{
			char fbdir[PATH_MAX], real[PATH_MAX];

			snprintf(fbdir, sizeof(fbdir), SYS_CLASS_GRAPHICS "/%s", de->d_name);
			if (path_readlink(u->ctx, fbdir, real, sizeof(real)) < 0 ||
			    path_join_normalize(SYS_CLASS_GRAPHICS, real, fbdir, sizeof(fbdir)) <
				    0 ||
			    path_join_normalize(fbdir, link, target, sizeof(target)) < 0)
				continue;
		}
		if (streq(target, syspath + 1))
			err = plan_add(plan, VFK_FINDING_BLOCKER, "display.console",
				       vfk_device_get_bdf(dev), VFK_FORCE_BOOT_VGA,
				       "carries the text console (fbcon on %s): it goes dark",
				       de->d_name);
	}
	closedir(d);
	return err;
}

/* A network interface that is up is configured and likely carries something, routes or
 * not; for a VF, often a container's or another namespace's. */
static void vf_net_up(struct plan_usage *u, const char *syspath, char *why, size_t size,
		      size_t *len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/net", syspath);
	if (path_opendir(u->ctx, path, &d) < 0)
		return;
	while ((de = readdir(d))) {
		char state[32] = "";
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (path_read_at(fd, "operstate", state, sizeof(state)) < 0)
			state[0] = '\0';
		close(fd);
		if (startswith(state, "up"))
			plan_append(why, size, len, "; ", "%s is up", de->d_name);
	}
	closedir(d);
}

int plan_usage_vf(struct plan_usage *u, struct vfk_device *vf, char *why, size_t why_size,
		  char *lives, size_t lives_size)
{
	struct vfk_plan scratch = {.refcount = 1};
	const char *drv = vfk_device_get_driver(vf);
	const char *syspath = vfk_device_get_syspath(vf);
	size_t wlen = 0, llen = 0;
	int err;

	why[0] = '\0';
	lives[0] = '\0';
	if (plan_is_vfio(drv))
		plan_append(why, why_size, &wlen, "; ", "it is on %s, where a guest may use it",
			    drv);
	err = plan_usage_check(u, &scratch, vf);
	for (size_t i = 0; err >= 0 && i < scratch.n_findings; i++) {
		const struct finding *f = &scratch.findings[i];

		if (f->kind == VFK_FINDING_BLOCKER)
			plan_append(why, why_size, &wlen, "; ", "%s", f->message);
		else if (f->kind == VFK_FINDING_HOST_LOSES)
			plan_append(lives, lives_size, &llen, ", ", "%s", f->message);
	}
	plan_findings_free(&scratch);
	if (err < 0)
		return err;
	if (syspath)
		vf_net_up(u, syspath, why, why_size, &wlen);
	return wlen > 0;
}

int plan_vfs_busy(struct vfk_ctx *ctx, struct vfk_device *pf, char **detail)
{
	struct vfk_device **all = NULL;
	struct plan_usage *u = NULL;
	size_t n_all = 0;
	int err, busy = 0;

	err = vfk_ctx_get_devices(ctx, &all, &n_all);
	if (err >= 0)
		err = plan_usage_new(ctx, &u);
	for (size_t i = 0; err >= 0 && i < n_all; i++) {
		char why[1024], lives[512];
		const char *drv = vfk_device_get_driver(all[i]);
		struct vfk_addr pa;

		if (vfk_device_get_physfn(all[i], &pa) < 0 ||
		    vfk_addr_cmp(&pa, vfk_device_get_addr(pf)) != 0)
			continue;
		err = plan_usage_vf(u, all[i], why, sizeof(why), lives, sizeof(lives));
		if (err > 0) {
			busy++;
			detail_add(detail, "%s (%s%s) is in use: %s", vfk_device_get_bdf(all[i]),
				   drv ? "on " : "", drv ? drv : "no driver", why);
		}
	}
	plan_usage_free(u);
	vfk_device_list_free(all, n_all);
	return err < 0 ? err : busy;
}
