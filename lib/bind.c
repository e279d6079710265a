// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libkmod.h>

#include "attr.h"
#include "journal.h"
#include "path.h"
#include "procfd.h"
#include <vfiokit/bind.h>

/* drivers_probe can return before the driver is bound; this bounds the wait. */
#define VERIFY_TRIES 10
#define VERIFY_SLEEP_NS (50 * 1000 * 1000)

struct op {
	struct vfk_ctx *ctx;
	bool dry_run;
	char **detail;
};

_printf_(2, 3) static void say(struct op *op, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, *joined = NULL;

	if (!op->detail)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	if (*op->detail && asprintf(&joined, "%s\n%s", *op->detail, s) >= 0) {
		free(*op->detail);
		free(s);
		*op->detail = joined;
	} else if (!*op->detail) {
		*op->detail = s;
	} else {
		free(s);
	}
}

static bool is_vfio_driver(const char *drv)
{
	size_t n = drv ? strlen(drv) : 0;

	return drv && (streq(drv, "vfio-pci") || (n > 8 && (streq(drv + n - 8, "vfio_pci") ||
							    streq(drv + n - 8, "vfio-pci"))));
}

/* The driver the device is bound to now, in @buf; -ENOENT when none. */
static int current_driver(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/driver", bdf);
	n = path_readlink(ctx, path, link, sizeof(link));
	if (n < 0)
		return n == -ENOENT ? -ENOENT : (int)n;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

static int read_override(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	char path[PATH_MAX], raw[256];
	ssize_t n;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/driver_override", bdf);
	n = path_read(ctx, path, raw, sizeof(raw));
	if (n < 0)
		return (int)n;
	return attr_parse_driver_override(raw, (size_t)n, buf, size);
}

static int write_attr(struct op *op, const char *bdf, const char *attr, const char *value)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/%s", bdf, attr);
	err = path_write(op->ctx, path, value);
	if (err < 0)
		say(op, "%s: writing \"%s\" to /%s failed: %s", bdf, value, path, strerror(-err));
	return err;
}

static int unbind(struct op *op, const char *bdf, const char *driver)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), SYS_PCI_DRIVERS "/%s/unbind", driver);
	err = path_write(op->ctx, path, bdf);
	if (err < 0)
		say(op, "%s: unbinding from %s (/%s) failed: %s", bdf, driver, path,
		    strerror(-err));
	return err;
}

static int probe(struct op *op, const char *bdf)
{
	int err = path_write(op->ctx, SYS_PCI_DRIVERS_PROBE, bdf);

	if (err < 0)
		say(op, "%s: writing it to /%s failed: %s", bdf, SYS_PCI_DRIVERS_PROBE,
		    strerror(-err));
	return err;
}

/* Probes until the device is on @want (NULL: any driver but none is fine, meaning stay
 * unbound), with bounded retries. */
static int probe_until(struct op *op, const char *bdf, const char *want)
{
	const struct timespec pause = {.tv_nsec = VERIFY_SLEEP_NS};
	char drv[256];

	for (int i = 0; i < VERIFY_TRIES; i++) {
		int err = probe(op, bdf);

		if (err < 0)
			return err;
		if (op->dry_run)
			return 0;
		if (current_driver(op->ctx, bdf, drv, sizeof(drv)) == 0 && streq(drv, want))
			return 0;
		nanosleep(&pause, NULL);
	}
	say(op, "%s: did not come up on %s after %d probes (now on %s)", bdf, want, VERIFY_TRIES,
	    current_driver(op->ctx, bdf, drv, sizeof(drv)) == 0 ? drv : "no driver");
	return -ETIMEDOUT;
}

