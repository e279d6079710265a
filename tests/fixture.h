/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fake root trees faithful to real sysfs, built from tables (after libvirt's virpcimock,
 * without its LD_PRELOAD): real directory nesting under sys/devices/pciDDDD:BB/, relative
 * symbolic links for driver, iommu_group, bus/pci/devices and the group's devices/,
 * binary config space with a capability list. Used by the unit tests, by the mkroot tool
 * that writes the cli lane's topologies, and by the benchmark's tree generator.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capabilities written into config space (and the matching sysfs attributes). */
enum fx_cap {
	FX_CAP_PM = 1 << 0,	      /* PCI power management; NoSoftRst clear */
	FX_CAP_PM_NOSOFTRST = 1 << 1, /* PM with No_Soft_Reset set */
	FX_CAP_EXP = 1 << 2,	      /* PCI Express capability (endpoint or port) */
	FX_CAP_FLR = 1 << 3,	      /* PCIe with Function Level Reset in DevCap */
	FX_CAP_MSI = 1 << 4,
	FX_CAP_MSIX = 1 << 5,
	FX_CAP_ACS = 1 << 6,   /* extended capability ACS with SV RR CR UF enabled */
	FX_CAP_SRIOV = 1 << 7, /* extended capability SR-IOV (needs sriov_total) */
	FX_CAP_LOOP = 1 << 8,  /* a capability list that points back at itself */
	FX_CAP_DSN = 1 << 9,   /* extended capability Device Serial Number (serial) */
};

#define FX_NO_GROUP (-1)
#define FX_ABSENT (-2) /* for int attributes: do not create the file */

struct fx_dev {
	const char *bdf; /* full address, e.g. "0000:01:00.0" or "10000:e1:00.0" */
	uint16_t vendor, device;
	uint32_t class_code; /* 24 bits, e.g. 0x030000 */
	uint16_t sub_vendor, sub_device;
	uint8_t revision;
	const char *parent;	     /* bdf of the bridge above, NULL on a root bus */
	int group;		     /* IOMMU group number or FX_NO_GROUP */
	const char *driver;	     /* NULL: unbound */
	const char *driver_override; /* NULL: "(null)" */
	bool bridge;		     /* header type 1; gets a pci_bus/ directory */
	bool multifunction;	     /* header type bit 7 */
	int numa_node;		     /* 0 means node 0; use -1 for "no node", FX_ABSENT */
	int boot_vga;		     /* 0/1, or FX_ABSENT (the default for non-VGA: set it) */
	const char *reset_method;    /* NULL: no attribute; "" empty */
	const char *power_state;     /* NULL: "D0" */
	const char *physfn;	     /* a VF's physical function */
	unsigned int sriov_total, sriov_num; /* a PF's SR-IOV counts */
	bool vfio_dev;			     /* creates vfio-dev/vfio0 as vfio-pci does */
	unsigned int caps;		     /* enum fx_cap */
	uint64_t serial;		     /* with FX_CAP_DSN */
};

struct fx_group {
	int id;
	const char *type;	      /* NULL: no attribute; e.g. "DMA-FQ" */
	const char *reserved_regions; /* NULL: the x86 default MSI window */
};

struct fx_topology {
	const char *name;
	const char *description;
	const struct fx_dev *devs;
	size_t n_devs;
	const struct fx_group *groups; /* groups named by devs but not listed get defaults */
	size_t n_groups;
};

/* A fresh directory under $TMPDIR (or /tmp); *ret is malloc'd. */
int fx_mkdtemp(char **ret);

/* rm -rf, refusing anything that is not below $TMPDIR, /tmp or a build directory. */
int fx_rmtree(const char *path);

/* Writes @content to @root/@path, creating parent directories. */
int fx_write_file(const char *root, const char *path, const char *content);
int fx_write_bin(const char *root, const char *path, const void *data, size_t len);

/* Creates @root/@path as a symbolic link to @target (taken literally). */
int fx_symlink(const char *root, const char *path, const char *target);

int fx_mkdir_p(const char *root, const char *path);

/* Builds the devices, drivers, groups and bus links of @topo below @root. Devices must
 * come after their parent bridge. Returns 0 or -errno. */
int fx_build(const char *root, const struct fx_topology *topo);

/* The device's directory below @root ("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"),
 * for tests that then damage single attributes. *ret is malloc'd. */
int fx_device_path(const struct fx_topology *topo, const char *bdf, char **ret);
