// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture-host.h"
#include "fixture.h"
#include "macro.h"
#include <vfiokit/vfiokit.h>

static const struct fx_dev devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:01.0",
	 .vendor = 0x8086,
	 .device = 0x1901,
	 .class_code = 0x060400,
	 .group = 1,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x10de,
	 .device = 0x1b80,
	 .class_code = 0x030000,
	 .parent = "0000:00:01.0",
	 .group = 13,
	 .driver = "vfio-pci",
	 .driver_override = "vfio-pci",
	 .multifunction = true,
	 .boot_vga = 0,
	 .reset_method = "bus",
	 .vfio_dev = true,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x10de,
	 .device = 0x10f0,
	 .class_code = 0x040300,
	 .parent = "0000:00:01.0",
	 .group = 13,
	 .driver = "snd_hda_intel",
	 .multifunction = true,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:03.0",
	 .vendor = 0x15b3,
	 .device = 0x1017,
	 .class_code = 0x020000,
	 .group = 3,
	 .driver = "mlx5_core",
	 .boot_vga = FX_ABSENT,
	 .numa_node = 1,
	 .sriov_total = 4,
	 .sriov_num = 1,
	 .caps = FX_CAP_EXP | FX_CAP_SRIOV | FX_CAP_FLR},
	{.bdf = "0000:00:03.2",
	 .vendor = 0x15b3,
	 .device = 0x1018,
	 .class_code = 0x020000,
	 .group = 4,
	 .boot_vga = FX_ABSENT,
	 .physfn = "0000:00:03.0",
	 .numa_node = 1},
	{.bdf = "10000:e1:00.0",
	 .vendor = 0x144d,
	 .device = 0xa80a,
	 .class_code = 0x010802,
	 .parent = "0000:00:00.0",
	 .group = 0,
	 .driver = "nvme",
	 .boot_vga = FX_ABSENT},
};
static const struct fx_topology topo = {.name = "snap", .devs = devs, .n_devs = 7};
static const struct fx_iommu_unit units[] = {{"dmar0", 0xf0050aa}};
static const char *const files[] = {"dev/vfio/vfio", "dev/vfio/13", "dev/kvm",
				    "usr/sbin/update-grub", NULL};
static const char *const loaded[] = {"vfio", "vfio_pci", NULL};

static const struct fx_host host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vmx",
	.cmdline = "root=/dev/sda1 ro intel_iommu=on",
	.acpi_table = "DMAR",
	.dmar_flags = 1,
	.units = units,
	.n_units = 1,
	.ir_interrupts = true,
	.kmsg = "6,1,0,-;DMAR: IOMMU enabled\n SUBSYSTEM=x\n6,2,9,-;vfio-pci 0000:01:00.0: x\n",
	.os_release = "ID=debian\n",
	.grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	.modules = "modular",
	.loaded = loaded,
	.files = files,
	.memlock = "unlimited",
	.hugepages_2m = 8,
};

struct env {
	char *src, *dst;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char *tmp;

	assert_non_null(e);
	assert_int_equal(fx_mkdtemp(&e->src), 0);
	assert_int_equal(fx_build(e->src, &topo), 0);
	assert_int_equal(fx_build_host(e->src, &host), 0);
	assert_int_equal(fx_mkdtemp(&tmp), 0);
	assert_true(asprintf(&e->dst, "%s/capture", tmp) > 0);
	free(tmp);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char *parent = strdup(e->dst);

	fx_rmtree(e->src);
	*strrchr(parent, '/') = '\0';
	fx_rmtree(parent);
	free(parent);
	free(e->src);
	free(e->dst);
	free(e);
	return 0;
}

static int take(struct env *e, unsigned int flags, unsigned int *n_unreadable)
{
	struct vfk_ctx *ctx;
	unsigned int n_files = 0;
	int err;

	assert_int_equal(vfk_ctx_new(e->src, &ctx), 0);
	err = vfk_snapshot_write(ctx, e->dst, flags, &n_files, n_unreadable);
	vfk_ctx_unref(ctx);
	if (err == 0)
		assert_true(n_files > 50);
	return err;
}

