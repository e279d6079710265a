// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "plan/plan-private.h"
#include "tools/topologies.h"
#include <vfiokit/vfiokit.h>

/* Group 5 holds a target and one member of each kind the kernel lets stay. */
static const struct fx_dev devs[] = {
	{.bdf = "0000:00:01.0",
	 .vendor = 0x8086,
	 .device = 0x1901,
	 .class_code = 0x060400,
	 .group = 5,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_EXP},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .parent = "0000:00:01.0",
	 .group = 5,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT,
	 .reset_method = "bus"},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .parent = "0000:00:01.0",
	 .group = 5,
	 .driver = "pci-stub",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:01:00.2",
	 .vendor = 0x15b3,
	 .device = 0x101e,
	 .class_code = 0x020000,
	 .parent = "0000:00:01.0",
	 .group = 5,
	 .driver = "mlx5_vfio_pci",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:01:00.3",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .parent = "0000:00:01.0",
	 .group = 5,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:01:00.4",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .parent = "0000:00:01.0",
	 .group = 6,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x0435,
	 .class_code = 0x0b4000,
	 .group = 7,
	 .driver = "qat_dh895xcc",
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr"},
	{.bdf = "0000:00:03.0",
	 .vendor = 0x1002,
	 .device = 0x731f,
	 .class_code = 0x030000,
	 .group = 8,
	 .driver = "amdgpu",
	 .boot_vga = 0,
	 .reset_method = "bus"},
	{.bdf = "0000:00:04.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = FX_NO_GROUP,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
	/* An Intel VMD controller that vmd does not drive: no domain behind it. */
	{.bdf = "0000:00:05.0",
	 .vendor = 0x8086,
	 .device = 0x467f,
	 .class_code = 0x010400,
	 .group = 9,
	 .boot_vga = FX_ABSENT},
};
static const struct fx_topology topo = {
	.name = "plan", .devs = devs, .n_devs = sizeof(devs) / sizeof(devs[0])};

/* An NVMe PF with two VFs and a fourth function of the slot that is no VF; the first VF
 * holds a filesystem mounted on /srv. */
static const struct fx_dev sriov_devs[] = {
	{.bdf = "0000:07:00.0",
	 .vendor = 0x1b36,
	 .device = 0x0010,
	 .class_code = 0x010802,
	 .group = 30,
	 .driver = "nvme",
	 .multifunction = true,
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr",
	 .sriov_total = 4,
	 .sriov_num = 2,
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_SRIOV},
	{.bdf = "0000:07:00.1",
	 .vendor = 0x1b36,
	 .device = 0x0010,
	 .class_code = 0x010802,
	 .group = 31,
	 .driver = "nvme",
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr",
	 .physfn = "0000:07:00.0"},
	{.bdf = "0000:07:00.2",
	 .vendor = 0x1b36,
	 .device = 0x0010,
	 .class_code = 0x010802,
	 .group = 32,
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr",
	 .physfn = "0000:07:00.0"},
	{.bdf = "0000:07:00.3",
	 .vendor = 0x1b36,
	 .device = 0x0010,
	 .class_code = 0x010802,
	 .group = 33,
	 .driver = "nvme",
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr"},
};
static const struct fx_topology sriov_topo = {
	.name = "sriov", .devs = sriov_devs, .n_devs = sizeof(sriov_devs) / sizeof(sriov_devs[0])};
#define VF_DISK "sys/bus/pci/devices/0000:07:00.1/nvme/nvme1/nvme1n1/"
#define VF_MOUNTED "36 1 259:6 / /srv rw,relatime shared:3 - xfs /dev/nvme1n1p1 rw\n"

struct env {
	char *root;
	struct vfk_ctx *ctx;
	struct vfk_plan *plan;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(fx_mkdtemp(&e->root), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_plan_unref(e->plan);
	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

/* Builds a machine of tests/tools/topologies.c, or the table above when @name is NULL. */
static void build(struct env *e, const char *name)
{
	if (!name) {
		assert_int_equal(fx_build(e->root, &topo), 0);
	} else {
		const struct topology *t = topology_find(name);

		assert_non_null(t);
		assert_int_equal(topology_build(t, e->root), 0);
	}
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
}

static struct vfk_plan *plan(struct env *e, const char *a, const char *b)
{
	struct vfk_device *t[2] = {NULL, NULL};
	size_t n = b ? 2 : 1;

	assert_int_equal(vfk_device_new_from_string(e->ctx, a, &t[0]), 0);
	if (b)
		assert_int_equal(vfk_device_new_from_string(e->ctx, b, &t[1]), 0);
	vfk_plan_unref(e->plan);
	assert_int_equal(vfk_plan_new(e->ctx, t, n, &e->plan), 0);
	vfk_device_unref(t[0]);
	vfk_device_unref(t[1]);
	return e->plan;
}

static void assert_list(struct vfk_device *const *list, size_t n, const char *expected)
{
	char got[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", i ? " " : "",
					vfk_device_get_bdf(list[i]));
	assert_string_equal(got, expected);
}

/* The finding @id about @bdf, of @kind, whose message holds @text. */
static void expect(struct vfk_plan *p, enum vfk_finding_kind kind, const char *id, const char *bdf,
		   const char *text)
{
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), id) == 0 &&
		    strcmp(vfk_plan_get_finding_device(p, i), bdf) == 0) {
			assert_int_equal(vfk_plan_get_finding_kind(p, i), kind);
			if (text && !strstr(vfk_plan_get_finding_message(p, i), text))
				fail_msg("%s %s: \"%s\" lacks \"%s\"", id, bdf,
					 vfk_plan_get_finding_message(p, i), text);
			return;
		}
	fail_msg("no finding %s for %s", id, bdf);
}

