// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bind and restore against a fake tree with a fake kernel: an observer on the library's
 * sysfs writes that does what the kernel does for driver_override, unbind and
 * drivers_probe. The real kernel is exercised in the vm lane.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "macro.h"
#include "path.h"
#include <vfiokit/vfiokit.h>

static const struct fx_dev devs[] = {
	{.bdf = "0000:00:01.0",
	 .vendor = 0x8086,
	 .device = 0x1901,
	 .class_code = 0x060400,
	 .group = 1,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x10de,
	 .device = 0x1b80,
	 .class_code = 0x030000,
	 .parent = "0000:00:01.0",
	 .group = 13,
	 .driver = "nouveau",
	 .multifunction = true,
	 .boot_vga = 0},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x10de,
	 .device = 0x10f0,
	 .class_code = 0x040300,
	 .parent = "0000:00:01.0",
	 .group = 13,
	 .driver = "snd_hda_intel",
	 .driver_override = "snd_hda_intel",
	 .multifunction = true,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:02:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 14,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:03:00.0",
	 .vendor = 0x8086,
	 .device = 0x10fb,
	 .class_code = 0x020000,
	 .group = 15,
	 .driver = "ixgbe",
	 .boot_vga = FX_ABSENT,
	 .sriov_total = 8,
	 .caps = FX_CAP_EXP | FX_CAP_SRIOV},
	/* NICs on e1000e, whose moves run side by side; two share slot 10:00. */
	{.bdf = "0000:0a:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 20,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:0b:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 21,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:0c:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 22,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:0d:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 23,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:0e:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 24,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:0f:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 25,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:10:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 26,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:10:00.1",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 26,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
};
static const struct fx_topology topo = {.name = "bind", .devs = devs, .n_devs = ARRAY_SIZE(devs)};
static const char *const nics[] = {"0000:0a:00.0", "0000:0b:00.0", "0000:0c:00.0", "0000:0d:00.0",
				   "0000:0e:00.0", "0000:0f:00.0", "0000:10:00.0", "0000:10:00.1"};

/* What the kernel would bind each device to when nothing overrides it. */
static const char *native(const char *bdf)
{
	if (strcmp(bdf, "0000:01:00.0") == 0)
		return "nouveau";
	if (strcmp(bdf, "0000:01:00.1") == 0)
		return "snd_hda_intel";
	for (size_t i = 0; i < ARRAY_SIZE(nics); i++)
		if (strcmp(bdf, nics[i]) == 0)
			return "e1000e";
	return NULL;
}

struct env {
	char *root;
	struct vfk_ctx *ctx;
	char writes[16384];
	int kill_after; /* the fake kernel exits the process after this many writes */
	int numvfs;	/* the PF's sriov_numvfs as the fake kernel last took it */
	int pause_fd;	/* when >= 0, the first write waits for a byte on it */
	int n_writes;
	char stuck[32];	   /* probing this device leaves it where it is... */
	char stuck_on[32]; /* ...when it would go to this driver */
	char reclaim[32];  /* vfio-pci's ids name this device: a probe gives it vfio-pci */
	/* The display hand-over: the platform driver refuses to let efifb go; systemctl
	 * exits 1; how many steps found their record in the journal when taken; the steps
	 * reported, as "action target note|". */
	bool efifb_stuck, systemctl_fails; /* systemctl_fails: `systemctl stop` exits 1 */
	int journaled;
	char steps[1024];
};

static void devpath(struct env *e, const char *bdf, char *buf, size_t size)
{
	char rel[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%s/sys/bus/pci/devices/%s", e->root, bdf);
	n = readlink(rel, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	/* "../../../devices/..." from sys/bus/pci/devices */
	snprintf(buf, size, "%s/sys/%s", e->root, link + strlen("../../../"));
}

static const char *driver_of(struct env *e, const char *bdf, char *buf, size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], link[PATH_MAX];
	ssize_t n;

	devpath(e, bdf, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/driver", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	snprintf(buf, size, "%s", strrchr(link, '/') + 1);
	return buf;
}

static void set_override(struct env *e, const char *bdf, const char *value)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	FILE *f;

	devpath(e, bdf, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/driver_override", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", value && *value && strcmp(value, "\n") ? value : "(null)");
	fclose(f);
}

static void link_driver(struct env *e, const char *bdf, const char *drv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], target[PATH_MAX + 32];

	devpath(e, bdf, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/driver", dir);
	snprintf(target, sizeof(target), "%s/sys/bus/pci/drivers/%s", e->root, drv);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/%s", e->root, drv, bdf);
	assert_int_equal(symlink(dir, path), 0);
}

static void unlink_driver(struct env *e, const char *bdf, const char *drv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];

	devpath(e, bdf, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/driver", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/%s", e->root, drv, bdf);
	unlink(path);
}

static bool journal_has(struct env *e, const char *needle)
{
	char path[PATH_MAX], buf[8192] = "";
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

/* The platform bus's bind and unbind: the device's driver link comes and goes. */
static int fake_platform(struct env *e, const char *path, const char *value)
{
	const char *drv = path + strlen(SYS_PLATFORM_DRIVERS "/"), *op = strchr(drv, '/');
	char link[PATH_MAX], target[PATH_MAX], name[64];
	ssize_t n;

	assert_non_null(op);
	snprintf(link, sizeof(link), "%s/" SYS_PLATFORM_DEVICES "/%s/driver", e->root, value);
	n = readlink(link, target, sizeof(target) - 1);
	if (strcmp(op, "/unbind") == 0) {
		snprintf(name, sizeof(name), "\"%s\"", value);
		if (journal_has(e, name))
			e->journaled++;
		if (e->efifb_stuck)
			return -EBUSY;
		if (n <= 0)
			return -ENODEV;
		assert_int_equal(unlink(link), 0);
		return 0;
	}
	assert_string_equal(op, "/bind");
	if (n > 0)
		return -EBUSY;
	snprintf(target, sizeof(target), "../../../bus/platform/drivers/%.*s", (int)(op - drv),
		 drv);
	assert_int_equal(symlink(target, link), 0);
	return 0;
}

static int fake_kernel(void *data, const char *path, const char *value)
{
	struct env *e = data;
	char drv[256], want[256], file[PATH_MAX + 32], dir[PATH_MAX];
	size_t len = strlen(path);

	e->n_writes++;
	if (e->pause_fd >= 0) {
		char c;

		/* Hold the transaction open so that another process can race it. */
		if (read(e->pause_fd, &c, 1) < 0)
			return -EIO;
		e->pause_fd = -1;
	}
	snprintf(e->writes + strlen(e->writes), sizeof(e->writes) - strlen(e->writes), "%s <- %s%s",
		 path, value, strchr(value, '\n') ? "" : "\n");
	if (strncmp(path, SYS_PLATFORM_DRIVERS "/", strlen(SYS_PLATFORM_DRIVERS "/")) == 0) {
		int err = fake_platform(e, path, value);

		if (err < 0)
			return err;
	} else if (strncmp(path, SYS_CLASS_VTCONSOLE "/", strlen(SYS_CLASS_VTCONSOLE "/")) == 0) {
		char name[32];

		snprintf(name, sizeof(name), "\"%.*s\"",
			 (int)strcspn(path + strlen(SYS_CLASS_VTCONSOLE "/"), "/"),
			 path + strlen(SYS_CLASS_VTCONSOLE "/"));
		if (strcmp(value, "0") == 0 && journal_has(e, name))
			e->journaled++;
	} else if (len > 16 && strcmp(path + len - 16, "/driver_override") == 0) {
		char bdf[32];

		snprintf(bdf, sizeof(bdf), "%.*s", (int)(len - 16 - strlen(SYS_PCI_DEVICES "/")),
			 path + strlen(SYS_PCI_DEVICES "/"));
		set_override(e, bdf, value);
	} else if (len > 14 && strcmp(path + len - 14, "/power/control") == 0) {
		char full[PATH_MAX + 32];
		FILE *f;

		/* sysfs replaces the value; the plain file took it without truncating. */
		snprintf(full, sizeof(full), "%s/%s", e->root, path);
		f = fopen(full, "w");
		assert_non_null(f);
		fprintf(f, "%s\n", value);
		fclose(f);
	} else if (len > 13 && strcmp(path + len - 13, "/sriov_numvfs") == 0) {
		char full[PATH_MAX + 32];
		FILE *f;

		snprintf(full, sizeof(full), "%s/%s", e->root, path);
		/* The kernel takes a new count only from zero. The file already holds the
		 * new value here, so the old one is remembered. */
		if (e->numvfs != 0 && atoi(value) != 0) {
			f = fopen(full, "w");
			assert_non_null(f);
			fprintf(f, "%d\n", e->numvfs);
			fclose(f);
			return -EBUSY;
		}
		e->numvfs = atoi(value);
		f = fopen(full, "w");
		assert_non_null(f);
		fprintf(f, "%d\n", atoi(value));
		fclose(f);
	} else if (len > 7 && strcmp(path + len - 7, "/unbind") == 0) {
		snprintf(drv, sizeof(drv), "%.*s", (int)(len - 7 - strlen(SYS_PCI_DRIVERS "/")),
			 path + strlen(SYS_PCI_DRIVERS "/"));
		if (!driver_of(e, value, want, sizeof(want)) || strcmp(want, drv) != 0)
			return -ENODEV;
		unlink_driver(e, value, drv);
	} else if (strcmp(path, SYS_PCI_DRIVERS_PROBE) == 0) {
		FILE *f;

		if (driver_of(e, value, drv, sizeof(drv)))
			goto out;
		devpath(e, value, dir, sizeof(dir));
		snprintf(file, sizeof(file), "%s/driver_override", dir);
		f = fopen(file, "r");
		assert_non_null(f);
		assert_non_null(fgets(want, sizeof(want), f));
		fclose(f);
		want[strcspn(want, "\n")] = '\0';
		if (strcmp(want, "(null)") == 0 && strcmp(value, e->reclaim) == 0)
			snprintf(want, sizeof(want), "vfio-pci");
		else if (strcmp(want, "(null)") == 0)
			snprintf(want, sizeof(want), "%s", native(value) ? native(value) : "");
		/* A driver whose probe fails or never finishes: the device stays unbound. */
		if (strcmp(value, e->stuck) == 0 && strcmp(want, e->stuck_on) == 0)
			goto out;
		snprintf(file, sizeof(file), "%s/sys/bus/pci/drivers/%s", e->root, want);
		if (*want && access(file, F_OK) == 0)
			link_driver(e, value, want);
	}
out:
	if (e->kill_after && e->n_writes == e->kill_after)
		_exit(9);
	return 0;
}

/* Every device's driver and driver_override, to compare states. */
static void state(struct env *e, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < topo.n_devs; i++) {
		char drv[256], dir[PATH_MAX], path[PATH_MAX + 32], ov[256] = "";
		FILE *f;

		devpath(e, devs[i].bdf, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/driver_override", dir);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(ov, sizeof(ov), f))
				ov[0] = '\0';
			fclose(f);
		}
		ov[strcspn(ov, "\n")] = '\0';
		len += (size_t)snprintf(buf + len, size - len, "%s=%s/%s ", devs[i].bdf,
					driver_of(e, devs[i].bdf, drv, sizeof(drv)) ? drv : "-",
					ov);
	}
}

