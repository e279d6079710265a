// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "path.h"
#include "host/procfd.h"
#include "plan/plan-private.h"

/* Deep enough for a desktop session below the display manager's session worker. */
#define ANCESTRY_DEPTH 32

static const char *const fb_platform_prefixes[] = {"efi-framebuffer", "simple-framebuffer",
						   "vesa-framebuffer", "vesafb"};

struct dm_units {
	char names[4][64]; /* display-manager.service and the units it links to */
	size_t n;
};

/* display-manager.service is an alias (a link in /etc/systemd/system); its processes
 * sit in the cgroup of the unit it names. */
static void dm_resolve(struct vfk_ctx *ctx, struct dm_units *u)
{
	char path[PATH_MAX], link[PATH_MAX], next[PATH_MAX];

	u->n = 0;
	snprintf(path, sizeof(path), "%s", ETC_DISPLAY_MANAGER_UNIT);
	while (u->n < ARRAY_SIZE(u->names) && path_readlink(ctx, path, link, sizeof(link)) > 0) {
		const char *base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		char dir[PATH_MAX];

		size_t len = strlen(base);

		if (len <= 8 || !streq(base + len - 8, ".service") || len >= sizeof(u->names[0]))
			break;
		snprintf(u->names[u->n++], sizeof(u->names[0]), "%s", base);
		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = '\0';
		if (path_join_normalize(link[0] == '/' ? "" : dir, link, next, sizeof(next)) < 0)
			break;
		snprintf(path, sizeof(path), "%s", next);
	}
}

/* Whether process @pid's cgroup is one of the display manager's units. */
static bool pid_in_dm(struct vfk_ctx *ctx, const struct dm_units *u, const char *pid)
{
	char path[64], cg[4096];

	snprintf(path, sizeof(path), "proc/%s/cgroup", pid);
	if (path_read(ctx, path, cg, sizeof(cg)) <= 0)
		return false;
	for (char *line = strtok(cg, "\n"); line; line = strtok(NULL, "\n")) {
		const char *last = strrchr(line, '/');

		for (size_t i = 0; last && i < u->n; i++)
			if (streq(last + 1, u->names[i]) || streq(last + 1, DISPLAY_MANAGER_UNIT))
				return true;
	}
	return false;
}

/* @pid's parent, from proc/PID/stat (the field after the command's closing paren). */
static bool parent_of(struct vfk_ctx *ctx, const char *pid, char *buf, size_t size)
{
	char path[64], stat[1024];
	const char *p;
	long ppid;

	snprintf(path, sizeof(path), "proc/%s/stat", pid);
	if (path_read(ctx, path, stat, sizeof(stat)) <= 0 || !(p = strrchr(stat, ')')))
		return false;
	if (sscanf(p + 1, " %*c %ld", &ppid) != 1 || ppid <= 1)
		return false;
	snprintf(buf, size, "%ld", ppid);
	return true;
}

/* The display manager's own processes and what it started (the sessions on its
 * greeter and its users' desktops): systemctl stop ends them all. */
struct dm_filter {
	struct vfk_ctx *ctx;
	struct dm_units units;
};

static bool dm_process(void *data, const char *pid)
{
	struct dm_filter *f = data;
	char cur[32], up[32];

	snprintf(cur, sizeof(cur), "%s", pid);
	for (int depth = 0; depth < ANCESTRY_DEPTH; depth++) {
		if (pid_in_dm(f->ctx, &f->units, cur))
			return true;
		if (!parent_of(f->ctx, cur, up, sizeof(up)))
			return false;
		snprintf(cur, sizeof(cur), "%s", up);
	}
	return false;
}

/* Whether any process under the root's /proc is in the display manager's cgroup. */
static bool dm_running(struct vfk_ctx *ctx, const struct dm_units *u)
{
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (path_opendir(ctx, "proc", &d) < 0)
		return false;
	while (!found && (de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			found = pid_in_dm(ctx, u, de->d_name);
	closedir(d);
	return found;
}

/* The DRM nodes (cardN, renderDN) of the device at @syspath, each appended to @nodes as
 * "/dev/dri/NAME"; returns how many. */
static size_t drm_nodes(struct vfk_ctx *ctx, const char *syspath, char (*nodes)[64], size_t max)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/drm", syspath);
	if (path_opendir(ctx, path, &d) < 0)
		return 0;
	while (n < max && (de = readdir(d)))
		if ((startswith(de->d_name, "card") || startswith(de->d_name, "renderD")) &&
		    !strchr(de->d_name, '-') && strlen(de->d_name) < 32)
			snprintf(nodes[n++], 64, "/%s/%s", DEV_DRI, de->d_name);
	closedir(d);
	return n;
}

static bool has_fb(struct vfk_ctx *ctx, const char *syspath)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/graphics", syspath);
	if (path_opendir(ctx, path, &d) < 0)
		return false;
	while (!found && (de = readdir(d)))
		found = startswith(de->d_name, "fb");
	closedir(d);
	return found;
}

