// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "size-option.h"
#include "vm-options.h"

int vm_parse_option(struct vm_request *req, const char *cmd, int c, const char *arg)
{
	char *end;

	switch (c) {
	case OPT_VM_MEMORY:
		if (size_option_parse_mib(arg, &req->mib) < 0)
			return usage_error(cmd, "--memory %s: give a size from 16M to 16T, e.g. 8G",
					   arg);
		return 1;
	case OPT_VM_CPUS: {
		unsigned long n = strtoul(arg, &end, 10);

		if (*end || end == arg || n < 1 || n > 1024)
			return usage_error(cmd, "--cpus %s: give a number from 1 to 1024", arg);
		req->cpus = (unsigned int)n;
		return 1;
	}
	case OPT_VM_NAME:
		req->name = arg;
		return 1;
	case OPT_VM_ACCEL:
		if (streq(arg, "auto"))
			req->accel = VFK_VM_ACCEL_AUTO;
		else if (streq(arg, "kvm"))
			req->accel = VFK_VM_ACCEL_KVM;
		else if (streq(arg, "tcg"))
			req->accel = VFK_VM_ACCEL_TCG;
		else
			return usage_error(cmd, "--accel %s: expected auto, kvm or tcg", arg);
		return 1;
	case OPT_VM_FIRMWARE:
		if (streq(arg, "auto"))
			req->firmware = VFK_VM_FIRMWARE_AUTO;
		else if (streq(arg, "uefi"))
			req->firmware = VFK_VM_FIRMWARE_UEFI;
		else if (streq(arg, "secure-boot"))
			req->firmware = VFK_VM_FIRMWARE_UEFI_SECURE_BOOT;
		else if (streq(arg, "bios"))
			req->firmware = VFK_VM_FIRMWARE_BIOS;
		else
			return usage_error(
				cmd, "--firmware %s: expected auto, uefi, secure-boot or bios",
				arg);
		return 1;
	case OPT_VM_VARS:
		req->vars = arg;
		return 1;
	case OPT_VM_HUGEPAGES:
		req->hugepages = true;
		return 1;
	case OPT_VM_PRIMARY_GPU:
		req->primary_gpu = true;
		return 1;
	case OPT_VM_HIDE:
		req->hv_vendor_id = arg ? arg : "vfiokit";
		return 1;
	case OPT_VM_ROM:
		if (req->n_roms == ARRAY_SIZE(req->roms))
			return usage_error(cmd, "--rom: at most %zu", ARRAY_SIZE(req->roms));
		req->roms[req->n_roms++] = arg;
		return 1;
	default:
		return 0;
	}
}

/* "vfiokit-0000-01-00.0": the first device, in characters a guest name may hold. */
static void default_name(const struct vfk_device *dev, char *buf, size_t size)
{
	snprintf(buf, size, "vfiokit-%s", vfk_device_get_bdf(dev));
	for (char *p = buf; *p; p++)
		if (*p == ':')
			*p = '-';
}

static int set_rom(struct vfk_ctx *ctx, struct vfk_vm *vm, const char *cmd, const char *spec,
		   struct vfk_device *first)
{
	const char *eq = strchr(spec, '=');
	struct vfk_device *dev = NULL;
	int err;

	if (eq && eq != spec && !memchr(spec, '/', (size_t)(eq - spec))) {
		_cleanup_free_ char *bdf = strndup(spec, (size_t)(eq - spec));

		if (!bdf)
			return -ENOMEM;
		if (vfk_device_new_from_string(ctx, bdf, &dev) < 0)
			return usage_error(cmd, "--rom %s: %s is not a device of this machine",
					   spec, bdf);
		spec = eq + 1;
	} else {
		dev = vfk_device_ref(first);
	}
	if (!*spec) {
		vfk_device_unref(dev);
		return usage_error(cmd, "--rom: name the image file");
	}
	err = vfk_vm_set_rom(vm, vfk_device_get_addr(dev), spec);
	if (err == -ENODEV)
		err = usage_error(cmd, "--rom: %s is not one of the devices given to the guest",
				  vfk_device_get_bdf(dev));
	vfk_device_unref(dev);
	return err;
}

int vm_build(struct vfk_ctx *ctx, const struct vm_request *req, const char *cmd,
	     struct vfk_device **devices, size_t n_devices, struct vfk_vm **ret)
{
	char name[64];
	struct vfk_vm *vm = NULL;
	int err;

	default_name(devices[0], name, sizeof(name));
	err = vfk_vm_new(ctx, req->name ? req->name : name, devices, n_devices, &vm);
	if (err == -EINVAL)
		return usage_error(cmd,
				   "--name %s: use 1 to 64 letters, digits, '.', '_' or '-', not "
				   "starting with '-' or '.'",
				   req->name);
	if (err < 0) {
		log_error("%s: %s", cmd, strerror(-err));
		return EXIT_NOT_READY;
	}
	if (req->mib)
		vfk_vm_set_memory(vm, req->mib);
	if (req->cpus)
		vfk_vm_set_cpus(vm, req->cpus);
	vfk_vm_set_accel(vm, req->accel);
	vfk_vm_set_firmware(vm, req->firmware);
	vfk_vm_set_hugepages(vm, req->hugepages);
	vfk_vm_set_primary_gpu(vm, req->primary_gpu);
	err = vfk_vm_set_vars_path(vm, req->vars);
	if (err >= 0 && vfk_vm_set_hidden(vm, req->hv_vendor_id) == -EINVAL)
		err = usage_error(cmd,
				  "--hide-hypervisor=%s: the vendor id is 1 to 12 letters or "
				  "digits",
				  req->hv_vendor_id);
	for (size_t i = 0; err == 0 && i < req->n_roms; i++)
		err = set_rom(ctx, vm, cmd, req->roms[i], devices[0]);
	if (err != 0) {
		vfk_vm_unref(vm);
		return err < 0 ? EXIT_NOT_READY : err;
	}
	*ret = vm;
	return 0;
}

void vm_print_warnings(const struct vfk_vm *vm)
{
	for (size_t i = 0; i < vfk_vm_get_n_warnings(vm); i++)
		log_warn("%s", vfk_vm_get_warning(vm, i));
}
