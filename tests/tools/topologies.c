// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The machines of the cli lane's golden tests, modelled on real hosts: their PCI trees,
 * IOMMU groups and the host files the doctor reads. Damage lists overwrite single files
 * after the build, for the garbage-attribute cases.
 */
#include <stddef.h>
#include <string.h>

#include "topologies.h"

#define NV FX_ABSENT /* no boot_vga: not a VGA device */
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct fx_iommu_unit intel_units[] = {{"dmar0", 0xf050da}, {"dmar1", 0x1e0f050da}};
static const struct fx_iommu_unit amd_units[] = {{"ivhd0", 0x58f77ef22294ade}};

#define OVMF_JSON                                                                                  \
	"{\n  \"description\": \"UEFI firmware for x86_64\",\n"                                    \
	"  \"interface-types\": [\"uefi\"],\n"                                                     \
	"  \"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": "                   \
	"\"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": \"raw\"},\n"                             \
	"    \"nvram-template\": {\"filename\": \"/usr/share/OVMF/OVMF_VARS_4M.fd\", "             \
	"\"format\": \"raw\"}},\n"                                                                 \
	"  \"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}]\n}\n"

#define KMSG_INTEL                                                                                 \
	"6,0,0,-;Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n"                  \
	"6,311,12345,-;DMAR: IOMMU enabled\n"                                                      \
	"6,312,12400,-;DMAR: Host address width 39\n"                                              \
	"6,318,13001,-;DMAR-IR: Enabled IRQ remapping in x2apic mode\n"                            \
	" SUBSYSTEM=platform\n"

/* --- AMD desktop: Ryzen on X570, a GTX 1080 with its HDMI audio alone in a group behind
 * a CPU root port, and the chipset's switch, NIC, USB and SATA sharing one large group. */
static const struct fx_dev amd_desktop_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x1022,
	 .device = 0x1480,
	 .class_code = 0x060000,
	 .sub_vendor = 0x1043,
	 .sub_device = 0x87c0,
	 .group = 0,
	 .boot_vga = NV},
	{.bdf = "0000:00:00.2",
	 .vendor = 0x1022,
	 .device = 0x1481,
	 .class_code = 0x080600,
	 .group = 1,
	 .boot_vga = NV},
	{.bdf = "0000:00:01.1",
	 .vendor = 0x1022,
	 .device = 0x1483,
	 .class_code = 0x060400,
	 .group = 3,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI | FX_CAP_ACS},
	{.bdf = "0000:00:01.2",
	 .vendor = 0x1022,
	 .device = 0x1483,
	 .class_code = 0x060400,
	 .group = 4,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI | FX_CAP_ACS},
	{.bdf = "0000:00:03.1",
	 .vendor = 0x1022,
	 .device = 0x1483,
	 .class_code = 0x060400,
	 .group = 6,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI | FX_CAP_ACS},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x10de,
	 .device = 0x1b80,
	 .class_code = 0x030000,
	 .sub_vendor = 0x1043,
	 .sub_device = 0x8591,
	 .revision = 0xa1,
	 .parent = "0000:00:01.1",
	 .group = 13,
	 .driver = "nvidia",
	 .multifunction = true,
	 .boot_vga = 1,
	 .reset_method = "bus",
	 .caps = FX_CAP_PM_NOSOFTRST | FX_CAP_EXP | FX_CAP_MSI | FX_CAP_DSN,
	 .serial = 0x0123456789abcdefull},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x10de,
	 .device = 0x10f0,
	 .class_code = 0x040300,
	 .sub_vendor = 0x1043,
	 .sub_device = 0x8591,
	 .revision = 0xa1,
	 .parent = "0000:00:01.1",
	 .group = 13,
	 .driver = "snd_hda_intel",
	 .multifunction = true,
	 .boot_vga = NV,
	 .reset_method = "bus",
	 .caps = FX_CAP_PM | FX_CAP_EXP | FX_CAP_MSI},
	{.bdf = "0000:02:00.0",
	 .vendor = 0x1022,
	 .device = 0x57ad,
	 .class_code = 0x060400,
	 .parent = "0000:00:01.2",
	 .group = 14,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:03:04.0",
	 .vendor = 0x1022,
	 .device = 0x57a3,
	 .class_code = 0x060400,
	 .parent = "0000:02:00.0",
	 .group = 14,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:03:08.0",
	 .vendor = 0x1022,
	 .device = 0x57a4,
	 .class_code = 0x060400,
	 .parent = "0000:02:00.0",
	 .group = 14,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM},
	{.bdf = "0000:04:00.0",
	 .vendor = 0x8086,
	 .device = 0x1539,
	 .class_code = 0x020000,
	 .sub_vendor = 0x1043,
	 .sub_device = 0x85f0,
	 .revision = 0x03,
	 .parent = "0000:03:04.0",
	 .group = 14,
	 .driver = "igb",
	 .boot_vga = NV,
	 .reset_method = "flr bus",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX | FX_CAP_PM},
	{.bdf = "0000:05:00.0",
	 .vendor = 0x1022,
	 .device = 0x149c,
	 .class_code = 0x0c0330,
	 .parent = "0000:03:08.0",
	 .group = 14,
	 .driver = "xhci_hcd",
	 .multifunction = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSIX},
	{.bdf = "0000:05:00.1",
	 .vendor = 0x1022,
	 .device = 0x7901,
	 .class_code = 0x010601,
	 .revision = 0x51,
	 .parent = "0000:03:08.0",
	 .group = 14,
	 .driver = "ahci",
	 .multifunction = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:06:00.0",
	 .vendor = 0x144d,
	 .device = 0xa808,
	 .class_code = 0x010802,
	 .sub_vendor = 0x144d,
	 .sub_device = 0xa801,
	 .parent = "0000:00:03.1",
	 .group = 15,
	 .driver = "nvme",
	 .boot_vga = NV,
	 .reset_method = "flr bus",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX | FX_CAP_PM},
};
static const struct fx_group amd_desktop_groups[] = {
	{.id = 0, .type = "DMA"},  {.id = 1, .type = "DMA"},  {.id = 3, .type = "DMA"},
	{.id = 4, .type = "DMA"},  {.id = 6, .type = "DMA"},  {.id = 13, .type = "DMA"},
	{.id = 14, .type = "DMA"}, {.id = 15, .type = "DMA"},
};
static const char *const amd_desktop_files[] = {"dev/kvm",
						"dev/vfio/vfio",
						"usr/sbin/update-grub",
						"usr/share/OVMF/OVMF_CODE_4M.fd",
						"usr/share/OVMF/OVMF_VARS_4M.fd",
						NULL};
static const struct fx_host amd_desktop_host = {
	.vendor_id = "AuthenticAMD",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep svm sse4_2 avx2",
	.cmdline = "BOOT_IMAGE=/boot/vmlinuz-6.5.0-14-generic root=UUID=5b2e6c0e ro quiet splash "
		   "amd_iommu=on iommu=pt",
	.acpi_table = "IVRS",
	.units = amd_units,
	.n_units = N(amd_units),
	.ir_interrupts = true,
	.kmsg = "6,0,0,-;Linux version 6.5.0-14-generic\n"
		"6,402,500100,-;AMD-Vi: Found IOMMU cap 0x40\n"
		"6,405,500700,-;AMD-Vi: Interrupt remapping enabled\n",
	.osrelease = "6.5.0-14-generic",
	.os_release = "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nID=ubuntu\nID_LIKE=debian\n",
	.grub = "GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash amd_iommu=on iommu=pt\"\n"
		"GRUB_CMDLINE_LINUX=\"\"\n"
		"# BEGIN ansible managed block\nGRUB_TERMINAL=console\n# END ansible managed "
		"block\n"
		"GRUB_GFXMODE=1920x1080,\\\n    auto\n",
	.modules = "modular",
	.files = amd_desktop_files,
	.memlock = "8388608",
	.ovmf_descriptor = OVMF_JSON,
};

