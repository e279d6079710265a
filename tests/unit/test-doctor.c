// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/cmdline.h"
#include "fixture-host.h"
#include "fixture.h"
#include "macro.h"
#include <vfiokit/vfiokit.h>

static const struct fx_dev grouped[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x3e92,
	 .class_code = 0x030000,
	 .group = 1,
	 .driver = "i915",
	 .boot_vga = 1},
	{.bdf = "0000:00:1f.6",
	 .vendor = 0x8086,
	 .device = 0x15bc,
	 .class_code = 0x020000,
	 .group = 2,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT},
};
static const struct fx_dev ungrouped[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = FX_NO_GROUP,
	 .boot_vga = FX_ABSENT},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x3e92,
	 .class_code = 0x030000,
	 .group = FX_NO_GROUP,
	 .driver = "i915",
	 .boot_vga = 1},
};
static const struct fx_group groups[] = {
	{.id = 0, .type = "DMA-FQ"},
	{.id = 1, .type = "DMA-FQ"},
	{.id = 2, .type = "identity"},
};
static const struct fx_topology topo_grouped = {
	.name = "grouped", .devs = grouped, .n_devs = 3, .groups = groups, .n_groups = 3};
static const struct fx_topology topo_ungrouped = {
	.name = "ungrouped", .devs = ungrouped, .n_devs = 2};

static const struct fx_iommu_unit dmar_ir[] = {{"dmar0", 0xf0050aa}, {"dmar1", 0xf0050aa}};
static const struct fx_iommu_unit dmar_no_ir[] = {{"dmar0", 0xf0050a2}};
static const struct fx_iommu_unit ivhd[] = {{"ivhd0", 0x58f77ef22294ade}};
static const char *const debian_files[] = {"usr/sbin/update-grub", "dev/kvm", "dev/vfio/vfio",
					   "usr/share/OVMF/OVMF_CODE_4M.fd", NULL};
#define DEBIAN_OS "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
#define DEBIAN_GRUB                                                                                \
	"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n"
#define OVMF_JSON                                                                                  \
	"{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", \"executable\": "  \
	"{\"filename\": \"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": \"raw\"}}, "              \
	"\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}]}"

/* A ready Intel desktop running Debian; tests change one thing at a time. */
static struct fx_host intel_ready(void)
{
	return (struct fx_host){
		.vendor_id = "GenuineIntel",
		.cpu_flags = "fpu vme vmx ssse3",
		.cmdline = "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro quiet intel_iommu=on",
		.acpi_table = "DMAR",
		.dmar_flags = 1,
		.units = dmar_ir,
		.n_units = 2,
		.ir_interrupts = true,
		.kmsg = "6,1,0,-;Linux version 6.1.0\n"
			" SUBSYSTEM=cpu\n"
			"6,2,5,-;DMAR: IOMMU enabled\n"
			"6,3,9,-;DMAR-IR: Enabled IRQ remapping in x2apic mode\n",
		.os_release = DEBIAN_OS,
		.grub = DEBIAN_GRUB,
		.modules = "modular",
		.files = debian_files,
		.memlock = "unlimited",
		.ovmf_descriptor = OVMF_JSON,
	};
}

struct env {
	char *root;
	struct vfk_report *report;
};

static struct vfk_report *run(struct env *e, const struct fx_topology *t, const struct fx_host *h)
{
	struct vfk_ctx *ctx;

	assert_int_equal(fx_mkdtemp(&e->root), 0);
	if (t)
		assert_int_equal(fx_build(e->root, t), 0);
	if (h)
		assert_int_equal(fx_build_host(e->root, h), 0);
	assert_int_equal(vfk_ctx_new(e->root, &ctx), 0);
	assert_int_equal(vfk_doctor_run(ctx, &e->report), 0);
	vfk_ctx_unref(ctx);
	return e->report;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e) {
		vfk_report_unref(e->report);
		if (e->root)
			fx_rmtree(e->root);
		free(e->root);
		free(e);
	}
	return 0;
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct env));
	return *state ? 0 : -1;
}