static int setup(void **state_)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(fx_build(e->root, &topo), 0);
	assert_int_equal(fx_write_file(e->root, "sys/bus/pci/drivers/vfio-pci/unbind", ""), 0);
	assert_int_equal(fx_write_file(e->root, "sys/bus/pci/drivers/vfio-pci/bind", ""), 0);
	assert_int_equal(fx_mkdir_p(e->root, "run"), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	path_set_write_observer(e->ctx, fake_kernel, e);
	e->pause_fd = -1;
	*state_ = e;
	return 0;
}

static int teardown(void **state_)
{
	struct env *e = *state_;

	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static void get(struct env *e, const char *bdf, struct vfk_device **ret)
{
	assert_int_equal(vfk_device_new_from_string(e->ctx, bdf, ret), 0);
}

static int bind2(struct env *e, char **detail)
{
	struct vfk_device *d[2];
	int err;

	get(e, "0000:01:00.0", &d[0]);
	get(e, "0000:01:00.1", &d[1]);
	err = vfk_bind(e->ctx, d, 2, 0, NULL, NULL, detail);
	vfk_device_unref(d[0]);
	vfk_device_unref(d[1]);
	return err;
}

static int bind_nics(struct env *e, char **detail)
{
	struct vfk_device *d[ARRAY_SIZE(nics)];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(nics); i++)
		get(e, nics[i], &d[i]);
	err = vfk_bind(e->ctx, d, ARRAY_SIZE(nics), 0, NULL, NULL, detail);
	for (size_t i = 0; i < ARRAY_SIZE(nics); i++)
		vfk_device_unref(d[i]);
	return err;
}

/* Eight NICs on an allow-listed driver move on several threads: all move, all come
 * back, and a failed write at any point of the parallel run leaves everything as it was
 * with an empty journal. */
static void test_parallel(void **state_)
{
	struct env *e = *state_;
	char before[4096], after[4096], drv[64];
	char **list;
	size_t n;
	int total;

	state(e, before, sizeof(before));
	assert_int_equal(bind_nics(e, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(nics); i++)
		assert_string_equal(driver_of(e, nics[i], drv, sizeof(drv)), "vfio-pci");
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, ARRAY_SIZE(nics));
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	total = e->n_writes;
	assert_int_equal(total, 3 * (int)ARRAY_SIZE(nics));
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
	for (int nth = 1; nth <= total; nth++) {
		char *detail = NULL;

		path_fault_set(e->ctx, (unsigned int)nth, EIO);
		assert_int_equal(bind_nics(e, &detail), -EIO);
		path_fault_set(e->ctx, 0, 0);
		assert_non_null(detail);
		free(detail);
		state(e, after, sizeof(after));
		if (strcmp(after, before) != 0)
			fail_msg("fault on write %d: %s != %s", nth, after, before);
		assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
		assert_int_equal(n, 0);
		free(list);
	}
}

static void write_power(struct env *e, const char *bdf, const char *value)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	FILE *f;

	devpath(e, bdf, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/power", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/power/control", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", value);
	fclose(f);
}

/* The journal keeps power/control; restore puts back a value changed meanwhile. */
static void test_power_control(void **state_)
{
	struct env *e = *state_;
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[64] = "";
	char *journal = NULL;
	FILE *f;

	write_power(e, "0000:01:00.0", "on");
	write_power(e, "0000:01:00.1", "auto");
	assert_int_equal(bind2(e, NULL), 0);
	snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	journal = calloc(1, 65536);
	assert_int_equal(fread(journal, 1, 65535, f) > 0, true);
	fclose(f);
	assert_non_null(strstr(journal, "\"power_control\": \"on\""));
	free(journal);
	write_power(e, "0000:01:00.0", "auto");
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	devpath(e, "0000:01:00.0", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/power/control", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	assert_string_equal(buf, "on");
}

static void test_bind_and_restore(void **state_)
{
	struct env *e = *state_;
	char before[1024], after[1024], *detail = NULL, **list;
	size_t n;

	state(e, before, sizeof(before));
	assert_int_equal(bind2(e, &detail), 0);
	assert_null(detail);
	/* The exact writes, in order: override, unbind, probe; never new_id. */
	assert_string_equal(e->writes,
			    "sys/bus/pci/devices/0000:01:00.0/driver_override <- vfio-pci\n"
			    "sys/bus/pci/drivers/nouveau/unbind <- 0000:01:00.0\n"
			    "sys/bus/pci/drivers_probe <- 0000:01:00.0\n"
			    "sys/bus/pci/devices/0000:01:00.1/driver_override <- vfio-pci\n"
			    "sys/bus/pci/drivers/snd_hda_intel/unbind <- 0000:01:00.1\n"
			    "sys/bus/pci/drivers_probe <- 0000:01:00.1\n");
	state(e, after, sizeof(after));
	assert_non_null(strstr(after, "0000:01:00.0=vfio-pci/vfio-pci"));
	assert_non_null(strstr(after, "0000:01:00.1=vfio-pci/vfio-pci"));
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "0000:01:00.0");
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);

	/* Binding again changes nothing. */
	e->writes[0] = '\0';
	assert_int_equal(bind2(e, NULL), 0);
	assert_string_equal(e->writes, "");

	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, &detail), 0);
	free(detail);
	state(e, after, sizeof(after));
	/* Back exactly, including the audio function's own driver_override. */
	assert_string_equal(after, before);
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