/* --- Intel desktop on Fedora: the firmware has VT-d on, but the kernel leaves it off
 * without intel_iommu=on, so nothing is grouped yet; an iGPU drives the display and an
 * RTX 3070 sits in the CPU's x16 slot. */
static const struct fx_dev intel_desktop_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .revision = 0x0d,
	 .group = FX_NO_GROUP,
	 .boot_vga = NV},
	{.bdf = "0000:00:01.0",
	 .vendor = 0x8086,
	 .device = 0x1901,
	 .class_code = 0x060400,
	 .revision = 0x0d,
	 .group = FX_NO_GROUP,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x3e98,
	 .class_code = 0x030000,
	 .revision = 0x02,
	 .group = FX_NO_GROUP,
	 .driver = "i915",
	 .boot_vga = 1,
	 .reset_method = "flr",
	 .caps = FX_CAP_PM | FX_CAP_MSI | FX_CAP_EXP | FX_CAP_FLR},
	{.bdf = "0000:00:14.0",
	 .vendor = 0x8086,
	 .device = 0xa36d,
	 .class_code = 0x0c0330,
	 .revision = 0x10,
	 .group = FX_NO_GROUP,
	 .driver = "xhci_hcd",
	 .boot_vga = NV,
	 .caps = FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:00:17.0",
	 .vendor = 0x8086,
	 .device = 0xa352,
	 .class_code = 0x010601,
	 .revision = 0x10,
	 .group = FX_NO_GROUP,
	 .driver = "ahci",
	 .boot_vga = NV,
	 .caps = FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:00:1f.6",
	 .vendor = 0x8086,
	 .device = 0x15bc,
	 .class_code = 0x020000,
	 .revision = 0x10,
	 .group = FX_NO_GROUP,
	 .driver = "e1000e",
	 .boot_vga = NV,
	 .caps = FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:01:00.0",
	 .vendor = 0x10de,
	 .device = 0x2484,
	 .class_code = 0x030000,
	 .revision = 0xa1,
	 .parent = "0000:00:01.0",
	 .group = FX_NO_GROUP,
	 .driver = "nouveau",
	 .multifunction = true,
	 .boot_vga = 0,
	 .reset_method = "bus",
	 .caps = FX_CAP_PM | FX_CAP_EXP | FX_CAP_MSI},
	{.bdf = "0000:01:00.1",
	 .vendor = 0x10de,
	 .device = 0x228b,
	 .class_code = 0x040300,
	 .revision = 0xa1,
	 .parent = "0000:00:01.0",
	 .group = FX_NO_GROUP,
	 .driver = "snd_hda_intel",
	 .multifunction = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_PM | FX_CAP_EXP | FX_CAP_MSI},
};
static const char *const intel_desktop_files[] = {"dev/kvm", "usr/sbin/grubby", "usr/bin/dracut",
						  "etc/dracut.conf.d/99-user.conf", NULL};
static const struct fx_host intel_desktop_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep vmx sse4_2 avx2",
	.cmdline =
		"BOOT_IMAGE=(hd0,gpt2)/vmlinuz-6.8.5-301.fc40.x86_64 root=UUID=2a41 ro rhgb quiet",
	.acpi_table = "DMAR",
	.dmar_flags = 1,
	.kmsg = "6,0,0,-;Linux version 6.8.5-301.fc40.x86_64\n"
		"6,290,10000,-;DMAR: Host address width 39\n",
	.osrelease = "6.8.5-301.fc40.x86_64",
	.os_release =
		"NAME=\"Fedora Linux\"\nPRETTY_NAME=\"Fedora Linux 40 (Workstation Edition)\"\n"
		"ID=fedora\n",
	.grub = "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\n",
	.kconfig = "CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n"
		   "CONFIG_IOMMUFD=m\nCONFIG_VFIO_DEVICE_CDEV=y\n",
	.modules = "modular",
	.files = intel_desktop_files,
	.memlock = "8388608",
};

/* --- IOMMU off in the firmware: a Debian box with no DMAR table at all. */
static const struct fx_dev iommu_off_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = FX_NO_GROUP,
	 .boot_vga = NV},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x3e92,
	 .class_code = 0x030000,
	 .group = FX_NO_GROUP,
	 .driver = "i915",
	 .boot_vga = 1},
	{.bdf = "0000:00:1f.6",
	 .vendor = 0x8086,
	 .device = 0x15bc,
	 .class_code = 0x020000,
	 .group = FX_NO_GROUP,
	 .driver = "e1000e",
	 .boot_vga = NV},
	{.bdf = "0000:00:17.0",
	 .vendor = 0x8086,
	 .device = 0xa352,
	 .class_code = 0x010601,
	 .group = FX_NO_GROUP,
	 .driver = "ahci",
	 .boot_vga = NV},
};
static const char *const iommu_off_files[] = {"usr/sbin/update-grub", NULL};
static const struct fx_host iommu_off_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse sse4_2",
	.cmdline = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=77aa ro quiet",
	.kmsg = "6,0,0,-;Linux version 6.1.0-18-amd64\n",
	.osrelease = "6.1.0-18-amd64",
	.os_release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
	.grub = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	.kconfig = "CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n",
	.modules = "modular",
	.files = iommu_off_files,
	.memlock = "8388608",
};

/* --- Two-socket server on RHEL: a PLX switch with two GPUs and two NVMe drives, each in
 * its own group thanks to ACS; a ConnectX-5 with two VFs enabled. */