static int ensure_vfio_pci(struct op *op)
{
	struct kmod_ctx *k;
	struct kmod_list *list = NULL;
	int err;

	if (path_exists(op->ctx, SYS_PCI_DRIVERS "/vfio-pci") == 0)
		return 0;
	/* Loading modules acts on the running kernel: only for this machine's root. */
	if (!vfk_ctx_is_host_root(op->ctx)) {
		say(op, "vfio-pci is not loaded (no /%s/vfio-pci)", SYS_PCI_DRIVERS);
		return -ENOENT;
	}
	if (op->dry_run)
		return 0;
	k = kmod_new(NULL, NULL);
	if (!k)
		return -ENOMEM;
	err = kmod_module_new_from_lookup(k, "vfio-pci", &list);
	if (err >= 0 && list) {
		struct kmod_module *m = kmod_module_get_module(list);

		err = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
		kmod_module_unref(m);
	} else if (err >= 0) {
		err = -ENOENT;
	}
	kmod_module_unref_list(list);
	kmod_unref(k);
	if (err < 0 || path_exists(op->ctx, SYS_PCI_DRIVERS "/vfio-pci") < 0) {
		say(op, "cannot load vfio-pci: %s", strerror(err < 0 ? -err : ENOENT));
		return err < 0 ? err : -ENOENT;
	}
	return 0;
}

/* Back to the recorded state: override, off vfio-pci, original driver probed. */
static int put_back(struct op *op, const struct journal_entry *e)
{
	char cur[256];
	bool bound = current_driver(op->ctx, e->bdf, cur, sizeof(cur)) == 0;
	int err;

	err = write_attr(op, e->bdf, "driver_override", e->override ? e->override : "\n");
	if (err >= 0 && bound && !(e->driver && streq(cur, e->driver)))
		err = unbind(op, e->bdf, cur);
	if (err >= 0 && e->driver && !(bound && streq(cur, e->driver)))
		err = probe_until(op, e->bdf, e->driver);
	return err;
}

static int move_one(struct op *op, struct journal *j, struct vfk_device *dev, bool *moved)
{
	const char *bdf = vfk_device_get_bdf(dev);
	char drv[256], override[256];
	bool bound = current_driver(op->ctx, bdf, drv, sizeof(drv)) == 0;
	struct journal_entry *e;
	int err;

	*moved = false;
	if (bound && is_vfio_driver(drv))
		return 0;
	if (read_override(op->ctx, bdf, override, sizeof(override)) < 0)
		override[0] = '\0';
	/* The original state is on disk before the first change. */
	if (j) {
		err = journal_add(j, bdf, bound ? drv : NULL, *override ? override : NULL);
		if (err < 0) {
			say(op, "%s: cannot write the journal /%s: %s", bdf, VFIOKIT_JOURNAL,
			    strerror(-err));
			return err;
		}
	}
	*moved = true;
	err = write_attr(op, bdf, "driver_override", "vfio-pci");
	if (err >= 0 && bound)
		err = unbind(op, bdf, drv);
	if (err >= 0)
		err = probe_until(op, bdf, "vfio-pci");
	if (err >= 0 && j && (e = journal_find(j, bdf))) {
		e->bound = true;
		err = journal_save(j);
	}
	return err;
}

static void listener(void *data, const char *path, const char *value)
{
	void **cb = data;

	((vfk_write_fn)cb[0])(cb[1], path, value);
}

static void op_begin(struct op *op, struct vfk_ctx *ctx, unsigned int flags, vfk_write_fn fn,
		     void **cb, char **detail)
{
	*op = (struct op){.ctx = ctx, .dry_run = flags & VFK_BIND_DRY_RUN, .detail = detail};
	if (detail)
		*detail = NULL;
	if (fn)
		path_set_write_listener(ctx, listener, cb);
	path_set_dry_run(ctx, op->dry_run);
}

static void op_end(struct op *op)
{
	path_set_write_listener(op->ctx, NULL, NULL);
	path_set_dry_run(op->ctx, false);
}