static char *read_file(const char *root, const char *rel)
{
	char path[10000];
	static char buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static bool exists(const char *root, const char *rel)
{
	char path[10000];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

static void assert_same_devices(const char *a, const char *b)
{
	struct vfk_ctx *ca, *cb;
	struct vfk_device **da, **db;
	size_t na, nb;

	assert_int_equal(vfk_ctx_new(a, &ca), 0);
	assert_int_equal(vfk_ctx_new(b, &cb), 0);
	assert_int_equal(vfk_ctx_get_devices(ca, &da, &na), 0);
	assert_int_equal(vfk_ctx_get_devices(cb, &db, &nb), 0);
	assert_int_equal(na, nb);
	assert_int_equal(na, 7);
	for (size_t i = 0; i < na; i++) {
		uint16_t va = 0, vb = 0, xa = 0, xb = 0;
		uint32_t cla = 0, clb = 0;
		unsigned int ga = 0, gb = 0;
		int numa_a = 0, numa_b = 0;

		assert_string_equal(vfk_device_get_bdf(da[i]), vfk_device_get_bdf(db[i]));
		assert_int_equal(vfk_device_get_ids(da[i], &va, &xa), 0);
		assert_int_equal(vfk_device_get_ids(db[i], &vb, &xb), 0);
		assert_int_equal(va, vb);
		assert_int_equal(xa, xb);
		assert_int_equal(vfk_device_get_class(da[i], &cla), 0);
		assert_int_equal(vfk_device_get_class(db[i], &clb), 0);
		assert_int_equal(cla, clb);
		assert_true(streq_ptr(vfk_device_get_driver(da[i]), vfk_device_get_driver(db[i])));
		assert_true(streq_ptr(vfk_device_get_driver_override(da[i]),
				      vfk_device_get_driver_override(db[i])));
		assert_true(streq_ptr(vfk_device_get_reset_methods(da[i]),
				      vfk_device_get_reset_methods(db[i])));
		assert_int_equal(vfk_device_get_iommu_group(da[i], &ga),
				 vfk_device_get_iommu_group(db[i], &gb));
		assert_int_equal(ga, gb);
		assert_int_equal(vfk_device_get_numa_node(da[i], &numa_a),
				 vfk_device_get_numa_node(db[i], &numa_b));
		assert_int_equal(numa_a, numa_b);
		{
			struct vfk_addr pa, pb;
			int ra = vfk_device_get_physfn(da[i], &pa);

			assert_int_equal(ra, vfk_device_get_physfn(db[i], &pb));
			if (ra == 0)
				assert_int_equal(vfk_addr_cmp(&pa, &pb), 0);
			ra = vfk_device_get_parent_addr(da[i], &pa);
			assert_int_equal(ra, vfk_device_get_parent_addr(db[i], &pb));
			if (ra == 0)
				assert_int_equal(vfk_addr_cmp(&pa, &pb), 0);
		}
	}
	vfk_device_list_free(da, na);
	vfk_device_list_free(db, nb);
	vfk_ctx_unref(ca);
	vfk_ctx_unref(cb);
}

static void assert_same_doctor(const char *a, const char *b)
{
	struct vfk_ctx *ca, *cb;
	struct vfk_report *ra, *rb;

	assert_int_equal(vfk_ctx_new(a, &ca), 0);
	assert_int_equal(vfk_ctx_new(b, &cb), 0);
	assert_int_equal(vfk_doctor_run(ca, &ra), 0);
	assert_int_equal(vfk_doctor_run(cb, &rb), 0);
	assert_true(vfk_report_is_ready(ra));
	assert_int_equal(vfk_report_get_n_checks(ra), vfk_report_get_n_checks(rb));
	for (size_t i = 0; i < vfk_report_get_n_checks(ra); i++) {
		assert_string_equal(vfk_report_get_check_id(ra, i), vfk_report_get_check_id(rb, i));
		assert_int_equal(vfk_report_get_check_status(ra, i),
				 vfk_report_get_check_status(rb, i));
		assert_string_equal(vfk_report_get_check_summary(ra, i),
				    vfk_report_get_check_summary(rb, i));
	}
	vfk_report_unref(ra);
	vfk_report_unref(rb);
	vfk_ctx_unref(ca);
	vfk_ctx_unref(cb);
}

static void test_round_trip(void **state)
{
	struct env *e = *state;
	unsigned int unreadable = 99;

	assert_int_equal(take(e, 0, &unreadable), 0);
	assert_int_equal(unreadable, 0);
	assert_same_devices(e->src, e->dst);
	assert_same_doctor(e->src, e->dst);
	/* Host files come across byte for byte; the log keeps its record format. */
	assert_string_equal(read_file(e->dst, "proc/cmdline"),
			    "root=/dev/sda1 ro intel_iommu=on\n");
	assert_string_equal(read_file(e->dst, "dev/kmsg"), host.kmsg);
	assert_true(exists(e->dst, "dev/vfio/13"));
	assert_true(exists(e->dst, "lib/modules/6.1.0-fixture/modules.dep.bin"));
	assert_non_null(strstr(read_file(e->dst, "vfiokit-snapshot.json"), "\"format\": 1"));
}

static void test_no_modules(void **state)
{
	struct env *e = *state;

	assert_int_equal(take(e, VFK_SNAPSHOT_NO_MODULES, NULL), 0);
	assert_false(exists(e->dst, "lib/modules/6.1.0-fixture/modules.dep.bin"));
	assert_non_null(strstr(read_file(e->dst, "vfiokit-snapshot.json"), "\"modules\": false"));
	assert_same_devices(e->src, e->dst);
}

/* BARs, the ROM and the VPD are never read; neither are files that act when written. */
static void test_allow_list(void **state)
{
	struct env *e = *state;
	char *dev;

	assert_int_equal(fx_device_path(&topo, "0000:01:00.0", &dev), 0);
	for (const char *const *f = (const char *const[]){"resource0", "rom", "vpd", "reset",
							  "remove", "rescan", NULL};
	     *f; f++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dev, *f);
		assert_int_equal(fx_write_file(e->src, path, "x"), 0);
	}
	assert_int_equal(fx_write_file(e->src, "sys/bus/pci/drivers/vfio-pci/new_id", ""), 0);
	assert_int_equal(take(e, 0, NULL), 0);
	for (const char *const *f = (const char *const[]){"resource0", "rom", "vpd", "reset",
							  "remove", "rescan", NULL};
	     *f; f++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dev, *f);
		assert_false(exists(e->dst, path));
	}
	assert_true(exists(e->dst, "sys/bus/pci/drivers/vfio-pci/0000:01:00.0"));
	assert_false(exists(e->dst, "sys/bus/pci/drivers/vfio-pci/new_id"));
	free(dev);
}

