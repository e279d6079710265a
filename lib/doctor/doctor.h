/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of vfk_doctor_run(): the facts gathered once about the host, and the checks,
 * one file per area, that turn facts into findings. Checks run in the order of the
 * evidence chain (CPU, firmware, command line, IOMMU, interrupts, modules, device nodes,
 * resources, guest firmware) and may read what earlier checks concluded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include <vfiokit/doctor.h>

enum cpu_vendor {
	CPU_VENDOR_UNKNOWN,
	CPU_VENDOR_INTEL,
	CPU_VENDOR_AMD,
	CPU_VENDOR_OTHER,
};

enum iommu_kind {
	IOMMU_KIND_NONE,
	IOMMU_KIND_INTEL, /* ACPI DMAR, VT-d */
	IOMMU_KIND_AMD,	  /* ACPI IVRS, AMD-Vi */
};

enum module_state {
	MODULE_MISSING,
	MODULE_LOADABLE,
	MODULE_LOADED,
	MODULE_BUILTIN,
};

/* Kernel command line, split the way the kernel's next_arg() splits it. */
struct cmdline_param {
	char *key;   /* '-' folded to '_', as the kernel compares parameter names */
	char *value; /* NULL for a bare word */
};

struct cmdline {
	struct cmdline_param *params;
	size_t n;
};

enum bootloader_kind {
	BOOT_UNKNOWN,
	BOOT_GRUB_DEBIAN,	   /* update-grub */
	BOOT_GRUB_GRUBBY,	   /* Fedora, RHEL: grubby */
	BOOT_GRUB_MKCONFIG,	   /* grub2-mkconfig / grub-mkconfig */
	BOOT_KERNELSTUB,	   /* Pop!_OS */
	BOOT_SYSTEMD_BOOT,	   /* /etc/kernel/cmdline with kernel-install */
	BOOT_SYSTEMD_BOOT_ENTRIES, /* loader entries edited by hand (Arch) */
};

struct host {
	struct vfk_ctx *ctx;

	char os_id[64], os_id_like[128], os_name[128];
	char osrelease[128];
	enum bootloader_kind boot;
	char *grub_default;	   /* GRUB_CMDLINE_LINUX_DEFAULT's value, unquoted; NULL: absent */
	char *grub_linux;	   /* GRUB_CMDLINE_LINUX's value */
	char *kernel_cmdline_file; /* /etc/kernel/cmdline, trimmed */
	const char *grub_mkconfig; /* "grub2-mkconfig -o /boot/grub2/grub.cfg" etc. */
	bool vmlinuz_in_boot; /* /boot/vmlinuz-<release> rather than /lib/modules/<r>/vmlinuz */
	bool kconfig_read, kconfig_intel_default_on, kconfig_iommufd, kconfig_vfio_cdev;

	char cpu_vendor_id[32];
	enum cpu_vendor cpu_vendor;
	bool cpu_vmx, cpu_svm, have_kvm_dev, cpuinfo_read;

	enum iommu_kind iommu_table;
	bool dmar_read;
	unsigned int dmar_flags; /* DMAR table flags byte (bit 0: INTR_REMAP) */

	struct cmdline cmdline;
	bool cmdline_read;
	bool cmdline_iommu_off; /* intel_iommu=off, amd_iommu=off or iommu=off wins */
	bool cmdline_intel_on;

	unsigned int n_iommu_units, n_groups;
	char iommu_units[128];
	bool iommu_active;
	bool ir_hw_capable, ir_hw_known; /* VT-d ecap bit 3 */

	char *kmsg; /* kernel log text, one message per line; NULL when unreadable */
	int kmsg_error;

	enum module_state mod_vfio, mod_vfio_pci, mod_type1, mod_iommufd;
	bool unsafe_interrupts;
};

/* check-modules.c: libkmod over the root's module directory and modprobe.d (NULL when
 * the release is unknown or libkmod fails), and a module's state: loaded (from the
 * root's /sys/module), built in, loadable (@path gets its file) or missing. */
struct kmod_ctx;
struct kmod_ctx *host_kmod_open(struct host *h);
enum module_state host_module_state(struct host *h, struct kmod_ctx *k, const char *name,
				    char *path, size_t size);

/* An empty report with one reference; NULL on allocation failure. */
struct vfk_report *report_new(void);

/* Report construction. @fix may be NULL; the summary is formatted. */
int report_add(struct vfk_report *report, const char *id, enum vfk_check_status status,
	       const char *fix, const char *fmt, ...) _printf_(5, 6);

/* Facts, gathered before the checks. */
int host_read_os(struct host *h);
int host_read_cmdline(struct host *h);
int host_read_kmsg(struct host *h);
void host_free(struct host *h);

/* cmdline.c: pure parsing, also used by the fuzzer. */
int cmdline_parse(const char *text, struct cmdline *ret);
void cmdline_free(struct cmdline *c);
/* The value of the last occurrence of @key ('-' and '_' equal); NULL when absent or bare. */
const char *cmdline_get(const struct cmdline *c, const char *key, bool *present);
/* Whether a comma-separated @value list holds @word. */
bool cmdline_value_has(const char *value, const char *word);
/* Checks that a vfio-pci.ids value is a comma list of vvvv:dddd[:ssss:ssss[:cccccc:mmmmmm]]. */
bool cmdline_valid_pci_ids(const char *value);

/* kmsg.c: the first kernel log line containing any of the NULL-terminated @needles. */
const char *kmsg_find(const struct host *h, const char *const *needles, char *buf, size_t size);

/* bootloader.c: how to change the kernel command line on this host; malloc'd. @add and
 * @remove are single tokens or NULL. */
char *bootloader_fix(const struct host *h, const char *add, const char *remove);
/* The value of the last assignment NAME=... in a shell-style file, unquoted; NULL when
 * there is none. */
char *shell_var(const char *text, const char *name);
int host_detect_bootloader(struct host *h);
/* os.c: distribution families from os-release's ID and ID_LIKE. */
bool host_is_debian_like(const struct host *h);
bool host_is_fedora_like(const struct host *h);
bool host_is_arch_like(const struct host *h);
/* "apt-get install ovmf" or the like for this distribution; malloc'd. */
char *host_install_command(const struct host *h, const char *debian, const char *fedora,
			   const char *arch);
/* boot/config-<release>: the kernel's build options, when the distribution ships them. */
int host_read_kconfig(struct host *h);
int host_read_iommu(struct host *h);

/* The checks, in the order they run. */
int check_cpu(struct host *h, struct vfk_report *r);
int check_firmware_table(struct host *h, struct vfk_report *r);
int check_cmdline(struct host *h, struct vfk_report *r);
int check_iommu(struct host *h, struct vfk_report *r);
int check_interrupt_remapping(struct host *h, struct vfk_report *r);
int check_modules(struct host *h, struct vfk_report *r);
int check_device_nodes(struct host *h, struct vfk_report *r);
int check_resources(struct host *h, struct vfk_report *r);
int check_ovmf(struct host *h, struct vfk_report *r);