static size_t find(const struct vfk_report *r, const char *id)
{
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		if (strcmp(vfk_report_get_check_id(r, i), id) == 0)
			return i;
	fail_msg("no check %s", id);
	return 0;
}

static void expect(const struct vfk_report *r, const char *id, enum vfk_check_status st,
		   const char *in_summary, const char *in_fix)
{
	size_t i = find(r, id);
	const char *summary = vfk_report_get_check_summary(r, i);
	const char *fix = vfk_report_get_check_fix(r, i);

	if (vfk_report_get_check_status(r, i) != st)
		fail_msg("%s: status %s, expected %s (%s)", id,
			 vfk_check_status_to_string(vfk_report_get_check_status(r, i)),
			 vfk_check_status_to_string(st), summary);
	if (in_summary && !strstr(summary, in_summary))
		fail_msg("%s: summary \"%s\" lacks \"%s\"", id, summary, in_summary);
	if (in_fix && (!fix || !strstr(fix, in_fix)))
		fail_msg("%s: fix \"%s\" lacks \"%s\"", id, fix ? fix : "(null)", in_fix);
}

static void test_ready_intel(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r = run(*state, &topo_grouped, &h);

	assert_true(vfk_report_is_ready(r));
	expect(r, "cpu.vendor", VFK_CHECK_OK, "GenuineIntel", NULL);
	expect(r, "cpu.virtualization", VFK_CHECK_OK, "vmx", NULL);
	expect(r, "firmware.iommu-table", VFK_CHECK_OK, "declares interrupt remapping", NULL);
	expect(r, "cmdline.iommu", VFK_CHECK_OK, "intel_iommu=on", NULL);
	expect(r, "iommu.active", VFK_CHECK_OK, "2 IOMMU units (dmar0, dmar1), 3 groups", NULL);
	expect(r, "iommu.active", VFK_CHECK_OK, "DMAR: IOMMU enabled", NULL);
	expect(r, "iommu.default-domain", VFK_CHECK_OK, "2 DMA-FQ, 1 identity", NULL);
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_OK, "IR-", NULL);
	expect(r, "module.vfio", VFK_CHECK_OK,
	       "loadable from /lib/modules/6.1.0-fixture/kernel/drivers/vfio/vfio.ko", NULL);
	expect(r, "module.vfio_pci", VFK_CHECK_OK, "loadable", NULL);
	expect(r, "module.vfio_iommu_type1", VFK_CHECK_OK, "loadable", NULL);
	expect(r, "dev.vfio", VFK_CHECK_OK, "/dev/vfio/vfio present", NULL);
	expect(r, "iommufd", VFK_CHECK_OK, "iommufd module is loadable", NULL);
	expect(r, "limits.memlock", VFK_CHECK_OK, "unlimited", NULL);
	expect(r, "memory.hugepages", VFK_CHECK_OK, "none reserved", NULL);
	expect(r, "firmware.ovmf", VFK_CHECK_OK, "/usr/share/OVMF/OVMF_CODE_4M.fd", NULL);
	expect(r, "firmware.ovmf", VFK_CHECK_OK, "60-edk2-x86_64.json", NULL);
	/* Nothing to fix on a ready host: no fix strings on ok checks. */
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		if (vfk_report_get_check_status(r, i) == VFK_CHECK_OK)
			assert_null(vfk_report_get_check_fix(r, i));
}