static const struct fx_dev server_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x2020,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = NV,
	 .numa_node = 0},
	{.bdf = "0000:00:1c.0",
	 .vendor = 0x8086,
	 .device = 0xa190,
	 .class_code = 0x060400,
	 .group = 1,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:02:00.0",
	 .vendor = 0x1a03,
	 .device = 0x2000,
	 .class_code = 0x030000,
	 .revision = 0x41,
	 .parent = "0000:00:1c.0",
	 .group = 1,
	 .driver = "ast",
	 .boot_vga = 1},
	{.bdf = "0000:17:00.0",
	 .vendor = 0x8086,
	 .device = 0x2030,
	 .class_code = 0x060400,
	 .group = 20,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 0,
	 .caps = FX_CAP_EXP | FX_CAP_ACS | FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:18:00.0",
	 .vendor = 0x10b5,
	 .device = 0x8747,
	 .class_code = 0x060400,
	 .revision = 0xca,
	 .parent = "0000:17:00.0",
	 .group = 21,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 0,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:19:08.0",
	 .vendor = 0x10b5,
	 .device = 0x8747,
	 .class_code = 0x060400,
	 .parent = "0000:18:00.0",
	 .group = 22,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 0,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:19:10.0",
	 .vendor = 0x10b5,
	 .device = 0x8747,
	 .class_code = 0x060400,
	 .parent = "0000:18:00.0",
	 .group = 23,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 0,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:1a:00.0",
	 .vendor = 0x10de,
	 .device = 0x1db4,
	 .class_code = 0x030200,
	 .sub_vendor = 0x10de,
	 .sub_device = 0x1212,
	 .revision = 0xa1,
	 .parent = "0000:19:08.0",
	 .group = 24,
	 .driver = "nvidia",
	 .boot_vga = 0,
	 .numa_node = 0,
	 .reset_method = "bus",
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:1b:00.0",
	 .vendor = 0x10de,
	 .device = 0x1db4,
	 .class_code = 0x030200,
	 .sub_vendor = 0x10de,
	 .sub_device = 0x1212,
	 .revision = 0xa1,
	 .parent = "0000:19:10.0",
	 .group = 25,
	 .driver = "vfio-pci",
	 .driver_override = "vfio-pci",
	 .boot_vga = 0,
	 .numa_node = 0,
	 .reset_method = "bus",
	 .vfio_dev = true,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI},
	{.bdf = "0000:5d:00.0",
	 .vendor = 0x8086,
	 .device = 0x2030,
	 .class_code = 0x060400,
	 .group = 30,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 0,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:5e:00.0",
	 .vendor = 0x144d,
	 .device = 0xa824,
	 .class_code = 0x010802,
	 .parent = "0000:5d:00.0",
	 .group = 31,
	 .driver = "nvme",
	 .boot_vga = NV,
	 .numa_node = 0,
	 .reset_method = "flr bus",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX},
	{.bdf = "0000:ae:00.0",
	 .vendor = 0x8086,
	 .device = 0x2030,
	 .class_code = 0x060400,
	 .group = 40,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = 1,
	 .caps = FX_CAP_EXP | FX_CAP_ACS},
	{.bdf = "0000:af:00.0",
	 .vendor = 0x15b3,
	 .device = 0x1017,
	 .class_code = 0x020000,
	 .sub_vendor = 0x15b3,
	 .sub_device = 0x0007,
	 .parent = "0000:ae:00.0",
	 .group = 41,
	 .driver = "mlx5_core",
	 .boot_vga = NV,
	 .numa_node = 1,
	 .reset_method = "flr bus",
	 .sriov_total = 8,
	 .sriov_num = 2,
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX | FX_CAP_SRIOV | FX_CAP_ACS},
	{.bdf = "0000:af:00.2",
	 .vendor = 0x15b3,
	 .device = 0x1018,
	 .class_code = 0x020000,
	 .parent = "0000:ae:00.0",
	 .group = 42,
	 .driver = "mlx5_core",
	 .boot_vga = NV,
	 .numa_node = 1,
	 .physfn = "0000:af:00.0",
	 .reset_method = "flr",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX},
	{.bdf = "0000:af:00.3",
	 .vendor = 0x15b3,
	 .device = 0x1018,
	 .class_code = 0x020000,
	 .parent = "0000:ae:00.0",
	 .group = 43,
	 .boot_vga = NV,
	 .numa_node = 1,
	 .physfn = "0000:af:00.0",
	 .reset_method = "flr",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX},
};
static const struct fx_group server_groups[] = {
	{.id = 0, .type = "identity"},	{.id = 1, .type = "identity"},
	{.id = 20, .type = "identity"}, {.id = 21, .type = "identity"},
	{.id = 22, .type = "identity"}, {.id = 23, .type = "identity"},
	{.id = 24, .type = "identity"}, {.id = 25, .type = "DMA"},
	{.id = 30, .type = "identity"}, {.id = 31, .type = "identity"},
	{.id = 40, .type = "identity"}, {.id = 41, .type = "identity"},
	{.id = 42, .type = "identity"}, {.id = 43, .type = "identity"},
};
static const char *const server_files[] = {
	"dev/kvm",   "dev/vfio/vfio",	"dev/vfio/25",
	"dev/iommu", "usr/sbin/grubby", "usr/share/edk2/ovmf/OVMF_CODE.fd",
	NULL};
static const char *const server_loaded[] = {"vfio",	     "vfio_pci", "vfio_iommu_type1",
					    "vfio_pci_core", "iommufd",	 NULL};
static const struct fx_host server_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep vmx avx512f",
	.cmdline = "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-427.el9.x86_64 root=/dev/mapper/rhel-root "
		   "ro intel_iommu=on iommu=pt hugepagesz=1G hugepages=64 "
		   "vfio-pci.ids=10de:1db4",
	.acpi_table = "DMAR",
	.dmar_flags = 3,
	.units = intel_units,
	.n_units = N(intel_units),
	.ir_interrupts = true,
	.kmsg = KMSG_INTEL,
	.osrelease = "5.14.0-427.el9.x86_64",
	.os_release = "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n"
		      "PRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n",
	.grub = "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=1G-4G:192M "
		"rd.lvm.lv=rhel/root\"\n",
	.modules = "modular",
	.loaded = server_loaded,
	.files = server_files,
	.memlock = "unlimited",
	.hugepages_1g = 64,
};

/* --- Intel VMD: NVMe drives in PCI domain 10000 behind the VMD controller, which the
 * IOMMU sees as one device, so they share its group. Arch with systemd-boot. */
static const struct fx_dev vmd_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x9a14,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = NV},
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x9a49,
	 .class_code = 0x030000,
	 .group = 1,
	 .driver = "i915",
	 .boot_vga = 1,
	 .reset_method = "flr"},
	{.bdf = "0000:00:0e.0",
	 .vendor = 0x8086,
	 .device = 0x9a0b,
	 .class_code = 0x010400,
	 .group = 7,
	 .driver = "vmd",
	 .boot_vga = NV},
	{.bdf = "10000:e0:06.0",
	 .vendor = 0x8086,
	 .device = 0x9a09,
	 .class_code = 0x060400,
	 .parent = "0000:00:0e.0",
	 .group = 7,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .numa_node = -1,
	 .caps = FX_CAP_EXP},
	{.bdf = "10000:e1:00.0",
	 .vendor = 0x144d,
	 .device = 0xa80a,
	 .class_code = 0x010802,
	 .parent = "10000:e0:06.0",
	 .group = 7,
	 .driver = "nvme",
	 .boot_vga = NV,
	 .numa_node = -1,
	 .reset_method = "flr bus",
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX},
	{.bdf = "0000:00:14.3",
	 .vendor = 0x8086,
	 .device = 0xa0f0,
	 .class_code = 0x028000,
	 .group = 8,
	 .driver = "iwlwifi",
	 .boot_vga = NV},
};
static const char *const vmd_files[] = {"dev/kvm",
					"dev/vfio/vfio",
					"dev/iommu",
					"boot/loader/entries/arch.conf",
					"usr/share/edk2/x64/OVMF_CODE.4m.fd",
					NULL};
static const struct fx_host vmd_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse vmx",
	.cmdline = "initrd=\\initramfs-linux.img root=PARTUUID=9c1e rw intel_iommu=on",
	.acpi_table = "DMAR",
	.dmar_flags = 1,
	.units = intel_units,
	.n_units = 1,
	.ir_interrupts = true,
	.kmsg = KMSG_INTEL,
	.osrelease = "6.9.7-arch1-1",
	.os_release = "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n",
	.modules = "builtin",
	.files = vmd_files,
	.memlock = "8388608",
	.hugepages_2m = 1024,
};

/* The laptop's only disk is the NVMe behind VMD: the EFI partition on /boot, the root
 * filesystem on /. */
