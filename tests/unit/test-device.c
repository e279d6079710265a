// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include <vfiokit/vfiokit.h>

/* A GPU with HDMI audio behind a root port, a NIC PF with two VFs, a vfio-bound variant
 * device, and a VMD domain whose bus 01 also exists in domain 0000. */
static const struct fx_dev devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x1022,
	 .device = 0x1480,
	 .class_code = 0x060000,
	 .group = 0,
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:01.1",
	 .vendor = 0x1022,
	 .device = 0x1483,
	 .class_code = 0x060400,
	 .group = 1,
	 .driver = "pcieport",
	 .bridge = true,
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x10de,
	 .device = 0x1b80,
	 .class_code = 0x030000,
	 .sub_vendor = 0x1043,
	 .sub_device = 0x8591,
	 .revision = 0xa1,
	 .parent = "0000:00:01.1",
	 .group = 13,
	 .driver = "nouveau",
	 .multifunction = true,
	 .numa_node = -1,
	 .boot_vga = 1,
	 .reset_method = "bus",
	 .caps = FX_CAP_PM_NOSOFTRST | FX_CAP_EXP | FX_CAP_MSI},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x10de,
	 .device = 0x10f0,
	 .class_code = 0x040300,
	 .revision = 0xa1,
	 .parent = "0000:00:01.1",
	 .group = 13,
	 .driver = "snd_hda_intel",
	 .multifunction = true,
	 .numa_node = -1,
	 .boot_vga = FX_ABSENT,
	 .reset_method = "",
	 .caps = FX_CAP_PM},
	{.bdf = "0000:02:00.0",
	 .vendor = 0x8086,
	 .device = 0x1572,
	 .class_code = 0x020000,
	 .group = 14,
	 .driver = "i40e",
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT,
	 .reset_method = "flr bus",
	 .sriov_total = 64,
	 .sriov_num = 2,
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_ACS | FX_CAP_SRIOV},
	{.bdf = "0000:02:02.0",
	 .vendor = 0x8086,
	 .device = 0x154c,
	 .class_code = 0x020000,
	 .group = 15,
	 .driver = "vfio-pci",
	 .vfio_dev = true,
	 .driver_override = "vfio-pci",
	 .physfn = "0000:02:00.0",
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:02:02.1",
	 .vendor = 0x8086,
	 .device = 0x154c,
	 .class_code = 0x020000,
	 .group = 16,
	 .physfn = "0000:02:00.0",
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:03:00.0",
	 .vendor = 0x15b3,
	 .device = 0x101e,
	 .class_code = 0x020000,
	 .group = 17,
	 .driver = "mlx5_vfio_pci",
	 .vfio_dev = true,
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT,
	 .power_state = "D3cold",
	 .caps = FX_CAP_LOOP | FX_CAP_PM},
	{.bdf = "10000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x09ab,
	 .class_code = 0x060400,
	 .group = 18,
	 .driver = "pcieport",
	 .bridge = true,
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "10000:01:00.0",
	 .vendor = 0x144d,
	 .device = 0xa808,
	 .class_code = 0x010802,
	 .parent = "10000:00:02.0",
	 .group = 18,
	 .driver = "nvme",
	 .numa_node = 0,
	 .boot_vga = FX_ABSENT},
};

static const struct fx_group groups[] = {
	{.id = 13, .type = "DMA-FQ"},
	{.id = 14,
	 .type = "identity",
	 .reserved_regions = "0x00000000fee00000 0x00000000feefffff msi\n"
			     "0x000000fd00000000 0x000000ffffffffff reserved\n"},
};

static const struct fx_topology topo = {
	.name = "unit",
	.devs = devs,
	.n_devs = sizeof(devs) / sizeof(devs[0]),
	.groups = groups,
	.n_groups = 2,
};

