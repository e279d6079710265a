// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind/journal.h"
#include "path.h"
#include "plan/plan-private.h"
#include "host/procfd.h"
#include "strv.h"
#include "vm-private.h"
#include <vfiokit/plan.h>

#define GIB (1024ull * 1024 * 1024)

char *qemu_escape(const char *s)
{
	size_t extra = 0;
	char *r, *w;

	for (const char *p = s; *p; p++)
		extra += *p == ',';
	r = malloc(strlen(s) + extra + 1);
	if (!r)
		return NULL;
	w = r;
	for (const char *p = s; *p; p++) {
		*w++ = *p;
		if (*p == ',')
			*w++ = ',';
	}
	*w = '\0';
	return r;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

VFK_EXPORT int vfk_vm_new(struct vfk_ctx *ctx, const char *name, struct vfk_device *const *devices,
			  size_t n_devices, struct vfk_vm **ret)
{
	struct vfk_vm *vm;

	assert_return(ctx && name && devices && ret, -EINVAL);
	assert_return(n_devices > 0 && name_ok(name), -EINVAL);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->refcount = 1;
	vm->ctx = vfk_ctx_ref(ctx);
	vm->mib = 2048;
	vm->cpus = 2;
	vm->name = strdup(name);
	vm->devs = calloc(n_devices, sizeof(*vm->devs));
	if (!vm->name || !vm->devs) {
		vfk_vm_unref(vm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_devices; i++) {
		bool dup = false;

		for (size_t k = 0; k < vm->n_devs; k++)
			dup |= vfk_addr_cmp(vfk_device_get_addr(vm->devs[k].dev),
					    vfk_device_get_addr(devices[i])) == 0;
		if (!dup)
			vm->devs[vm->n_devs++].dev = vfk_device_ref(devices[i]);
	}
	*ret = vm;
	return 0;
}

VFK_EXPORT struct vfk_vm *vfk_vm_ref(struct vfk_vm *vm)
{
	if (vm)
		vm->refcount++;
	return vm;
}

static void clear_results(struct vfk_vm *vm)
{
	strv_free(vm->warnings);
	vm->warnings = NULL;
	vm->n_warnings = 0;
	free(vm->groups);
	vm->groups = NULL;
	vm->n_groups = 0;
	vm->checked = false;
}

VFK_EXPORT struct vfk_vm *vfk_vm_unref(struct vfk_vm *vm)
{
	if (!vm || --vm->refcount > 0)
		return NULL;
	clear_results(vm);
	free(vm->owned);
	for (size_t i = 0; i < vm->n_devs; i++) {
		vfk_device_unref(vm->devs[i].dev);
		free(vm->devs[i].rom);
	}
	free(vm->devs);
	free(vm->name);
	free(vm->vars_user);
	free(vm->hv_vendor_id);
	vfk_ctx_unref(vm->ctx);
	free(vm);
	return NULL;
}

VFK_EXPORT int vfk_vm_set_memory(struct vfk_vm *vm, uint64_t mib)
{
	assert_return(vm && mib >= 16 && mib <= (16ull << 20), -EINVAL);
	vm->mib = mib;
	vm->checked = false;
	return 0;
}

VFK_EXPORT int vfk_vm_set_cpus(struct vfk_vm *vm, unsigned int cpus)
{
	assert_return(vm && cpus >= 1 && cpus <= 1024, -EINVAL);
	vm->cpus = cpus;
	return 0;
}

VFK_EXPORT int vfk_vm_set_accel(struct vfk_vm *vm, enum vfk_vm_accel accel)
{
	assert_return(vm && accel <= VFK_VM_ACCEL_TCG, -EINVAL);
	vm->accel = accel;
	vm->checked = false;
	return 0;
}

VFK_EXPORT int vfk_vm_set_firmware(struct vfk_vm *vm, enum vfk_vm_firmware firmware)
{
	assert_return(vm && firmware <= VFK_VM_FIRMWARE_BIOS, -EINVAL);
	vm->firmware = firmware;
	vm->checked = false;
	return 0;
}

static int set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

VFK_EXPORT int vfk_vm_set_vars_path(struct vfk_vm *vm, const char *path)
{
	assert_return(vm, -EINVAL);
	vm->checked = false;
	return set_string(&vm->vars_user, path);
}

VFK_EXPORT void vfk_vm_set_hugepages(struct vfk_vm *vm, bool on)
{
	if (vm) {
		vm->hugepages = on;
		vm->checked = false;
	}
}

VFK_EXPORT void vfk_vm_set_primary_gpu(struct vfk_vm *vm, bool on)
{
	if (vm) {
		vm->primary_gpu = on;
		vm->checked = false;
	}
}

VFK_EXPORT int vfk_vm_set_hidden(struct vfk_vm *vm, const char *hv_vendor_id)
{
	assert_return(vm, -EINVAL);
	if (hv_vendor_id) {
		size_t n = strlen(hv_vendor_id);

		/* CPUID 0x40000000 has room for 12 bytes; anything else is refused by QEMU
		 * and libvirt alike. */
		assert_return(n >= 1 && n <= 12, -EINVAL);
		for (const char *p = hv_vendor_id; *p; p++)
			assert_return((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					      (*p >= '0' && *p <= '9'),
				      -EINVAL);
	}
	vm->checked = false;
	return set_string(&vm->hv_vendor_id, hv_vendor_id);
}

VFK_EXPORT int vfk_vm_set_rom(struct vfk_vm *vm, const struct vfk_addr *device, const char *file)
{
	assert_return(vm && device && file, -EINVAL);
	for (size_t i = 0; i < vm->n_devs; i++)
		if (vfk_addr_cmp(vfk_device_get_addr(vm->devs[i].dev), device) == 0) {
			vm->checked = false;
			return set_string(&vm->devs[i].rom, file);
		}
	return -ENODEV;
}

static int warn(struct vfk_vm *vm, const char *fmt, ...) _printf_(2, 3);
static int warn(struct vfk_vm *vm, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_pushv(&vm->warnings, &vm->n_warnings, fmt, ap);
	va_end(ap);
	return r;
}

struct detail {
	char *text;
	int err;
};

static void fail(struct detail *d, int err, const char *fmt, ...) _printf_(3, 4);
static void fail(struct detail *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d->err || d->err == -ENOMEM)
		d->err = err;
	va_start(ap, fmt);
	detail_addv(&d->text, fmt, ap);
	va_end(ap);
}

/* The functions of one physical slot share a guest slot, as on the card; VFs and ARI
 * functions above 7 are separate devices, each on its own root port. */
static void layout(struct vfk_vm *vm)
{
	vm->n_slots = 0;
	for (size_t i = 0; i < vm->n_devs; i++)
		vm->devs[i].slot = UINT32_MAX;
	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct vfk_addr *a = vfk_device_get_addr(vm->devs[i].dev);
		struct vfk_addr pf;
		bool alone = vfk_device_get_physfn(vm->devs[i].dev, &pf) == 0 || a->fn > 7;
		size_t members[8], n = 0;
		bool has_fn0 = false;

		if (vm->devs[i].slot != UINT32_MAX)
			continue;
		for (size_t k = i; k < vm->n_devs && n < ARRAY_SIZE(members); k++) {
			const struct vfk_addr *b = vfk_device_get_addr(vm->devs[k].dev);

			if (vm->devs[k].slot != UINT32_MAX)
				continue;
			if (k != i && (alone || b->domain != a->domain || b->bus != a->bus ||
				       b->dev != a->dev || b->fn > 7 ||
				       vfk_device_get_physfn(vm->devs[k].dev, &pf) == 0))
				continue;
			members[n++] = k;
			has_fn0 |= b->fn == 0;
		}
		/* Sorted by host function; the host's numbers are kept when function 0 is
		 * passed, otherwise they are renumbered from 0 so the guest finds the slot. */
		for (size_t x = 1; x < n; x++)
			for (size_t y = x;
			     y > 0 && vfk_device_get_addr(vm->devs[members[y]].dev)->fn <
					      vfk_device_get_addr(vm->devs[members[y - 1]].dev)->fn;
			     y--) {
				size_t t = members[y];

				members[y] = members[y - 1];
				members[y - 1] = t;
			}
		for (size_t x = 0; x < n; x++) {
			struct vm_dev *d = &vm->devs[members[x]];

			d->slot = (unsigned int)vm->n_slots;
			d->fn = has_fn0 ? vfk_device_get_addr(d->dev)->fn : (unsigned int)x;
			d->multifunction = n > 1 && d->fn == 0;
		}
		vm->n_slots++;
	}
}

/* Re-reads each device: a caller may have moved it since the description was made. */
static int refresh_devices(struct vfk_vm *vm)
{
	for (size_t i = 0; i < vm->n_devs; i++) {
		struct vfk_device *now = NULL;
		int err = vfk_device_new(vm->ctx, vfk_device_get_addr(vm->devs[i].dev), &now);

		if (err < 0)
			return err;
		vfk_device_unref(vm->devs[i].dev);
		vm->devs[i].dev = now;
	}
	return 0;
}

static bool is_target(const struct vfk_vm *vm, const struct vfk_device *dev)
{
	for (size_t i = 0; i < vm->n_devs; i++)
		if (vfk_addr_cmp(vfk_device_get_addr(vm->devs[i].dev), vfk_device_get_addr(dev)) ==
		    0)
			return true;
	return false;
}

static int add_group(struct vfk_vm *vm, unsigned int id)
{
	int *grown;

	for (size_t i = 0; i < vm->n_groups; i++)
		if (vm->groups[i] == (int)id)
			return 0;
	grown = realloc(vm->groups, (vm->n_groups + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	vm->groups = grown;
	vm->groups[vm->n_groups++] = (int)id;
	return 0;
}

/* The devices move later (libvirt's managed mode, qemu --bind): the whole plan, whose
 * blockers and group members that move will meet, as warnings now. */
static int check_plan(struct vfk_vm *vm)
{
	struct vfk_device *const *list;
	struct vfk_plan *plan = NULL;
	struct vfk_device **devs;
	size_t n;
	int err;

	devs = calloc(vm->n_devs, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	for (size_t i = 0; i < vm->n_devs; i++)
		devs[i] = vm->devs[i].dev;
	err = vfk_plan_new(vm->ctx, devs, vm->n_devs, &plan);
	free(devs);
	if (err < 0)
		return err;
	for (size_t i = 0; i < vfk_plan_get_n_findings(plan) && err >= 0; i++)
		if (vfk_plan_get_finding_kind(plan, i) == VFK_FINDING_BLOCKER)
			err = warn(vm, "%s %s (moving it to vfio-pci takes this from the host)",
				   vfk_plan_get_finding_device(plan, i),
				   vfk_plan_get_finding_message(plan, i));
	list = vfk_plan_get_must_move(plan, &n);
	for (size_t i = 0; i < n && err >= 0; i++) {
		const char *drv = vfk_device_get_driver(list[i]);
		unsigned int group = 0;

		if (is_target(vm, list[i]) || vfk_device_is_vfio_bound(list[i]))
			continue;
		vfk_device_get_iommu_group(list[i], &group);
		err = warn(vm, "%s (on %s) shares IOMMU group %u and must be on vfio-pci too",
			   vfk_device_get_bdf(list[i]), drv ? drv : "no driver", group);
	}
	list = vfk_plan_get_may_stay(plan, &n);
	for (size_t i = 0; i < n && err >= 0; i++) {
		unsigned int group = 0;

		if (is_target(vm, list[i]) || !vfk_device_is_vfio_bound(list[i]))
			continue;
		vfk_device_get_iommu_group(list[i], &group);
		/* A partial group works, but the rest is lost meanwhile. */
		err = warn(vm,
			   "%s shares IOMMU group %u but is not given to the guest; neither the "
			   "host nor another guest can use it while this guest runs",
			   vfk_device_get_bdf(list[i]), group);
	}
	vfk_plan_unref(plan);
	return err < 0 ? err : 0;
}

/* The devices are on vfio-pci already: only their groups' other members matter, and
 * reading just those keeps the check fast on hosts with thousands of functions. */
static int check_groups(struct vfk_vm *vm, struct detail *d)
{
	int err = 0;

	for (size_t g = 0; g < vm->n_groups && err >= 0; g++) {
		struct vfk_group *group = NULL;

		err = vfk_group_new(vm->ctx, (unsigned int)vm->groups[g], &group);
		if (err < 0)
			return err;
		for (size_t i = 0; i < vfk_group_get_n_devices(group) && err >= 0; i++) {
			struct vfk_device *m = vfk_group_get_device(group, i);
			const char *why = NULL, *drv = vfk_device_get_driver(m);
			enum vfk_header_type h = vfk_device_get_header_type(m);

			if (is_target(vm, m))
				continue;
			if (vfk_device_is_vfio_bound(m) && h != VFK_HEADER_BRIDGE)
				/* A partial group works, but the rest is lost. */
				err = warn(
					vm,
					"%s shares IOMMU group %d but is not given to the guest; "
					"neither the host nor another guest can use it while this "
					"guest runs",
					vfk_device_get_bdf(m), vm->groups[g]);
			else if (!plan_may_stay(m, &why))
				fail(d, -EBUSY,
				     "IOMMU group %d is not viable: %s (on %s) shares it; move it "
				     "too (vfiokit bind --group %s)",
				     vm->groups[g], vfk_device_get_bdf(m), drv ? drv : "no driver",
				     vfk_device_get_bdf(vm->devs[0].dev));
		}
		vfk_group_unref(group);
	}
	return err;
}

static int check_devices(struct vfk_vm *vm, unsigned int flags, struct detail *d)
{
	int err;

	for (size_t i = 0; i < vm->n_devs; i++) {
		struct vfk_device *dev = vm->devs[i].dev;
		const char *bdf = vfk_device_get_bdf(dev), *drv = vfk_device_get_driver(dev);
		char node[PATH_MAX], who[128];
		unsigned int group;

		if (vfk_device_get_iommu_group(dev, &group) < 0) {
			fail(d, -ENODEV,
			     "%s has no IOMMU group: the IOMMU is off or missing (see vfiokit "
			     "doctor)",
			     bdf);
			continue;
		}
		err = add_group(vm, group);
		if (err < 0)
			return err;
		if (!vfk_device_is_vfio_bound(dev) && !(flags & VFK_VM_CHECK_UNBOUND_OK))
			fail(d, -ENODEV,
			     "%s is on %s, not vfio-pci (move it with: vfiokit bind %s)", bdf,
			     drv ? drv : "no driver", bdf);
		if (proc_find_device_holder(vm->ctx, bdf, node, sizeof(node), who, sizeof(who)))
			fail(d, -EBUSY,
			     "%s is in use: process %s holds %s open (another guest or VFIO "
			     "program owns it)",
			     bdf, who, node);
	}
	if (d->err)
		return 0;
	return flags & VFK_VM_CHECK_UNBOUND_OK ? check_plan(vm) : check_groups(vm, d);
}

/* KVM is usable when /dev/kvm is a character device that answers KVM_GET_API_VERSION. */
static bool kvm_usable(struct vfk_ctx *ctx, char *why, size_t size)
{
	_cleanup_close_ int fd = path_open(ctx, DEV_KVM, O_RDWR);
	struct stat st;

	if (fd < 0) {
		snprintf(why, size, "/dev/kvm: %s", strerror(-fd));
		return false;
	}
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		snprintf(why, size, "/dev/kvm is not a device node");
		return false;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, size, "/dev/kvm does not answer KVM_GET_API_VERSION");
		return false;
	}
	return true;
}

static int check_firmware(struct vfk_vm *vm, struct detail *d)
{
	enum firmware_want want = vm->firmware == VFK_VM_FIRMWARE_UEFI_SECURE_BOOT
					  ? FIRMWARE_SECURE_BOOT
					  : FIRMWARE_PLAIN;
	int err;

	vm->uefi = false;
	if (vm->firmware == VFK_VM_FIRMWARE_BIOS)
		return 0;
	err = firmware_find_uefi(vm->ctx, want, &vm->fw);
	if (err == -ENOENT && vm->firmware == VFK_VM_FIRMWARE_AUTO)
		return warn(vm, "no UEFI firmware (OVMF) found in /etc/qemu/firmware, "
				"/usr/share/qemu/firmware or the usual OVMF paths; the guest boots "
				"SeaBIOS (install ovmf for UEFI guests, which most GPUs need)");
	if (err == -ENOENT) {
		fail(d, -ENOENT,
		     "no %sUEFI firmware (OVMF) found: looked for QEMU firmware descriptors in "
		     "/etc/qemu/firmware and /usr/share/qemu/firmware, then the usual OVMF paths; "
		     "install ovmf (edk2-ovmf on Fedora and Arch)",
		     want == FIRMWARE_SECURE_BOOT ? "Secure Boot " : "");
		return 0;
	}
	if (err < 0)
		return err;
	if (!vm->fw.vars[0] && vm->firmware == VFK_VM_FIRMWARE_AUTO)
		return warn(
			vm,
			"the UEFI firmware %s comes without a variable store template (OVMF_VARS); "
			"the guest boots SeaBIOS",
			vm->fw.code);
	if (!vm->fw.vars[0]) {
		fail(d, -ENOENT, "the UEFI firmware %s comes without a variable store template",
		     vm->fw.code);
		return 0;
	}
	vm->uefi = true;
	if (vm->vars_user)
		snprintf(vm->vars_path, sizeof(vm->vars_path), "%s", vm->vars_user);
	else
		snprintf(vm->vars_path, sizeof(vm->vars_path), "/" VFIOKIT_VARS_DIR "/%s_VARS.%s",
			 vm->name, streq(vm->fw.format, "qcow2") ? "qcow2" : "fd");
	return 0;
}

static int check_hugepages(struct vfk_vm *vm, struct detail *d)
{
	char buf[ATTR_MAX], path[PATH_MAX];
	const char *p;
	unsigned long long free_pages = 0, need;
	_cleanup_free_ char *meminfo = NULL;

	vm->hugepage_kb = 2048;
	if (path_read_all(vm->ctx, PROC_MEMINFO, 1u << 20, &meminfo) >= 0 &&
	    (p = strstr(meminfo, "Hugepagesize:")))
		sscanf(p, "Hugepagesize: %" SCNu64, &vm->hugepage_kb);
	if (vm->hugepage_kb == 0)
		vm->hugepage_kb = 2048;
	need = (vm->mib * 1024 + vm->hugepage_kb - 1) / vm->hugepage_kb;
	snprintf(path, sizeof(path), SYS_HUGEPAGES "/hugepages-%" PRIu64 "kB/free_hugepages",
		 vm->hugepage_kb);
	if (path_read(vm->ctx, path, buf, sizeof(buf)) > 0)
		free_pages = strtoull(buf, NULL, 10);
	if (free_pages < need)
		fail(d, -ENOMEM,
		     "hugepages: the guest's %" PRIu64 " MiB need %llu free %" PRIu64
		     " kB pages, /%s says %llu; reserve them first (echo %llu > /%.*snr_hugepages, "
		     "or vm.nr_hugepages in /etc/sysctl.d, or hugepages=%llu on the kernel command "
		     "line)",
		     vm->mib, need, vm->hugepage_kb, path, free_pages, need,
		     (int)(strlen(path) - strlen("free_hugepages")), path, need);
	return 0;
}

static int check_roms_and_gpu(struct vfk_vm *vm, struct detail *d)
{
	bool have_vga = false;
	int err = 0;

	for (size_t i = 0; i < vm->n_devs; i++) {
		struct vm_dev *v = &vm->devs[i];
		uint32_t class_code = 0;
		uint16_t vendor = 0, device = 0;

		v->x_vga = false;
		vfk_device_get_class(v->dev, &class_code);
		if (vm->primary_gpu && !have_vga && (class_code >> 8) == 0x0300) {
			v->x_vga = have_vga = true;
			if (vm->uefi)
				err = warn(
					vm,
					"%s: x-vga=on is for SeaBIOS guests and legacy VGA; with "
					"UEFI the card's GOP driver shows the boot screen without "
					"it",
					vfk_device_get_bdf(v->dev));
		}
		if (v->rom && err >= 0) {
			char msg[PATH_MAX * 3 + 256], w[PATH_MAX + 256];
			int r;

			vfk_device_get_ids(v->dev, &vendor, &device);
			r = rom_check(v->rom, vendor, device, msg, sizeof(msg), w, sizeof(w));
			if (r == -ENOMEM)
				return r;
			if (r < 0)
				fail(d, -EINVAL, "%s: %s", vfk_device_get_bdf(v->dev), msg);
			else if (w[0])
				err = warn(vm, "%s: %s", vfk_device_get_bdf(v->dev), w);
		}
	}
	if (vm->primary_gpu && !have_vga)
		fail(d, -EINVAL,
		     "primary GPU: none of the devices is a VGA controller (PCI class 0300)");
	return err;
}

VFK_EXPORT int vfk_vm_check(struct vfk_vm *vm, unsigned int flags, char **ret_detail)
{
	struct detail d = {};
	char why[256];
	int err;

	assert_return(vm, -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	clear_results(vm);
	err = refresh_devices(vm);
	if (err >= 0)
		err = check_devices(vm, flags, &d);
	if (err >= 0) {
		layout(vm);
		vm->accel_used =
			vm->accel == VFK_VM_ACCEL_TCG ? VFK_VM_ACCEL_TCG : VFK_VM_ACCEL_KVM;
		if (vm->accel == VFK_VM_ACCEL_AUTO && !kvm_usable(vm->ctx, why, sizeof(why))) {
			vm->accel_used = VFK_VM_ACCEL_TCG;
			err = warn(vm,
				   "%s; QEMU emulates the CPU (TCG), which is many times slower",
				   why);
		}
	}
	if (err >= 0)
		err = check_firmware(vm, &d);
	if (err >= 0 && vm->hugepages)
		err = check_hugepages(vm, &d);
	if (err >= 0)
		err = check_roms_and_gpu(vm, &d);
	if (err >= 0)
		err = d.err;
	if (err < 0 && ret_detail)
		*ret_detail = TAKE_PTR(d.text);
	free(d.text);
	vm->checked = err >= 0;
	return err;
}

VFK_EXPORT size_t vfk_vm_get_n_warnings(const struct vfk_vm *vm)
{
	return vm ? vm->n_warnings : 0;
}

VFK_EXPORT const char *vfk_vm_get_warning(const struct vfk_vm *vm, size_t i)
{
	assert_return(vm && i < vm->n_warnings, NULL);
	return vm->warnings[i];
}

VFK_EXPORT uint64_t vfk_vm_get_memlock_bytes(const struct vfk_vm *vm)
{
	assert_return(vm, 0);
	return vm->mib * 1024 * 1024 + GIB;
}

VFK_EXPORT size_t vfk_vm_get_n_groups(const struct vfk_vm *vm)
{
	return vm ? vm->n_groups : 0;
}

VFK_EXPORT int vfk_vm_get_group(const struct vfk_vm *vm, size_t i)
{
	assert_return(vm && i < vm->n_groups, -1);
	return vm->groups[i];
}

/* A caller's own path, written with plain calls: the same steps as path_write_atomic(). */
static int write_user_file(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int err = 0;

	if (asprintf(&tmp, "%s.vfiokit-tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len && err == 0;) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0)
			err = -errno;
		else
			off += (size_t)w;
	}
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	return err;
}

VFK_EXPORT int vfk_vm_install_vars(const struct vfk_vm *vm)
{
	_cleanup_free_ char *data = NULL;
	ssize_t n;
	int err;

	assert_return(vm, -EINVAL);
	assert_return(vm->checked, -ESTALE);
	if (!vm->uefi)
		return 0;
	if (vm->vars_user ? access(vm->vars_user, F_OK) == 0
			  : path_exists(vm->ctx, vm->vars_path) == 0)
		return 0;
	n = path_read_all(vm->ctx, vm->fw.vars, 64u << 20, &data);
	if (n < 0)
		return (int)n;
	if (vm->vars_user)
		return write_user_file(vm->vars_user, data, (size_t)n);
	err = path_mkdir_p(vm->ctx, VFIOKIT_VARS_DIR, 0700);
	return err < 0 ? err : path_write_atomic(vm->ctx, vm->vars_path, data, (size_t)n);
}

/*
 * Lends @node to @uid:@gid; its owner and mode go into the journal first, so that a
 * vfiokit killed while QEMU runs leaves a record `vfiokit restore --all` gives back.
 */
static int own(struct vfk_vm *vm, struct journal *j, const char *node, uid_t uid, gid_t gid)
{
	struct owned *grown = realloc(vm->owned, (vm->n_owned + 1) * sizeof(*grown));
	struct owned *o;
	struct stat st;
	int err;

	if (!grown)
		return -ENOMEM;
	vm->owned = grown;
	o = &vm->owned[vm->n_owned];
	snprintf(o->node, sizeof(o->node), "%s", node);
	err = path_stat(vm->ctx, node, &st);
	if (err < 0)
		return err;
	o->uid = st.st_uid;
	o->gid = st.st_gid;
	o->mode = st.st_mode & 07777;
	err = journal_add_lend(j, node, o->uid, o->gid, o->mode);
	if (err < 0)
		return err;
	err = path_set_owner(vm->ctx, node, uid, gid, (mode_t)-1);
	if (err >= 0)
		vm->n_owned++;
	else
		journal_remove_lend(j, node);
	return err;
}

VFK_EXPORT int vfk_vm_give_to_user(struct vfk_vm *vm, uid_t uid, gid_t gid)
{
	char node[64], path[PATH_MAX];
	struct journal *j = NULL;
	int err;

	assert_return(vm, -EINVAL);
	assert_return(vm->checked, -ESTALE);
	err = journal_open(vm->ctx, &j, NULL);
	if (err < 0)
		return err;
	for (size_t i = 0; i < vm->n_groups && err >= 0; i++) {
		snprintf(node, sizeof(node), DEV_VFIO "/%d", vm->groups[i]);
		err = own(vm, j, node, uid, gid);
	}
	for (size_t i = 0; i < vm->n_devs && err >= 0; i++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/vfio-dev",
			 vfk_device_get_bdf(vm->devs[i].dev));
		if (path_opendir(vm->ctx, path, &d) < 0)
			continue;
		while (err >= 0 && (de = readdir(d)))
			if (startswith(de->d_name, "vfio")) {
				snprintf(node, sizeof(node), DEV_VFIO_DEVICES "/%.32s", de->d_name);
				/* Without devtmpfs' node there is nothing to open that way. */
				err = own(vm, j, node, uid, gid);
				if (err == -ENOENT)
					err = 0;
			}
		closedir(d);
	}
	journal_close(j);
	/* The guest's own UEFI variables become the user's for good: QEMU writes them, and
	 * they are that guest's, not the host's. The directories above let users through to
	 * their file (search only) without listing anything. */
	if (err >= 0 && vm->uefi && !vm->vars_user && path_exists(vm->ctx, vm->vars_path) == 0) {
		static const char *const dirs[] = {VFIOKIT_LIB_DIR, VFIOKIT_VARS_DIR};

		for (size_t i = 0; i < ARRAY_SIZE(dirs) && err >= 0; i++) {
			struct stat st;

			err = path_stat(vm->ctx, dirs[i], &st);
			if (err >= 0)
				err = path_set_owner(vm->ctx, dirs[i], (uid_t)-1, (gid_t)-1,
						     (st.st_mode & 07777) | 0011);
		}
		if (err >= 0)
			err = path_set_owner(vm->ctx, vm->vars_path, uid, gid, 0600);
	}
	if (err < 0)
		vfk_vm_take_back(vm);
	return err;
}

VFK_EXPORT int vfk_vm_take_back(struct vfk_vm *vm)
{
	struct journal *j = NULL;
	int first = 0;

	assert_return(vm, -EINVAL);
	if (vm->n_owned == 0)
		return 0;
	/* Given back even without the journal; its records then wait for restore --all. */
	first = journal_open(vm->ctx, &j, NULL);
	while (vm->n_owned > 0) {
		struct owned *o = &vm->owned[--vm->n_owned];
		int err = path_set_owner(vm->ctx, o->node, o->uid, o->gid, o->mode);

		if (err >= 0 && j)
			err = journal_remove_lend(j, o->node);
		if (err < 0 && !first)
			first = err;
	}
	journal_close(j);
	free(vm->owned);
	vm->owned = NULL;
	return first;
}
