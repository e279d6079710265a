/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "firmware.h"
#include "internal.h"
#include <vfiokit/vm.h>

struct vm_dev {
	struct vfk_device *dev;
	char *rom;	    /* a user's file, NULL for the device's own ROM */
	unsigned int slot;  /* guest slot: the index of its pcie-root-port */
	unsigned int fn;    /* guest function in that slot */
	bool multifunction; /* function 0 of a guest slot with several functions */
	bool x_vga;
};

struct vfk_vm {
	int refcount;
	struct vfk_ctx *ctx;
	char *name;
	struct vm_dev *devs;
	size_t n_devs, n_slots;
	uint64_t mib;
	unsigned int cpus;
	enum vfk_vm_accel accel, accel_used;
	enum vfk_vm_firmware firmware;
	bool uefi, hugepages, primary_gpu, checked;
	struct firmware fw;
	char *vars_user;	  /* the caller's path for the variables, or NULL */
	char vars_path[PATH_MAX]; /* the path QEMU gets */
	uint64_t hugepage_kb;
	char *hv_vendor_id;
	int *groups;
	size_t n_groups;
	char **warnings;
	size_t n_warnings;
	struct owned {
		char node[64]; /* "dev/vfio/13" */
		uid_t uid;
		gid_t gid;
		mode_t mode;
	} * owned;
	size_t n_owned;
};

/* @s with each ',' doubled, QEMU's escape inside an option value; malloc'd. */
char *qemu_escape(const char *s);

/* rom.c: checks an option ROM image for the device with @vendor:@device. 0 when usable;
 * a warning in @warn when it is for another device; -EINVAL with the reason in @msg. */
int rom_check(const char *file, uint16_t vendor, uint16_t device, char *msg, size_t size,
	      char *warn, size_t wsize);
/* The same over the @n bytes of the image @b read from @file. */
int rom_check_image(const uint8_t *b, size_t n, const char *file, uint16_t vendor, uint16_t device,
		    char *msg, size_t size, char *warn, size_t wsize);
