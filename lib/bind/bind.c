// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libkmod.h>

#include "pci/attr.h"
#include "display.h"
#include "journal.h"
#include "path.h"
#include "strv.h"
#include "host/cmdline.h"
#include "host/procfd.h"
#include "tasks.h"
#include <vfiokit/bind.h>

/* drivers_probe can return before the driver is bound; this bounds the wait. */
#define VERIFY_TRIES 10
#define VERIFY_SLEEP_NS (50 * 1000 * 1000)

struct op {
	struct vfk_ctx *ctx;
	bool dry_run;
	char **detail;
	pthread_mutex_t lock; /* for @detail: tasks run on several threads */
};

_printf_(2, 3) static void say(struct op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&op->lock);
	detail_addv(op->detail, fmt, ap);
	pthread_mutex_unlock(&op->lock);
	va_end(ap);
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
	if (!vfk_ctx_is_host(op->ctx)) {
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

/* Runtime power management's setting is part of the state put back: vfiokit does not
 * change it, but a device's driver or its user may while it is away. */
static int read_power(struct vfk_ctx *ctx, struct journal_entry *e)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/power/control", e->bdf);
	if (path_read(ctx, path, buf, sizeof(buf)) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (!streq(buf, "auto") && !streq(buf, "on"))
		return 0;
	e->power = strdup(buf);
	return e->power ? 0 : -ENOMEM;
}

/* Back to the recorded state: power control as it was, override, off vfio-pci, original
 * driver probed. */
static int put_back(struct op *op, const struct journal_entry *e)
{
	char cur[256], path[PATH_MAX], power[32];
	bool bound = current_driver(op->ctx, e->bdf, cur, sizeof(cur)) == 0;
	int err = 0;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/power/control", e->bdf);
	if (e->power && path_read(op->ctx, path, power, sizeof(power)) > 0 &&
	    !startswith(power, e->power))
		err = write_attr(op, e->bdf, "power/control", e->power);
	if (err >= 0)
		err = write_attr(op, e->bdf, "driver_override", e->override ? e->override : "\n");
	if (err >= 0 && bound && !(e->driver && streq(cur, e->driver)))
		err = unbind(op, e->bdf, cur);
	if (err >= 0 && e->driver && !(bound && streq(cur, e->driver)))
		err = probe_until(op, e->bdf, e->driver);
	return err;
}

static int move_task(struct task *t, void *data)
{
	struct op *op = data;
	int err;

	err = write_attr(op, t->bdf, "driver_override", "vfio-pci");
	if (err >= 0 && t->from)
		err = unbind(op, t->bdf, t->from);
	if (err >= 0)
		err = probe_until(op, t->bdf, "vfio-pci");
	return err;
}

/* Parallel when there are enough moves to gain from it and every driver involved is on
 * the allow-list; a dry run prints its writes in order. */
static bool go_parallel(const struct op *op, const struct task *tasks, size_t n)
{
	if (op->dry_run || n < 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!task_driver_parallel_ok(tasks[i].from) ||
		    !task_driver_parallel_ok(tasks[i].to))
			return false;
	return true;
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
	pthread_mutex_init(&op->lock, NULL);
	if (detail)
		*detail = NULL;
	if (fn)
		path_set_write_listener(ctx, listener, cb);
	path_set_dry_run(ctx, op->dry_run);
}

/* The journal for @op: read, in a dry run, or opened under the lock, saying so when another
 * vfiokit holds it. */
static int op_journal(struct op *op, struct journal **ret)
{
	int err = op->dry_run ? journal_read_only(op->ctx, ret, op->detail)
			      : journal_open(op->ctx, ret, op->detail);

	if (err == -EBUSY)
		say(op, "another vfiokit is moving devices (lock /%s held)", VFIOKIT_LOCK);
	return err;
}

static void op_end(struct op *op)
{
	pthread_mutex_destroy(&op->lock);
	path_set_write_listener(op->ctx, NULL, NULL);
	path_set_dry_run(op->ctx, false);
}

/* The display hand-over for the devices of @devices that are not on vfio yet. */
static int release_display(struct op *op, struct journal *j, struct vfk_device *const *devices,
			   size_t n_devices, vfk_display_step_fn on_step, void *userdata)
{
	struct vfk_device **moving = calloc(n_devices ? n_devices : 1, sizeof(*moving));
	struct display_plan dp;
	size_t n = 0;
	char drv[256];
	int err;

	if (!moving)
		return -ENOMEM;
	for (size_t i = 0; i < n_devices; i++)
		if (current_driver(op->ctx, vfk_device_get_bdf(devices[i]), drv, sizeof(drv)) < 0 ||
		    !is_vfio_driver(drv))
			moving[n++] = devices[i];
	err = display_plan(op->ctx, moving, n, &dp, op->detail);
	if (err >= 0)
		err = display_release(op->ctx, j, &dp, op->dry_run, on_step, userdata, op->detail);
	display_plan_free(&dp);
	free(moving);
	return err;
}

static int bind_impl(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
		     unsigned int flags, vfk_write_fn on_write, bool display,
		     vfk_display_step_fn on_step, void *userdata, char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	struct journal *j = NULL;
	size_t display_start = 0;
	struct task *tasks;
	bool *fresh = NULL;
	char drv[256], override[256];
	size_t n = 0;
	struct op op;
	int err = 0;

	assert_return(ctx && (devices || !n_devices), -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	tasks = calloc(n_devices ? n_devices : 1, sizeof(*tasks));
	if (!tasks)
		return -ENOMEM;
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	fresh = calloc(n_devices ? n_devices : 1, sizeof(*fresh));
	if (!fresh)
		err = -ENOMEM;
	/* A dry run reads the journal too: a damaged one stops it as it would the real run. */
	if (err >= 0 && op.dry_run) {
		err = journal_read_only(ctx, &j, op.detail);
		journal_close(j);
		j = NULL;
	} else if (err >= 0) {
		err = op_journal(&op, &j);
	}
	if (err >= 0)
		err = ensure_vfio_pci(&op);
	display_start = j ? j->n_displays : 0;
	if (err >= 0 && display)
		err = release_display(&op, j, devices, n_devices, on_step, userdata);
	/* Every device's original state is on disk, in one save, before the first change. */
	for (size_t i = 0; err >= 0 && i < n_devices; i++) {
		const char *bdf = vfk_device_get_bdf(devices[i]);
		bool bound = current_driver(ctx, bdf, drv, sizeof(drv)) == 0;
		struct task *t = &tasks[n];

		if (bound && is_vfio_driver(drv))
			continue;
		if (read_override(ctx, bdf, override, sizeof(override)) < 0)
			override[0] = '\0';
		snprintf(t->bdf, sizeof(t->bdf), "%s", bdf);
		t->to = "vfio-pci";
		if (j) {
			struct journal_entry *e = journal_find_move(j, bdf);

			/* An entry left by an earlier bind holds the original driver: keep it. */
			fresh[n] = !e;
			if (!e) {
				err = journal_stage(j, bdf, bound ? drv : NULL,
						    *override ? override : NULL);
				e = err >= 0 ? journal_find_move(j, bdf) : NULL;
				if (e)
					err = read_power(ctx, e);
			}
			if (e)
				t->from = bound ? e->driver : NULL;
		} else if (bound && !(t->from = t->data = strdup(drv))) {
			err = -ENOMEM;
		}
		n++;
	}
	if (err >= 0 && j && n > 0) {
		err = journal_save(j);
		if (err < 0)
			say(&op, "cannot write the journal /%s: %s", VFIOKIT_JOURNAL,
			    strerror(-err));
	}
	if (err >= 0)
		err = tasks_run(tasks, n, go_parallel(&op, tasks, n), move_task, &op);
	if (err < 0 && j) {
		/* All or none: put back, newest first, every device this call touched; the
		 * entries of those it never reached go unchanged. */
		for (size_t i = n; i-- > 0;) {
			struct journal_entry *e = journal_find_move(j, tasks[i].bdf);

			if (!e)
				continue;
			if (tasks[i].started && put_back(&op, e) < 0)
				say(&op,
				    "%s: could not be put back; it stays in the journal for "
				    "`vfiokit restore`",
				    tasks[i].bdf);
			else if (fresh[i] || tasks[i].started)
				journal_unstage(j, tasks[i].bdf);
		}
		journal_save(j);
	} else if (j && n > 0) {
		for (size_t i = 0; i < n; i++)
			journal_find_move(j, tasks[i].bdf)->bound = true;
		err = journal_save(j);
	}
	/* The display comes back when the move does not happen: newest step first. */
	for (size_t i = j ? j->n_displays : 0; err < 0 && i-- > display_start;)
		if (display_undo(ctx, j, i, false, op.detail) < 0)
			say(&op, "the display step %s stays in the journal for `vfiokit restore`",
			    j->displays[i].name);
	journal_close(j);
	op_end(&op);
	for (size_t i = 0; i < n; i++)
		free(tasks[i].data);
	free(tasks);
	free(fresh);
	return err;
}

VFK_EXPORT int vfk_bind(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
			unsigned int flags, vfk_write_fn on_write, void *userdata,
			char **ret_detail)
{
	return bind_impl(ctx, devices, n_devices, flags, on_write, false, NULL, userdata,
			 ret_detail);
}

VFK_EXPORT int vfk_bind_release_display(struct vfk_ctx *ctx, struct vfk_device *const *devices,
					size_t n_devices, unsigned int flags, vfk_write_fn on_write,
					vfk_display_step_fn on_step, void *userdata,
					char **ret_detail)
{
	return bind_impl(ctx, devices, n_devices, flags, on_write, true, on_step, userdata,
			 ret_detail);
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

static int put_back_task(struct task *t, void *data)
{
	return put_back(data, t->data);
}

/* Puts back @n plain entries (no sriov_numvfs) named in @bdfs, side by side where their
 * drivers allow it, and drops those done from the journal. Returns the first error. */
static int restore_batch(struct op *op, struct journal *j, char **bdfs, size_t n)
{
	struct task *tasks = calloc(n ? n : 1, sizeof(*tasks));
	size_t k = 0;
	int err, first = 0;

	if (!tasks)
		return -ENOMEM;
	/* What restore_one() checks first, here before anything moves. */
	for (size_t i = 0; i < n; i++) {
		struct journal_entry *e = journal_find(j, bdfs[i]);
		char cur[256];
		bool bound = current_driver(op->ctx, bdfs[i], cur, sizeof(cur)) == 0;

		if (!e)
			continue;
		if (bound && !is_vfio_driver(cur) && !(e->driver && streq(cur, e->driver))) {
			err = restore_one(op, j, e);
			if (err < 0 && !first)
				first = err;
			continue;
		}
		if (bound && is_vfio_driver(cur) && in_use(op, bdfs[i])) {
			if (!first)
				first = -EBUSY;
			continue;
		}
		snprintf(tasks[k].bdf, sizeof(tasks[k].bdf), "%s", bdfs[i]);
		tasks[k].from = bound ? "vfio-pci" : NULL;
		tasks[k].to = e->driver;
		k++;
	}
	/* The journal does not change while the tasks run, so its entries stay put. */
	for (size_t i = 0; i < k; i++)
		tasks[i].data = journal_find(j, tasks[i].bdf);
	err = tasks_run(tasks, k, go_parallel(op, tasks, k), put_back_task, op);
	if (err < 0 && !first)
		first = err;
	for (size_t i = 0; i < k && !op->dry_run; i++)
		if (tasks[i].started && tasks[i].err >= 0)
			journal_unstage(j, tasks[i].bdf);
	if (!op->dry_run && k > 0) {
		err = journal_save(j);
		if (err < 0 && !first)
			first = err;
	}
	free(tasks);
	return first;
}

/* Files a killed `qemu --user` left lent: back to the owner and mode recorded. */
static int give_back_lent(struct op *op, struct journal *j)
{
	int first = 0;

	while (j->n_lends > 0) {
		struct journal_lend l = j->lends[j->n_lends - 1];
		int err = 0;

		say(op, "/%s: %s owner %u:%u, mode %04o", l.node,
		    op->dry_run ? "would be given back to" : "given back to", (unsigned int)l.uid,
		    (unsigned int)l.gid, (unsigned int)l.mode);
		if (op->dry_run) {
			j->n_lends--;
			continue;
		}
		err = path_set_owner(op->ctx, l.node, l.uid, l.gid, l.mode);
		/* Gone with its group or device: nothing is lent any more. */
		if (err == -ENOENT)
			err = 0;
		if (err >= 0)
			err = journal_remove_lend(j, l.node);
		if (err < 0) {
			say(op, "/%s: cannot give it back: %s", l.node, strerror(-err));
			if (!first)
				first = err;
			break;
		}
	}
	return first;
}

static bool display_recorded(const struct journal *j, const char *bdf)
{
	for (size_t i = 0; i < j->n_displays; i++)
		if (streq(j->displays[i].bdf, bdf))
			return true;
	return false;
}

VFK_EXPORT int vfk_restore(struct vfk_ctx *ctx, const char *const *bdfs, size_t n_bdfs,
			   unsigned int flags, vfk_write_fn on_write, void *userdata,
			   char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	struct journal *j = NULL;
	char **order = NULL;
	size_t n = 0, start = 0;
	struct op op;
	int err, first = 0;

	assert_return(ctx && (bdfs || !n_bdfs), -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	err = op_journal(&op, &j);
	if (err < 0) {
		op_end(&op);
		return err;
	}
	/* The devices named, in that order, or all of them newest first: the reverse of the
	 * moves. */
	order = calloc((bdfs ? n_bdfs : j->n) + 1, sizeof(*order));
	if (!order)
		first = -ENOMEM;
	for (size_t i = 0; order && i < (bdfs ? n_bdfs : j->n); i++) {
		const char *bdf = bdfs ? bdfs[i] : j->entries[j->n - 1 - i].bdf;

		if (!journal_find(j, bdf)) {
			/* A crash between a card's display hand-over and its move: the steps
			 * are what is left of it, and they are taken back below. */
			if (display_recorded(j, bdf))
				continue;
			say(&op, "%s: not in the journal: vfiokit did not move it", bdf);
			if (!first)
				first = -ENOENT;
			continue;
		}
		order[n] = strdup(bdf);
		if (!order[n]) {
			first = -ENOMEM;
			break;
		}
		n++;
	}
	/* Lent files first, while they exist: a group's file goes when its last device
	 * leaves vfio-pci. */
	if (!bdfs && order) {
		err = give_back_lent(&op, j);
		if (err < 0 && !first)
			first = err;
	}
	/* Runs of plain entries go together; a PF's sriov_numvfs waits for the VFs before
	 * it and goes alone. */
	for (size_t i = 0; i <= n && order; i++) {
		struct journal_entry *e = i < n ? journal_find(j, order[i]) : NULL;

		if (i < n && (!e || e->numvfs < 0))
			continue;
		err = restore_batch(&op, j, order + start, i - start);
		if (err < 0 && !first)
			first = err;
		if (e) {
			err = restore_one(&op, j, e);
			if (err < 0 && !first)
				first = err;
		}
		start = i + 1;
	}
	/* The display of each card that is back, newest step first, after the cards. */
	for (size_t i = order ? j->n_displays : 0; i-- > 0;) {
		const char *bdf = j->displays[i].bdf;
		bool named = !bdfs;

		for (size_t k = 0; bdfs && k < n_bdfs; k++)
			named |= streq(bdfs[k], bdf);
		if (!named || (journal_find_move(j, bdf) && !op.dry_run))
			continue;
		err = display_undo(ctx, j, i, op.dry_run, op.detail);
		if (err < 0 && !first)
			first = err;
	}
	strv_free(order);
	journal_close(j);
	op_end(&op);
	return first;
}

/* Why @dev goes back to vfio-pci at the next boot, or now on the next probe: vfio-pci's
 * ids= on the kernel command line or in vfiokit's modprobe.d file, or vfiokit's udev rule
 * for its address. Each reason is a sentence in the detail; returns how many. */
static int next_boot_says(struct op *op, struct vfk_device *dev)
{
	_cleanup_free_ char *text = NULL, *rule = NULL, *conf = NULL;
	const char *bdf = vfk_device_get_bdf(dev), *ids;
	struct cmdline c = {};
	char id[16], key[48];
	uint16_t v = 0, d = 0;
	bool present = false;
	int n = 0;

	vfk_device_get_ids(dev, &v, &d);
	snprintf(id, sizeof(id), "%04x:%04x", v, d);
	if (path_read_all(op->ctx, PROC_CMDLINE, 64 * 1024, &text) >= 0 &&
	    cmdline_parse(text, &c) >= 0) {
		ids = cmdline_get(&c, "vfio_pci.ids", &present);
		if (ids && cmdline_value_has(ids, id)) {
			say(op,
			    "%s: vfio-pci.ids=%s on the kernel command line names %s: vfio-pci "
			    "takes it again at the next boot; take %s out of the boot "
			    "configuration (vfiokit persist --undo, if vfiokit put it there)",
			    bdf, ids, id, id);
			n++;
		}
		cmdline_free(&c);
	}
	if (path_read_all(op->ctx, VFIOKIT_UDEV_RULE, 1u << 20, &rule) >= 0) {
		snprintf(key, sizeof(key), "KERNEL==\"%s\"", bdf);
		if (strstr(rule, key)) {
			say(op,
			    "%s: vfiokit persist's udev rule /%s reserves it for vfio-pci at "
			    "every boot; vfiokit persist --undo removes it",
			    bdf, VFIOKIT_UDEV_RULE);
			n++;
		}
		/* A VF of persist --vfs --bind-vfs: its PF's rule probes it by address. */
		snprintf(key, sizeof(key), "drivers_probe}=\"%s\"", bdf);
		if (strstr(rule, key)) {
			say(op,
			    "%s: vfiokit persist's udev rule /%s creates it with its physical "
			    "function and reserves it for vfio-pci at every boot; vfiokit "
			    "persist --undo removes it",
			    bdf, VFIOKIT_UDEV_RULE);
			n++;
		}
	}
	if (path_read_all(op->ctx, VFIOKIT_MODPROBE_CONF, 1u << 20, &conf) >= 0 &&
	    (ids = strstr(conf, "options vfio-pci ids="))) {
		char list[512];

		ids += strlen("options vfio-pci ids=");
		snprintf(list, sizeof(list), "%.*s", (int)strcspn(ids, " \n"), ids);
		if (cmdline_value_has(list, id)) {
			say(op,
			    "%s: /%s gives vfio-pci ids=%s, which names %s: vfio-pci takes it "
			    "again when it loads; vfiokit persist --undo removes it",
			    bdf, VFIOKIT_MODPROBE_CONF, list, id);
			n++;
		}
	}
	return n;
}

/* After drivers_probe: on a driver that is not vfio's (0), on none (1, said), or taken by
 * vfio again (-EAGAIN, said). A probe that is deferred finishes later: bounded waits. */
static int release_verify(struct op *op, struct vfk_device *dev, const char *from)
{
	const struct timespec pause = {.tv_nsec = VERIFY_SLEEP_NS};
	const char *bdf = vfk_device_get_bdf(dev);
	char drv[256];
	uint16_t v = 0, d = 0;

	for (int i = 0; i < VERIFY_TRIES; i++) {
		if (current_driver(op->ctx, bdf, drv, sizeof(drv)) == 0) {
			if (!is_vfio_driver(drv))
				return 0;
			say(op,
			    "%s: %s took it again when probed: its ids (vfio-pci.ids= or "
			    "modprobe.d's options vfio-pci ids=) name the device; remove them "
			    "and run vfiokit release %s again",
			    bdf, drv, bdf);
			return -EAGAIN;
		}
		nanosleep(&pause, NULL);
	}
	vfk_device_get_ids(dev, &v, &d);
	say(op,
	    "%s: no driver claimed it after it left %s: the kernel has no driver for "
	    "%04x:%04x loaded; it stays unbound (load its driver's module and write %s to "
	    "/%s)",
	    bdf, from, v, d, bdf, SYS_PCI_DRIVERS_PROBE);
	return 1;
}

static int release_one(struct op *op, struct vfk_device *dev, const char *from)
{
	const char *bdf = vfk_device_get_bdf(dev);
	int err;

	err = write_attr(op, bdf, "driver_override", "\n");
	if (err >= 0)
		err = unbind(op, bdf, from);
	if (err >= 0)
		err = probe(op, bdf);
	if (err >= 0 && !op->dry_run)
		err = release_verify(op, dev, from);
	return err < 0 ? err : 0;
}

VFK_EXPORT int vfk_release(struct vfk_ctx *ctx, const char *const *bdfs, size_t n_bdfs,
			   unsigned int flags, vfk_write_fn on_write, void *userdata,
			   char **ret_detail)
{
	void *cb[2] = {(void *)on_write, userdata};
	struct vfk_device **devs = NULL;
	char **from = NULL;
	struct journal *j = NULL;
	struct op op;
	int err, first = 0;
	size_t done = 0;

	assert_return(ctx && (bdfs || !n_bdfs), -EINVAL);
	assert_return(!(flags & ~(unsigned int)VFK_BIND_DRY_RUN), -EINVAL);
	op_begin(&op, ctx, flags, on_write, cb, ret_detail);
	err = op_journal(&op, &j);
	if (err < 0) {
		op_end(&op);
		return err;
	}
	devs = calloc(n_bdfs + 1, sizeof(*devs));
	from = calloc(n_bdfs + 1, sizeof(*from));
	if (!devs || !from)
		first = -ENOMEM;
	/* Every device is checked, and every refusal said, before the first write. */
	for (size_t i = 0; first != -ENOMEM && i < n_bdfs; i++) {
		char drv[256];

		err = vfk_device_new_from_string(ctx, bdfs[i], &devs[i]);
		if (err < 0) {
			say(&op, "%s: no such PCI device", bdfs[i]);
			first = first ? first : -ENODEV;
			continue;
		}
		if (journal_find_move(j, vfk_device_get_bdf(devs[i]))) {
			say(&op,
			    "%s: vfiokit moved it and knows its original driver: use "
			    "vfiokit restore %s",
			    vfk_device_get_bdf(devs[i]), vfk_device_get_bdf(devs[i]));
			first = first ? first : -EEXIST;
			continue;
		}
		if (current_driver(ctx, vfk_device_get_bdf(devs[i]), drv, sizeof(drv)) < 0 ||
		    !is_vfio_driver(drv)) {
			say(&op, "%s: not on vfio-pci (on %s): already released, nothing to do",
			    vfk_device_get_bdf(devs[i]),
			    current_driver(ctx, vfk_device_get_bdf(devs[i]), drv, sizeof(drv)) < 0
				    ? "no driver"
				    : drv);
			continue;
		}
		if (in_use(&op, vfk_device_get_bdf(devs[i]))) {
			first = first ? first : -EBUSY;
			continue;
		}
		from[i] = strdup(drv);
		if (!from[i])
			first = -ENOMEM;
	}
	for (size_t i = 0; !first && i < n_bdfs; i++) {
		if (!from[i])
			continue;
		/* Said before the writes, so a dry run tells it too. */
		next_boot_says(&op, devs[i]);
		err = release_one(&op, devs[i], from[i]);
		if (err < 0 && done)
			say(&op,
			    "%zu device%s before %s %s released; those after it were not "
			    "touched",
			    done, done == 1 ? "" : "s", vfk_device_get_bdf(devs[i]),
			    done == 1 ? "was" : "were");
		if (err < 0)
			first = err;
		done++;
	}
	for (size_t i = 0; i < n_bdfs; i++) {
		if (devs)
			vfk_device_unref(devs[i]);
		if (from)
			free(from[i]);
	}
	free(devs);
	free(from);
	journal_close(j);
	op_end(&op);
	return first;
}

enum journal_list {
	LIST_DEVICES,
	LIST_LENT,
	LIST_DISPLAY,
};

/* One of the journal's lists as names: device addresses, lent files (absolute paths),
 * display steps' targets. */
static int journal_names(struct vfk_ctx *ctx, enum journal_list which, char ***ret, size_t *ret_n)
{
	struct journal *j = NULL;
	char **list;
	size_t n;
	int err;

	assert_return(ctx && ret && ret_n, -EINVAL);
	err = journal_read_only(ctx, &j, NULL);
	if (err < 0)
		return err;
	n = which == LIST_DEVICES ? j->n : which == LIST_LENT ? j->n_lends : j->n_displays;
	list = calloc(n + 1, sizeof(*list));
	for (size_t i = 0; list && i < n; i++) {
		const char *name = which == LIST_DEVICES ? j->entries[i].bdf
				   : which == LIST_LENT	 ? j->lends[i].node
							 : j->displays[i].name;

		if (asprintf(&list[i], "%s%s", which == LIST_LENT ? "/" : "", name) < 0) {
			list[i] = NULL;
			strv_free(list);
			list = NULL;
		}
	}
	*ret_n = n;
	journal_close(j);
	if (!list)
		return -ENOMEM;
	*ret = list;
	return 0;
}

VFK_EXPORT int vfk_journal_get_lent(struct vfk_ctx *ctx, char ***ret, size_t *ret_n)
{
	return journal_names(ctx, LIST_LENT, ret, ret_n);
}

VFK_EXPORT int vfk_journal_get_display(struct vfk_ctx *ctx, char ***ret, size_t *ret_n)
{
	return journal_names(ctx, LIST_DISPLAY, ret, ret_n);
}

VFK_EXPORT int vfk_journal_get_devices(struct vfk_ctx *ctx, char ***ret, size_t *ret_n)
{
	return journal_names(ctx, LIST_DEVICES, ret, ret_n);
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
	/* Any change goes through 0 and destroys every VF there is; no override, as for
	 * the plan of a PF whose VFs are in use. */
	if (now > 0 && (long)n_vfs != now) {
		err = plan_vfs_busy(ctx, pf, op.detail);
		if (err > 0)
			say(&op,
			    "%s: refused: changing the number of virtual functions destroys the "
			    "%ld there are now, and %d %s in use; nothing was changed",
			    bdf, now, err, err == 1 ? "is" : "are");
		if (err != 0) {
			op_end(&op);
			return err < 0 ? err : -EBUSY;
		}
	}
	err = op.dry_run ? 0 : journal_open(ctx, &j, op.detail);
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
