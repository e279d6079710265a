/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest options that `vfiokit qemu` and `vfiokit libvirt` share. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include <vfiokit/vfiokit.h>

enum {
	OPT_VM_MEMORY = 0x200,
	OPT_VM_CPUS,
	OPT_VM_NAME,
	OPT_VM_ACCEL,
	OPT_VM_FIRMWARE,
	OPT_VM_VARS,
	OPT_VM_HUGEPAGES,
	OPT_VM_PRIMARY_GPU,
	OPT_VM_HIDE,
	OPT_VM_ROM,
};

#define VM_LONG_OPTIONS                                                                            \
	{"memory", required_argument, NULL, OPT_VM_MEMORY},                                        \
		{"cpus", required_argument, NULL, OPT_VM_CPUS},                                    \
		{"name", required_argument, NULL, OPT_VM_NAME},                                    \
		{"accel", required_argument, NULL, OPT_VM_ACCEL},                                  \
		{"firmware", required_argument, NULL, OPT_VM_FIRMWARE},                            \
		{"vars", required_argument, NULL, OPT_VM_VARS},                                    \
		{"hugepages", no_argument, NULL, OPT_VM_HUGEPAGES},                                \
		{"primary-gpu", no_argument, NULL, OPT_VM_PRIMARY_GPU},                            \
		{"hide-hypervisor", optional_argument, NULL, OPT_VM_HIDE},                         \
	{                                                                                          \
		"rom", required_argument, NULL, OPT_VM_ROM                                         \
	}

/* What completion offers for their values (struct vfk_opt_hint, tool/cmd.h). */
#define VM_OPTION_HINTS                                                                            \
	{"accel", ARG_WORDS, "auto kvm tcg"},                                                      \
		{"firmware", ARG_WORDS, "auto uefi secure-boot bios"}, {"vars", ARG_FILE},         \
	{                                                                                          \
		"rom", ARG_FILE                                                                    \
	}

#define VM_OPTIONS_HELP                                                                            \
	"  --memory SIZE           guest RAM, e.g. 8G or 4096M (default 2G)\n"                     \
	"  --cpus N                virtual CPUs (default 2)\n"                                     \
	"  --name NAME             guest name (default vfiokit-<first device>)\n"                  \
	"  --accel auto|kvm|tcg    CPU acceleration (default: KVM when /dev/kvm works)\n"          \
	"  --firmware auto|uefi|secure-boot|bios\n"                                                \
	"                          guest firmware (default: OVMF when installed)\n"                \
	"  --hugepages             back guest RAM with the default-size hugepages\n"               \
	"  --primary-gpu           the first VGA device is the guest's display (x-vga=on)\n"       \
	"  --hide-hypervisor[=ID]  hide KVM from guest drivers (kvm=off) with Hyper-V\n"           \
	"                          vendor id ID (default vfiokit)\n"                               \
	"  --rom [DEVICE=]FILE     option ROM image for DEVICE (default: the first device)\n"

struct vm_request {
	uint64_t mib;
	unsigned int cpus;
	const char *name, *vars, *hv_vendor_id;
	enum vfk_vm_accel accel;
	enum vfk_vm_firmware firmware;
	bool hugepages, primary_gpu;
	const char *roms[16];
	size_t n_roms;
};

/* Takes option @c with @arg if it is one of the shared ones: 1 taken, 0 not ours, or
 * EXIT_USAGE after reporting a bad value. */
int vm_parse_option(struct vm_request *req, const char *cmd, int c, const char *arg);

/* Builds the description from @req for @devices; reports bad values. Returns 0 or
 * EXIT_USAGE. */
int vm_build(struct vfk_ctx *ctx, const struct vm_request *req, const char *cmd,
	     struct vfk_device **devices, size_t n_devices, struct vfk_vm **ret);

/* Prints each warning of a checked description on stderr. */
void vm_print_warnings(const struct vfk_vm *vm);