#define VMD_NVME "sys/bus/pci/devices/10000:e1:00.0/nvme/nvme0/nvme0n1/"
static const struct fx_damage vmd_use_files[] = {
	{VMD_NVME "dev", "259:0\n"},
	{VMD_NVME "nvme0n1p1/dev", "259:1\n"},
	{VMD_NVME "nvme0n1p2/dev", "259:2\n"},
	{"proc/self/mountinfo",
	 "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
	 "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	 "24 22 259:1 / /boot rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0022\n"},
	{"boot/loader/entries/arch.conf",
	 "title   Arch Linux\n"
	 "linux   /vmlinuz-linux\n"
	 "initrd  /initramfs-linux.img\n"
	 "options initrd=\\initramfs-linux.img root=PARTUUID=9c1e rw "
	 "intel_iommu=on\n"},
	{"etc/mkinitcpio.conf", "# vim:set ft=sh\n"
				"MODULES=(i915)\n"
				"BINARIES=()\n"
				"FILES=()\n"
				"HOOKS=(base udev autodetect microcode modconf kms keyboard "
				"keymap consolefont block filesystems fsck)\n"},
};

static const struct fx_damage vmd_use_links[] = {
	{VMD_NVME "subsystem", "../../../../../../../../class/block"},
	{VMD_NVME "nvme0n1p1/subsystem", "../../../../../../../../../class/block"},
	{VMD_NVME "nvme0n1p2/subsystem", "../../../../../../../../../class/block"},
};

/* --- Arch desktop: the AMD desktop's hardware with vfio as modules, mkinitcpio with
 * drop-ins, systemd-boot through /etc/kernel/cmdline; a user's modprobe.d file already
 * sets vfio-pci options, spelled both ways, one line continued. */
static const char *const arch_files[] = {"dev/kvm", "dev/vfio/vfio", NULL};
static const struct fx_host arch_host = {
	.vendor_id = "AuthenticAMD",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep svm sse4_2 avx2",
	.cmdline = "initrd=\\amd-ucode.img initrd=\\initramfs-linux.img root=UUID=77aa rw quiet",
	.acpi_table = "IVRS",
	.units = amd_units,
	.n_units = N(amd_units),
	.ir_interrupts = true,
	.kmsg = "6,0,0,-;Linux version 6.10.10-arch1-1\n",
	.osrelease = "6.10.10-arch1-1",
	.os_release = "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n",
	.kernel_cmdline_file = "root=UUID=77aa rw quiet\n",
	.modules = "modular",
	.files = arch_files,
	.memlock = "8388608",
};
static const struct fx_damage arch_use_files[] = {
	{"etc/mkinitcpio.conf",
	 "MODULES=()\nHOOKS=(base udev autodetect modconf block filesystems)\n"},
	{"etc/mkinitcpio.conf.d/README", "drop-ins\n"},
	{"etc/modprobe.d/gpu.conf", "# from a passthrough guide\n"
				    "options vfio_pci ids=10de:1b80 \\\n"
				    "    disable_vga=1\n"
				    "options vfio-pci ids=10de:10f0\n"},
};

/* --- Pop!_OS laptop: the Fedora desktop's hardware, booted by kernelstub, with
 * initramfs-tools. */
static const char *const popos_files[] = {"dev/kvm", "usr/bin/kernelstub",
					  "etc/kernelstub/configuration", NULL};
static const struct fx_host popos_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep vmx sse4_2 avx2",
	.cmdline = "initrd=\\EFI\\Pop_OS-4f2d\\initrd.img root=UUID=4f2d ro quiet splash",
	.acpi_table = "DMAR",
	.dmar_flags = 1,
	.kmsg = "6,0,0,-;Linux version 6.9.3-76060903-generic\n",
	.osrelease = "6.9.3-76060903-generic",
	.os_release = "NAME=\"Pop!_OS\"\nPRETTY_NAME=\"Pop!_OS 22.04 LTS\"\nID=pop\n"
		      "ID_LIKE=\"ubuntu debian\"\n",
	.kconfig = "CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n",
	.modules = "modular",
	.files = popos_files,
	.memlock = "8388608",
};
static const struct fx_damage popos_use_files[] = {
	{"etc/initramfs-tools/modules", "# List of modules that you want to include in your "
					"initramfs.\n"},
};

/* --- Garbage everywhere (attributes and host files): nothing may abort. */
static const struct fx_dev malformed_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = NV},
	{.bdf = "0000:00:01.0",
	 .vendor = 0x8086,
	 .device = 0x1901,
	 .class_code = 0x060400,
	 .group = 1,
	 .driver = "pcieport",
	 .bridge = true,
	 .boot_vga = NV,
	 .caps = FX_CAP_LOOP},
	{.bdf = "0000:01:00.0",
	 .vendor = 0xabcd,
	 .device = 0x0001,
	 .class_code = 0x000200,
	 .parent = "0000:00:01.0",
	 .group = 1,
	 .boot_vga = NV,
	 .numa_node = FX_ABSENT},
	{.bdf = "0000:00:1f.0",
	 .vendor = 0x8086,
	 .device = 0xa305,
	 .class_code = 0x060100,
	 .group = 2,
	 .boot_vga = NV},
	{.bdf = "0000:00:1f.3",
	 .vendor = 0x8086,
	 .device = 0xa348,
	 .class_code = 0x040300,
	 .group = 2,
	 .driver = "snd_hda_intel",
	 .boot_vga = NV},
	{.bdf = "0000:00:1f.4",
	 .vendor = 0x8086,
	 .device = 0xa323,
	 .class_code = 0x0c0500,
	 .group = 2,
	 .boot_vga = NV},
};
static const struct fx_damage malformed_damage[] = {
	{"sys/bus/pci/devices/0000:00:1f.0/config", "\x86\x80"},
	{"sys/bus/pci/devices/0000:00:1f.0/vendor", "0xzzzz\n"},
	{"sys/bus/pci/devices/0000:00:1f.0/device", ""},
	/* A class the attribute must give (config space too short), and a bad one. */
	{"sys/bus/pci/devices/0000:00:1f.3/config", "\x86\x80"},
	{"sys/bus/pci/devices/0000:00:1f.3/class", "0x0403"},
	{"sys/bus/pci/devices/0000:00:1f.4/numa_node", "garbage\n"},
	{"sys/bus/pci/devices/0000:00:1f.4/driver_override", ""},
	{"sys/kernel/iommu_groups/2/type", "\n"},
};
static const char *const malformed_files[] = {"dev/vfio/vfio", NULL};
static const struct fx_host malformed_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "",
	.cmdline = "\"unterminated=x  intel_iommu=on,sm_on iommu= vfio-pci.ids=10de: -- "
		   "intel_iommu=off",
	.acpi_table = "DMAR",
	.dmar_flags = 0,
	.units = intel_units,
	.n_units = 1,
	.kmsg = "no record prefix here\n6,1,2,-;\n ;;;\n",
	.os_release = "ID=\nID_LIKE=\"\n",
	.grub = "GRUB_CMDLINE_LINUX_DEFAULT=\"unterminated\n",
	.memlock = "not-a-number",
	.files = malformed_files,
	.no_hugetlbfs = true,
};

/* --- A Debian 12 workstation set up for passthrough: the iGPU drives the host's screen;
 * a GTX 1080 and an RX 6800, each with its HDMI audio, an I210 NIC and a VF of an X710
 * are on vfio-pci; a Hyper-V-style function sits alone in PCI domain 10000; a USB
 * controller on vfio-pci shares its group with a SATA controller still on ahci; QEMU
 * (pid 4242) already holds the NIC's group. Debian's three OVMF descriptors. */
#define VFIO_WS_DEV(b, v, d, c, p, g, drv)                                                         \
	{                                                                                          \
		.bdf = b, .vendor = v, .device = d, .class_code = c, .parent = p, .group = g,      \
		.driver = drv, .boot_vga = NV, .reset_method = "flr bus", .vfio_dev = true,        \
		.caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI                                        \
	}
#define VFIO_WS_PORT(b, g)                                                                         \
	{                                                                                          \
		.bdf = b, .vendor = 0x8086, .device = 0x1901, .class_code = 0x060400, .group = g,  \
		.driver = "pcieport", .bridge = true, .boot_vga = NV,                              \
		.caps = FX_CAP_EXP | FX_CAP_ACS                                                    \
	}