/* A link out of the root resolves inside it, so nothing of this machine is copied. */
static void test_links_stay_in_root(void **state)
{
	struct env *e = *state;
	char *dev, path[4096];

	assert_int_equal(fx_device_path(&topo, "0000:00:03.0", &dev), 0);
	snprintf(path, sizeof(path), "%s/%s/modalias", e->src, dev);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(take(e, 0, NULL), 0);
	snprintf(path, sizeof(path), "%s/modalias", dev);
	assert_false(exists(e->dst, path));
	assert_false(exists(e->dst, "etc/passwd"));
	free(dev);
}

/* Links that would leave the copy once it is unpacked elsewhere are not made. */
static void test_escaping_links_left_out(void **state)
{
	struct env *e = *state;
	char *dev, path[4096], target[4096];
	ssize_t n;

	assert_int_equal(fx_device_path(&topo, "0000:00:03.0", &dev), 0);
	snprintf(path, sizeof(path), "%s/driver", dev);
	assert_int_equal(fx_symlink(e->src, path, "/etc"), 0);
	snprintf(path, sizeof(path), "%s/iommu_group", dev);
	assert_int_equal(fx_symlink(e->src, path, "../../../../../../../../../../tmp"), 0);
	snprintf(path, sizeof(path), "%s/physfn", dev);
	assert_int_equal(fx_symlink(e->src, path, "../0000:00:03.2/../../../../../.."), 0);
	assert_int_equal(fx_symlink(e->src, "sys/class/iommu/dmar9", "/sys/devices"), 0);
	assert_int_equal(take(e, 0, NULL), 0);
	for (const char *const *f = (const char *const[]){"driver", "iommu_group", "physfn", NULL};
	     *f; f++) {
		snprintf(path, sizeof(path), "%s/%s/%s", e->dst, dev, *f);
		assert_int_equal(readlink(path, target, sizeof(target)), -1);
		assert_non_null(strstr(read_file(e->dst, "vfiokit-snapshot.json"), *f));
	}
	snprintf(path, sizeof(path), "%s/sys/class/iommu/dmar9", e->dst);
	assert_int_equal(readlink(path, target, sizeof(target)), -1);
	/* The kernel's own links are kept, exactly. */
	free(dev);
	assert_int_equal(fx_device_path(&topo, "0000:00:03.2", &dev), 0);
	snprintf(path, sizeof(path), "%s/%s/physfn", e->dst, dev);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../0000:00:03.0");
	free(dev);
}

/* A FIFO or a link where an attribute should be is neither waited on nor followed. */
static void test_odd_attribute_files(void **state)
{
	struct env *e = *state;
	char *dev, path[4096];

	assert_int_equal(fx_device_path(&topo, "0000:00:03.0", &dev), 0);
	snprintf(path, sizeof(path), "%s/%s/vendor", e->src, dev);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/config", dev);
	assert_int_equal(fx_write_file(e->src, "sys/resource0", "BAR"), 0);
	assert_int_equal(fx_symlink(e->src, path, "../../../resource0"), 0);
	assert_int_equal(take(e, 0, NULL), 0);
	snprintf(path, sizeof(path), "%s/vendor", dev);
	assert_false(exists(e->dst, path) && read_file(e->dst, path)[0]);
	snprintf(path, sizeof(path), "%s/config", dev);
	assert_false(exists(e->dst, path));
	free(dev);
}