/* A device that had no driver stays without one after restore. */
static void test_unbound_device(void **state_)
{
	struct env *e = *state_;
	struct vfk_device *d;
	char before[1024], after[1024];
	const char *bdf = "0000:02:00.0";

	state(e, before, sizeof(before));
	get(e, bdf, &d);
	assert_int_equal(vfk_bind(e->ctx, &d, 1, 0, NULL, NULL, NULL), 0);
	vfk_device_unref(d);
	state(e, after, sizeof(after));
	assert_non_null(strstr(after, "0000:02:00.0=vfio-pci/"));
	e->writes[0] = '\0';
	assert_int_equal(vfk_restore(e->ctx, &bdf, 1, 0, NULL, NULL, NULL), 0);
	assert_null(strstr(e->writes, "drivers_probe"));
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
}

/* Fail the Nth write for every N: the tree must end where it began, the journal empty. */
static void test_fault_sweep(void **state_)
{
	struct env *e = *state_;
	char before[1024], after[1024];
	int total;

	state(e, before, sizeof(before));
	assert_int_equal(bind2(e, NULL), 0);
	total = e->n_writes;
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	for (int nth = 1; nth <= total; nth++) {
		char *detail = NULL, **list;
		size_t n;

		path_fault_set(e->ctx, (unsigned int)nth, EIO);
		assert_int_equal(bind2(e, &detail), -EIO);
		path_fault_set(e->ctx, 0, 0);
		assert_non_null(detail);
		assert_non_null(strstr(detail, "Input/output error"));
		free(detail);
		state(e, after, sizeof(after));
		if (strcmp(after, before) != 0)
			fail_msg("fault on write %d: %s != %s", nth, after, before);
		assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
		assert_int_equal(n, 0);
		free(list);
	}
}

/* Kill the process after every write; restore --all must then bring everything back. */
static void test_kill_sweep(void **state_)
{
	struct env *e = *state_;
	char before[1024], after[1024];
	int total;

	state(e, before, sizeof(before));
	assert_int_equal(bind2(e, NULL), 0);
	total = e->n_writes;
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	for (int k = 1; k <= total; k++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			e->n_writes = 0;
			e->kill_after = k;
			bind2(e, NULL);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 9);
		assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
		state(e, after, sizeof(after));
		if (strcmp(after, before) != 0)
			fail_msg("killed after write %d: %s != %s", k, after, before);
	}
}

static void test_lock(void **state_)
{
	struct env *e = *state_;
	char *detail = NULL;
	int fd;

	assert_int_equal(fx_mkdir_p(e->root, "run/vfiokit"), 0);
	fd = path_lock(e->ctx, "run/vfiokit/lock");
	assert_true(fd >= 0);
	/* flock locks belong to the open file: a second open in this process conflicts. */
	assert_int_equal(bind2(e, &detail), -EBUSY);
	assert_non_null(strstr(detail, "another vfiokit"));
	assert_string_equal(e->writes, "");
	free(detail);
	close(fd);
}

/* Two processes: the second is refused while the first is in its transaction, and the
 * first then finishes undisturbed. */
static void test_two_processes(void **state_)
{
	struct env *e = *state_;
	char *detail = NULL, after[1024];
	int go[2], ready[2], status;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vfk_ctx *ctx;

		/* A process of its own, with its own context and lock descriptor. */
		assert_int_equal(vfk_ctx_new(e->root, &ctx), 0);
		path_set_write_observer(ctx, fake_kernel, e);
		e->pause_fd = go[0];
		e->ctx = ctx;
		assert_int_equal(write(ready[1], "r", 1), 1);
		_exit(bind2(e, NULL) == 0 ? 0 : 1);
	}
	/* The child holds the lock once it waits in its first write. */
	{
		char c;

		assert_int_equal(read(ready[0], &c, 1), 1);
	}
	for (int i = 0; i < 100; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
		if (access(path, F_OK) == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(bind2(e, &detail), -EBUSY);
	assert_non_null(strstr(detail, "another vfiokit"));
	free(detail);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	state(e, after, sizeof(after));
	assert_non_null(strstr(after, "0000:01:00.0=vfio-pci/vfio-pci"));
	assert_non_null(strstr(after, "0000:01:00.1=vfio-pci/vfio-pci"));
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

static void collect(void *data, const char *path, const char *value)
{
	char *buf = data;

	snprintf(buf + strlen(buf), 1024 - strlen(buf), "%s=%s;", path, value);
}

static void test_dry_run(void **state_)
{
	struct env *e = *state_;
	char before[1024], after[1024], seen[1024] = "";
	struct vfk_device *d;
	char path[PATH_MAX];

	state(e, before, sizeof(before));
	get(e, "0000:01:00.0", &d);
	assert_int_equal(vfk_bind(e->ctx, &d, 1, VFK_BIND_DRY_RUN, collect, seen, NULL), 0);
	vfk_device_unref(d);
	assert_string_equal(seen, "sys/bus/pci/devices/0000:01:00.0/driver_override=vfio-pci;"
				  "sys/bus/pci/drivers/nouveau/unbind=0000:01:00.0;"
				  "sys/bus/pci/drivers_probe=0000:01:00.0;");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
	snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_restore_refuses_open_group(void **state_)
{
	struct env *e = *state_;
	char *detail = NULL;
	const char *bdf = "0000:01:00.0";

	assert_int_equal(bind2(e, NULL), 0);
	assert_int_equal(fx_symlink(e->root, "proc/4242/fd/7", "/dev/vfio/13"), 0);
	assert_int_equal(fx_write_file(e->root, "proc/4242/comm", "qemu-system-x86\n"), 0);
	e->writes[0] = '\0';
	assert_int_equal(vfk_restore(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), -EBUSY);
	assert_non_null(strstr(detail, "4242 (qemu-system-x86) holds /dev/vfio/13"));
	assert_string_equal(e->writes, "");
	free(detail);
}

static void test_moved_by_someone_else(void **state_)
{
	struct env *e = *state_;
	char *detail = NULL, **list;
	size_t n;

	assert_int_equal(bind2(e, NULL), 0);
	unlink_driver(e, "0000:01:00.0", "vfio-pci");
	link_driver(e, "0000:01:00.0", "snd_hda_intel");
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, &detail), 0);
	assert_non_null(strstr(detail, "0000:01:00.0: now on snd_hda_intel"));
	free(detail);
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

static void test_sriov(void **state_)
{
	struct env *e = *state_;
	char before[1024], after[1024], *detail = NULL, path[PATH_MAX + 64], buf[16];
	struct vfk_device *pf;
	FILE *f;

	state(e, before, sizeof(before));
	get(e, "0000:03:00.0", &pf);
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 4, 0, NULL, NULL, NULL), 0);
	/* 4 -> 2 must pass through 0; the journal keeps the first count, 0. */
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 2, 0, NULL, NULL, NULL), 0);
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 9, 0, NULL, NULL, &detail), -ERANGE);
	assert_non_null(strstr(detail, "at most 8"));
	free(detail);
	assert_string_equal(e->writes, "sys/bus/pci/devices/0000:03:00.0/sriov_numvfs <- 4\n"
				       "sys/bus/pci/devices/0000:03:00.0/sriov_numvfs <- 0\n"
				       "sys/bus/pci/devices/0000:03:00.0/sriov_numvfs <- 2\n");
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "0\n");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
	vfk_device_unref(pf);
}

/*
 * restore --all goes newest first, and a PF's sriov_numvfs goes alone: a device moved
 * after the count changed (as a VF is) is back on its driver before the count is put
 * back, which would remove the VFs; one moved before goes after it.
 */