static void test_iommu_off_in_firmware(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.acpi_table = NULL;
	h.n_units = 0;
	h.ir_interrupts = false;
	h.cmdline = "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 ro quiet";
	h.kconfig = "CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n";
	r = run(*state, &topo_ungrouped, &h);

	assert_false(vfk_report_is_ready(r));
	expect(r, "firmware.iommu-table", VFK_CHECK_FAIL, "no ACPI DMAR or IVRS", "VT-d");
	expect(r, "cmdline.iommu", VFK_CHECK_WARN, "CONFIG_INTEL_IOMMU_DEFAULT_ON",
	       "  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\nthen run: update-grub");
	expect(r, "iommu.active", VFK_CHECK_FAIL, "no IOMMU", "firmware.iommu-table");
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_SKIP, NULL, NULL);
	expect(r, "iommu.default-domain", VFK_CHECK_SKIP, NULL, NULL);
}

static void test_amd_off_in_firmware(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.vendor_id = "AuthenticAMD";
	h.cpu_flags = "fpu svm";
	h.acpi_table = NULL;
	h.n_units = 0;
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "firmware.iommu-table", VFK_CHECK_FAIL, NULL, "AMD-Vi");
	expect(r, "cpu.virtualization", VFK_CHECK_OK, "svm", NULL);
}

static void test_cmdline_off_wins(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.cmdline = "root=/dev/sda1 intel_iommu=on quiet intel_iommu=off";
	h.grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		 "GRUB_CMDLINE_LINUX=\"intel_iommu=on intel_iommu=off\"\n";
	r = run(*state, &topo_ungrouped, &h);
	assert_false(vfk_report_is_ready(r));
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, "intel_iommu=off", NULL);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, "more than once", NULL);
	/* The off token lives in GRUB_CMDLINE_LINUX: that is the line to edit. */
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, NULL, "GRUB_CMDLINE_LINUX=\"intel_iommu=on\"");
	expect(r, "iommu.active", VFK_CHECK_FAIL, NULL, "cmdline.iommu");
}

/* The reverse order: the kernel applies each intel_iommu= in turn, so the last (on) wins. */
static void test_cmdline_on_wins(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.cmdline = "root=/dev/sda1 intel_iommu=off quiet intel_iommu=on";
	h.grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		 "GRUB_CMDLINE_LINUX=\"intel_iommu=off intel_iommu=on\"\n";
	r = run(*state, &topo_grouped, &h);
	assert_true(vfk_report_is_ready(r));
	expect(r, "cmdline.iommu", VFK_CHECK_WARN, "the last (on) wins", NULL);
	expect(r, "iommu.active", VFK_CHECK_OK, NULL, NULL);
	/* Nothing to remove: no fix offered, and no finding says the IOMMU is off. */
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++) {
		const char *s = vfk_report_get_check_summary(r, i);

		assert_null(strstr(s, "turns the IOMMU off"));
		if (strcmp(vfk_report_get_check_id(r, i), "cmdline.iommu") == 0)
			assert_null(vfk_report_get_check_fix(r, i));
	}
}

/* The tree as @h describes it, changed by @damage before the doctor runs. */
static struct vfk_report *run_damaged(struct env *e, const struct fx_host *h,
				      void (*damage)(const char *root, const char *outside),
				      const char *outside)
{
	struct vfk_ctx *ctx;

	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(fx_build(e->root, &topo_grouped), 0);
	assert_int_equal(fx_build_host(e->root, h), 0);
	damage(e->root, outside);
	assert_int_equal(vfk_ctx_new(e->root, &ctx), 0);
	/* A read that blocks would hang here: end the test instead. */
	alarm(20);
	assert_int_equal(vfk_doctor_run(ctx, &e->report), 0);
	alarm(0);
	vfk_ctx_unref(ctx);
	return e->report;
}

static void link_modules_out(const char *root, const char *outside)
{
	char target[PATH_MAX];

	snprintf(target, sizeof(target), "%s/lib/modules", outside);
	assert_int_equal(fx_symlink(root, "lib/modules", target), 0);
}