static bool has(struct vfk_plan *p, const char *id)
{
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), id) == 0)
			return true;
	return false;
}

static void test_kernel_rule(void **state)
{
	struct env *e = *state;
	struct vfk_device *const *l;
	struct vfk_plan *p;
	size_t n;

	build(e, NULL);
	p = plan(e, "0000:01:00.0", NULL);
	l = vfk_plan_get_must_move(p, &n);
	assert_list(l, n, "0000:01:00.0");
	/* pcieport bridge, pci-stub, a vfio-pci variant and an unbound device may stay. */
	l = vfk_plan_get_may_stay(p, &n);
	assert_list(l, n, "0000:00:01.0 0000:01:00.1 0000:01:00.2 0000:01:00.3");
	/* Another function of the card in another group is pointed out, not moved. */
	expect(p, VFK_FINDING_NOTE, "slot.sibling", "0000:01:00.0", "0000:01:00.4");
	/* Only a bus reset, and 01:00.1-.4 share the bus and stay on the host. */
	expect(p, VFK_FINDING_NOTE, "reset.bus-scope", "0000:01:00.0", "0000:01:00.1");
	assert_true(vfk_plan_is_applicable(p));
}

static void test_blockers(void **state)
{
	struct env *e = *state;
	struct vfk_plan *p;

	build(e, NULL);
	p = plan(e, "0000:00:02.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "device.denylisted", "0000:00:02.0", "8086:0435");
	assert_int_equal(vfk_plan_get_finding_force(p, 0), 0);
	assert_false(vfk_plan_is_applicable(p));

	p = plan(e, "0000:00:04.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "iommu.no-group", "0000:00:04.0", "doctor");

	p = plan(e, "0000:00:01.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "device.bridge", "0000:00:01.0", NULL);

	p = plan(e, "0000:00:03.0", NULL);
	expect(p, VFK_FINDING_NOTE, "reset.known-bad", "0000:00:03.0", "vendor-reset");
	assert_true(vfk_plan_is_applicable(p));
}

static void test_gpu_desktop(void **state)
{
	struct env *e = *state;
	struct vfk_device *const *l;
	struct vfk_plan *p;
	size_t n;

	build(e, "amd-desktop");
	p = plan(e, "0000:01:00.0", NULL);
	l = vfk_plan_get_must_move(p, &n);
	assert_list(l, n, "0000:01:00.0 0000:01:00.1");
	expect(p, VFK_FINDING_BLOCKER, "display.boot-vga", "0000:01:00.0", "boot display");
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), "display.boot-vga") == 0)
			assert_int_equal(vfk_plan_get_finding_force(p, i), VFK_FORCE_BOOT_VGA);
	expect(p, VFK_FINDING_HOST_LOSES, "group.member", "0000:01:00.1", "group 13");
	expect(p, VFK_FINDING_HOST_LOSES, "display.drm", "0000:01:00.0",
	       "card0 (/dev/dri/card0), in use by 1234 (Xorg)");
	expect(p, VFK_FINDING_BLOCKER, "display.console", "0000:01:00.0", "fbcon on fb0");
	expect(p, VFK_FINDING_BLOCKER, "display.framebuffer", "0000:01:00.0", "efifb at e0000000");
	expect(p, VFK_FINDING_HOST_LOSES, "sound.card", "0000:01:00.1", "card1");
	assert_false(vfk_plan_is_applicable(p));
}