VFK_EXPORT int vfk_bind(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
			unsigned int flags, vfk_write_fn on_write, void *userdata,
			char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	struct journal *j = NULL;
	size_t done = 0;
	struct op op;
	bool *moved;
	int err = 0;

	assert_return(ctx && (devices || !n_devices), -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	moved = calloc(n_devices ? n_devices : 1, sizeof(*moved));
	if (!moved)
		return -ENOMEM;
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	if (!op.dry_run) {
		err = journal_open(ctx, &j);
		if (err == -EBUSY)
			say(&op, "another vfiokit is moving devices (lock /%s held)", VFIOKIT_LOCK);
		else if (err < 0)
			say(&op, "cannot open the journal in /%s: %s", VFIOKIT_RUN_DIR,
			    strerror(-err));
	}
	if (err >= 0)
		err = ensure_vfio_pci(&op);
	for (; err >= 0 && done < n_devices; done++)
		err = move_one(&op, j, devices[done], &moved[done]);
	if (err < 0 && j) {
		/* All or none: put back, newest first, every device this call touched. */
		for (size_t i = n_devices; i-- > 0;) {
			const char *bdf = vfk_device_get_bdf(devices[i]);
			struct journal_entry *e = moved[i] ? journal_find(j, bdf) : NULL;

			if (!e)
				continue;
			if (put_back(&op, e) < 0)
				say(&op,
				    "%s: could not be put back; it stays in the journal for "
				    "`vfiokit restore`",
				    bdf);
			else
				journal_remove(j, bdf);
		}
	}
	journal_close(j);
	op_end(&op);
	free(moved);
	return err;
}

/* Whether a process holds the device's group or VFIO device file; vfio-pci's unbind would
 * then wait in the kernel until it lets go. */
static bool in_use(struct op *op, const char *bdf)
{
	char node[PATH_MAX], who[128];

	if (!proc_find_device_holder(op->ctx, bdf, node, sizeof(node), who, sizeof(who)))
		return false;
	say(op, "%s: process %s holds %s open; stop it first", bdf, who, node);
	return true;
}

static int read_numvfs(struct vfk_ctx *ctx, const char *bdf, const char *attr, long *ret)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/%s", bdf, attr);
	n = path_read(ctx, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return attr_parse_int(buf, (size_t)n, 0, 65535, ret);
}

/* The kernel accepts a new VF count only from zero. */
static int write_numvfs(struct op *op, const char *bdf, long from, long to)
{
	char value[16];
	long now;
	int err = 0;

	if (from == to)
		return 0;
	if (from != 0)
		err = write_attr(op, bdf, "sriov_numvfs", "0");
	if (err >= 0 && to != 0) {
		snprintf(value, sizeof(value), "%ld", to);
		err = write_attr(op, bdf, "sriov_numvfs", value);
	}
	if (err >= 0 && !op->dry_run &&
	    (read_numvfs(op->ctx, bdf, "sriov_numvfs", &now) < 0 || now != to)) {
		say(op, "%s: sriov_numvfs did not become %ld", bdf, to);
		err = -EIO;
	}
	return err;
}

static int restore_one(struct op *op, struct journal *j, struct journal_entry *e)
{
	char cur[256], bdf[VFK_ADDR_STRLEN];
	bool bound = current_driver(op->ctx, e->bdf, cur, sizeof(cur)) == 0;
	int err;

	snprintf(bdf, sizeof(bdf), "%s", e->bdf);
	if (e->numvfs >= 0) {
		long now;

		err = read_numvfs(op->ctx, bdf, "sriov_numvfs", &now);
		if (err >= 0)
			err = write_numvfs(op, bdf, now, e->numvfs);
		if (err >= 0 && !op->dry_run)
			err = journal_remove(j, bdf);
		return err;
	}
	if (bound && !is_vfio_driver(cur) && !(e->driver && streq(cur, e->driver))) {
		say(op,
		    "%s: now on %s, which vfiokit did not do; left alone and dropped from "
		    "the journal",
		    bdf, cur);
		return op->dry_run ? 0 : journal_remove(j, bdf);
	}
	if (bound && is_vfio_driver(cur) && in_use(op, bdf))
		return -EBUSY;
	err = put_back(op, e);
	if (err >= 0 && !op->dry_run)
		err = journal_remove(j, bdf);
	return err;
}

VFK_EXPORT int vfk_restore(struct vfk_ctx *ctx, const char *const *bdfs, size_t n_bdfs,
			   unsigned int flags, vfk_write_fn on_write, void *userdata,
			   char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	struct journal *j = NULL;
	struct op op;
	int err, first = 0;

	assert_return(ctx && (bdfs || !n_bdfs), -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	err = op.dry_run ? journal_read_only(ctx, &j) : journal_open(ctx, &j);
	if (err < 0) {
		say(&op, "cannot open the journal in /%s: %s", VFIOKIT_RUN_DIR, strerror(-err));
		op_end(&op);
		return err;
	}
	if (bdfs) {
		for (size_t i = 0; i < n_bdfs; i++) {
			struct journal_entry *e = journal_find(j, bdfs[i]);

			err = e ? restore_one(&op, j, e) : -ENOENT;
			if (err == -ENOENT)
				say(&op, "%s: not in the journal: vfiokit did not move it",
				    bdfs[i]);
			if (err < 0 && !first)
				first = err;
		}
	} else {
		/* Newest first, the reverse of the moves. */
		for (size_t i = j->n; i-- > 0;) {
			err = restore_one(&op, j, &j->entries[i]);
			if (err < 0 && !first)
				first = err;
		}
	}
	journal_close(j);
	op_end(&op);
	return first;
}

VFK_EXPORT int vfk_journal_get_devices(struct vfk_ctx *ctx, char ***ret, size_t *ret_n)
{
	struct journal *j = NULL;
	char **list;
	int err;

	assert_return(ctx && ret && ret_n, -EINVAL);
	err = journal_read_only(ctx, &j);
	if (err < 0)
		return err;
	list = calloc(j->n + 1, sizeof(*list));
	for (size_t i = 0; list && i < j->n; i++)
		if (!(list[i] = strdup(j->entries[i].bdf))) {
			for (size_t k = 0; k < i; k++)
				free(list[k]);
			free(list);
			list = NULL;
		}
	*ret_n = j->n;
	journal_close(j);
	if (!list)
		return -ENOMEM;
	*ret = list;
	return 0;
}

VFK_EXPORT int vfk_sriov_set(struct vfk_ctx *ctx, struct vfk_device *pf, unsigned int n_vfs,
			     unsigned int flags, vfk_write_fn on_write, void *userdata,
			     char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	const char *bdf = pf ? vfk_device_get_bdf(pf) : NULL;
	struct journal *j = NULL;
	long total, now;
	bool added = false;
	struct op op;
	int err;

	assert_return(ctx && pf, -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	if (read_numvfs(ctx, bdf, "sriov_totalvfs", &total) < 0 ||
	    read_numvfs(ctx, bdf, "sriov_numvfs", &now) < 0) {
		say(&op, "%s: has no SR-IOV (no sriov_totalvfs)", bdf);
		op_end(&op);
		return -EOPNOTSUPP;
	}
	if ((long)n_vfs > total) {
		say(&op, "%s: supports at most %ld virtual functions", bdf, total);
		op_end(&op);
		return -ERANGE;
	}
	err = op.dry_run ? 0 : journal_open(ctx, &j);
	if (err == -EBUSY)
		say(&op, "another vfiokit is moving devices (lock /%s held)", VFIOKIT_LOCK);
	if (err >= 0 && j) {
		bool have = false;

		for (size_t i = 0; i < j->n; i++)
			have |= streq(j->entries[i].bdf, bdf) && j->entries[i].numvfs >= 0;
		if (!have) {
			err = journal_add_numvfs(j, bdf, (int)now);
			added = err >= 0;
		}
	}
	if (err >= 0)
		err = write_numvfs(&op, bdf, now, n_vfs);
	if (err < 0 && j && added) {
		long after;

		/* Put the old count back; the entry stays if that fails too. */
		if (read_numvfs(ctx, bdf, "sriov_numvfs", &after) >= 0 &&
		    write_numvfs(&op, bdf, after, now) >= 0)
			journal_remove(j, bdf);
	}
	journal_close(j);
	op_end(&op);
	return err;
}