/* The tree's own module directory, its index files absolute links to another tree's. */
static void link_module_indexes_out(const char *root, const char *outside)
{
	static const char *const files[] = {"modules.dep", "modules.dep.bin", "modules.alias.bin"};
	char target[PATH_MAX], link[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(target, sizeof(target), "%s/lib/modules/6.1.0-fixture/%s", outside,
			 files[i]);
		snprintf(link, sizeof(link), "lib/modules/6.1.0-fixture/%s", files[i]);
		assert_int_equal(fx_symlink(root, link, target), 0);
	}
}

static void no_damage(const char *root, const char *outside)
{
	(void)root;
	(void)outside;
}

static void fifo_cmdline(const char *root, const char *outside)
{
	char path[PATH_MAX];

	(void)outside;
	snprintf(path, sizeof(path), "%s/proc/cmdline", root);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
}

/*
 * Reads through the root never leave it: an absolute link to another directory's modules,
 * or a release climbing out with "..", finds no modules, where the modules outside the
 * tree would say "loadable"; a FIFO where /proc/cmdline should be does not hang.
 */
static void test_tree_reads_stay_inside(void **state)
{
	struct env *e = *state;
	_cleanup_free_ char *outside = NULL, *release = NULL;
	struct fx_host h = intel_ready(), out = intel_ready();
	struct vfk_report *r;

	h.modules = NULL;
	assert_int_equal(fx_mkdtemp(&outside), 0);
	assert_int_equal(fx_build_host(outside, &out), 0);

	r = run_damaged(e, &h, link_modules_out, outside);
	assert_int_not_equal(vfk_report_get_check_status(r, find(r, "module.vfio_pci")),
			     VFK_CHECK_OK);
	expect(r, "module.vfio_pci", VFK_CHECK_WARN, "is missing", NULL);
	teardown(state);
	setup(state);
	e = *state;

	/* The directory is the tree's own, but libkmod would follow the links in it. */
	r = run_damaged(e, &h, link_module_indexes_out, outside);
	expect(r, "module.vfio_pci", VFK_CHECK_WARN,
	       "/lib/modules/6.1.0-fixture/modules.dep is a symbolic link", NULL);
	teardown(state);
	setup(state);
	e = *state;

	/* From the tree's lib/modules up to /, then down into the other directory. */
	assert_true(asprintf(&release, "../../../../../../../../../../..%s/lib/modules/%s", outside,
			     "6.1.0-fixture") > 0);
	h.osrelease = release;
	r = run_damaged(e, &h, no_damage, NULL);
	expect(r, "module.vfio_pci", VFK_CHECK_WARN, "/lib/modules/<release> is missing", NULL);
	teardown(state);
	setup(state);
	e = *state;

	h = intel_ready();
	h.cmdline = NULL;
	r = run_damaged(e, &h, fifo_cmdline, NULL);
	assert_non_null(r);
	fx_rmtree(outside);
}

static void test_fix_grubby(void **state)
{
	static const char *const files[] = {"usr/sbin/grubby", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.os_release = "ID=fedora\nPRETTY_NAME=\"Fedora Linux 40\"\n";
	h.files = files;
	h.cmdline = "root=/dev/vda1 intel_iommu=off";
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, NULL,
	       "grubby --update-kernel=ALL --remove-args=\"intel_iommu=off\" "
	       "--args=\"intel_iommu=on\"");
	/* The descriptor names a file that is not there: not usable. */
	expect(r, "firmware.ovmf", VFK_CHECK_WARN, NULL, "dnf install edk2-ovmf");
}

static void test_fix_grub_mkconfig(void **state)
{
	static const char *const files[] = {NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.os_release = "ID=opensuse-tumbleweed\nID_LIKE=\"opensuse suse\"\n";
	h.files = files;
	h.cmdline = "root=/dev/vda1";
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, "intel_iommu=on is missing",
	       "then run: grub-mkconfig -o /boot/grub/grub.cfg");
}