static void test_storage_and_network(void **state)
{
	struct env *e = *state;
	struct vfk_device *const *l;
	struct vfk_plan *p;
	size_t n;

	build(e, "amd-desktop");
	/* The NIC shares the chipset's group with USB and SATA: they all move. */
	p = plan(e, "0000:04:00.0", NULL);
	l = vfk_plan_get_must_move(p, &n);
	assert_list(l, n, "0000:04:00.0 0000:05:00.0 0000:05:00.1");
	l = vfk_plan_get_may_stay(p, &n);
	assert_list(l, n, "0000:02:00.0 0000:03:04.0 0000:03:08.0");
	expect(p, VFK_FINDING_HOST_LOSES, "net.interface", "0000:04:00.0", "enp4s0 (master br0)");
	expect(p, VFK_FINDING_BLOCKER, "net.default-route", "0000:04:00.0",
	       "enp4s0 carries the default route through br0");
	expect(p, VFK_FINDING_BLOCKER, "block.mounted", "0000:05:00.1", "sda1 is mounted on /");
	expect(p, VFK_FINDING_BLOCKER, "block.swap", "0000:05:00.1", "sda2");
	expect(p, VFK_FINDING_HOST_LOSES, "block.disk", "0000:05:00.1", "sda");
	expect(p, VFK_FINDING_HOST_LOSES, "input.device", "0000:05:00.0",
	       "input3 (Logitech USB Keyboard)");
	/* The NIC's and SATA's BARs do not hold the framebuffer. */
	assert_false(has(p, "display.framebuffer"));
	assert_false(vfk_plan_is_applicable(p));

	p = plan(e, "0000:06:00.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "block.holder", "0000:06:00.0", "dm-0");
	assert_false(has(p, "block.mounted"));
}

/* Nothing in use: the plan can be applied. Two targets of one group count once. */
static void test_clean_plan(void **state)
{
	struct env *e = *state;
	struct vfk_device *const *l;
	struct vfk_plan *p;
	size_t n;

	build(e, "server-switches");
	p = plan(e, "0000:af:00.3", "0000:af:00.3");
	l = vfk_plan_get_must_move(p, &n);
	assert_list(l, n, "0000:af:00.3");
	assert_true(vfk_plan_is_applicable(p));
	p = plan(e, "0000:1b:00.0", NULL);
	expect(p, VFK_FINDING_NOTE, "device.already-vfio", "0000:1b:00.0", "vfio-pci");
}

/* The verdict of finding @id about @bdf under @forces and @flags. */
static enum vfk_verdict verdict(struct vfk_plan *p, const char *id, const char *bdf,
				unsigned int forces, unsigned int flags)
{
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), id) == 0 &&
		    strcmp(vfk_plan_get_finding_device(p, i), bdf) == 0)
			return vfk_plan_get_finding_verdict(p, i, forces, flags);
	fail_msg("no finding %s for %s", id, bdf);
	return VFK_VERDICT_NONE;
}

/* vfk_plan_check() refuses with the reason, and @text is in it. */
static void assert_refused(struct vfk_plan *p, unsigned int forces, unsigned int flags,
			   const char *text)
{
	char *detail = NULL;

	assert_int_equal(vfk_plan_check(p, forces, flags, &detail), -EPERM);
	assert_non_null(detail);
	if (!strstr(detail, text))
		fail_msg("\"%s\" lacks \"%s\"", detail, text);
	free(detail);
}