static void test_sriov_restore_order(void **state_)
{
	struct env *e = *state_;
	struct vfk_device *pf, *vf, *other;
	const char *numvfs = "sys/bus/pci/devices/0000:03:00.0/sriov_numvfs <- 0";
	char *a, *b, *c;

	get(e, "0000:03:00.0", &pf);
	get(e, "0000:0a:00.0", &vf);
	get(e, "0000:0b:00.0", &other);
	assert_int_equal(vfk_bind(e->ctx, &other, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 2, 0, NULL, NULL, NULL), 0);
	assert_int_equal(vfk_bind(e->ctx, &vf, 1, 0, NULL, NULL, NULL), 0);
	e->writes[0] = '\0';
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	a = strstr(e->writes, "sys/bus/pci/drivers/vfio-pci/unbind <- 0000:0a:00.0");
	b = strstr(e->writes, numvfs);
	c = strstr(e->writes, "sys/bus/pci/drivers/vfio-pci/unbind <- 0000:0b:00.0");
	if (!a || !b || !c || !(a < b && b < c))
		fail_msg("restore order:\n%s", e->writes);
	vfk_device_unref(pf);
	vfk_device_unref(vf);
	vfk_device_unref(other);
}

static void test_restore_unknown(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:02:00.0";
	char *detail = NULL;

	assert_int_equal(vfk_restore(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), -ENOENT);
	assert_non_null(strstr(detail, "not in the journal"));
	free(detail);
}

static void write_journal(struct env *e, const char *text)
{
	assert_int_equal(fx_write_file(e->root, "run/vfiokit/journal.json", text), 0);
}

#define ENTRY(bdf, drv) "{\"bdf\": \"" bdf "\", \"driver\": " drv ", \"driver_override\": null, "
/* A journal that is not exactly what vfiokit writes stops bind, its dry run and restore:
 * -EBADMSG, a detail naming the file and the fault, no write, and the file untouched. */
#define LENT(node, uid, gid, mode)                                                                 \
	"{\"node\": \"" node "\", \"uid\": " #uid ", \"gid\": " #gid ", \"mode\": " #mode "}"

static void test_damaged_journal(void **state_)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"{\"format\": 1, \"devices\": [", "ends in the middle of the JSON"},
		{"", "ends in the middle of the JSON"},
		{"[]", "not a JSON object"},
		{"{\"devices\": []}", "\"format\" is not 1"},
		{"{\"format\": 1, \"devices\": {}}", "\"devices\" is not an array"},
		{"{\"format\": 1, \"devices\": [] } x", "text after the JSON object"},
		{"{\"format\": 1, \"devices\": [null]}", "devices[0] is not an object"},
		{"{\"format\": 1, \"devices\": [], \"display\": {}}",
		 "\"display\" is not an array"},
		{"{\"format\": 1, \"devices\": [], \"display\": [{\"step\": \"reboot\", "
		 "\"bdf\": \"0000:01:00.0\", \"name\": \"vtcon1\"}]}",
		 "display[0].step is not"},
		{"{\"format\": 1, \"devices\": [], \"display\": [{\"step\": \"framebuffer\", "
		 "\"bdf\": \"0000:01:00.0\", \"name\": \"../../etc\", \"driver\": \"efifb\"}]}",
		 "display[0]: '../../etc' is not what a framebuffer step names"},
		{"{\"format\": 1, \"devices\": [], \"display\": [{\"step\": \"display-manager\", "
		 "\"bdf\": \"0000:01:00.0\", \"name\": \"sshd.service\"}]}",
		 "display[0]: 'sshd.service' is not what a display-manager step names"},
		{"{\"format\": 1, \"devices\": [], \"display\": [{\"step\": \"console\", "
		 "\"bdf\": \"0000:01:00.0\", \"name\": \"vtcon1\"}, {\"step\": \"console\", "
		 "\"bdf\": \"0000:01:00.0\", \"name\": \"vtcon1\"}]}",
		 "display[1]: vtcon1 is in the journal twice"},
		{"{\"format\": 1, \"devices\": [" ENTRY(
			 "0000:01:00.0", "\"../../tmp/evil\"") "\"state\": \"bound\"}]}",
		 "devices[0].driver '../../tmp/evil' is not a driver name"},
		{"{\"format\": 1, \"devices\": [" ENTRY("0000:01:00.0",
							"\".hidden\"") "\"state\": \"bound\"}]}",
		 "devices[0].driver '.hidden' is not a driver name"},
		{"{\"format\": 1, \"devices\": [" ENTRY("01:00.0",
							"\"nouveau\"") "\"state\": \"bound\"}]}",
		 "devices[0].bdf is not a full PCI address"},
		{"{\"format\": 1, \"devices\": [" ENTRY("0000:01:00.0",
							"7") "\"state\": \"bound\"}]}",
		 "devices[0].driver is not a string or null"},
		{"{\"format\": 1, \"devices\": [{\"bdf\": \"0000:01:00.0\", \"driver\": null, "
		 "\"state\": \"bound\"}]}",
		 "devices[0] has no \"driver_override\""},
		{"{\"format\": 1, \"devices\": [" ENTRY("0000:01:00.0",
							"null") "\"state\": \"gone\"}]}",
		 "devices[0].state is not"},
		{"{\"format\": 1, \"devices\": [" ENTRY(
			 "0000:01:00.0", "null") "\"state\": \"bound\", \"power_control\": 1}]}",
		 "devices[0].power_control is not"},
		{"{\"format\": 1, \"devices\": [" ENTRY(
			 "0000:03:00.0", "null") "\"state\": \"sriov\", \"sriov_numvfs\": -4}]}",
		 "devices[0].sriov_numvfs is not a count"},
		{"{\"format\": 1, \"devices\": [" ENTRY("0000:03:00.0",
							"null") "\"state\": \"sriov\"}]}",
		 "\"sriov_numvfs\" belongs with state \"sriov\""},
		{"{\"format\": 1, \"devices\": [" ENTRY(
			 "0000:01:00.0",
			 "\"nouveau\"") "\"state\": \"bound\"}, " ENTRY("0000:01:00.0",
									"\"nouveau\"") "\"state\": "
										       "\"bound\"}]"
										       "}",
		 "devices[1]: 0000:01:00.0 is in the journal twice"},
		{"{\"format\": 1, \"devices\": [], \"lent\": {}}", "\"lent\" is not an array"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT("../../etc/shadow", 0, 0,
								     384) "]}",
		 "lent[0].node is not a VFIO file"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT("dev/vfio/vfio", 0, 0,
								     384) "]}",
		 "lent[0].node is not a VFIO file"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT("dev/vfio/12/../../../x", 0, 0,
								     384) "]}",
		 "lent[0].node is not a VFIO file"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT("dev/vfio/12", -1, 0,
								     384) "]}",
		 "lent[0].uid is not a number"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT("dev/vfio/12", 0, 0,
								     70000) "]}",
		 "lent[0].mode is not a number"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [{\"node\": \"dev/vfio/12\"}]}",
		 "lent[0].uid is not a number"},
		{"{\"format\": 1, \"devices\": [], \"lent\": [" LENT(
			 "dev/vfio/devices/vfio0", 0, 0, 384) ", " LENT("dev/vfio/devices/vfio0", 0,
									0, 384) "]}",
		 "lent[1]: dev/vfio/devices/vfio0 is in the journal twice"},
	};
	char before[1024], after[1024], path[PATH_MAX], text[1024];
	struct vfk_device *d;
	char **list;
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env *e = *state_;
		char *detail = NULL;
		FILE *f;

		write_journal(e, cases[i].text);
		state(e, before, sizeof(before));
		e->writes[0] = '\0';
		assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), -EBADMSG);
		assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, &detail), -EBADMSG);
		if (!detail || !strstr(detail, cases[i].why) ||
		    !strstr(detail, "/run/vfiokit/journal.json is damaged"))
			fail_msg("case %zu: restore said '%s', want '%s'", i, detail, cases[i].why);
		free(detail);
		detail = NULL;
		get(e, "0000:01:00.0", &d);
		assert_int_equal(vfk_bind(e->ctx, &d, 1, VFK_BIND_DRY_RUN, NULL, NULL, &detail),
				 -EBADMSG);
		assert_non_null(strstr(detail, cases[i].why));
		free(detail);
		detail = NULL;
		assert_int_equal(vfk_bind(e->ctx, &d, 1, 0, NULL, NULL, &detail), -EBADMSG);
		assert_non_null(strstr(detail, cases[i].why));
		free(detail);
		vfk_device_unref(d);
		assert_string_equal(e->writes, "");
		state(e, after, sizeof(after));
		assert_string_equal(after, before);
		snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
		f = fopen(path, "r");
		assert_non_null(f);
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
		assert_string_equal(text, cases[i].text);
	}
}