static const struct fx_dev vfio_ws_devs[] = {
	{.bdf = "0000:00:00.0",
	 .vendor = 0x8086,
	 .device = 0x3e30,
	 .class_code = 0x060000,
	 .group = 0,
	 .boot_vga = NV},
	VFIO_WS_PORT("0000:00:01.0", 1),
	VFIO_WS_PORT("0000:00:01.1", 2),
	{.bdf = "0000:00:02.0",
	 .vendor = 0x8086,
	 .device = 0x3e92,
	 .class_code = 0x030000,
	 .group = 3,
	 .driver = "i915",
	 .boot_vga = 1},
	VFIO_WS_PORT("0000:00:1c.0", 4),
	VFIO_WS_PORT("0000:00:1c.4", 5),
	VFIO_WS_PORT("0000:00:1d.0", 6),
	VFIO_WS_DEV("0000:01:00.0", 0x10de, 0x1b80, 0x030000, "0000:00:01.0", 13, "vfio-pci"),
	VFIO_WS_DEV("0000:01:00.1", 0x10de, 0x10f0, 0x040300, "0000:00:01.0", 13, "vfio-pci"),
	VFIO_WS_DEV("0000:02:00.0", 0x1002, 0x73bf, 0x030000, "0000:00:01.1", 14, "vfio-pci"),
	VFIO_WS_DEV("0000:02:00.1", 0x1002, 0xab28, 0x040300, "0000:00:01.1", 14, "vfio-pci"),
	VFIO_WS_DEV("0000:03:00.0", 0x8086, 0x1533, 0x020000, "0000:00:1c.0", 15, "vfio-pci"),
	{.bdf = "0000:04:00.0",
	 .vendor = 0x8086,
	 .device = 0x1572,
	 .class_code = 0x020000,
	 .parent = "0000:00:1c.4",
	 .group = 16,
	 .driver = "i40e",
	 .boot_vga = NV,
	 .sriov_total = 32,
	 .sriov_num = 1,
	 .caps = FX_CAP_EXP | FX_CAP_MSIX},
	{.bdf = "0000:04:02.0",
	 .vendor = 0x8086,
	 .device = 0x154c,
	 .class_code = 0x020000,
	 .parent = "0000:00:1c.4",
	 .group = 17,
	 .driver = "vfio-pci",
	 .boot_vga = NV,
	 .physfn = "0000:04:00.0",
	 .reset_method = "flr",
	 .vfio_dev = true,
	 .caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX},
	VFIO_WS_DEV("0000:05:00.0", 0x1b21, 0x2142, 0x0c0330, "0000:00:1d.0", 18, "vfio-pci"),
	{.bdf = "0000:05:00.1",
	 .vendor = 0x1b21,
	 .device = 0x0612,
	 .class_code = 0x010601,
	 .parent = "0000:00:1d.0",
	 .group = 18,
	 .driver = "ahci",
	 .boot_vga = NV,
	 .caps = FX_CAP_EXP | FX_CAP_PM | FX_CAP_MSI},
	VFIO_WS_DEV("10000:00:00.0", 0x15b3, 0x101a, 0x020000, NULL, 30, "vfio-pci"),
};
static const char *const vfio_ws_files[] = {"dev/kvm",
					    "dev/vfio/vfio",
					    "dev/vfio/13",
					    "dev/vfio/14",
					    "dev/vfio/15",
					    "dev/vfio/17",
					    "dev/vfio/18",
					    "dev/vfio/30",
					    "usr/sbin/update-grub",
					    "usr/share/OVMF/OVMF_CODE_4M.fd",
					    "usr/share/OVMF/OVMF_VARS_4M.fd",
					    "usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
					    "usr/share/OVMF/OVMF_VARS_4M.ms.fd",
					    NULL};
static const char *const vfio_ws_loaded[] = {"vfio", "vfio_pci", "vfio_iommu_type1",
					     "vfio_pci_core", NULL};
static const struct fx_host vfio_ws_host = {
	.vendor_id = "GenuineIntel",
	.cpu_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep vmx avx2",
	.cmdline = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=1f2e ro quiet "
		   "intel_iommu=on iommu=pt",
	.acpi_table = "DMAR",
	.dmar_flags = 1,
	.units = intel_units,
	.n_units = 1,
	.ir_interrupts = true,
	.kmsg = KMSG_INTEL,
	.osrelease = "6.1.0-18-amd64",
	.os_release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
	.grub = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n",
	.modules = "modular",
	.loaded = vfio_ws_loaded,
	.files = vfio_ws_files,
	.memlock = "8388608",
	.hugepages_2m = 4096,
};
#define DEBIAN_OVMF_DESCRIPTOR(code, vars, features)                                               \
	"{\n  \"interface-types\": [\"uefi\"],\n"                                                  \
	"  \"mapping\": {\"device\": \"flash\", \"mode\": \"split\",\n"                            \
	"    \"executable\": {\"filename\": \"" code "\", \"format\": \"raw\"},\n"                 \
	"    \"nvram-template\": {\"filename\": \"" vars "\", \"format\": \"raw\"}},\n"            \
	"  \"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-i440fx-*\", "          \
	"\"pc-q35-*\"]}],\n"                                                                       \
	"  \"features\": [" features "]\n}\n"
static const struct fx_damage vfio_ws_use_files[] = {
	{"usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json",
	 DEBIAN_OVMF_DESCRIPTOR("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
				"/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
				"\"acpi-s3\", \"amd-sev\", \"enrolled-keys\", \"requires-smm\", "
				"\"secure-boot\", \"verbose-dynamic\"")},
	{"usr/share/qemu/firmware/50-edk2-x86_64-secure.json",
	 DEBIAN_OVMF_DESCRIPTOR("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
				"/usr/share/OVMF/OVMF_VARS_4M.fd",
				"\"acpi-s3\", \"amd-sev\", \"requires-smm\", \"secure-boot\", "
				"\"verbose-dynamic\"")},
	{"usr/share/qemu/firmware/60-edk2-x86_64.json",
	 DEBIAN_OVMF_DESCRIPTOR("/usr/share/OVMF/OVMF_CODE_4M.fd",
				"/usr/share/OVMF/OVMF_VARS_4M.fd",
				"\"acpi-s3\", \"amd-sev\", \"verbose-dynamic\"")},
	{"proc/meminfo", "MemTotal:       65536000 kB\nHugepagesize:       2048 kB\n"},
	{"proc/4242/comm", "qemu-system-x86\n"},
};
static const struct fx_damage vfio_ws_use_links[] = {
	{"proc/4242/fd/12", "/dev/vfio/15"},
};

/* The AMD desktop's host use: the NIC up under a bridge that has the default route and the
 * addresses, the root filesystem and swap on the SATA disk, the NVMe under LVM, and the
 * GPU's DRM card and the HDMI audio's sound card. */
#define AMD_NIC "sys/bus/pci/devices/0000:04:00.0/"
#define AMD_SATA "sys/bus/pci/devices/0000:05:00.1/ata1/host0/target0:0:0/0:0:0:0/block/sda/"
#define AMD_NVME "sys/bus/pci/devices/0000:06:00.0/nvme/nvme0/nvme0n1/"
#define AMD_USB_KBD                                                                                \
	"sys/bus/pci/devices/0000:05:00.0/usb1/1-1/1-1:1.0/0003:046D:C31C.0001/input/input3/"