static void assert_allowed(struct vfk_plan *p, unsigned int forces, unsigned int flags)
{
	char *detail = (char *)"unset";

	assert_int_equal(vfk_plan_check(p, forces, flags, &detail), 0);
	assert_null(detail);
	assert_int_equal(vfk_plan_check(p, forces, flags, NULL), 0);
}

static void test_check(void **state)
{
	const unsigned int all =
		VFK_FORCE_BOOT_VGA | VFK_FORCE_IN_USE_STORAGE | VFK_FORCE_NET_IN_USE;
	struct env *e = *state;
	struct vfk_plan *p;

	build(e, "amd-desktop");
	/* The boot GPU: three display blockers, all overridden by one bit. */
	p = plan(e, "0000:01:00.0", NULL);
	assert_refused(p, 0, VFK_PLAN_CHECK_GROUP, "0000:01:00.0: is the boot display");
	assert_int_equal(verdict(p, "display.console", "0000:01:00.0", 0, 0), VFK_VERDICT_REFUSED);
	assert_allowed(p, VFK_FORCE_BOOT_VGA, VFK_PLAN_CHECK_GROUP);
	assert_int_equal(verdict(p, "display.console", "0000:01:00.0", VFK_FORCE_BOOT_VGA, 0),
			 VFK_VERDICT_FORCED);
	/* Other bits do not override it. */
	assert_refused(p, VFK_FORCE_IN_USE_STORAGE | VFK_FORCE_NET_IN_USE, VFK_PLAN_CHECK_GROUP,
		       "framebuffer");
	/* Its audio function must move too: refused unless the group may move. */
	assert_refused(p, VFK_FORCE_BOOT_VGA, 0, "0000:01:00.1: was not named");
	assert_int_equal(verdict(p, "group.member", "0000:01:00.1", VFK_FORCE_BOOT_VGA, 0),
			 VFK_VERDICT_REFUSED);
	assert_int_equal(verdict(p, "group.member", "0000:01:00.1", 0, VFK_PLAN_CHECK_GROUP),
			 VFK_VERDICT_NONE);
	/* What is not a blocker is never in the way. */
	assert_int_equal(verdict(p, "display.drm", "0000:01:00.0", 0, 0), VFK_VERDICT_NONE);

	/* Naming every member is as good as the flag, but naming one twice is not. */
	p = plan(e, "0000:01:00.0", "0000:01:00.1");
	assert_allowed(p, VFK_FORCE_BOOT_VGA, 0);
	p = plan(e, "0000:01:00.0", "0000:01:00.0");
	assert_refused(p, VFK_FORCE_BOOT_VGA, 0, "0000:01:00.1");

	/* A NIC on the default route, in a group with a disk mounted on /: each blocker
	 * needs its own bit. */
	p = plan(e, "0000:04:00.0", NULL);
	assert_refused(p, VFK_FORCE_NET_IN_USE, VFK_PLAN_CHECK_GROUP, "sda1 is mounted on /");
	assert_refused(p, VFK_FORCE_IN_USE_STORAGE, VFK_PLAN_CHECK_GROUP, "default route");
	assert_allowed(p, VFK_FORCE_NET_IN_USE | VFK_FORCE_IN_USE_STORAGE, VFK_PLAN_CHECK_GROUP);
	assert_refused(p, all, 0, "0000:05:00.0: was not named");
}

/* No force overrides a denylisted device; no IOMMU group waits for the next boot. */
static void test_check_unforceable(void **state)
{
	const unsigned int all =
		VFK_FORCE_BOOT_VGA | VFK_FORCE_IN_USE_STORAGE | VFK_FORCE_NET_IN_USE;
	struct env *e = *state;
	struct vfk_plan *p;

	build(e, NULL);
	p = plan(e, "0000:00:02.0", NULL);
	assert_refused(p, all, VFK_PLAN_CHECK_GROUP | VFK_PLAN_CHECK_NEXT_BOOT, "denylist");
	p = plan(e, "0000:00:04.0", NULL);
	assert_refused(p, all, VFK_PLAN_CHECK_GROUP, "no IOMMU group");
	assert_allowed(p, 0, VFK_PLAN_CHECK_NEXT_BOOT);

	assert_int_equal(vfk_plan_check(NULL, 0, 0, NULL), -EINVAL);
	assert_int_equal(vfk_plan_get_finding_verdict(p, 999, 0, 0), VFK_VERDICT_NONE);
	assert_int_equal(vfk_plan_get_finding_force(p, 999), 0);
}