/* A device already in the journal (its move did not finish) keeps its first entry, which
 * holds the original driver: a second bind adds none, and restore goes back to it. */
static void test_bind_keeps_first_entry(void **state_)
{
	struct env *e = *state_;
	char drv[64], path[PATH_MAX], *text;
	struct vfk_device *d;
	char **list;
	size_t n;
	FILE *f;

	write_journal(e, "{\"format\": 1, \"devices\": [" ENTRY(
				 "0000:01:00.0", "\"nouveau\"") "\"state\": \"moving\"}]}");
	/* The interrupted move left it on no driver. */
	unlink_driver(e, "0000:01:00.0", "nouveau");
	get(e, "0000:01:00.0", &d);
	assert_int_equal(vfk_bind(e->ctx, &d, 1, 0, NULL, NULL, NULL), 0);
	vfk_device_unref(d);
	assert_string_equal(driver_of(e, "0000:01:00.0", drv, sizeof(drv)), "vfio-pci");
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list[0]);
	free(list);
	snprintf(path, sizeof(path), "%s/run/vfiokit/journal.json", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, 65536);
	assert_true(fread(text, 1, 65535, f) > 0);
	fclose(f);
	assert_non_null(strstr(text, "\"driver\": \"nouveau\""));
	assert_non_null(strstr(text, "\"state\": \"bound\""));
	free(text);
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	assert_string_equal(driver_of(e, "0000:01:00.0", drv, sizeof(drv)), "nouveau");
}

/*
 * A device that does not come up on vfio-pci within the probes bind makes: -ETIMEDOUT,
 * named, and put back on its driver with the journal clean. One whose driver does not
 * take it back on restore: -ETIMEDOUT, and its entry kept for another try.
 */
static void test_probe_timeout(void **state_)
{
	struct env *e = *state_;
	struct vfk_device *d;
	char drv[64], *detail = NULL;
	char **list;
	size_t n;

	snprintf(e->stuck, sizeof(e->stuck), "0000:01:00.0");
	snprintf(e->stuck_on, sizeof(e->stuck_on), "vfio-pci");
	get(e, "0000:01:00.0", &d);
	assert_int_equal(vfk_bind(e->ctx, &d, 1, 0, NULL, NULL, &detail), -ETIMEDOUT);
	assert_non_null(detail);
	assert_non_null(
		strstr(detail, "0000:01:00.0: did not come up on vfio-pci after 10 probes"));
	free(detail);
	detail = NULL;
	assert_string_equal(driver_of(e, "0000:01:00.0", drv, sizeof(drv)), "nouveau");
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);

	e->stuck[0] = '\0';
	assert_int_equal(vfk_bind(e->ctx, &d, 1, 0, NULL, NULL, NULL), 0);
	vfk_device_unref(d);
	snprintf(e->stuck, sizeof(e->stuck), "0000:01:00.0");
	snprintf(e->stuck_on, sizeof(e->stuck_on), "nouveau");
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, &detail), -ETIMEDOUT);
	assert_non_null(strstr(detail, "0000:01:00.0: did not come up on nouveau"));
	free(detail);
	assert_null(driver_of(e, "0000:01:00.0", drv, sizeof(drv)));
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list[0]);
	free(list);
	e->stuck[0] = '\0';
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	assert_string_equal(driver_of(e, "0000:01:00.0", drv, sizeof(drv)), "nouveau");
}

/* What `persist` or another tool leaves: the device on vfio-pci through driver_override,
 * and no journal entry. */
static void reserve(struct env *e, const char *bdf, const char *from)
{
	set_override(e, bdf, "vfio-pci");
	if (from)
		unlink_driver(e, bdf, from);
	link_driver(e, bdf, "vfio-pci");
}

static void test_release(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char before[4096], after[4096], *detail = NULL, **list;
	size_t n;

	state(e, before, sizeof(before));
	reserve(e, bdf, "e1000e");
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), 0);
	assert_null(detail);
	assert_string_equal(e->writes, "sys/bus/pci/devices/0000:0a:00.0/driver_override <- \n"
				       "sys/bus/pci/drivers/vfio-pci/unbind <- 0000:0a:00.0\n"
				       "sys/bus/pci/drivers_probe <- 0000:0a:00.0\n");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

/* No driver claims it: still a success, and said. */
static void test_release_no_driver(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:02:00.0";
	char before[4096], after[4096], *detail = NULL;

	state(e, before, sizeof(before));
	reserve(e, bdf, NULL);
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), 0);
	assert_non_null(detail);
	assert_non_null(strstr(detail, "0000:02:00.0: no driver claimed it"));
	assert_non_null(strstr(detail, "8086:10d3"));
	free(detail);
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
}

static void test_release_dry_run(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char before[4096], after[4096], seen[1024] = "";
	char path[PATH_MAX];

	reserve(e, bdf, "e1000e");
	state(e, before, sizeof(before));
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, VFK_BIND_DRY_RUN, collect, seen, NULL), 0);
	assert_string_equal(seen, "sys/bus/pci/devices/0000:0a:00.0/driver_override=\n;"
				  "sys/bus/pci/drivers/vfio-pci/unbind=0000:0a:00.0;"
				  "sys/bus/pci/drivers_probe=0000:0a:00.0;");
	assert_string_equal(e->writes, "");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
	snprintf(path, sizeof(path), "%s/run/vfiokit", e->root);
	assert_int_equal(access(path, F_OK), -1);
}

/* A device vfiokit moved is restore's: refused, naming the command, and no device of
 * the call changes. */
static void test_release_refuses_journal(void **state_)
{
	struct env *e = *state_;
	const char *bdfs[] = {"0000:0a:00.0", "0000:01:00.0"};
	char before[4096], after[4096], *detail = NULL;

	assert_int_equal(bind2(e, NULL), 0);
	reserve(e, bdfs[0], "e1000e");
	state(e, before, sizeof(before));
	e->writes[0] = '\0';
	assert_int_equal(vfk_release(e->ctx, bdfs, 2, 0, NULL, NULL, &detail), -EEXIST);
	assert_non_null(strstr(detail, "0000:01:00.0: vfiokit moved it"));
	assert_non_null(strstr(detail, "vfiokit restore 0000:01:00.0"));
	free(detail);
	assert_string_equal(e->writes, "");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
}

/* A process with the group open is named; nothing changes, also for the other device. */
static void test_release_refuses_open_group(void **state_)
{
	struct env *e = *state_;
	const char *bdfs[] = {"0000:0b:00.0", "0000:0a:00.0"};
	char before[4096], after[4096], *detail = NULL;

	reserve(e, bdfs[0], "e1000e");
	reserve(e, bdfs[1], "e1000e");
	assert_int_equal(fx_symlink(e->root, "proc/4242/fd/7", "/dev/vfio/20"), 0);
	assert_int_equal(fx_write_file(e->root, "proc/4242/comm", "qemu-system-x86\n"), 0);
	state(e, before, sizeof(before));
	assert_int_equal(vfk_release(e->ctx, bdfs, 2, 0, NULL, NULL, &detail), -EBUSY);
	assert_non_null(
		strstr(detail, "0000:0a:00.0: process 4242 (qemu-system-x86) holds /dev/vfio/20"));
	free(detail);
	assert_string_equal(e->writes, "");
	state(e, after, sizeof(after));
	assert_string_equal(after, before);
}

/* Not on vfio-pci: nothing to do, said, success. */
static void test_release_not_on_vfio(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0b:00.0";
	char *detail = NULL;

	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), 0);
	assert_non_null(strstr(detail, "0000:0b:00.0: not on vfio-pci (on e1000e): already "
				       "released, nothing to do"));
	free(detail);
	assert_string_equal(e->writes, "");
}