static bool has_firmware_fb(struct vfk_ctx *ctx, const char *syspath)
{
	_cleanup_free_ char *iomem = NULL, *resource = NULL;
	unsigned long long start, end;
	char path[PATH_MAX];
	const char *name;

	snprintf(path, sizeof(path), "%s/resource", syspath);
	return path_read_all(ctx, PROC_IOMEM, 1u << 20, &iomem) >= 0 &&
	       path_read_all(ctx, path, 64u << 10, &resource) >= 0 &&
	       plan_framebuffer_in_bars(iomem, resource, &name, &start, &end);
}

static int add_step(struct display_plan *p, enum journal_display_kind kind, const char *bdf,
		    const char *name, const char *driver)
{
	struct journal_display *grown = realloc(p->steps, (p->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	p->steps = grown;
	grown = &p->steps[p->n];
	*grown = (struct journal_display){.kind = kind};
	snprintf(grown->bdf, sizeof(grown->bdf), "%s", bdf);
	snprintf(grown->name, sizeof(grown->name), "%s", name);
	snprintf(grown->driver, sizeof(grown->driver), "%s", driver ? driver : "");
	/* Names read from the tree go into the journal only when its loader would take them. */
	if (!journal_valid_display(grown))
		return 0;
	p->n++;
	return 0;
}

/* The framebuffer consoles that are bound: fbcon draws on every framebuffer. */
static int add_consoles(struct vfk_ctx *ctx, struct display_plan *p, const char *bdf)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (path_opendir(ctx, SYS_CLASS_VTCONSOLE, &d) < 0)
		return 0;
	while (err >= 0 && (de = readdir(d))) {
		char path[PATH_MAX], name[128], bind[8];

		if (!startswith(de->d_name, "vtcon"))
			continue;
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/name", de->d_name);
		if (path_read(ctx, path, name, sizeof(name)) <= 0 || !strstr(name, "frame buffer"))
			continue;
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/bind", de->d_name);
		if (path_read(ctx, path, bind, sizeof(bind)) > 0 && bind[0] == '1')
			err = add_step(p, JOURNAL_DISPLAY_CONSOLE, bdf, de->d_name, NULL);
	}
	closedir(d);
	return err;
}

/* The firmware's framebuffer device on the platform bus, when a driver has it. */
static int add_firmware_fb(struct vfk_ctx *ctx, struct display_plan *p, const char *bdf)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (path_opendir(ctx, SYS_PLATFORM_DEVICES, &d) < 0)
		return 0;
	while (err >= 0 && (de = readdir(d))) {
		char path[PATH_MAX], drv[256];
		bool fw = false;

		for (size_t i = 0; i < ARRAY_SIZE(fb_platform_prefixes); i++)
			fw |= startswith(de->d_name, fb_platform_prefixes[i]);
		if (!fw)
			continue;
		snprintf(path, sizeof(path), SYS_PLATFORM_DEVICES "/%s/driver", de->d_name);
		if (path_readlink(ctx, path, drv, sizeof(drv)) <= 0)
			continue;
		err = add_step(p, JOURNAL_DISPLAY_FRAMEBUFFER, bdf, de->d_name,
			       strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv);
	}
	closedir(d);
	return err;
}

void display_plan_free(struct display_plan *p)
{
	free(p->steps);
	*p = (struct display_plan){};
}

/* The first process holding one of @nodes, the display manager's passed over when
 * @filter is given. */
static bool find_holder(struct vfk_ctx *ctx, char (*nodes)[64], size_t n, struct dm_filter *filter,
			char *node, size_t node_size, char *who, size_t who_size)
{
	for (size_t i = 0; i < n; i++)
		if (proc_find_holder_except(ctx, nodes[i], filter ? dm_process : NULL, filter, who,
					    who_size)) {
			snprintf(node, node_size, "%s", nodes[i]);
			return true;
		}
	return false;
}

int display_plan(struct vfk_ctx *ctx, struct vfk_device *const *devs, size_t n,
		 struct display_plan *ret, char **detail)
{
	struct dm_filter filter = {.ctx = ctx};
	char(*nodes)[64] = ret->nodes, node[64], who[128];
	const char *card = NULL;
	bool fw = false, fb = false, boot_vga = false, dm_active = false;
	size_t n_nodes = 0;
	int err = 0;