static const struct fx_damage amd_desktop_use_files[] = {
	{"etc/initramfs-tools/modules",
	 "# List of modules that you want to include in your initramfs.\n"
	 "# They will be loaded at boot time in the order below.\n#\n"
	 "# Syntax:  module_name [args ...]\n#\n# raid1\n# sd_mod\n"
	 "vfio-pci ids=10de:1b80\n"},
	{AMD_SATA "dev", "8:0\n"},
	{AMD_SATA "sda1/dev", "8:1\n"},
	{AMD_SATA "sda2/dev", "8:2\n"},
	{AMD_NVME "dev", "259:0\n"},
	{AMD_NVME "nvme0n1p1/dev", "259:1\n"},
	{AMD_NIC "net/enp4s0/address", "04:d9:f5:00:00:01\n"},
	{AMD_NIC "net/enp4s0/operstate", "up\n"},
	{AMD_USB_KBD "name", "Logitech USB Keyboard\n"},
	{"sys/devices/virtual/vtconsole/vtcon1/name", "(M) frame buffer device\n"},
	{"sys/devices/virtual/vtconsole/vtcon1/bind", "1\n"},
	{"sys/bus/pci/devices/0000:01:00.0/graphics/fb0/name", "nvidia-drmfb\n"},
	{"proc/1234/comm", "Xorg\n"},
	{"sys/bus/pci/devices/0000:01:00.0/resource",
	 "0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n"
	 "0x00000000fc000000 0x00000000fcffffff 0x0000000000040200\n"},
	{"proc/iomem", "00000000-00000fff : Reserved\n"
		       "e0000000-efffffff : PCI Bus 0000:01\n"
		       "  e0000000-efffffff : 0000:01:00.0\n"
		       "    e0000000-e07fffff : efifb\n"},
	{"sys/devices/virtual/net/br0/address", "04:d9:f5:00:00:01\n"},
	{"sys/devices/virtual/net/br0/operstate", "up\n"},
	/* The port has only its link-local address; the bridge has the host's. */
	{"proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n"
			      "fe8000000000000006d9f5fffe000001 02 40 20 80   enp4s0\n"
			      "fe8000000000000006d9f5fffe000001 03 40 20 80      br0\n"
			      "20010db8000000000000000000000010 03 40 00 00      br0\n"},
	{"proc/self/mountinfo",
	 "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	 "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	 "24 22 254:0 / /home rw,relatime shared:2 - ext4 /dev/mapper/vg-home rw\n"},
	{"proc/net/route",
	 "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	 "br0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	 "br0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"},
	{"proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		       "/dev/sda2                               partition\t8388604\t\t0\t\t-2\n"},
};
static const struct fx_damage amd_desktop_use_links[] = {
	{AMD_NIC "net/enp4s0/subsystem", "../../../../../../../class/net"},
	{AMD_NIC "net/enp4s0/master", "../../../../../../virtual/net/br0"},
	{AMD_NIC "net/enp4s0/upper_br0", "../../../../../../virtual/net/br0"},
	{"sys/class/net/enp4s0",
	 "../../devices/pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:04.0/0000:04:00.0/net/enp4s0"},
	{"sys/class/net/br0", "../../devices/virtual/net/br0"},
	{"sys/class/block/nvme0n1",
	 "../../devices/pci0000:00/0000:00:03.1/0000:06:00.0/nvme/nvme0/nvme0n1"},
	{"sys/class/block/sda", "../../devices/pci0000:00/0000:00:01.2/0000:02:00.0/0000:03:08.0/"
				"0000:05:00.1/ata1/host0/target0:0:0/0:0:0:0/block/sda"},
	{"sys/class/block/loop0", "../../devices/virtual/block/loop0"},
	{"sys/class/drm/card0", "../../devices/pci0000:00/0000:00:01.1/0000:01:00.0/drm/card0"},
	{AMD_SATA "subsystem", "../../../../../../../../../../../class/block"},
	{AMD_SATA "sda1/subsystem", "../../../../../../../../../../../../class/block"},
	{AMD_SATA "sda2/subsystem", "../../../../../../../../../../../../class/block"},
	{AMD_NVME "subsystem", "../../../../../../../class/block"},
	{AMD_NVME "nvme0n1p1/subsystem", "../../../../../../../../class/block"},
	{AMD_NVME "nvme0n1p1/holders/dm-0", "../../../../../../../../../virtual/block/dm-0"},
	{"sys/bus/pci/devices/0000:01:00.0/drm/card0/subsystem", "../../../../../../class/drm"},
	{AMD_USB_KBD "subsystem", "../../../../../../../../../../../class/input"},
	{"sys/class/vtconsole/vtcon1", "../../devices/virtual/vtconsole/vtcon1"},
	{"sys/class/graphics/fb0",
	 "../../devices/pci0000:00/0000:00:01.1/0000:01:00.0/graphics/fb0"},
	{"sys/bus/pci/devices/0000:01:00.0/graphics/fb0/device", "../../../0000:01:00.0"},
	{"proc/1234/fd/5", "/dev/dri/card0"},
	{"sys/bus/pci/devices/0000:01:00.1/sound/card1/subsystem", "../../../../../../class/sound"},
};

/* The ConnectX-5's first VF has its network interface up (a container's, say); the
 * second has no driver. */
#define SERVER_VF0 "sys/bus/pci/devices/0000:af:00.2/net/ens1f0v0/"
/* grubby keeps the kernel options in the BLS entries; the running kernel booted one. */
static const struct fx_damage server_use_files[] = {
	{"boot/loader/entries/3f9c2a1b-5.14.0-427.el9.x86_64.conf",
	 "title Red Hat Enterprise Linux (5.14.0-427.el9.x86_64) 9.4 (Plow)\n"
	 "version 5.14.0-427.el9.x86_64\n"
	 "linux /vmlinuz-5.14.0-427.el9.x86_64\n"
	 "initrd /initramfs-5.14.0-427.el9.x86_64.img\n"
	 "options root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root "
	 "intel_iommu=on iommu=pt hugepagesz=1G hugepages=64 vfio-pci.ids=10de:1db4\n"},
	{SERVER_VF0 "operstate", "up\n"},
	{SERVER_VF0 "address", "02:00:00:00:af:02\n"},
};

static const struct fx_damage server_use_links[] = {
	{SERVER_VF0 "subsystem", "../../../../../../class/net"},
};

/* --- The server again, with a journal that is not what vfiokit writes: a driver name
 * that is a path. */
static const struct fx_damage damaged_journal_files[] = {
	{"run/vfiokit/journal.json",
	 "{\n  \"format\": 1,\n  \"devices\": [\n    {\n      \"bdf\": \"0000:af:00.3\",\n"
	 "      \"driver\": \"../../tmp/evil\",\n      \"driver_override\": null,\n"
	 "      \"state\": \"bound\"\n    }\n  ]\n}\n"},
};

/* --- The server after `qemu --user` was killed with a group file lent: only the record
 * of the file's owner and mode is in the journal. */
static const struct fx_damage lent_journal_files[] = {
	{"dev/vfio/17", ""},
	{"run/vfiokit/journal.json",
	 "{\n  \"format\": 1,\n  \"devices\": [\n  ],\n  \"lent\": [\n    {\n"
	 "      \"node\": \"dev/vfio/17\",\n      \"uid\": 0,\n      \"gid\": 0,\n"
	 "      \"mode\": 384\n    }\n  ]\n}\n"},
};

/* --- The AMD desktop with persist's record tampered with: it names /etc/shadow. */
static const struct fx_damage tampered_state_files[] = {
	{"etc/shadow", "root:secret\n"},
	{"var/lib/vfiokit/persist/state.json",
	 "{\n  \"files\": [\n    {\n      \"path\": \"etc/shadow\",\n      \"existed\": false,\n"
	 "      \"removed\": false,\n      \"written\": \"0000000000000000\"\n    }\n  ],\n"
	 "  \"undo_commands\": [[\"rm\", \"-rf\", \"/\"]]\n}\n"},
};

/* --- The workstation reserved at boot: vfiokit persist's udev rule for the GPU 02:00.0,
 * vfio-pci.ids= for its audio function on the command line, and 01:00.0 moved by bind. */
static const struct fx_damage vfio_ws_reserved_files[] = {
	{"proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=1f2e ro quiet "
			 "intel_iommu=on iommu=pt vfio-pci.ids=1002:ab28\n"},
	{"etc/udev/rules.d/01-vfiokit.rules",
	 "# Written by vfiokit persist.\n"
	 "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:02:00.0\", "
	 "ATTR{vendor}==\"0x1002\", ATTR{device}==\"0x73bf\", "
	 "ATTR{subsystem_vendor}==\"0x0000\", ATTR{subsystem_device}==\"0x0000\", "
	 "ATTR{driver_override}=\"vfio-pci\"\n"},
	{"run/vfiokit/journal.json",
	 "{\n  \"format\": 1,\n  \"devices\": [\n    {\n      \"bdf\": \"0000:01:00.0\",\n"
	 "      \"driver\": \"nouveau\",\n      \"driver_override\": null,\n"
	 "      \"state\": \"bound\"\n    }\n  ]\n}\n"},
};

/* --- The Ryzen desktop as a single-GPU host: vfio-pci loaded, systemd running gdm as its
 * display manager, Xorg (1234) started by gdm, efifb's platform device bound. */
static const struct fx_damage single_gpu_files[] = {
	{"sys/bus/pci/drivers/vfio-pci/bind", ""},
	{"sys/bus/pci/drivers/vfio-pci/unbind", ""},
	{"run/systemd/system/.present", ""},
	{"proc/900/comm", "gdm3\n"},
	{"proc/900/stat", "900 (gdm3) S 1 900 900 0 -1 4194560 0 0 0 0\n"},
	{"proc/900/cgroup", "0::/system.slice/gdm.service\n"},
	{"proc/1234/stat", "1234 (Xorg) S 1100 1234 1234 0 -1 4194560 0 0 0 0\n"},
	{"proc/1234/cgroup", "0::/user.slice/user-120.slice/session-c1.scope\n"},
	{"proc/1100/comm", "gdm-session-wor\n"},
	{"proc/1100/stat", "1100 (gdm-session-wor) S 900 900 900 0 -1 4194560 0 0 0 0\n"},
	{"proc/1100/cgroup", "0::/user.slice/user-120.slice/session-c1.scope\n"},
	{"sys/devices/platform/efi-framebuffer.0/uevent", "DRIVER=efi-framebuffer\n"},
	{"sys/bus/platform/drivers/efi-framebuffer/bind", ""},
	{"sys/bus/platform/drivers/efi-framebuffer/unbind", ""},
	/* vfiokit hook install --release-display desk */
	{"etc/vfiokit/hooks/desk.conf", "format=1\ndomain=desk\nrelease_display=yes\n"},
};
static const struct fx_damage single_gpu_links[] = {
	{"etc/systemd/system/display-manager.service", "/lib/systemd/system/gdm3.service"},
	{"lib/systemd/system/gdm3.service", "gdm.service"},
	{"sys/bus/platform/devices/efi-framebuffer.0",
	 "../../../devices/platform/efi-framebuffer.0"},
	{"sys/devices/platform/efi-framebuffer.0/driver",
	 "../../../bus/platform/drivers/efi-framebuffer"},
};
/* ...and with a game launcher (4321) outside gdm's sessions holding the card. */
static const struct fx_damage single_gpu_held_files[] = {
	{"sys/bus/pci/drivers/vfio-pci/bind", ""},
	{"run/systemd/system/.present", ""},
	{"proc/900/cgroup", "0::/system.slice/gdm.service\n"},
	{"proc/1234/stat", "1234 (Xorg) S 900 1234 1234 0 -1 4194560 0 0 0 0\n"},
	{"proc/4321/comm", "steam\n"},
	{"proc/4321/stat", "4321 (steam) S 2000 4321 4321 0 -1 4194560 0 0 0 0\n"},
	{"proc/4321/cgroup", "0::/user.slice/user-1000.slice/session-3.scope\n"},
};
static const struct fx_damage single_gpu_held_links[] = {
	{"etc/systemd/system/display-manager.service", "/lib/systemd/system/gdm.service"},
	{"proc/4321/fd/9", "/dev/dri/card0"},
};

/* --- The single-GPU desktop without a display manager, after a bind --release-display
 * was killed between the hand-over and the devices' record: fbcon and efifb are unbound
 * and the journal holds only those two steps. */
static const struct fx_damage single_gpu_crashed_files[] = {
	{"sys/bus/pci/drivers/vfio-pci/bind", ""},
	{"sys/bus/pci/drivers/vfio-pci/unbind", ""},
	{"sys/devices/virtual/vtconsole/vtcon1/bind", "0\n"},
	{"sys/devices/platform/efi-framebuffer.0/uevent", ""},
	{"sys/bus/platform/drivers/efi-framebuffer/bind", ""},
	{"sys/bus/platform/drivers/efi-framebuffer/unbind", ""},
	{"run/vfiokit/journal.json",
	 "{\n  \"format\": 1,\n  \"devices\": [\n  ],\n  \"display\": [\n    {\n"
	 "      \"step\": \"console\",\n      \"bdf\": \"0000:01:00.0\",\n"
	 "      \"name\": \"vtcon1\"\n    },\n    {\n      \"step\": \"framebuffer\",\n"
	 "      \"bdf\": \"0000:01:00.0\",\n      \"name\": \"efi-framebuffer.0\",\n"
	 "      \"driver\": \"efi-framebuffer\"\n    }\n  ]\n}\n"},
};
static const struct fx_damage single_gpu_crashed_links[] = {
	{"sys/bus/platform/devices/efi-framebuffer.0",
	 "../../../devices/platform/efi-framebuffer.0"},
};

/* --- The RHEL server with libvirt hooks (vfiokit hook install) for two domains, and the
 * configurations of two more damaged by hand. */
/* The hook, and the journal holding 1b:00.0, of the hooked servers. */
#define HOOK_FILE                                                                                  \
	{                                                                                          \
		"etc/libvirt/hooks/qemu.d/vfiokit",                                                \
			"#!/bin/sh\n# vfiokit hook: libvirt runs this; it binds the PCI hostdevs " \
			"of the domains\n"                                                         \
			"exec /usr/bin/vfiokit hook run -- \"$@\"\n"                               \
	}
#define HOOK_JOURNAL                                                                               \
	{                                                                                          \
		"run/vfiokit/journal.json",                                                        \
			"{\n  \"format\": 1,\n  \"devices\": [\n    {\n      \"bdf\": "            \
			"\"0000:1b:00.0\",\n"                                                      \
			"      \"driver\": \"nvidia\",\n      \"driver_override\": null,\n"        \
			"      \"state\": \"bound\"\n    }\n  ]\n}\n"                              \
	}

static const struct fx_damage hooked_server_files[] = {
	HOOK_FILE,
	{"etc/vfiokit/hooks/gpu-vm.conf",
	 "# Written by vfiokit hook install.\nformat=1\ndomain=gpu-vm\nrelease_display=no\n"},
	{"etc/vfiokit/hooks/nic-vm.conf", "format=1\ndomain=nic-vm\nrelease_display=yes\n"},
	{"etc/vfiokit/hooks/future.conf", "format=2\ndomain=future\nrelease_display=no\n"},
	{"etc/vfiokit/hooks/renamed.conf", "format=1\ndomain=other\nrelease_display=no\n"},
	HOOK_JOURNAL,
	{"run/vfiokit/hooks/gpu-vm.moved",
	 "# The domain's PCI hostdevs that vfiokit's hook moved.\nformat=1\ndomain=gpu-vm\n"
	 "device=0000:1b:00.0\n"},
};

/* gpu-vm started after 1b:00.0 was bound by hand: its start recorded nothing. */
static const struct fx_damage hooked_by_hand_files[] = {
	HOOK_FILE,
	{"etc/vfiokit/hooks/gpu-vm.conf", "format=1\ndomain=gpu-vm\nrelease_display=no\n"},
	HOOK_JOURNAL,
	{"run/vfiokit/hooks/gpu-vm.moved", "format=1\ndomain=gpu-vm\n"},
};

/* A record whose device line is not an address vfiokit writes. */
static const struct fx_damage hooked_bad_record_files[] = {
	HOOK_FILE,
	{"etc/vfiokit/hooks/gpu-vm.conf", "format=1\ndomain=gpu-vm\nrelease_display=no\n"},
	HOOK_JOURNAL,
	{"run/vfiokit/hooks/gpu-vm.moved", "format=1\ndomain=gpu-vm\ndevice=1b:00.0\n"},
};

const struct topology topologies[] = {
	{{"amd-desktop", "Ryzen/X570 desktop, GPU and HDMI audio alone in a group",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &amd_desktop_host,
	 NULL,
	 0,
	 amd_desktop_use_files,
	 N(amd_desktop_use_files),
	 amd_desktop_use_links,
	 N(amd_desktop_use_links)},
	{{"single-gpu", "The Ryzen desktop as a single-GPU host: gdm, Xorg on the card, efifb",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &amd_desktop_host,
	 NULL,
	 0,
	 amd_desktop_use_files,
	 N(amd_desktop_use_files),
	 amd_desktop_use_links,
	 N(amd_desktop_use_links),
	 single_gpu_files,
	 N(single_gpu_files),
	 single_gpu_links,
	 N(single_gpu_links)},
	{{"single-gpu-held", "The single-GPU desktop with steam, outside gdm, holding the card",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &amd_desktop_host,
	 NULL,
	 0,
	 amd_desktop_use_files,
	 N(amd_desktop_use_files),
	 amd_desktop_use_links,
	 N(amd_desktop_use_links),
	 single_gpu_held_files,
	 N(single_gpu_held_files),
	 single_gpu_held_links,
	 N(single_gpu_held_links)},
	{{"single-gpu-crashed",
	  "The single-GPU desktop after a killed bind --release-display: only display steps "
	  "journaled",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &amd_desktop_host,
	 NULL,
	 0,
	 amd_desktop_use_files,
	 N(amd_desktop_use_files),
	 amd_desktop_use_links,
	 N(amd_desktop_use_links),
	 single_gpu_crashed_files,
	 N(single_gpu_crashed_files),
	 single_gpu_crashed_links,
	 N(single_gpu_crashed_links)},
	{{"tampered-persist", "The Ryzen desktop whose persist record names /etc/shadow",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &amd_desktop_host,
	 NULL,
	 0,
	 tampered_state_files,
	 N(tampered_state_files)},
	{{"intel-desktop", "Fedora desktop with VT-d in firmware but not on the command line",
	  intel_desktop_devs, N(intel_desktop_devs), NULL, 0},
	 &intel_desktop_host,
	 NULL,
	 0},
	{{"iommu-off", "Debian host whose firmware has the IOMMU off", iommu_off_devs,
	  N(iommu_off_devs), NULL, 0},
	 &iommu_off_host,
	 NULL,
	 0},
	{{"server-switches", "Two-socket RHEL server: PCIe switch, GPUs, NVMe, SR-IOV NIC",
	  server_devs, N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 NULL,
	 0,
	 server_use_files,
	 N(server_use_files),
	 server_use_links,
	 N(server_use_links)},
	{{"damaged-journal", "The RHEL server with a journal naming a driver '../../tmp/evil'",
	  server_devs, N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 NULL,
	 0,
	 damaged_journal_files,
	 N(damaged_journal_files)},
	{{"hooked-server",
	  "The RHEL server with libvirt hooks for gpu-vm and nic-vm, 1b:00.0 bound", server_devs,
	  N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 hooked_server_files,
	 N(hooked_server_files),
	 server_use_files,
	 N(server_use_files),
	 server_use_links,
	 N(server_use_links)},
	{{"hooked-by-hand",
	  "The hooked RHEL server whose 1b:00.0 was bound by hand before gpu-vm started",
	  server_devs, N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 hooked_by_hand_files,
	 N(hooked_by_hand_files),
	 server_use_files,
	 N(server_use_files),
	 server_use_links,
	 N(server_use_links)},
	{{"hooked-bad-record", "The hooked RHEL server with gpu-vm's record of its start damaged",
	  server_devs, N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 hooked_bad_record_files,
	 N(hooked_bad_record_files),
	 server_use_files,
	 N(server_use_files),
	 server_use_links,
	 N(server_use_links)},
	{{"lent-journal", "The RHEL server with /dev/vfio/17 left lent by a killed qemu --user",
	  server_devs, N(server_devs), server_groups, N(server_groups)},
	 &server_host,
	 NULL,
	 0,
	 lent_journal_files,
	 N(lent_journal_files)},
	{{"vmd-domain", "Arch laptop with NVMe behind Intel VMD in domain 10000", vmd_devs,
	  N(vmd_devs), NULL, 0},
	 &vmd_host,
	 NULL,
	 0,
	 vmd_use_files,
	 N(vmd_use_files),
	 vmd_use_links,
	 N(vmd_use_links)},
	{{"malformed", "Garbage attributes and host files", malformed_devs, N(malformed_devs), NULL,
	  0},
	 &malformed_host,
	 malformed_damage,
	 N(malformed_damage)},
	{{"arch-desktop", "Arch desktop: modular vfio, mkinitcpio drop-ins, /etc/kernel/cmdline",
	  amd_desktop_devs, N(amd_desktop_devs), amd_desktop_groups, N(amd_desktop_groups)},
	 &arch_host,
	 NULL,
	 0,
	 arch_use_files,
	 N(arch_use_files)},
	{{"popos-laptop", "Pop!_OS laptop with kernelstub and initramfs-tools", intel_desktop_devs,
	  N(intel_desktop_devs), NULL, 0},
	 &popos_host,
	 NULL,
	 0,
	 popos_use_files,
	 N(popos_use_files)},
	{{"vfio-workstation", "Debian workstation with two GPUs, a NIC and a VF on vfio-pci",
	  vfio_ws_devs, N(vfio_ws_devs), NULL, 0},
	 &vfio_ws_host,
	 NULL,
	 0,
	 vfio_ws_use_files,
	 N(vfio_ws_use_files),
	 vfio_ws_use_links,
	 N(vfio_ws_use_links)},
	{{"vfio-ws-reserved",
	  "The Debian workstation reserved at boot (udev rule, vfio-pci.ids=), 01:00.0 bound",
	  vfio_ws_devs, N(vfio_ws_devs), NULL, 0},
	 &vfio_ws_host,
	 vfio_ws_reserved_files,
	 N(vfio_ws_reserved_files),
	 vfio_ws_use_files,
	 N(vfio_ws_use_files),
	 vfio_ws_use_links,
	 N(vfio_ws_use_links)},
};
const size_t n_topologies = N(topologies);

const struct topology *topology_find(const char *name)
{
	for (size_t i = 0; i < n_topologies; i++)
		if (strcmp(topologies[i].pci.name, name) == 0)
			return &topologies[i];
	return NULL;
}

int topology_build(const struct topology *t, const char *dir)
{
	int err = fx_build(dir, &t->pci);

	if (err >= 0 && t->host)
		err = fx_build_host(dir, t->host);
	for (size_t i = 0; err >= 0 && i < t->n_damage; i++)
		err = fx_write_file(dir, t->damage[i].path, t->damage[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_files; i++)
		err = fx_write_file(dir, t->files[i].path, t->files[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_links; i++)
		err = fx_symlink(dir, t->links[i].path, t->links[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_more_files; i++)
		err = fx_write_file(dir, t->more_files[i].path, t->more_files[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_more_links; i++)
		err = fx_symlink(dir, t->more_links[i].path, t->more_links[i].content);
	return err;
}