/* What gives it to vfio-pci again at the next boot is a warning, not a refusal. */
static void test_release_next_boot(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char *detail = NULL, drv[64];

	reserve(e, bdf, "e1000e");
	assert_int_equal(fx_write_file(e->root, "proc/cmdline",
				       "BOOT_IMAGE=/vmlinuz intel_iommu=on "
				       "vfio-pci.ids=10de:1b80,8086:10d3 quiet\n"),
			 0);
	assert_int_equal(fx_write_file(e->root, "etc/udev/rules.d/01-vfiokit.rules",
				       "ACTION==\"add\", SUBSYSTEM==\"pci\", "
				       "KERNEL==\"0000:0a:00.0\", ATTR{vendor}==\"0x8086\", "
				       "ATTR{driver_override}=\"vfio-pci\"\n"),
			 0);
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), 0);
	assert_non_null(strstr(detail, "vfio-pci.ids=10de:1b80,8086:10d3 on the kernel command "
				       "line names 8086:10d3"));
	assert_non_null(strstr(detail, "udev rule /etc/udev/rules.d/01-vfiokit.rules"));
	assert_non_null(strstr(detail, "vfiokit persist --undo"));
	free(detail);
	assert_string_equal(driver_of(e, bdf, drv, sizeof(drv)), "e1000e");
}

/* A VF that persist --vfs --bind-vfs reserves through its PF's rule, named by address
 * only in the line that probes it. */
static void test_release_next_boot_vf(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char *detail = NULL;

	reserve(e, bdf, "e1000e");
	assert_int_equal(fx_write_file(e->root, "etc/udev/rules.d/01-vfiokit.rules",
				       "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", "
				       "KERNEL==\"0000:09:00.0\", ATTR{sriov_numvfs}==\"2\", "
				       "ATTR{virtfn0/driver_override}=\"vfio-pci\", "
				       "ATTR{[subsystem/pci]drivers_probe}=\"0000:0a:00.0\"\n"
				       "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", "
				       "KERNEL==\"0000:09:00.0\", ATTR{sriov_numvfs}==\"2\", "
				       "ATTR{virtfn1/driver_override}=\"vfio-pci\", "
				       "ATTR{[subsystem/pci]drivers_probe}=\"0000:0a:00.1\"\n"),
			 0);
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), 0);
	assert_non_null(detail);
	assert_non_null(strstr(detail, "creates it with its physical function"));
	assert_null(strstr(detail, "KERNEL"));
	free(detail);
}

static void test_release_lock(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char *detail = NULL;
	int fd;

	reserve(e, bdf, "e1000e");
	assert_int_equal(fx_mkdir_p(e->root, "run/vfiokit"), 0);
	fd = path_lock(e->ctx, "run/vfiokit/lock");
	assert_true(fd >= 0);
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), -EBUSY);
	assert_non_null(strstr(detail, "another vfiokit"));
	assert_string_equal(e->writes, "");
	free(detail);
	close(fd);
}

/* vfio-pci's ids take the device back on the probe: a failure that says why. */
static void test_release_taken_again(void **state_)
{
	struct env *e = *state_;
	const char *bdf = "0000:0a:00.0";
	char *detail = NULL, drv[64];

	reserve(e, bdf, "e1000e");
	snprintf(e->reclaim, sizeof(e->reclaim), "%s", bdf);
	assert_int_equal(fx_write_file(e->root, "proc/cmdline", "quiet vfio-pci.ids=8086:10d3\n"),
			 0);
	assert_int_equal(vfk_release(e->ctx, &bdf, 1, 0, NULL, NULL, &detail), -EAGAIN);
	assert_non_null(strstr(detail, "0000:0a:00.0: vfio-pci took it again when probed"));
	assert_non_null(strstr(detail, "vfio-pci.ids=8086:10d3 on the kernel command line"));
	free(detail);
	assert_string_equal(driver_of(e, bdf, drv, sizeof(drv)), "vfio-pci");
}

/* A failed write stops the run: the devices before it stay released, and it says so. */
static void test_release_write_fails(void **state_)
{
	struct env *e = *state_;
	const char *bdfs[] = {"0000:0a:00.0", "0000:0b:00.0"};
	char *detail = NULL, drv[64];

	reserve(e, bdfs[0], "e1000e");
	reserve(e, bdfs[1], "e1000e");
	/* The fourth write is the second device's driver_override. */
	path_fault_set(e->ctx, 4, EIO);
	assert_int_equal(vfk_release(e->ctx, bdfs, 2, 0, NULL, NULL, &detail), -EIO);
	path_fault_set(e->ctx, 0, 0);
	assert_non_null(strstr(detail, "0000:0b:00.0: writing \"\n\" to "
				       "/sys/bus/pci/devices/0000:0b:00.0/driver_override failed"));
	assert_non_null(strstr(detail, "1 device before 0000:0b:00.0 was released"));
	free(detail);
	assert_string_equal(driver_of(e, bdfs[0], drv, sizeof(drv)), "e1000e");
	assert_string_equal(driver_of(e, bdfs[1], drv, sizeof(drv)), "vfio-pci");
}

/* --- The display hand-over (bind --release-display). The GPU 01:00.0 carries the
 * host's display: DRM card0, fb0 with fbcon on it (vtcon1; vtcon0 is the dummy console),
 * efifb in its first BAR, bound to efi-framebuffer; gdm runs, with Xorg (1234, started
 * by gdm) holding card0. systemctl is the run observer below, which stops and starts
 * gdm's processes. */
#define GPU "0000:01:00.0"
#define DM_STOP "$ systemctl stop display-manager.service\n"
#define DM_START "$ systemctl start display-manager.service\n"
#define CON_OFF SYS_CLASS_VTCONSOLE "/vtcon1/bind <- 0\n"
#define CON_ON SYS_CLASS_VTCONSOLE "/vtcon1/bind <- 1\n"
#define FB_OFF SYS_PLATFORM_DRIVERS "/efi-framebuffer/unbind <- efi-framebuffer.0\n"
#define FB_ON SYS_PLATFORM_DRIVERS "/efi-framebuffer/bind <- efi-framebuffer.0\n"

static void display_manager(struct env *e, bool running)
{
	char path[PATH_MAX];

	if (!running) {
		snprintf(path, sizeof(path), "%s/proc/900", e->root);
		fx_rmtree(path);
		snprintf(path, sizeof(path), "%s/proc/1234", e->root);
		fx_rmtree(path);
		return;
	}
	assert_int_equal(fx_write_file(e->root, "proc/900/comm", "gdm3\n"), 0);
	assert_int_equal(fx_write_file(e->root, "proc/900/stat", "900 (gdm3) S 1 900 900 0 -1\n"),
			 0);
	assert_int_equal(
		fx_write_file(e->root, "proc/900/cgroup", "0::/system.slice/gdm.service\n"), 0);
	assert_int_equal(fx_write_file(e->root, "proc/1234/comm", "Xorg\n"), 0);
	assert_int_equal(
		fx_write_file(e->root, "proc/1234/stat", "1234 (Xorg) S 900 1234 1234 0 -1\n"), 0);
	assert_int_equal(fx_write_file(e->root, "proc/1234/cgroup",
				       "0::/user.slice/user-120.slice/session-c1.scope\n"),
			 0);
	assert_int_equal(fx_symlink(e->root, "proc/1234/fd/5", "/dev/dri/card0"), 0);
}

static int fake_systemctl(void *data, const char *const *argv)
{
	struct env *e = data;
	size_t len = strlen(e->writes);

	len += (size_t)snprintf(e->writes + len, sizeof(e->writes) - len, "$");
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf(e->writes + len, sizeof(e->writes) - len, " %s", argv[i]);
	snprintf(e->writes + len, sizeof(e->writes) - len, "\n");
	assert_string_equal(argv[0], "systemctl");
	assert_string_equal(argv[2], "display-manager.service");
	assert_null(argv[3]);
	if (e->systemctl_fails && strcmp(argv[1], "stop") == 0)
		return 1;
	if (strcmp(argv[1], "stop") == 0 && journal_has(e, "\"display-manager.service\""))
		e->journaled++;
	display_manager(e, strcmp(argv[1], "start") == 0);
	return 0;
}