	*ret = (struct display_plan){};
	nodes = ret->nodes;
	for (size_t i = 0; i < n; i++) {
		const char *syspath = vfk_device_get_syspath(devs[i]);
		size_t k;
		bool f, w;

		if (!syspath)
			continue;
		k = drm_nodes(ctx, syspath, nodes + n_nodes, ARRAY_SIZE(ret->nodes) - n_nodes);
		f = has_fb(ctx, syspath);
		w = has_firmware_fb(ctx, syspath);
		if (k || f || w || vfk_device_is_boot_vga(devs[i]) == 1)
			card = card ? card : vfk_device_get_bdf(devs[i]);
		n_nodes += k;
		fb |= f;
		fw |= w;
		boot_vga |= vfk_device_is_boot_vga(devs[i]) == 1;
	}
	ret->n_nodes = n_nodes;
	if (!card)
		return 0;
	if (path_exists(ctx, RUN_SYSTEMD_SYSTEM) < 0) {
		snprintf(ret->dm_skip, sizeof(ret->dm_skip),
			 "systemd does not run here (no /%s): no display manager to stop",
			 RUN_SYSTEMD_SYSTEM);
	} else {
		dm_resolve(ctx, &filter.units);
		if (filter.units.n == 0)
			snprintf(ret->dm_skip, sizeof(ret->dm_skip),
				 "no display manager is set up (no /%s)", ETC_DISPLAY_MANAGER_UNIT);
		else if (!(dm_active = dm_running(ctx, &filter.units)))
			snprintf(ret->dm_skip, sizeof(ret->dm_skip), "%s (%s) is not running",
				 DISPLAY_MANAGER_UNIT, filter.units.names[filter.units.n - 1]);
		else
			snprintf(ret->dm_unit, sizeof(ret->dm_unit), "%s",
				 filter.units.names[filter.units.n - 1]);
	}
	if (find_holder(ctx, nodes, n_nodes, dm_active ? &filter : NULL, node, sizeof(node), who,
			sizeof(who))) {
		detail_add(detail,
			   "%s: process %s holds %s open, and it is not the display manager, "
			   "which --release-display stops: end it (or log out of its session) "
			   "first; nothing was changed",
			   card, who, node);
		return -EBUSY;
	}
	/* A card that shows neither the boot display nor a console, and whose DRM nodes
	 * nobody has open, is not the display manager's: it keeps running. */
	if (dm_active && !fb && !fw && !boot_vga &&
	    !find_holder(ctx, nodes, n_nodes, NULL, node, sizeof(node), who, sizeof(who))) {
		dm_active = false;
		snprintf(ret->dm_skip, sizeof(ret->dm_skip),
			 "%s (%s) does not use %s (not the boot display, no console on it, its "
			 "DRM nodes not open)",
			 DISPLAY_MANAGER_UNIT, filter.units.names[filter.units.n - 1], card);
		ret->dm_unit[0] = '\0';
	}
	if (dm_active)
		err = add_step(ret, JOURNAL_DISPLAY_MANAGER, card, DISPLAY_MANAGER_UNIT, NULL);
	if (err >= 0 && (fb || fw))
		err = add_consoles(ctx, ret, card);
	if (err >= 0 && fw)
		err = add_firmware_fb(ctx, ret, card);
	if (err < 0)
		display_plan_free(ret);
	return err;
}

static const char *const systemctl_stop[] = {"systemctl", "stop", DISPLAY_MANAGER_UNIT, NULL};
static const char *const systemctl_start[] = {"systemctl", "start", DISPLAY_MANAGER_UNIT, NULL};

static int run_systemctl(struct vfk_ctx *ctx, const char *const *argv, char **detail)
{
	int rc = path_run(ctx, argv);

	if (rc == 0)
		return 0;
	if (rc > 0)
		detail_add(detail,
			   "`systemctl %s %s` failed (exit status %d); see `journalctl -u %s`",
			   argv[1], argv[2], rc, argv[2]);
	else if (rc == -EOPNOTSUPP)
		detail_add(detail,
			   "%s: not run, the root is not this machine's; run `systemctl %s %s` "
			   "on the system itself",
			   argv[2], argv[1], argv[2]);
	else
		detail_add(detail, "cannot run `systemctl %s %s`: %s", argv[1], argv[2],
			   strerror(-rc));
	return rc > 0 ? -EIO : rc;
}

static int take(struct vfk_ctx *ctx, const struct journal_display *s, char **detail)
{
	char path[PATH_MAX];
	int err;

	switch (s->kind) {
	case JOURNAL_DISPLAY_MANAGER:
		return run_systemctl(ctx, systemctl_stop, detail);
	case JOURNAL_DISPLAY_CONSOLE:
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/bind", s->name);
		err = path_write(ctx, path, "0");
		break;
	default:
		snprintf(path, sizeof(path), SYS_PLATFORM_DRIVERS "/%s/unbind", s->driver);
		err = path_write(ctx, path, s->name);
		break;
	}
	if (err < 0)
		detail_add(detail, "%s: writing /%s for %s failed: %s", s->bdf, path, s->name,
			   strerror(-err));
	return err;
}