/* The VMD controller takes the domain it made with it: the NVMe and the root filesystem
 * on it. Its own bit overrides that, the disks still need theirs. */
static void test_vmd_domain(void **state)
{
	const unsigned int storage = VFK_FORCE_IN_USE_STORAGE;
	struct env *e = *state;
	struct vfk_plan *p;

	build(e, "vmd-domain");
	p = plan(e, "0000:00:0e.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "vmd.domain", "0000:00:0e.0",
	       "removes PCI domain 10000 behind it and every device in it: 10000:e0:06.0 "
	       "(pcieport), 10000:e1:00.0 (nvme)");
	expect(p, VFK_FINDING_BLOCKER, "vmd.domain", "0000:00:0e.0", "nvme0n1p2 is mounted on /");
	expect(p, VFK_FINDING_BLOCKER, "block.mounted", "10000:e1:00.0", "mounted on /");
	expect(p, VFK_FINDING_HOST_LOSES, "block.disk", "10000:e1:00.0", "nvme0n1");
	assert_false(vfk_plan_is_applicable(p));
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), "vmd.domain") == 0)
			assert_int_equal(vfk_plan_get_finding_force(p, i), VFK_FORCE_VMD_DOMAIN);
	assert_refused(p, storage, VFK_PLAN_CHECK_GROUP,
		       "0000:00:0e.0: is an Intel VMD controller");
	assert_refused(p, VFK_FORCE_VMD_DOMAIN, VFK_PLAN_CHECK_GROUP, "nvme0n1p2 is mounted on /");
	assert_allowed(p, storage | VFK_FORCE_VMD_DOMAIN, VFK_PLAN_CHECK_GROUP);

	/* The NVMe alone cannot go: the controller is in its group and moves too. */
	p = plan(e, "10000:e1:00.0", NULL);
	expect(p, VFK_FINDING_BLOCKER, "vmd.domain", "0000:00:0e.0", "10000:e1:00.0 (nvme)");
}