static void test_fix_systemd_boot(void **state)
{
	static const char *const files[] = {"dev/vfio/vfio", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.grub = NULL;
	h.files = files;
	h.kernel_cmdline_file = "root=UUID=1234 rw quiet\n";
	h.cmdline = "root=UUID=1234 rw quiet";
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, "intel_iommu=on is missing",
	       "Make /etc/kernel/cmdline read\n  root=UUID=1234 rw quiet intel_iommu=on\n"
	       "then run: kernel-install add");
}

static void test_fix_kernelstub(void **state)
{
	static const char *const files[] = {"usr/bin/kernelstub", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.os_release = "ID=pop\nID_LIKE=\"ubuntu debian\"\n";
	h.files = files;
	h.cmdline = "root=UUID=1234 ro quiet splash";
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, NULL, "kernelstub -a \"intel_iommu=on\"");
	/* Pop!_OS is Debian-like: packages come from apt. */
	expect(r, "firmware.ovmf", VFK_CHECK_WARN, NULL, "apt-get install ovmf");
}

static void test_fix_unknown_bootloader(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.n_units = 0;
	h.grub = NULL;
	h.os_release = NULL;
	h.cmdline = "root=/dev/sda1";
	r = run(*state, &topo_ungrouped, &h);
	expect(r, "cmdline.iommu", VFK_CHECK_FAIL, NULL,
	       "In your bootloader's configuration, add intel_iommu=on");
}

static void test_kernel_default_on(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.cmdline = "root=/dev/sda1";
	h.kconfig = "CONFIG_INTEL_IOMMU=y\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y\n";
	r = run(*state, &topo_grouped, &h);
	assert_true(vfk_report_is_ready(r));
	expect(r, "cmdline.iommu", VFK_CHECK_OK, "on by default", NULL);
}

static void test_ir_missing_in_hardware(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.units = dmar_no_ir;
	h.n_units = 1;
	h.ir_interrupts = false;
	h.dmar_flags = 0;
	h.kmsg = NULL;
	r = run(*state, &topo_grouped, &h);
	assert_false(vfk_report_is_ready(r));
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_FAIL, "ecap.IR is 0",
	       "allow_unsafe_interrupts=1");
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_FAIL, "EPERM", NULL);
	expect(r, "firmware.iommu-table", VFK_CHECK_OK, "does not declare interrupt remapping",
	       NULL);
	expect(r, "vfio.unsafe-interrupts", VFK_CHECK_OK, NULL, NULL);
}

static void test_ir_unsafe_allowed(void **state)
{
	static const char *const params[] = {"vfio_iommu_type1/allow_unsafe_interrupts=Y\n", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.units = dmar_no_ir;
	h.n_units = 1;
	h.ir_interrupts = false;
	h.module_params = params;
	r = run(*state, &topo_grouped, &h);
	assert_true(vfk_report_is_ready(r));
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_WARN, "accepts devices anyway", NULL);
	expect(r, "vfio.unsafe-interrupts", VFK_CHECK_WARN, "forge interrupts", "Remove");
}

static void test_ir_off_on_cmdline(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.ir_interrupts = false;
	h.cmdline = "root=/dev/sda1 quiet intel_iommu=on intremap=off";
	h.grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on intremap=off\"\n";
	h.kmsg = "6,1,0,-;DMAR-IR: IRQ remapping disabled\n";
	r = run(*state, &topo_grouped, &h);
	assert_false(vfk_report_is_ready(r));
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_FAIL, "intremap=off",
	       "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"");
}

static void test_ir_from_kernel_log(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;
	char path[4096];

	h.ir_interrupts = false;
	h.kmsg = "6,1,0,-;DMAR-IR: Enabled IRQ remapping in x2apic mode\n";
	r = run(*state, &topo_grouped, &h);
	/* With /proc/interrupts saying no IR- chips, that file wins over an old log line. */
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_FAIL, "no IR- interrupt chips", NULL);

	/* Without /proc/interrupts, the kernel log is the evidence. */
	vfk_report_unref(((struct env *)*state)->report);
	snprintf(path, sizeof(path), "%s/proc/interrupts", ((struct env *)*state)->root);
	assert_int_equal(unlink(path), 0);
	{
		struct vfk_ctx *ctx;

		assert_int_equal(vfk_ctx_new(((struct env *)*state)->root, &ctx), 0);
		assert_int_equal(vfk_doctor_run(ctx, &((struct env *)*state)->report), 0);
		vfk_ctx_unref(ctx);
	}
	r = ((struct env *)*state)->report;
	expect(r, "iommu.interrupt-remapping", VFK_CHECK_OK, "Enabled IRQ remapping", NULL);
}