int display_release(struct vfk_ctx *ctx, struct journal *j, const struct display_plan *p,
		    bool dry_run, vfk_display_step_fn fn, void *userdata, char **detail)
{
	static const char *const actions[] = {
		[JOURNAL_DISPLAY_MANAGER] = "stop-display-manager",
		[JOURNAL_DISPLAY_CONSOLE] = "unbind-console",
		[JOURNAL_DISPLAY_FRAMEBUFFER] = "unbind-framebuffer",
	};
	int err;

	if (p->dm_skip[0] && fn)
		fn(userdata, "skip-display-manager", DISPLAY_MANAGER_UNIT, p->dm_skip);
	for (size_t i = 0; i < p->n; i++) {
		const struct journal_display *s = &p->steps[i];
		char note[160] = "", path[PATH_MAX];

		if (s->kind == JOURNAL_DISPLAY_MANAGER)
			snprintf(note, sizeof(note), "%s", p->dm_unit);
		else if (s->kind == JOURNAL_DISPLAY_FRAMEBUFFER)
			snprintf(note, sizeof(note), "%s", s->driver);
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/name", s->name);
		if (s->kind == JOURNAL_DISPLAY_CONSOLE &&
		    path_read(ctx, path, note, sizeof(note)) > 0)
			note[strcspn(note, "\n")] = '\0';
		if (!dry_run) {
			err = journal_add_display(j, s);
			if (err < 0) {
				detail_add(detail, "cannot write the journal /%s: %s",
					   VFIOKIT_JOURNAL, strerror(-err));
				return err;
			}
		}
		if (fn)
			fn(userdata, actions[s->kind], s->name, *note ? note : NULL);
		err = take(ctx, s, detail);
		if (err < 0)
			return err;
		if (s->kind == JOURNAL_DISPLAY_MANAGER && !dry_run) {
			char node[64], who[128];

			if (find_holder(ctx, (char(*)[64])p->nodes, p->n_nodes, NULL, node,
					sizeof(node), who, sizeof(who))) {
				detail_add(detail,
					   "%s: process %s still holds %s open after the display "
					   "manager stopped: end it first",
					   s->bdf, who, node);
				return -EBUSY;
			}
		}
	}
	return 0;
}

int display_undo(struct vfk_ctx *ctx, struct journal *j, size_t i, bool dry_run, char **detail)
{
	const struct journal_display s = j->displays[i];
	const char *would = dry_run ? "would be " : "";
	char path[PATH_MAX];
	int err = 0;

	switch (s.kind) {
	case JOURNAL_DISPLAY_MANAGER:
		if (path_exists(ctx, RUN_SYSTEMD_SYSTEM) < 0) {
			detail_add(detail, "%s: systemd does not run here; %s not started",
				   DISPLAY_MANAGER_UNIT, DISPLAY_MANAGER_UNIT);
			break;
		}
		err = run_systemctl(ctx, systemctl_start, detail);
		if (err >= 0)
			detail_add(detail, "%s %sstarted again (systemctl start)",
				   DISPLAY_MANAGER_UNIT, would);
		break;
	case JOURNAL_DISPLAY_CONSOLE:
		snprintf(path, sizeof(path), SYS_CLASS_VTCONSOLE "/%s/bind", s.name);
		err = path_write(ctx, path, "1");
		if (err < 0)
			detail_add(detail, "%s: writing 1 to /%s failed: %s", s.name, path,
				   strerror(-err));
		else
			detail_add(detail, "%s (framebuffer console) %sbound again", s.name, would);
		break;
	case JOURNAL_DISPLAY_FRAMEBUFFER:
		snprintf(path, sizeof(path), SYS_PLATFORM_DEVICES "/%s/driver", s.name);
		if (path_exists(ctx, path) == 0) {
			detail_add(detail, "%s is on a driver already; left alone", s.name);
			break;
		}
		snprintf(path, sizeof(path), SYS_PLATFORM_DRIVERS "/%s/bind", s.driver);
		err = path_write(ctx, path, s.name);
		/* The firmware's framebuffer may not survive the card's reset; the card's own
		 * driver draws the console then, so this is said but does not fail restore. */
		if (err < 0) {
			detail_add(detail,
				   "%s: %s did not take it back (writing /%s: %s); the card's own "
				   "driver provides the console",
				   s.name, s.driver, path, strerror(-err));
			err = 0;
		} else {
			detail_add(detail, "%s %sbound to %s again", s.name, would, s.driver);
		}
		break;
	}
	if (err < 0 || dry_run)
		return err;
	err = journal_remove_display(j, i);
	if (err < 0)
		detail_add(detail, "cannot write the journal /%s: %s", VFIOKIT_JOURNAL,
			   strerror(-err));
	return err;
}