static void build_sriov(struct env *e)
{
	assert_int_equal(fx_build(e->root, &sriov_topo), 0);
	assert_int_equal(fx_write_file(e->root, VF_DISK "dev", "259:5\n"), 0);
	assert_int_equal(fx_write_file(e->root, VF_DISK "nvme1n1p1/dev", "259:6\n"), 0);
	assert_int_equal(fx_symlink(e->root, VF_DISK "subsystem", "../../../../../../class/block"),
			 0);
	assert_int_equal(fx_symlink(e->root, VF_DISK "nvme1n1p1/subsystem",
				    "../../../../../../../class/block"),
			 0);
	assert_int_equal(fx_write_file(e->root, "proc/self/mountinfo", VF_MOUNTED), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
}

static void count_write(void *userdata, const char *path, const char *value)
{
	(*(int *)userdata)++;
}

/* A VF and its PF are no card-mates to pass along; another function of the slot is. */
static void test_sriov_not_siblings(void **state)
{
	struct env *e = *state;
	struct vfk_plan *p;

	build_sriov(e);
	p = plan(e, "0000:07:00.2", NULL);
	assert_false(has(p, "slot.sibling"));
	expect(p, VFK_FINDING_NOTE, "sriov.physfn", "0000:07:00.2", "0000:07:00.0 (on nvme)");

	p = plan(e, "0000:07:00.3", NULL);
	expect(p, VFK_FINDING_NOTE, "slot.sibling", "0000:07:00.3", "0000:07:00.0");
	for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
		if (strcmp(vfk_plan_get_finding_id(p, i), "slot.sibling") == 0 &&
		    (strstr(vfk_plan_get_finding_message(p, i), "0000:07:00.1") ||
		     strstr(vfk_plan_get_finding_message(p, i), "0000:07:00.2")))
			fail_msg("a VF as slot sibling: %s", vfk_plan_get_finding_message(p, i));
	assert_false(has(p, "sriov.physfn"));
}

/* The PF's VFs go with it; the one with a mounted filesystem blocks, with no override. */
static void test_sriov_pf_loses_vfs(void **state)
{
	const unsigned int all = VFK_FORCE_BOOT_VGA | VFK_FORCE_IN_USE_STORAGE |
				 VFK_FORCE_NET_IN_USE | VFK_FORCE_VMD_DOMAIN;
	struct env *e = *state;
	struct vfk_plan *p;

	build_sriov(e);
	p = plan(e, "0000:07:00.0", NULL);
	expect(p, VFK_FINDING_HOST_LOSES, "sriov.vf", "0000:07:00.0",
	       "virtual function 0000:07:00.1 (on nvme) is destroyed");
	expect(p, VFK_FINDING_BLOCKER, "sriov.vf-in-use", "0000:07:00.0",
	       "0000:07:00.1 (on nvme), which is in use: nvme1n1p1 is mounted on /srv");
	assert_false(has(p, "block.mounted"));
	assert_int_equal(verdict(p, "sriov.vf-in-use", "0000:07:00.0", all, VFK_PLAN_CHECK_GROUP),
			 VFK_VERDICT_REFUSED);
	assert_refused(p, all, VFK_PLAN_CHECK_GROUP, "mounted on /srv");
	{
		size_t n_vf = 0;

		for (size_t i = 0; i < vfk_plan_get_n_findings(p); i++)
			n_vf += strcmp(vfk_plan_get_finding_id(p, i), "sriov.vf") == 0;
		assert_int_equal(n_vf, 2);
	}
	expect(p, VFK_FINDING_HOST_LOSES, "sriov.vf", "0000:07:00.0", NULL);

	/* Unmounted, the VFs still go, but nothing blocks. */
	assert_int_equal(fx_write_file(e->root, "proc/self/mountinfo", ""), 0);
	p = plan(e, "0000:07:00.0", NULL);
	assert_false(has(p, "sriov.vf-in-use"));
	assert_true(has(p, "sriov.vf"));
	assert_true(vfk_plan_is_applicable(p));
}

/* Changing the VF count destroys every VF; vfk_sriov_set() refuses while one is in use,
 * before any write, also in a dry run. */
static void test_sriov_set_refuses(void **state)
{
	struct env *e = *state;
	struct vfk_device *pf = NULL;
	char *detail = NULL;
	int writes = 0;

	build_sriov(e);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:07:00.0", &pf), 0);
	assert_int_equal(
		vfk_sriov_set(e->ctx, pf, 4, VFK_BIND_DRY_RUN, count_write, &writes, &detail),
		-EBUSY);
	assert_int_equal(writes, 0);
	assert_non_null(detail);
	if (!strstr(detail, "0000:07:00.1 (on nvme) is in use: nvme1n1p1 is mounted on /srv"))
		fail_msg("detail: %s", detail);
	free(detail);
	detail = NULL;
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 0, 0, count_write, &writes, &detail), -EBUSY);
	assert_int_equal(writes, 0);
	free(detail);
	detail = NULL;
	/* The same count changes nothing and destroys nothing. */
	assert_int_equal(vfk_sriov_set(e->ctx, pf, 2, VFK_BIND_DRY_RUN, NULL, NULL, NULL), 0);

	/* Unmounted: allowed. */
	assert_int_equal(fx_write_file(e->root, "proc/self/mountinfo", ""), 0);
	assert_int_equal(
		vfk_sriov_set(e->ctx, pf, 4, VFK_BIND_DRY_RUN, count_write, &writes, &detail), 0);
	assert_int_equal(writes, 2);
	free(detail);
	vfk_device_unref(pf);
}