static void test_amd_arch(void **state)
{
	static const char *const files[] = {"dev/kvm", "boot/loader/entries/arch.conf", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.vendor_id = "AuthenticAMD";
	h.cpu_flags = "fpu svm";
	h.acpi_table = "IVRS";
	h.units = ivhd;
	h.n_units = 1;
	h.cmdline = "initrd=\\initramfs-linux.img root=/dev/nvme0n1p2 rw";
	h.os_release = "ID=arch\nPRETTY_NAME=\"Arch Linux\"\n";
	h.grub = NULL;
	h.files = files;
	h.modules = "builtin";
	h.ovmf_descriptor = NULL;
	r = run(*state, &topo_grouped, &h);
	assert_false(vfk_report_is_ready(r));
	expect(r, "firmware.iommu-table", VFK_CHECK_OK, "IVRS", NULL);
	expect(r, "cmdline.iommu", VFK_CHECK_OK,
	       "no IOMMU parameters; the kernel turns the IOMMU on", NULL);
	expect(r, "module.vfio", VFK_CHECK_OK, "built into the kernel", NULL);
	expect(r, "module.vfio_pci", VFK_CHECK_OK, "built into the kernel", NULL);
	expect(r, "firmware.ovmf", VFK_CHECK_WARN, NULL, "pacman -S edk2-ovmf");
	/* vfio built in but no /dev/vfio/vfio: devtmpfs is missing. */
	expect(r, "dev.vfio", VFK_CHECK_FAIL, "missing", "devtmpfs");
}

static void test_modules(void **state)
{
	static const char *const loaded[] = {"vfio", "vfio_iommu_type1", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.loaded = loaded;
	r = run(*state, &topo_grouped, &h);
	expect(r, "module.vfio", VFK_CHECK_OK, "vfio is loaded", NULL);
	expect(r, "module.vfio_iommu_type1", VFK_CHECK_OK, "is loaded", NULL);
	expect(r, "module.vfio_pci", VFK_CHECK_OK, "not loaded; loadable", NULL);
}

static void test_modules_missing(void **state)
{
	static const char *const files[] = {NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.modules = "novfio";
	h.files = files;
	r = run(*state, &topo_grouped, &h);
	assert_false(vfk_report_is_ready(r));
	expect(r, "module.vfio", VFK_CHECK_FAIL, "neither loaded, built in, nor in", "CONFIG_VFIO");
	expect(r, "dev.vfio", VFK_CHECK_SKIP, NULL, NULL);
	expect(r, "iommufd", VFK_CHECK_SKIP, "no iommufd module", NULL);
}

static void test_modules_dir_missing(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.modules = NULL;
	r = run(*state, &topo_grouped, &h);
	expect(r, "module.vfio", VFK_CHECK_WARN, "/lib/modules/6.1.0-fixture is missing", NULL);
}

static void test_iommufd(void **state)
{
	static const char *const files[] = {"dev/iommu", "dev/vfio/devices/vfio0", NULL};
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.files = files;
	r = run(*state, &topo_grouped, &h);
	expect(r, "iommufd", VFK_CHECK_OK, "/dev/iommu present", NULL);
	expect(r, "iommufd", VFK_CHECK_OK, "/dev/vfio/devices", NULL);
}

static void test_iommufd_without_cdev(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.kconfig = "CONFIG_IOMMUFD=m\n# CONFIG_VFIO_DEVICE_CDEV is not set\n";
	r = run(*state, &topo_grouped, &h);
	expect(r, "iommufd", VFK_CHECK_SKIP, "CONFIG_VFIO_DEVICE_CDEV is not set", NULL);
}

static void test_cmdline_extras(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.cmdline = "root=/dev/sda1 intel_iommu=on pcie_acs_override=downstream,multifunction "
		    "vfio-pci.ids=10de:1b80,10de:10f0";
	r = run(*state, &topo_grouped, &h);
	expect(r, "cmdline.acs-override", VFK_CHECK_WARN, "downstream,multifunction", "plan");
	expect(r, "cmdline.vfio-pci-ids", VFK_CHECK_OK, "10de:1b80,10de:10f0", NULL);
	assert_true(vfk_report_is_ready(r));
}

static void test_cmdline_bad_ids(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.cmdline = "root=/dev/sda1 intel_iommu=on vfio_pci.ids=10de:1b80,nvidia";
	r = run(*state, &topo_grouped, &h);
	expect(r, "cmdline.vfio-pci-ids", VFK_CHECK_WARN, "malformed", "10de:1b80,10de:10f0");
}

static void test_resources(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.memlock = "8388608";
	h.hugepages_2m = 512;
	h.hugepages_1g = 4;
	r = run(*state, &topo_grouped, &h);
	expect(r, "limits.memlock", VFK_CHECK_WARN, "8 MiB", "LimitMEMLOCK=infinity");
	expect(r, "memory.hugepages", VFK_CHECK_OK, "4 x 1 GiB, 512 x 2 MiB", NULL);
	assert_true(vfk_report_is_ready(r));
}

static void test_not_x86(void **state)
{
	struct fx_host h = intel_ready();
	struct vfk_report *r;

	h.vendor_id = NULL;
	h.acpi_table = NULL;
	r = run(*state, &topo_grouped, &h);
	expect(r, "cpu.vendor", VFK_CHECK_SKIP, "not an x86 CPU", NULL);
	expect(r, "firmware.iommu-table", VFK_CHECK_SKIP, NULL, NULL);
	expect(r, "iommu.active", VFK_CHECK_OK, NULL, NULL);
}

/* An empty root: every check answers, none crashes, ids are unique and stable. */
static void test_empty_root(void **state)
{
	static const char *const ids[] = {
		"cpu.vendor",
		"cpu.virtualization",
		"firmware.iommu-table",
		"cmdline.iommu",
		"cmdline.acs-override",
		"cmdline.vfio-pci-ids",
		"iommu.active",
		"iommu.default-domain",
		"iommu.interrupt-remapping",
		"vfio.unsafe-interrupts",
		"vfio.noiommu-mode",
		"module.vfio",
		"module.vfio_pci",
		"module.vfio_iommu_type1",
		"dev.vfio",
		"iommufd",
		"limits.memlock",
		"memory.hugepages",
		"firmware.ovmf",
	};
	struct vfk_report *r = run(*state, NULL, NULL);

	assert_false(vfk_report_is_ready(r));
	assert_int_equal(vfk_report_get_n_checks(r), sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++) {
		assert_string_equal(vfk_report_get_check_id(r, i), ids[i]);
		assert_true(strlen(vfk_report_get_check_summary(r, i)) > 0);
	}
	expect(r, "cpu.vendor", VFK_CHECK_SKIP, "cannot read /proc/cpuinfo", NULL);
	expect(r, "cmdline.iommu", VFK_CHECK_SKIP, "cannot read /proc/cmdline", NULL);
	assert_null(vfk_report_get_check_id(r, 999));
	assert_null(vfk_report_get_check_summary(r, 999));
	assert_int_equal(vfk_report_get_check_status(r, 999), VFK_CHECK_SKIP);
	assert_ptr_equal(vfk_report_ref(r), r);
	vfk_report_unref(r);
}

static void test_cmdline_parser(void **state)
{
	struct cmdline c;
	bool present;

	assert_int_equal(cmdline_parse("  a=1 intel-iommu=on \"quoted=x y\" k=\"v w\" bare "
				       "intel_iommu=off -- init=ignored",
				       &c),
			 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(cmdline_get(&c, "a", NULL), "1");
	/* '-' and '_' are the same in names; the last occurrence wins. */
	assert_string_equal(cmdline_get(&c, "intel_iommu", NULL), "off");
	assert_string_equal(cmdline_get(&c, "intel-iommu", NULL), "off");
	assert_string_equal(cmdline_get(&c, "quoted", NULL), "x y");
	assert_string_equal(cmdline_get(&c, "k", NULL), "v w");
	assert_null(cmdline_get(&c, "bare", &present));
	assert_true(present);
	assert_null(cmdline_get(&c, "init", &present));
	assert_false(present);
	cmdline_free(&c);

	assert_int_equal(cmdline_parse("", &c), 0);
	assert_int_equal(c.n, 0);
	cmdline_free(&c);
	assert_int_equal(cmdline_parse("\"unterminated=x y", &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.params[0].value, "x y");
	cmdline_free(&c);
	/* A quoted bare word loses both quotes; a lone quote is no parameter. */
	assert_int_equal(cmdline_parse("\"quiet\" \"", &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.params[0].key, "quiet");
	assert_null(c.params[0].value);
	cmdline_free(&c);
	assert_int_equal(cmdline_parse("a \"", &c), 0);
	assert_int_equal(c.n, 1);
	cmdline_free(&c);

	assert_true(cmdline_value_has("on,sm_on", "on"));
	assert_true(cmdline_value_has("sm_on,off", "off"));
	assert_false(cmdline_value_has("igfx_off", "off"));
	assert_false(cmdline_value_has(NULL, "off"));
}

static void test_pci_ids(void **state)
{
	assert_true(cmdline_valid_pci_ids("10de:1b80"));
	assert_true(cmdline_valid_pci_ids("10de:1b80,10de:10f0"));
	assert_true(cmdline_valid_pci_ids("8086:10fb:8086:000c"));
	assert_true(cmdline_valid_pci_ids("ffff:ffff:ffff:ffff:030000:ffff00"));
	assert_false(cmdline_valid_pci_ids(""));
	assert_false(cmdline_valid_pci_ids(NULL));
	assert_false(cmdline_valid_pci_ids("10de"));
	assert_false(cmdline_valid_pci_ids("10de:1b80,"));
	assert_false(cmdline_valid_pci_ids("10de:1b80:1043"));
	assert_false(cmdline_valid_pci_ids("10de1:1b80"));
	assert_false(cmdline_valid_pci_ids("nvidia"));
	assert_false(cmdline_valid_pci_ids("10de:1b80 "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_ready_intel),
		T(test_iommu_off_in_firmware),
		T(test_amd_off_in_firmware),
		T(test_cmdline_off_wins),
		T(test_cmdline_on_wins),
		T(test_tree_reads_stay_inside),
		T(test_fix_grubby),
		T(test_fix_grub_mkconfig),
		T(test_fix_systemd_boot),
		T(test_fix_kernelstub),
		T(test_fix_unknown_bootloader),
		T(test_kernel_default_on),
		T(test_ir_missing_in_hardware),
		T(test_ir_unsafe_allowed),
		T(test_ir_off_on_cmdline),
		T(test_ir_from_kernel_log),
		T(test_amd_arch),
		T(test_modules),
		T(test_modules_missing),
		T(test_modules_dir_missing),
		T(test_iommufd),
		T(test_iommufd_without_cdev),
		T(test_cmdline_extras),
		T(test_cmdline_bad_ids),
		T(test_resources),
		T(test_not_x86),
		T(test_empty_root),
		cmocka_unit_test(test_cmdline_parser),
		cmocka_unit_test(test_pci_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
