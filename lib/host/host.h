/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts about the host, gathered once below the context's root and shared by the doctor
 * and persist: os-release, bootloader, kernel build options, command line, kernel log,
 * CPU, IOMMU units and modules. The readers fill a struct host; facts they cannot read
 * stay at their zero value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/cmdline.h"
#include "host/kmsg.h"
#include "internal.h"

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
	char osrelease[128]; /* validated: [A-Za-z0-9._+~-], no leading '.' or '-' */
	/* Directories handed to libkmod as /proc/self/fd/N; kmod_moddir is the first's name. */
	int kmod_fds[4];
	unsigned int n_kmod_fds;
	char kmod_moddir[32];
	/* Set when libkmod was not used: a module index in the tree is a symbolic link (its
	 * path below the root). */
	char kmod_link[320];
	enum bootloader_kind boot;
	char *grub_default;	   /* GRUB_CMDLINE_LINUX_DEFAULT's value, unquoted; NULL: absent */
	char *grub_linux;	   /* GRUB_CMDLINE_LINUX's value */
	char *kernel_cmdline_file; /* /etc/kernel/cmdline, its lines joined by spaces, trimmed */
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

/* Releases what the readers allocated; the struct itself is the caller's. */
void host_free(struct host *h);

/* os.c: os-release's ID, ID_LIKE and PRETTY_NAME, and the running kernel's release. */
int host_read_os(struct host *h);
/* os-release(5) text: its ID, ID_LIKE and PRETTY_NAME into @h. */
void host_parse_os_release(struct host *h, const char *text);
/* Distribution families from os-release's ID and ID_LIKE. */
bool host_is_debian_like(const struct host *h);
bool host_is_fedora_like(const struct host *h);
bool host_is_arch_like(const struct host *h);
/* "apt-get install ovmf" or the like for this distribution; malloc'd. */
char *host_install_command(const struct host *h, const char *debian, const char *fedora,
			   const char *arch);
/* boot/config-<release>: the kernel's build options, when the distribution ships them. */
int host_read_kconfig(struct host *h);

/* bootloader.c: which tool writes the kernel command line, and its current settings. */
int host_detect_bootloader(struct host *h);
/* How to change the kernel command line on this host; malloc'd. @add and @remove are single
 * tokens or NULL. */
char *bootloader_fix(const struct host *h, const char *add, const char *remove);
/* The value of the last assignment NAME=... in a shell-style file, unquoted; NULL when
 * there is none. */
char *shell_var(const char *text, const char *name);

/* /proc/cmdline, parsed into h->cmdline. */
int host_read_cmdline(struct host *h);

/* The IOMMU units and groups the kernel registered. */
int host_read_iommu(struct host *h);

/* libkmod over the root's module directory and modprobe.d (NULL when the release is unknown
 * or libkmod fails), and a module's state: loaded (from the root's /sys/module), built in,
 * loadable (@path gets its file) or missing. */
struct kmod_ctx;
struct kmod_ctx *host_kmod_open(struct host *h);
/* Closes the directories host_kmod_open() opened; after kmod_unref() or in host_free(). */
void host_kmod_close_dirs(struct host *h);
enum module_state host_module_state(struct host *h, struct kmod_ctx *k, const char *name,
				    char *path, size_t size);
