/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host around the PCI tree, for the doctor: CPU, firmware tables, kernel command line,
 * IOMMU units, interrupt chips, kernel log, modules (real libkmod index files made by
 * tests/tools/mkmodules.sh), device nodes, limits, hugepages, distribution and bootloader
 * files. Every field left zero produces nothing, so a table names only what it needs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fx_iommu_unit {
	const char *name; /* "dmar0" (intel-iommu/ecap written) or "ivhd0" */
	uint64_t ecap;	  /* VT-d extended capabilities; bit 3 is interrupt remapping */
};

struct fx_host {
	const char *vendor_id; /* NULL: cpuinfo without vendor_id (not x86) */
	const char *cpu_flags;
	bool no_cpuinfo;
	const char *cmdline;	/* NULL: no proc/cmdline */
	const char *acpi_table; /* "DMAR", "IVRS" or NULL */
	uint8_t dmar_flags;	/* bit 0: interrupt remapping declared */
	const struct fx_iommu_unit *units;
	size_t n_units;
	bool ir_interrupts; /* proc/interrupts lists IR-PCI-MSI chips */
	const char *kmsg;   /* dev/kmsg as a captured file: "6,1,0,-;DMAR: ...\n" lines */
	const char *osrelease;
	const char *os_release; /* etc/os-release content */
	const char *grub;	/* etc/default/grub content */
	const char *kernel_cmdline_file;
	const char *kconfig;	   /* boot/config-<osrelease> content */
	const char *modules;	   /* "modular", "builtin" or "novfio": tests/data/modules/<name> */
	const char *const *loaded; /* NULL-terminated: sys/module/<name>/initstate = live */
	const char *const *files;  /* NULL-terminated: empty files, e.g. "dev/vfio/vfio" */
	const char *const *module_params; /* "vfio_iommu_type1/allow_unsafe_interrupts=Y" */
	const char *memlock;		  /* "8388608" or "unlimited"; NULL: no proc/self/limits */
	unsigned int hugepages_2m, hugepages_1g;
	bool no_hugetlbfs;
	const char *ovmf_descriptor; /* usr/share/qemu/firmware/60-edk2-x86_64.json content */
};

/* Writes @h below @root. Returns 0 or -errno. */
int fx_build_host(const char *root, const struct fx_host *h);
