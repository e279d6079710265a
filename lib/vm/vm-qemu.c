// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "vm-private.h"

/* "host=" takes a 16-bit PCI domain; beyond it QEMU needs the sysfs path. */
static int push_hostdev(char ***argv, size_t *n, const struct vfk_vm *vm, size_t i)
{
	const struct vm_dev *d = &vm->devs[i];
	const struct vfk_addr *a = vfk_device_get_addr(d->dev);
	_cleanup_free_ char *rom = NULL, *src = NULL;
	int r;

	if (d->rom && !(rom = qemu_escape(d->rom)))
		return -ENOMEM;
	if (a->domain > 0xffff)
		r = asprintf(&src, "sysfsdev=/sys/bus/pci/devices/%s", vfk_device_get_bdf(d->dev));
	else
		r = asprintf(&src, "host=%s", vfk_device_get_bdf(d->dev));
	if (r < 0)
		return -ENOMEM;
	r = strv_push(argv, n, strdup("-device"));
	if (r < 0)
		return r;
	return strv_pushf(argv, n, "vfio-pci,%s,id=vfk-hostdev%zu,bus=vfk-rp%u,addr=00.%u%s%s%s%s",
			  src, i, d->slot, d->fn, d->multifunction ? ",multifunction=on" : "",
			  d->x_vga ? ",x-vga=on" : "", rom ? ",romfile=" : "", rom ? rom : "");
}

VFK_EXPORT int vfk_vm_get_qemu_argv(const struct vfk_vm *vm, const char *qemu,
				    const char *const *extra, size_t n_extra, char ***ret)
{
	_cleanup_free_ char *code = NULL, *vars = NULL;
	char **argv = NULL, cpu[64];
	size_t n = 0;
	int r;

	assert_return(vm && qemu && ret && (extra || n_extra == 0), -EINVAL);
	assert_return(vm->checked, -ESTALE);
	if (vm->uefi &&
	    (!(code = qemu_escape(vm->fw.code)) || !(vars = qemu_escape(vm->vars_path))))
		return -ENOMEM;
	snprintf(cpu, sizeof(cpu), "%s", vm->accel_used == VFK_VM_ACCEL_KVM ? "host" : "max");
	r = strv_push(&argv, &n, strdup(qemu));
	/* The name is restricted to characters that need no escaping (vfk_vm_new()). */
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-name") ?: strv_pushf(&argv, &n, "%s", vm->name);
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-machine")
			    ?: strv_pushf(&argv, &n, "q35%s%s",
					  vm->uefi && vm->fw.requires_smm ? ",smm=on" : "",
					  vm->hugepages ? ",memory-backend=vfk-ram" : "");
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-accel")
			    ?: strv_pushf(&argv, &n, "%s",
					  vm->accel_used == VFK_VM_ACCEL_KVM ? "kvm" : "tcg");
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-cpu")
			    ?: strv_pushf(&argv, &n, "%s%s%s", cpu,
					  vm->hv_vendor_id ? ",kvm=off,hv-vendor-id=" : "",
					  vm->hv_vendor_id ? vm->hv_vendor_id : "");
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-smp") ?: strv_pushf(&argv, &n, "%u", vm->cpus);
	if (r >= 0)
		r = strv_pushf(&argv, &n, "-m") ?: strv_pushf(&argv, &n, "%" PRIu64 "M", vm->mib);
	/* memfd needs no hugetlbfs mount; prealloc takes the pages now, so a short pool fails
	 * at start rather than in the middle of the guest's life. */
	if (r >= 0 && vm->hugepages)
		r = strv_pushf(&argv, &n, "-object")
			    ?: strv_pushf(&argv, &n,
					  "memory-backend-memfd,id=vfk-ram,size=%" PRIu64
					  "M,hugetlb=on,hugetlbsize=%" PRIu64 "K,prealloc=on",
					  vm->mib, vm->hugepage_kb);
	if (r >= 0 && vm->uefi && vm->fw.requires_smm)
		r = strv_pushf(&argv, &n, "-global")
			    ?: strv_pushf(&argv, &n,
					  "driver=cfi.pflash01,property=secure,value=on");
	if (r >= 0 && vm->uefi)
		r = strv_pushf(&argv, &n, "-drive") ?:
			    strv_pushf(&argv, &n, "if=pflash,unit=0,format=%s,readonly=on,file=%s",
				       vm->fw.format, code) ?:
			    strv_pushf(&argv, &n, "-drive") ?:
			    strv_pushf(&argv, &n, "if=pflash,unit=1,format=%s,file=%s", vm->fw.format,
				       vars);
	if (r >= 0 && vm->primary_gpu)
		r = strv_pushf(&argv, &n, "-vga") ?: strv_pushf(&argv, &n, "none");
	for (size_t s = 0; r >= 0 && s < vm->n_slots; s++)
		r = strv_pushf(&argv, &n, "-device")
			    ?: strv_pushf(&argv, &n,
					  "pcie-root-port,id=vfk-rp%zu,bus=pcie.0,chassis=%zu", s,
					  s + 1);
	for (unsigned int s = 0; r >= 0 && s < vm->n_slots; s++)
		for (unsigned int fn = 0; fn < 8; fn++)
			for (size_t i = 0; r >= 0 && i < vm->n_devs; i++)
				if (vm->devs[i].slot == s && vm->devs[i].fn == fn)
					r = push_hostdev(&argv, &n, vm, i);
	for (size_t i = 0; r >= 0 && i < n_extra; i++)
		r = strv_push(&argv, &n, strdup(extra[i]));
	if (r < 0) {
		strv_free(argv);
		return r;
	}
	*ret = argv;
	return 0;
}