static void with_display(struct env *e)
{
	assert_int_equal(fx_mkdir_p(e->root, RUN_SYSTEMD_SYSTEM), 0);
	assert_int_equal(
		fx_symlink(e->root, ETC_DISPLAY_MANAGER_UNIT, "/lib/systemd/system/gdm.service"),
		0);
	display_manager(e, true);
	assert_int_equal(fx_mkdir_p(e->root, SYS_PCI_DEVICES "/" GPU "/drm/card0"), 0);
	assert_int_equal(fx_mkdir_p(e->root, SYS_PCI_DEVICES "/" GPU "/graphics/fb0"), 0);
	assert_int_equal(
		fx_write_file(e->root, SYS_PCI_DEVICES "/" GPU "/resource",
			      "0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n"
			      "0x00000000fc000000 0x00000000fcffffff 0x0000000000040200\n"),
		0);
	assert_int_equal(fx_write_file(e->root, PROC_IOMEM,
				       "e0000000-efffffff : PCI Bus 0000:01\n"
				       "  e0000000-efffffff : 0000:01:00.0\n"
				       "    e0000000-e07fffff : efifb\n"),
			 0);
	assert_int_equal(
		fx_write_file(e->root, SYS_CLASS_VTCONSOLE "/vtcon0/name", "(S) dummy device\n"),
		0);
	assert_int_equal(fx_write_file(e->root, SYS_CLASS_VTCONSOLE "/vtcon0/bind", "1\n"), 0);
	assert_int_equal(fx_write_file(e->root, SYS_CLASS_VTCONSOLE "/vtcon1/name",
				       "(M) frame buffer device\n"),
			 0);
	assert_int_equal(fx_write_file(e->root, SYS_CLASS_VTCONSOLE "/vtcon1/bind", "1\n"), 0);
	assert_int_equal(fx_write_file(e->root, SYS_PLATFORM_DRIVERS "/efi-framebuffer/bind", ""),
			 0);
	assert_int_equal(fx_write_file(e->root, SYS_PLATFORM_DRIVERS "/efi-framebuffer/unbind", ""),
			 0);
	assert_int_equal(fx_symlink(e->root, SYS_PLATFORM_DEVICES "/efi-framebuffer.0/driver",
				    "../../../bus/platform/drivers/efi-framebuffer"),
			 0);
	path_set_run_observer(e->ctx, fake_systemctl, e);
}

/* The display's state next to the devices': whether gdm runs, the consoles' bind files,
 * efifb's driver. */
static void display_state(struct env *e, char *buf, size_t size)
{
	char path[PATH_MAX], con0[8] = "", con1[8] = "", fb[PATH_MAX] = "-";
	size_t len;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SYS_CLASS_VTCONSOLE "/vtcon0/bind", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(con0, sizeof(con0), f));
	fclose(f);
	snprintf(path, sizeof(path), "%s/" SYS_CLASS_VTCONSOLE "/vtcon1/bind", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(con1, sizeof(con1), f));
	fclose(f);
	snprintf(path, sizeof(path), "%s/" SYS_PLATFORM_DEVICES "/efi-framebuffer.0/driver",
		 e->root);
	n = readlink(path, fb, sizeof(fb) - 1);
	if (n > 0)
		fb[n] = '\0';
	snprintf(path, sizeof(path), "%s/proc/900", e->root);
	len = (size_t)snprintf(buf, size, "gdm=%s vtcon0=%c vtcon1=%c efifb=%s ",
			       access(path, F_OK) == 0 ? "running" : "stopped", con0[0], con1[0],
			       strrchr(fb, '/') ? strrchr(fb, '/') + 1 : fb);
	state(e, buf + len, size - len);
}

static void on_step(void *userdata, const char *action, const char *target, const char *note)
{
	struct env *e = userdata;

	snprintf(e->steps + strlen(e->steps), sizeof(e->steps) - strlen(e->steps), "%s %s %s|",
		 action, target, note ? note : "-");
}

static int bind_display(struct env *e, unsigned int flags, char **detail)
{
	struct vfk_device *d[2];
	int err;

	get(e, GPU, &d[0]);
	get(e, "0000:01:00.1", &d[1]);
	err = vfk_bind_release_display(e->ctx, d, 2, flags, NULL, on_step, e, detail);
	vfk_device_unref(d[0]);
	vfk_device_unref(d[1]);
	return err;
}

/* Where @needle is in the log of writes and commands; fails when it is not there. */
static size_t at(struct env *e, const char *needle)
{
	const char *p = strstr(e->writes, needle);

	if (!p)
		fail_msg("'%s' is not in:\n%s", needle, e->writes);
	return (size_t)(p - e->writes);
}

static void assert_journal_display(struct env *e, const char *expect)
{
	char **list, joined[256] = "";
	size_t n;

	assert_int_equal(vfk_journal_get_display(e->ctx, &list, &n), 0);
	for (size_t i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? " " : "", list[i]);
	assert_null(list[n]);
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
	assert_string_equal(joined, expect);
}

/* gdm stopped (the argv checked by the observer), fbcon's console unbound, efifb unbound
 * from its platform driver: in that order, each found in the journal when taken, all
 * before the GPU's driver_override; the dummy console left alone. */
static void test_display_release(void **state_)
{
	struct env *e = *state_;
	char drv[64];

	with_display(e);
	assert_int_equal(bind_display(e, 0, NULL), 0);
	assert_true(at(e, DM_STOP) < at(e, CON_OFF));
	assert_true(at(e, CON_OFF) < at(e, FB_OFF));
	assert_true(at(e, FB_OFF) < at(e, SYS_PCI_DEVICES "/" GPU "/driver_override <- vfio-pci"));
	assert_null(strstr(e->writes, "vtcon0"));
	assert_int_equal(e->journaled, 3);
	assert_string_equal(e->steps, "stop-display-manager display-manager.service gdm.service|"
				      "unbind-console vtcon1 (M) frame buffer device|"
				      "unbind-framebuffer efi-framebuffer.0 efi-framebuffer|");
	assert_string_equal(driver_of(e, GPU, drv, sizeof(drv)), "vfio-pci");
	assert_journal_display(e, "display-manager.service vtcon1 efi-framebuffer.0");
}

/* No display manager running: nothing stopped, the reason reported; the consoles and
 * efifb still go. */
static void test_display_manager_not_running(void **state_)
{
	struct env *e = *state_;

	with_display(e);
	display_manager(e, false);
	assert_int_equal(bind_display(e, 0, NULL), 0);
	assert_null(strstr(e->writes, "systemctl"));
	assert_true(at(e, CON_OFF) < at(e, FB_OFF));
	assert_string_equal(e->steps, "skip-display-manager display-manager.service "
				      "display-manager.service (gdm.service) is not running|"
				      "unbind-console vtcon1 (M) frame buffer device|"
				      "unbind-framebuffer efi-framebuffer.0 efi-framebuffer|");
	assert_journal_display(e, "vtcon1 efi-framebuffer.0");
}

/* A card that is not the display (no console, no firmware framebuffer, not boot_vga):
 * the display manager is stopped only while one of its processes has the card's DRM
 * nodes open, and otherwise keeps running, with the reason given. */