struct env {
	char *root;
	struct vfk_ctx *ctx;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(fx_build(e->root, &topo), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static struct vfk_device *get(struct env *e, const char *bdf)
{
	struct vfk_device *d = NULL;

	assert_int_equal(vfk_device_new_from_string(e->ctx, bdf, &d), 0);
	return d;
}

static void damage(struct env *e, const char *bdf, const char *name, const char *content)
{
	char *dir, path[4096];

	assert_int_equal(fx_device_path(&topo, bdf, &dir), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (content) {
		assert_int_equal(fx_write_file(e->root, path, content), 0);
	} else {
		char full[8192];

		snprintf(full, sizeof(full), "%s/%s", e->root, path);
		assert_int_equal(unlink(full), 0);
	}
	free(dir);
}

static void test_gpu(void **state)
{
	struct env *e = *state;
	struct vfk_device *d = get(e, "0000:01:00.0");
	struct vfk_addr parent;
	uint16_t v, dv;
	uint32_t cls;
	uint8_t rev;
	unsigned int g;
	int numa;

	assert_int_equal(vfk_device_get_ids(d, &v, &dv), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(dv, 0x1b80);
	assert_int_equal(vfk_device_get_subsystem_ids(d, &v, &dv), 0);
	assert_int_equal(v, 0x1043);
	assert_int_equal(dv, 0x8591);
	assert_int_equal(vfk_device_get_class(d, &cls), 0);
	assert_int_equal(cls, 0x030000);
	assert_int_equal(vfk_device_get_revision(d, &rev), 0);
	assert_int_equal(rev, 0xa1);
	assert_int_equal(vfk_device_get_header_type(d), VFK_HEADER_NORMAL);
	assert_int_equal(vfk_device_is_multifunction(d), 1);
	assert_string_equal(vfk_device_get_driver(d), "nouveau");
	assert_false(vfk_device_is_vfio_bound(d));
	assert_null(vfk_device_get_driver_override(d)); /* "(null)" */
	assert_int_equal(vfk_device_get_numa_node(d, &numa), 0);
	assert_int_equal(numa, -1);
	assert_int_equal(vfk_device_is_boot_vga(d), 1);
	assert_string_equal(vfk_device_get_reset_methods(d), "bus");
	assert_string_equal(vfk_device_get_power_state(d), "D0");
	assert_int_equal(vfk_device_get_iommu_group(d, &g), 0);
	assert_int_equal(g, 13);
	assert_int_equal(vfk_device_get_parent_addr(d, &parent), 0);
	assert_int_equal(parent.bus, 0);
	assert_int_equal(parent.dev, 1);
	assert_int_equal(parent.fn, 1);
	assert_string_equal(vfk_device_get_syspath(d),
			    "/sys/devices/pci0000:00/0000:00:01.1/0000:01:00.0");
	assert_int_equal(vfk_device_get_sriov(d, NULL, NULL), -ENOENT);
	vfk_device_unref(d);

	d = get(e, "0000:01:00.1");
	assert_string_equal(vfk_device_get_reset_methods(d), ""); /* cannot be reset */
	assert_int_equal(vfk_device_is_boot_vga(d), -ENODATA);
	vfk_device_unref(d);
}

static void test_bridge_sriov_vfio(void **state)
{
	struct env *e = *state;
	struct vfk_device *d = get(e, "0000:00:01.1");
	struct vfk_addr pf;
	unsigned int total, num;

	assert_int_equal(vfk_device_get_header_type(d), VFK_HEADER_BRIDGE);
	assert_int_equal(vfk_device_get_parent_addr(d, &pf), -ENOENT); /* root bus */
	vfk_device_unref(d);

	d = get(e, "0000:02:00.0");
	assert_int_equal(vfk_device_get_sriov(d, &total, &num), 0);
	assert_int_equal(total, 64);
	assert_int_equal(num, 2);
	vfk_device_unref(d);

	d = get(e, "0000:02:02.0");
	assert_int_equal(vfk_device_get_physfn(d, &pf), 0);
	assert_int_equal(pf.bus, 2);
	assert_int_equal(pf.dev, 0);
	assert_true(vfk_device_is_vfio_bound(d));
	assert_string_equal(vfk_device_get_driver_override(d), "vfio-pci");
	vfk_device_unref(d);

	d = get(e, "0000:02:02.1");
	assert_null(vfk_device_get_driver(d));
	assert_false(vfk_device_is_vfio_bound(d));
	vfk_device_unref(d);

	/* A variant driver is VFIO; a looping capability list does not hang. */
	d = get(e, "0000:03:00.0");
	assert_true(vfk_device_is_vfio_bound(d));
	assert_string_equal(vfk_device_get_power_state(d), "D3cold");
	assert_int_equal(vfk_device_get_header_type(d), VFK_HEADER_NORMAL);
	vfk_device_unref(d);
}

static void test_short_form(void **state)
{
	struct env *e = *state;
	struct vfk_device *d = NULL;

	/* 01:00.0 exists in domains 0000 and 10000. */
	assert_int_equal(vfk_device_new_from_string(e->ctx, "01:00.0", &d), -ENOTUNIQ);
	assert_null(d);
	d = get(e, "02:00.0");
	assert_string_equal(vfk_device_get_bdf(d), "0000:02:00.0");
	vfk_device_unref(d);
	d = get(e, "10000:01:00.0");
	assert_string_equal(vfk_device_get_syspath(d),
			    "/sys/devices/pci10000:00/10000:00:02.0/10000:01:00.0");
	vfk_device_unref(d);
	/* Exact tokens only. */
	d = NULL;
	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:00:02.0", &d), -ENODEV);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "1:00.0", &d), -EINVAL);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "05:00.0", &d), -ENODEV);
	assert_null(d);
}

static void test_garbage_attributes(void **state)
{
	struct env *e = *state;
	struct vfk_device **list;
	struct vfk_device *d;
	char junk[4097];
	size_t n;
	uint32_t cls;
	uint8_t rev;
	unsigned int g;

	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	/* Config space gives ids and revision first; cut it short so the attributes count. */
	damage(e, "0000:01:00.0", "config", "\x86\x80");
	damage(e, "0000:01:00.1", "config", "\xff");
	damage(e, "0000:01:00.0", "vendor", "0xZZZZ\n");
	damage(e, "0000:01:00.0", "class", "030000\n");
	damage(e, "0000:01:00.1", "device", junk);
	damage(e, "0000:01:00.1", "revision", NULL);
	damage(e, "0000:02:00.0", "numa_node", "\n");
	damage(e, "0000:02:00.0", "iommu_group", NULL);
	assert_int_equal(fx_symlink(e->root, "sys/devices/pci0000:02/0000:02:00.0/iommu_group",
				    "../../../kernel/iommu_groups/notanumber"),
			 0);
	assert_int_equal(fx_symlink(e->root, "sys/devices/pci0000:02/0000:02:02.1/driver",
				    "../../../bus/pci/drivers/gone"),
			 0);

	/* The listing survives, and only the damaged fields are unknown. */
	assert_int_equal(vfk_ctx_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, sizeof(devs) / sizeof(devs[0]));
	vfk_device_list_free(list, n);

	d = get(e, "0000:01:00.0");
	assert_int_equal(vfk_device_get_ids(d, NULL, NULL), -ENODATA);
	assert_int_equal(vfk_device_get_class(d, &cls), -ENODATA);
	assert_int_equal(vfk_device_get_revision(d, &rev), 0);
	assert_string_equal(vfk_device_get_driver(d), "nouveau");
	vfk_device_unref(d);
	d = get(e, "0000:01:00.1");
	assert_int_equal(vfk_device_get_ids(d, NULL, NULL), -ENODATA);
	assert_int_equal(vfk_device_get_revision(d, &rev), -ENODATA);
	assert_int_equal(vfk_device_get_class(d, &cls), 0);
	vfk_device_unref(d);
	d = get(e, "0000:02:00.0");
	assert_int_equal(vfk_device_get_iommu_group(d, &g), -ENODATA);
	vfk_device_unref(d);
	/* A dangling driver link still names the driver the kernel would show. */
	d = get(e, "0000:02:02.1");
	assert_string_equal(vfk_device_get_driver(d), "gone");
	vfk_device_unref(d);
}

/* Config space is read once for ids, revision, subsystem and header; a virtual function's
 * reads ffff as vendor, so its ids come from the attributes, and damaged attributes do
 * not matter while config space is whole. */
static void test_ids_from_config(void **state)
{
	struct env *e = *state;
	struct vfk_device *d;
	uint16_t v, dv;
	uint8_t rev;

	damage(e, "0000:01:00.0", "vendor", "0xZZZZ\n");
	damage(e, "0000:01:00.0", "revision", NULL);
	d = get(e, "0000:01:00.0");
	assert_int_equal(vfk_device_get_ids(d, &v, &dv), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(dv, 0x1b80);
	assert_int_equal(vfk_device_get_revision(d, &rev), 0);
	assert_int_equal(rev, 0xa1);
	assert_int_equal(vfk_device_get_header_type(d), VFK_HEADER_NORMAL);
	vfk_device_unref(d);

	/* A VF: vendor and device read as ffff in config space, real in sysfs. */
	{
		char *dir, path[8192];
		FILE *f;

		assert_int_equal(fx_device_path(&topo, "0000:01:00.1", &dir), 0);
		snprintf(path, sizeof(path), "%s/%s/config", e->root, dir);
		f = fopen(path, "r+");
		assert_non_null(f);
		assert_int_equal(fwrite("\xff\xff\xff\xff", 1, 4, f), 4);
		fclose(f);
		free(dir);
	}
	d = get(e, "0000:01:00.1");
	assert_int_equal(vfk_device_get_ids(d, &v, &dv), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(dv, 0x10f0);
	assert_int_equal(vfk_device_get_header_type(d), VFK_HEADER_NORMAL);
	vfk_device_unref(d);
}

/* Details are read on first use; a device whose directory vanished by then reports them
 * unknown instead of failing, and what was read at load time stays. */
static void test_details_after_vanish(void **state)
{
	struct env *e = *state;
	struct vfk_device *d, *kept;
	char *dir, path[8192];
	int numa;
	uint16_t v;

	kept = get(e, "0000:01:00.0");
	assert_int_equal(vfk_device_get_numa_node(kept, &numa), 0);
	d = get(e, "0000:01:00.0");
	assert_int_equal(fx_device_path(&topo, "0000:01:00.0", &dir), 0);
	snprintf(path, sizeof(path), "%s/%s", e->root, dir);
	free(dir);
	assert_int_equal(fx_rmtree(path), 0);
	assert_int_equal(vfk_device_get_ids(d, &v, NULL), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(vfk_device_get_numa_node(d, &numa), -ENODATA);
	assert_null(vfk_device_get_reset_methods(d));
	assert_null(vfk_device_get_driver_override(d));
	assert_int_equal(vfk_device_is_boot_vga(d), -ENODATA);
	/* Read before the device went away: still there. */
	assert_int_equal(vfk_device_get_numa_node(kept, &numa), 0);
	assert_string_equal(vfk_device_get_reset_methods(kept), "bus");
	vfk_device_unref(d);
	vfk_device_unref(kept);
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Every getter answers the same whether details were read at load or on first use. */
static void assert_same_details(struct vfk_device *a, struct vfk_device *b)
{
	struct vfk_addr pa, pb;
	unsigned int ta = 0, na = 0, tb = 0, nb = 0;
	int ia = 0, ib = 0;
	uint32_t ca = 0, cb = 0;

	assert_string_equal(vfk_device_get_bdf(a), vfk_device_get_bdf(b));
	assert_int_equal(vfk_device_get_class(a, &ca), vfk_device_get_class(b, &cb));
	assert_int_equal(ca, cb);
	assert_same_str(vfk_device_get_driver(a), vfk_device_get_driver(b));
	assert_same_str(vfk_device_get_driver_override(a), vfk_device_get_driver_override(b));
	assert_same_str(vfk_device_get_reset_methods(a), vfk_device_get_reset_methods(b));
	assert_same_str(vfk_device_get_power_state(a), vfk_device_get_power_state(b));
	assert_int_equal(vfk_device_get_numa_node(a, &ia), vfk_device_get_numa_node(b, &ib));
	assert_int_equal(ia, ib);
	assert_int_equal(vfk_device_is_boot_vga(a), vfk_device_is_boot_vga(b));
	assert_int_equal(vfk_device_is_vfio_bound(a), vfk_device_is_vfio_bound(b));
	assert_int_equal(vfk_device_get_sriov(a, &ta, &na), vfk_device_get_sriov(b, &tb, &nb));
	assert_int_equal(ta, tb);
	assert_int_equal(na, nb);
	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	assert_int_equal(vfk_device_get_physfn(a, &pa), vfk_device_get_physfn(b, &pb));
	assert_int_equal(vfk_addr_cmp(&pa, &pb), 0);
}

/* With eager details, what a listing shows is read at load: the same answers, and still
 * there after the device's directory has gone. */
static void test_eager_details(void **state)
{
	struct env *e = *state;
	struct vfk_device **lazy = NULL, **eager = NULL, *d, *kept;
	size_t n_lazy = 0, n_eager = 0, i;
	char *dir, path[8192];
	int numa;

	assert_int_equal(vfk_ctx_get_devices(e->ctx, &lazy, &n_lazy), 0);
	vfk_ctx_set_eager_details(e->ctx, true);
	assert_int_equal(vfk_ctx_get_devices(e->ctx, &eager, &n_eager), 0);
	assert_int_equal(n_lazy, n_eager);
	assert_true(n_lazy > 3);
	for (i = 0; i < n_lazy; i++)
		assert_same_details(lazy[i], eager[i]);
	vfk_device_list_free(lazy, n_lazy);
	vfk_device_list_free(eager, n_eager);

	kept = get(e, "0000:01:00.0");
	vfk_ctx_set_eager_details(e->ctx, false);
	d = get(e, "0000:01:00.0");
	assert_int_equal(fx_device_path(&topo, "0000:01:00.0", &dir), 0);
	snprintf(path, sizeof(path), "%s/%s", e->root, dir);
	free(dir);
	assert_int_equal(fx_rmtree(path), 0);
	assert_int_equal(vfk_device_get_numa_node(kept, &numa), 0);
	assert_string_equal(vfk_device_get_reset_methods(kept), "bus");
	assert_int_equal(vfk_device_get_numa_node(d, &numa), -ENODATA);
	assert_null(vfk_device_get_reset_methods(d));
	vfk_device_unref(d);
	vfk_device_unref(kept);
}

static void test_vanished_device(void **state)
{
	struct env *e = *state;
	struct vfk_device **list;
	char *dir, cmd[8192];
	size_t n;

	/* Listed on the bus, gone from the tree. */
	assert_int_equal(fx_device_path(&topo, "0000:02:02.1", &dir), 0);
	snprintf(cmd, sizeof(cmd), "%s/%s", e->root, dir);
	assert_int_equal(fx_rmtree(cmd), 0);
	free(dir);
	assert_int_equal(vfk_ctx_get_devices(e->ctx, &list, &n), 0);
	assert_int_equal(n, sizeof(devs) / sizeof(devs[0]) - 1);
	vfk_device_list_free(list, n);
}

static void test_groups(void **state)
{
	struct env *e = *state;
	struct vfk_group **list, *g;
	const struct vfk_resv_region *r;
	size_t n, nr, i;

	assert_int_equal(vfk_ctx_get_groups(e->ctx, &list, &n), 0);
	assert_int_equal(n, 8); /* 0 1 13 14 15 16 17 18 */
	for (i = 1; i < n; i++)
		assert_true(vfk_group_get_id(list[i - 1]) < vfk_group_get_id(list[i]));
	g = NULL;
	for (i = 0; i < n; i++)
		if (vfk_group_get_id(list[i]) == 13)
			g = list[i];
	assert_non_null(g);
	assert_string_equal(vfk_group_get_type(g), "DMA-FQ");
	assert_int_equal(vfk_group_get_n_devices(g), 2);
	assert_string_equal(vfk_device_get_bdf(vfk_group_get_device(g, 0)), "0000:01:00.0");
	assert_string_equal(vfk_device_get_bdf(vfk_group_get_device(g, 1)), "0000:01:00.1");
	assert_null(vfk_group_get_device(g, 2));
	vfk_group_list_free(list, n);

	assert_int_equal(vfk_group_new(e->ctx, 14, &g), 0);
	assert_string_equal(vfk_group_get_type(g), "identity");
	assert_int_equal(vfk_group_get_reserved_regions(g, &r, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(r[0].type, VFK_RESV_MSI);
	assert_int_equal(r[1].type, VFK_RESV_RESERVED);
	assert_int_equal(vfk_group_get_n_devices(g), 1);
	vfk_group_unref(g);
	assert_int_equal(vfk_group_new(e->ctx, 99, &g), -ENOENT);
}

static void test_no_iommu(void **state)
{
	static const struct fx_dev flat[] = {
		{.bdf = "0000:00:02.0",
		 .vendor = 0x8086,
		 .device = 0x10d3,
		 .class_code = 0x020000,
		 .group = FX_NO_GROUP,
		 .driver = "e1000e",
		 .boot_vga = FX_ABSENT},
	};
	static const struct fx_topology t = {.name = "flat", .devs = flat, .n_devs = 1};
	struct vfk_group **list;
	struct vfk_device *d;
	struct vfk_ctx *ctx;
	unsigned int g;
	char *root;
	size_t n;

	assert_int_equal(fx_mkdtemp(&root), 0);
	assert_int_equal(fx_build(root, &t), 0);
	assert_int_equal(vfk_ctx_new(root, &ctx), 0);
	assert_int_equal(vfk_ctx_get_groups(ctx, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(vfk_device_new_from_string(ctx, "00:02.0", &d), 0);
	assert_int_equal(vfk_device_get_iommu_group(d, &g), -ENOENT);
	vfk_device_unref(d);
	vfk_ctx_unref(ctx);
	fx_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_sriov_vfio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_details_after_vanish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eager_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanished_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test(test_no_iommu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