static void test_destination_not_empty(void **state)
{
	struct env *e = *state;
	char path[4096];
	struct stat st;

	assert_int_equal(mkdir(e->dst, 0755), 0);
	snprintf(path, sizeof(path), "%s/precious", e->dst);
	assert_int_equal(fx_write_file(e->dst, "precious", "keep me"), 0);
	assert_int_equal(take(e, 0, NULL), -EEXIST);
	assert_string_equal(read_file(e->dst, "precious"), "keep me");
	snprintf(path, sizeof(path), "%s/sys", e->dst);
	assert_int_equal(stat(path, &st), -1);
}

static void test_destination_empty_dir_ok(void **state)
{
	struct env *e = *state;

	assert_int_equal(mkdir(e->dst, 0755), 0);
	assert_int_equal(take(e, 0, NULL), 0);
	assert_same_devices(e->src, e->dst);
}

static void test_bad_arguments(void **state)
{
	struct env *e = *state;
	struct vfk_ctx *ctx;

	assert_int_equal(vfk_ctx_new(e->src, &ctx), 0);
	assert_int_equal(vfk_snapshot_write(ctx, e->dst, 1u << 7, NULL, NULL), -EINVAL);
	assert_int_equal(vfk_snapshot_write(ctx, "", 0, NULL, NULL), -EINVAL);
	assert_int_equal(vfk_snapshot_write(NULL, e->dst, 0, NULL, NULL), -EINVAL);
	assert_false(exists(e->dst, ""));
	/* A file where the directory should be. */
	assert_int_equal(fx_write_file("/", e->dst + 1, "file"), 0);
	assert_true(vfk_snapshot_write(ctx, e->dst, 0, NULL, NULL) < 0);
	assert_string_equal(read_file("/", e->dst + 1), "file");
	vfk_ctx_unref(ctx);
}

/* A file too large to take is listed in the manifest rather than silently lost. */
static void test_unreadable_listed(void **state)
{
	struct env *e = *state;
	unsigned int unreadable = 0;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/proc/interrupts", e->src);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	close(fd);
	assert_int_equal(take(e, 0, &unreadable), 0);
	assert_int_equal(unreadable, 1);
	assert_non_null(strstr(read_file(e->dst, "vfiokit-snapshot.json"), "proc/interrupts"));
	assert_true(exists(e->dst, "proc/interrupts"));
}

/* Counts the files and directories below @rel, and those whose mode is not private. */
static void modes_of(const char *root, const char *rel, unsigned int *n_reg, unsigned int *dirs,
		     unsigned int *other)
{
	char path[8192];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char sub[4096];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			*dirs += 1;
			*other += (st.st_mode & 0777) != 0700;
			modes_of(root, sub, n_reg, dirs, other);
		} else if (S_ISREG(st.st_mode)) {
			*n_reg += 1;
			*other += (st.st_mode & 0777) != 0600;
		}
	}
	closedir(d);
}

/* The capture is the caller's alone: files 0600, directories 0700. */
static void test_private_modes(void **state)
{
	struct env *e = *state;
	unsigned int n_reg = 0, dirs = 0, other = 0;
	struct stat st;

	assert_int_equal(take(e, 0, NULL), 0);
	assert_int_equal(stat(e->dst, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	modes_of(e->dst, ".", &n_reg, &dirs, &other);
	assert_true(n_reg > 20 && dirs > 10);
	assert_int_equal(other, 0);
}

/* An existing directory others may write to (made in /tmp by someone else, say) is
 * refused, and nothing is written into it. */
static void test_destination_writable_by_others(void **state)
{
	struct env *e = *state;
	char path[4096];
	struct stat st;

	assert_int_equal(mkdir(e->dst, 0700), 0);
	assert_int_equal(chmod(e->dst, 0777), 0);
	assert_int_equal(take(e, 0, NULL), -EPERM);
	snprintf(path, sizeof(path), "%s/sys", e->dst);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(chmod(e->dst, 0770), 0);
	assert_int_equal(take(e, 0, NULL), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_round_trip),
		T(test_no_modules),
		T(test_allow_list),
		T(test_links_stay_in_root),
		T(test_escaping_links_left_out),
		T(test_odd_attribute_files),
		T(test_destination_not_empty),
		T(test_destination_empty_dir_ok),
		T(test_private_modes),
		T(test_destination_writable_by_others),
		T(test_bad_arguments),
		T(test_unreadable_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