/* Not on vmd and nothing behind it: a RAID controller like any other. */
static void test_vmd_not_driven(void **state)
{
	struct env *e = *state;
	struct vfk_plan *p;

	build(e, NULL);
	p = plan(e, "0000:00:05.0", NULL);
	assert_false(has(p, "vmd.domain"));
	assert_true(vfk_plan_is_applicable(p));
}

static void test_bad_arguments(void **state)
{
	struct env *e = *state;
	struct vfk_plan *p = NULL;
	struct vfk_device *none[1] = {NULL};

	build(e, NULL);
	assert_int_equal(vfk_plan_new(e->ctx, none, 0, &p), -EINVAL);
	assert_int_equal(vfk_plan_new(e->ctx, none, 1, &p), -EINVAL);
	assert_null(p);
	assert_null(vfk_plan_get_finding_id(NULL, 0));
}

/* proc/swaps as an absolute link is read inside the tree, not from the host. */
static void test_swaps_link_stays_in_tree(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX];

	build(e, "amd-desktop");
	snprintf(path, sizeof(path), "%s/proc/swaps", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fx_write_file(e->root, "proc/tree-swaps",
				       "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
				       "/dev/sda2 partition\t8388604\t\t0\t\t-2\n"),
			 0);
	assert_int_equal(fx_symlink(e->root, "proc/swaps", "/proc/tree-swaps"), 0);
	expect(plan(e, "0000:04:00.0", NULL), VFK_FINDING_BLOCKER, "block.swap", "0000:05:00.1",
	       "sda2");
}

/* A filesystem made on the whole NVMe namespace, no partition table: still a mounted disk. */
static void test_fs_on_namespace(void **state)
{
	struct env *e = *state;

	build(e, "amd-desktop");
	assert_int_equal(
		fx_write_file(e->root, "proc/self/mountinfo",
			      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
			      "25 22 259:0 / /data rw,relatime shared:3 - xfs /dev/nvme0n1 rw\n"),
		0);
	expect(plan(e, "0000:06:00.0", NULL), VFK_FINDING_BLOCKER, "block.mounted", "0000:06:00.0",
	       "nvme0n1 is mounted on /data");
}

/* When the mount table cannot be read, a disk's use is unknown: a blocker says so, where
 * the plan used to see nothing mounted. A tree without the file has nothing mounted. */
static void test_mounts_unreadable(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX];

	build(e, "amd-desktop");
	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", e->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect(plan(e, "0000:04:00.0", NULL), VFK_FINDING_BLOCKER, "block.unknown", "0000:05:00.1",
	       "cannot tell whether sda is mounted or swap: /proc/self/mountinfo");
	assert_int_equal(unlink(path), 0);
	assert_false(has(plan(e, "0000:04:00.0", NULL), "block.unknown"));
	assert_false(has(e->plan, "block.mounted"));
}

/* A framebuffer range or a BAR that ends before it starts is no framebuffer in a BAR. */
static void test_framebuffer_ranges(void **state)
{
	static const char bar[] = "0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n";
	unsigned long long start, end;
	const char *name;

	(void)state;
	assert_true(
		plan_framebuffer_in_bars("e0000000-e07fffff : efifb\n", bar, &name, &start, &end));
	assert_string_equal(name, "efifb");
	assert_true(start == 0xe0000000ULL && end == 0xe07fffffULL);
	assert_false(
		plan_framebuffer_in_bars("e07fffff-e0000000 : efifb\n", bar, &name, &start, &end));
	assert_false(plan_framebuffer_in_bars(
		"e0000000-e07fffff : efifb\n",
		"0x00000000efffffff 0x00000000e0000000 0x000000000014220c\n", &name, &start, &end));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_kernel_rule),	    T(test_blockers),
		T(test_gpu_desktop),	    T(test_storage_and_network),
		T(test_clean_plan),	    T(test_check),
		T(test_check_unforceable),  T(test_vmd_domain),
		T(test_vmd_not_driven),	    T(test_sriov_not_siblings),
		T(test_sriov_pf_loses_vfs), T(test_sriov_set_refuses),
		T(test_bad_arguments),	    T(test_swaps_link_stays_in_tree),
		T(test_fs_on_namespace),    T(test_mounts_unreadable),
		T(test_framebuffer_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