static void test_display_secondary_card(void **state_)
{
	struct env *e = *state_;
	char path[PATH_MAX];

	with_display(e);
	snprintf(path, sizeof(path), "%s/" SYS_PCI_DEVICES "/" GPU "/graphics", e->root);
	assert_int_equal(fx_rmtree(path), 0);
	assert_int_equal(fx_write_file(e->root, PROC_IOMEM,
				       "e0000000-efffffff : PCI Bus 0000:01\n"
				       "  e0000000-efffffff : 0000:01:00.0\n"),
			 0);
	/* Xorg, started by gdm, has card0 open. */
	assert_int_equal(bind_display(e, VFK_BIND_DRY_RUN, NULL), 0);
	assert_string_equal(e->steps, "stop-display-manager display-manager.service gdm.service|");
	e->steps[0] = '\0';
	e->writes[0] = '\0';
	snprintf(path, sizeof(path), "%s/proc/1234/fd/5", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(bind_display(e, 0, NULL), 0);
	assert_null(strstr(e->writes, "systemctl"));
	assert_string_equal(
		e->steps, "skip-display-manager display-manager.service display-manager.service "
			  "(gdm.service) does not use " GPU " (not the boot display, no console on "
			  "it, its DRM nodes not open)|");
	assert_journal_display(e, "");
}

/* restore: the GPU back first, then the hand-over undone newest first: efifb bound
 * again, the console bound again, gdm started; the machine as it was before bind. */
static void test_display_restore_order(void **state_)
{
	struct env *e = *state_;
	char before[2048], after[2048];

	with_display(e);
	display_state(e, before, sizeof(before));
	assert_int_equal(bind_display(e, 0, NULL), 0);
	e->writes[0] = '\0';
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	assert_true(at(e, SYS_PCI_DEVICES "/" GPU "/driver_override") < at(e, FB_ON));
	assert_true(at(e, FB_ON) < at(e, CON_ON));
	assert_true(at(e, CON_ON) < at(e, DM_START));
	display_state(e, after, sizeof(after));
	assert_string_equal(after, before);
	assert_journal_display(e, "");
}

/* A step that fails midway (efifb's driver will not let go): the steps taken are undone
 * newest first, the devices never move, the journal ends empty, and the detail names the
 * file. `systemctl stop` failing is the first step failing: the unit is started again
 * (the stop may have ended part of it) and nothing else is touched. */
static void test_display_step_fails(void **state_)
{
	struct env *e = *state_;
	char before[2048], after[2048], *detail = NULL, **list;
	size_t n;

	with_display(e);
	display_state(e, before, sizeof(before));
	e->efifb_stuck = true;
	assert_int_equal(bind_display(e, 0, &detail), -EBUSY);
	assert_non_null(detail);
	assert_non_null(strstr(detail, GPU ": writing /" SYS_PLATFORM_DRIVERS
					   "/efi-framebuffer/unbind for efi-framebuffer.0 failed"));
	free(detail);
	assert_true(at(e, DM_STOP) < at(e, CON_OFF));
	assert_true(at(e, CON_OFF) < at(e, FB_OFF));
	assert_true(at(e, FB_OFF) < at(e, CON_ON));
	assert_true(at(e, CON_ON) < at(e, DM_START));
	assert_null(strstr(e->writes, "driver_override"));
	display_state(e, after, sizeof(after));
	assert_string_equal(after, before);
	assert_journal_display(e, "");
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);

	e->efifb_stuck = false;
	e->systemctl_fails = true;
	e->writes[0] = '\0';
	detail = NULL;
	assert_int_equal(bind_display(e, 0, &detail), -EIO);
	assert_non_null(strstr(detail, "`systemctl stop display-manager.service` failed "
				       "(exit status 1)"));
	free(detail);
	/* A stop that failed may have stopped part of it: started again, nothing else run. */
	assert_string_equal(e->writes, DM_STOP DM_START);
	display_state(e, after, sizeof(after));
	assert_string_equal(after, before);
	assert_journal_display(e, "");
}

/* Fail the Nth write or journal save of the hand-over and move for every N: the display
 * and the devices end where they began, the journal empty. */
static void test_display_fault_sweep(void **state_)
{
	struct env *e = *state_;
	char before[2048], after[2048];
	unsigned int total;

	with_display(e);
	display_state(e, before, sizeof(before));
	path_fault_set(e->ctx, 0, 0);
	assert_int_equal(bind_display(e, 0, NULL), 0);
	total = path_fault_count(e->ctx);
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, NULL), 0);
	assert_true(total > 4);
	for (unsigned int nth = 1; nth <= total; nth++) {
		char *detail = NULL, **list;
		size_t n;

		path_fault_set(e->ctx, nth, EIO);
		assert_int_equal(bind_display(e, 0, &detail), -EIO);
		path_fault_set(e->ctx, 0, 0);
		assert_non_null(detail);
		assert_non_null(strstr(detail, "Input/output error"));
		free(detail);
		display_state(e, after, sizeof(after));
		if (strcmp(after, before) != 0)
			fail_msg("fault on write %u: %s != %s", nth, after, before);
		assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
		assert_int_equal(n, 0);
		free(list);
		assert_journal_display(e, "");
	}
}

/* A process outside gdm's sessions holds card0: -EBUSY naming it, before anything is
 * written or run, also in a dry run. */
static void test_display_held(void **state_)
{
	struct env *e = *state_;
	char before[2048], after[2048], *detail = NULL;

	with_display(e);
	assert_int_equal(fx_write_file(e->root, "proc/4321/comm", "steam\n"), 0);
	assert_int_equal(
		fx_write_file(e->root, "proc/4321/stat", "4321 (steam) S 2000 4321 4321 0 -1\n"),
		0);
	assert_int_equal(fx_write_file(e->root, "proc/4321/cgroup",
				       "0::/user.slice/user-1000.slice/session-3.scope\n"),
			 0);
	assert_int_equal(fx_symlink(e->root, "proc/4321/fd/9", "/dev/dri/card0"), 0);
	display_state(e, before, sizeof(before));
	for (int dry = 0; dry < 2; dry++) {
		assert_int_equal(bind_display(e, dry ? VFK_BIND_DRY_RUN : 0, &detail), -EBUSY);
		assert_non_null(strstr(detail, GPU ": process 4321 (steam) holds /dev/dri/card0 "
						   "open, and it is not the display manager"));
		free(detail);
		detail = NULL;
		assert_string_equal(e->writes, "");
		assert_string_equal(e->steps, "");
		display_state(e, after, sizeof(after));
		assert_string_equal(after, before);
		assert_journal_display(e, "");
	}
}

/* Only display steps in the journal (bind killed before it recorded a device): the
 * journal lists no device but these steps, and restore --all undoes them newest first. */
/* A journal holding only a card's display hand-over (a crash before the move): restore
 * of all, or of the card by name, takes the steps back. */
static void restore_display_only(struct env *e, const char *name)
{
	const char *names[] = {name};
	char before[2048], after[2048], path[PATH_MAX], **list;
	size_t n;

	with_display(e);
	display_state(e, before, sizeof(before));
	display_manager(e, false);
	assert_int_equal(fx_write_file(e->root, SYS_CLASS_VTCONSOLE "/vtcon1/bind", "0\n"), 0);
	snprintf(path, sizeof(path), "%s/" SYS_PLATFORM_DEVICES "/efi-framebuffer.0/driver",
		 e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
		fx_write_file(
			e->root, "run/vfiokit/journal.json",
			"{\"format\": 1, \"devices\": [], \"display\": ["
			"{\"step\": \"display-manager\", \"bdf\": \"0000:01:00.0\", "
			"\"name\": \"display-manager.service\"}, "
			"{\"step\": \"console\", \"bdf\": \"0000:01:00.0\", \"name\": \"vtcon1\"}, "
			"{\"step\": \"framebuffer\", \"bdf\": \"0000:01:00.0\", "
			"\"name\": \"efi-framebuffer.0\", \"driver\": \"efi-framebuffer\"}]}\n"),
		0);
	assert_int_equal(vfk_journal_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_journal_display(e, "display-manager.service vtcon1 efi-framebuffer.0");
	assert_int_equal(
		vfk_restore(e->ctx, name ? names : NULL, name ? 1 : 0, 0, NULL, NULL, NULL), 0);
	assert_true(at(e, FB_ON) < at(e, CON_ON));
	assert_true(at(e, CON_ON) < at(e, DM_START));
	display_state(e, after, sizeof(after));
	assert_string_equal(after, before);
	assert_journal_display(e, "");
}

static void test_restore_display_only(void **state_)
{
	restore_display_only(*state_, NULL);
}

static void test_restore_display_only_named(void **state_)
{
	restore_display_only(*state_, "0000:01:00.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bind_and_restore),
		T(test_probe_timeout),
		T(test_unbound_device),
		T(test_fault_sweep),
		T(test_parallel),
		T(test_power_control),
		T(test_kill_sweep),
		T(test_lock),
		T(test_dry_run),
		T(test_restore_refuses_open_group),
		T(test_moved_by_someone_else),
		T(test_sriov),
		T(test_sriov_restore_order),
		T(test_two_processes),
		T(test_restore_unknown),
		T(test_damaged_journal),
		T(test_bind_keeps_first_entry),
		T(test_release),
		T(test_release_no_driver),
		T(test_release_dry_run),
		T(test_release_refuses_journal),
		T(test_release_refuses_open_group),
		T(test_release_not_on_vfio),
		T(test_release_next_boot),
		T(test_release_next_boot_vf),
		T(test_release_lock),
		T(test_release_taken_again),
		T(test_release_write_fails),
		T(test_display_release),
		T(test_display_manager_not_running),
		T(test_display_secondary_card),
		T(test_display_restore_order),
		T(test_display_step_fails),
		T(test_display_fault_sweep),
		T(test_display_held),
		T(test_restore_display_only),
		T(test_restore_display_only_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
