/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * DOC: Virtual machines that own passed-through devices
 *
 * A &struct vfk_vm describes one QEMU guest (q35, x86_64) and the PCI functions given to
 * it. vfk_vm_check() reads the system once: that every device is on vfio-pci and its
 * IOMMU group viable and unused, the guest firmware, the hugepage pool, KVM, ROM files.
 * From the checked description, vfk_vm_get_qemu_argv() builds QEMU's argument vector and
 * vfk_vm_get_libvirt_xml() the matching libvirt domain XML, with the same guest layout:
 * one pcie-root-port per physical slot, the functions of a slot (a GPU and its HDMI
 * audio) kept together as functions of one guest slot.
 */
#ifndef VFIOKIT_VM_H
#define VFIOKIT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vfiokit/ctx.h>
#include <vfiokit/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vfk_vm;

/**
 * enum vfk_vm_accel - how QEMU runs the guest's CPUs
 * @VFK_VM_ACCEL_AUTO: KVM when /dev/kvm answers, TCG (with a warning) otherwise
 * @VFK_VM_ACCEL_KVM: KVM, without looking
 * @VFK_VM_ACCEL_TCG: QEMU's emulator
 */
enum vfk_vm_accel {
	VFK_VM_ACCEL_AUTO,
	VFK_VM_ACCEL_KVM,
	VFK_VM_ACCEL_TCG,
};

/**
 * enum vfk_vm_firmware - the guest's firmware
 * @VFK_VM_FIRMWARE_AUTO: UEFI (OVMF) when installed, SeaBIOS (with a warning) otherwise
 * @VFK_VM_FIRMWARE_UEFI: OVMF without Secure Boot; vfk_vm_check() fails without it
 * @VFK_VM_FIRMWARE_UEFI_SECURE_BOOT: OVMF with Secure Boot (and SMM when it needs it)
 * @VFK_VM_FIRMWARE_BIOS: QEMU's default BIOS, SeaBIOS
 */
enum vfk_vm_firmware {
	VFK_VM_FIRMWARE_AUTO,
	VFK_VM_FIRMWARE_UEFI,
	VFK_VM_FIRMWARE_UEFI_SECURE_BOOT,
	VFK_VM_FIRMWARE_BIOS,
};

/**
 * enum vfk_vm_check_flags - what vfk_vm_check() requires
 * @VFK_VM_CHECK_UNBOUND_OK: devices may still be on their host drivers (libvirt's managed
 *	mode, or a caller that binds them before launching)
 */
enum vfk_vm_check_flags {
	VFK_VM_CHECK_UNBOUND_OK = 1 << 0,
};

/**
 * enum vfk_vm_xml_flags - the shape of vfk_vm_get_libvirt_xml()'s output
 * @VFK_VM_XML_DOMAIN: a whole <domain> document that virsh define accepts, rather than
 *	the pieces to paste into an existing one
 * @VFK_VM_XML_MANAGED: managed='yes': libvirt moves the devices to vfio-pci and back
 *	itself
 */
enum vfk_vm_xml_flags {
	VFK_VM_XML_DOMAIN = 1 << 0,
	VFK_VM_XML_MANAGED = 1 << 1,
};

/**
 * vfk_vm_new() - describe a guest that owns @devices
 * @ctx: library context
 * @name: the guest's name: letters, digits, '.', '_' and '-' only
 * @devices: the PCI functions to pass through, at least one; each is referenced
 * @n_devices: how many; a function named twice is passed once
 * @ret: the new description, with 2048 MiB of RAM, 2 CPUs and automatic KVM and firmware
 *
 * Return: 0, -EINVAL for a bad name or no device, -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_new(struct vfk_ctx *ctx, const char *name, struct vfk_device *const *devices,
	       size_t n_devices, struct vfk_vm **ret);

/**
 * vfk_vm_ref() - take a reference
 * @vm: description, may be NULL
 *
 * Return: @vm.
 *
 * Since: 0.1
 */
struct vfk_vm *vfk_vm_ref(struct vfk_vm *vm);

/**
 * vfk_vm_unref() - drop a reference, freeing the description with the last
 * @vm: description, may be NULL
 *
 * Return: NULL.
 *
 * Since: 0.1
 */
struct vfk_vm *vfk_vm_unref(struct vfk_vm *vm);

/**
 * vfk_vm_set_memory() - set the guest's RAM
 * @vm: description
 * @mib: MiB, from 16 to 16 TiB
 *
 * Return: 0 or -EINVAL.
 *
 * Since: 0.1
 */
int vfk_vm_set_memory(struct vfk_vm *vm, uint64_t mib);

/**
 * vfk_vm_set_cpus() - set the number of virtual CPUs
 * @vm: description
 * @cpus: 1 to 1024
 *
 * Return: 0 or -EINVAL.
 *
 * Since: 0.1
 */
int vfk_vm_set_cpus(struct vfk_vm *vm, unsigned int cpus);

/**
 * vfk_vm_set_accel() - choose KVM or TCG
 * @vm: description
 * @accel: the choice
 *
 * Return: 0 or -EINVAL.
 *
 * Since: 0.1
 */
int vfk_vm_set_accel(struct vfk_vm *vm, enum vfk_vm_accel accel);

/**
 * vfk_vm_set_firmware() - choose the guest firmware
 * @vm: description
 * @firmware: the choice
 *
 * Return: 0 or -EINVAL.
 *
 * Since: 0.1
 */
int vfk_vm_set_firmware(struct vfk_vm *vm, enum vfk_vm_firmware firmware);

/**
 * vfk_vm_set_vars_path() - where the guest's own copy of the UEFI variables lives
 * @vm: description
 * @path: a file path as the caller sees it, or NULL for
 *	/var/lib/vfiokit/vars/NAME_VARS.fd below the context's root
 *
 * Return: 0 or -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_set_vars_path(struct vfk_vm *vm, const char *path);

/**
 * vfk_vm_set_hugepages() - back the guest's RAM with the default-size hugepages
 * @vm: description
 * @on: whether to; vfk_vm_check() then requires enough free pages in the pool
 *
 * Since: 0.1
 */
void vfk_vm_set_hugepages(struct vfk_vm *vm, bool on);

/**
 * vfk_vm_set_primary_gpu() - make the first VGA-class device the guest's primary display
 * @vm: description
 * @on: whether to: x-vga=on on that device and no emulated VGA
 *
 * Since: 0.1
 */
void vfk_vm_set_primary_gpu(struct vfk_vm *vm, bool on);

/**
 * vfk_vm_set_hidden() - hide the hypervisor from guest drivers that refuse to run in VMs
 * @vm: description
 * @hv_vendor_id: the Hyper-V vendor id the guest sees, 1 to 12 letters or digits, or NULL
 *	not to hide anything
 *
 * Return: 0, -EINVAL for a bad id, -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_set_hidden(struct vfk_vm *vm, const char *hv_vendor_id);

/**
 * vfk_vm_set_rom() - give a device an option ROM image instead of its own
 * @vm: description
 * @device: one of the description's devices
 * @file: the image, a file path as the caller sees it; vfk_vm_check() reads it
 *
 * Return: 0, -ENODEV when @device is not passed to the guest, -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_set_rom(struct vfk_vm *vm, const struct vfk_addr *device, const char *file);

/**
 * vfk_vm_check() - read the system and decide everything the guest needs
 * @vm: description
 * @flags: &enum vfk_vm_check_flags
 * @ret_detail: on failure, a malloc'd explanation naming the device or file and the fix,
 *	lines separated by '\n'; may be NULL
 *
 * Return: 0 when the guest can be started (warnings, if any, through
 * vfk_vm_get_warning()); -ENODEV a device is not on vfio-pci, -EBUSY its IOMMU group is
 * not viable or another process holds it, -ENOENT missing firmware, -ENOMEM not enough
 * hugepages or memory, -EINVAL a bad ROM image or option, other -errno on read errors.
 *
 * Since: 0.1
 */
int vfk_vm_check(struct vfk_vm *vm, unsigned int flags, char **ret_detail);

/**
 * vfk_vm_get_n_warnings() - how many warnings vfk_vm_check() left
 * @vm: description
 *
 * Return: the count.
 *
 * Since: 0.1
 */
size_t vfk_vm_get_n_warnings(const struct vfk_vm *vm);

/**
 * vfk_vm_get_warning() - one warning, a sentence naming the device or file
 * @vm: description
 * @i: index below vfk_vm_get_n_warnings()
 *
 * Return: the text, valid while @vm lives, or NULL for a bad index.
 *
 * Since: 0.1
 */
const char *vfk_vm_get_warning(const struct vfk_vm *vm, size_t i);

/**
 * vfk_vm_get_qemu_argv() - QEMU's argument vector for the checked guest
 * @vm: description, checked
 * @qemu: the binary for argv[0], e.g. "qemu-system-x86_64"
 * @extra: arguments appended unchanged, may be NULL
 * @n_extra: how many
 * @ret: a malloc'd NULL-terminated array of malloc'd strings
 *
 * Values that come from users (file names, the guest name) have their commas doubled,
 * QEMU's escape, so they cannot add options.
 *
 * Return: 0, -ESTALE when vfk_vm_check() has not succeeded, -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_get_qemu_argv(const struct vfk_vm *vm, const char *qemu, const char *const *extra,
			 size_t n_extra, char ***ret);

/**
 * vfk_vm_get_libvirt_xml() - libvirt domain XML for the checked guest
 * @vm: description, checked
 * @flags: &enum vfk_vm_xml_flags
 * @ret: a malloc'd, NUL-terminated document
 *
 * The pieces (without %VFK_VM_XML_DOMAIN) are a <domain> element holding only the
 * <features> and <devices> children to merge into an existing domain, with comments
 * saying where each goes.
 *
 * Return: 0, -ESTALE when vfk_vm_check() has not succeeded, -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_vm_get_libvirt_xml(const struct vfk_vm *vm, unsigned int flags, char **ret);

/**
 * vfk_vm_get_memlock_bytes() - the locked-memory limit QEMU needs
 * @vm: description
 *
 * VFIO pins all guest RAM for DMA, in one type1 container for all devices; libvirt adds
 * 1 GiB per container for the rest (BAR mappings, ROMs, the IOMMU's own pages).
 *
 * Return: guest RAM plus 1 GiB, in bytes.
 *
 * Since: 0.1
 */
uint64_t vfk_vm_get_memlock_bytes(const struct vfk_vm *vm);

/**
 * vfk_vm_get_n_groups() - how many IOMMU groups the checked guest's devices are in
 * @vm: description, checked
 *
 * Return: the count.
 *
 * Since: 0.1
 */
size_t vfk_vm_get_n_groups(const struct vfk_vm *vm);

/**
 * vfk_vm_get_group() - one of those groups
 * @vm: description, checked
 * @i: index below vfk_vm_get_n_groups()
 *
 * Return: the group's number (its /dev/vfio/N), or -1 for a bad index.
 *
 * Since: 0.1
 */
int vfk_vm_get_group(const struct vfk_vm *vm, size_t i);

/**
 * vfk_vm_install_vars() - create the guest's copy of the UEFI variables if it has none
 * @vm: description, checked, with UEFI firmware
 *
 * An existing copy is kept: it holds the guest's boot entries. A new one is written
 * atomically (0600) from the firmware's template.
 *
 * Return: 0 (also when there is nothing to do), or -errno.
 *
 * Since: 0.1
 */
int vfk_vm_install_vars(const struct vfk_vm *vm);

/**
 * vfk_vm_give_to_user() - let an unprivileged QEMU open the guest's VFIO files
 * @vm: description, checked
 * @uid: the user QEMU runs as
 * @gid: its group
 *
 * Changes the owner of each group's /dev/vfio/N, and of each device's
 * /dev/vfio/devices/vfioX where the kernel has them, to @uid:@gid, remembering the old
 * owners for vfk_vm_take_back(). The mode stays as the kernel made it (0600): the files
 * never become readable by anyone else. Each file's owner and mode are recorded in the
 * journal before it changes hands, so that vfk_restore() gives back what a killed caller
 * left lent. With UEFI firmware, the guest's copy of the variables that
 * vfk_vm_install_vars() made below /var/lib/vfiokit/vars becomes @uid:@gid's (0600) for
 * good, and that directory and /var/lib/vfiokit searchable (o+x, not readable), so that
 * the user's QEMU can open and write it; a store
 * named with vfk_vm_set_vars_path() is left as it is.
 *
 * Return: 0, or -errno after putting back what it had changed.
 *
 * Since: 0.1
 */
int vfk_vm_give_to_user(struct vfk_vm *vm, uid_t uid, gid_t gid);

/**
 * vfk_vm_take_back() - give the files of vfk_vm_give_to_user() back to their old owners
 * @vm: description
 *
 * Return: 0, or the first -errno met (the rest are still tried).
 *
 * Since: 0.1
 */
int vfk_vm_take_back(struct vfk_vm *vm);

/**
 * vfk_libvirt_get_hostdevs() - the host PCI devices a libvirt domain XML passes through
 * @xml: the document, as libvirt hands it to a hook on stdin; untrusted
 * @len: its length in bytes, at most 16 MiB
 * @ret_name: if not NULL, receives the domain's <name>, malloc'd
 * @ret: receives a malloc'd array of the addresses, in document order, each once
 * @ret_n: receives their number, at most 256
 * @ret_n_managed: if not NULL, receives the number of PCI hostdevs with managed='yes',
 *	which are left out: libvirt moves those to vfio-pci and back itself
 * @ret_detail: on failure, a malloc'd sentence naming the element and the fault; may be
 *	NULL
 *
 * Only <hostdev mode='subsystem' type='pci'> children of /domain/devices count, with
 * managed absent or 'no'; their <source><address domain= bus= slot= function=/> (numbers
 * as libvirt takes them: hex with 0x, decimal or octal) must be complete and in range.
 * Other hostdevs (USB, SCSI, mdev, mode='capabilities') and <interface type='hostdev'>
 * are ignored. The document is parsed without the network, entity expansion or any DTD:
 * one with a DOCTYPE is refused, as is one nested deeper than libxml2's default limit.
 *
 * Return: 0 (also with no device); -EBADMSG when the document is not well-formed, not a
 * <domain>, or a PCI hostdev's address is missing or wrong; -EFBIG when it is too large
 * or names too many devices; -ENOMEM.
 *
 * Since: 0.2
 */
int vfk_libvirt_get_hostdevs(const char *xml, size_t len, char **ret_name, struct vfk_addr **ret,
			     size_t *ret_n, size_t *ret_n_managed, char **ret_detail);

/**
 * enum vfk_hook_flags - options of vfk_hook_install() and vfk_hook_uninstall()
 * @VFK_HOOK_DRY_RUN: write nothing; report the files through the callback
 * @VFK_HOOK_RELEASE_DISPLAY: recorded in the domain's configuration: the hook asks bind to
 *	release the host's display from a boot GPU, where bind offers that
 */
enum vfk_hook_flags {
	VFK_HOOK_DRY_RUN = 1 << 0,
	VFK_HOOK_RELEASE_DISPLAY = 1 << 1,
};

/**
 * typedef vfk_file_fn - sees each file written or removed, before it is
 * @userdata: as given
 * @path: the file, relative to the root, e.g. "etc/libvirt/hooks/qemu.d/vfiokit"
 * @content: its new content, or NULL when it is removed
 * @mode: its new permission bits
 *
 * Since: 0.2
 */
typedef void (*vfk_file_fn)(void *userdata, const char *path, const char *content,
			    unsigned int mode);

/**
 * vfk_hook_install() - have libvirt bind a domain's PCI hostdevs through vfiokit
 * @ctx: library context; the files are written below its root
 * @domain: the libvirt domain's name: 1 to 200 bytes, no '/', no control character, not
 *	starting with '.'
 * @tool: the absolute path of the vfiokit the hook runs, made of letters, digits and
 *	"/._+-" only
 * @flags: &enum vfk_hook_flags
 * @on_file: if not NULL, called for each file that changes
 * @userdata: passed to @on_file
 * @ret_detail: on failure, a malloc'd sentence naming the file and the fix; may be NULL
 *
 * Writes /etc/vfiokit/hooks/DOMAIN.conf (0644; its format, the domain and the options)
 * and the hook libvirt runs, /etc/libvirt/hooks/qemu.d/vfiokit (0755), which only does
 * `exec TOOL hook run "$@"`. Both are replaced atomically; a file with the same content is
 * left alone. libvirt looks for hooks when its daemon starts: a first hook needs a
 * restart of libvirtd (or virtqemud).
 *
 * A damaged configuration of the domain is replaced.
 *
 * Return: 0; -EINVAL for a bad @domain or @tool; -EEXIST when the hook file exists and is
 * not vfiokit's; or the errno of the failed write.
 *
 * Since: 0.2
 */
int vfk_hook_install(struct vfk_ctx *ctx, const char *domain, const char *tool, unsigned int flags,
		     vfk_file_fn on_file, void *userdata, char **ret_detail);

/**
 * vfk_hook_uninstall() - stop binding a domain's devices from libvirt's hook
 * @ctx: library context
 * @domain: the domain's name
 * @flags: %VFK_HOOK_DRY_RUN or 0
 * @on_file: if not NULL, called for each file removed (with @content NULL)
 * @userdata: passed to @on_file
 * @ret_detail: on failure, a malloc'd sentence naming the file; may be NULL
 *
 * Removes the domain's configuration, and the hook file once no domain is left (only when
 * it is vfiokit's).
 *
 * Return: 0; -EINVAL for a bad @domain; -ENOENT when it is not installed; or the errno of
 * the failed removal.
 *
 * Since: 0.2
 */
int vfk_hook_uninstall(struct vfk_ctx *ctx, const char *domain, unsigned int flags,
		       vfk_file_fn on_file, void *userdata, char **ret_detail);

/**
 * vfk_hook_get() - whether a domain is installed, and its options
 * @ctx: library context
 * @domain: the domain's name
 * @ret_flags: if not NULL, receives the recorded options (%VFK_HOOK_RELEASE_DISPLAY)
 * @ret_detail: on -EBADMSG, a malloc'd sentence naming the file and the fault; may be NULL
 *
 * The configuration is untrusted: it must be a regular file of at most 4 KiB, holding
 * comments and exactly the keys format=1, domain= (the same name) and release_display=
 * (yes or no), each once.
 *
 * Return: 0 when installed; -ENOENT when not (also for a name that could not be
 * installed); -EBADMSG when the file is damaged; or the errno of reading it.
 *
 * Since: 0.2
 */
int vfk_hook_get(struct vfk_ctx *ctx, const char *domain, unsigned int *ret_flags,
		 char **ret_detail);

/**
 * vfk_hook_set_moved() - record which of a domain's hostdevs its hook moved to vfio-pci
 * @ctx: library context
 * @domain: the domain's name
 * @bdfs: full addresses ("0000:01:00.0") of the devices the domain's start moved
 * @n: their number, at most 256; 0 removes the record
 * @ret_detail: on failure, a malloc'd sentence naming the file; may be NULL
 *
 * Writes /run/vfiokit/hooks/DOMAIN.moved (0600, in a 0700 directory) atomically. The
 * hook's stop gives back only the devices recorded here, so that a device bound by hand
 * before the domain started, and named by it, stays on vfio-pci.
 *
 * Return: 0; -EINVAL for a bad @domain or address, or more than 256 devices; or the errno
 * of the failed write or removal.
 *
 * Since: 0.2
 */
int vfk_hook_set_moved(struct vfk_ctx *ctx, const char *domain, const char *const *bdfs, size_t n,
		       char **ret_detail);

/**
 * vfk_hook_get_moved() - the devices a domain's hook moved, as vfk_hook_set_moved() wrote
 * @ctx: library context
 * @domain: the domain's name
 * @ret: on success, a malloc'd NULL-terminated array of malloc'd addresses (NULL when
 *	there are none)
 * @ret_n: on success, their number
 * @ret_detail: on -EBADMSG, a malloc'd sentence naming the file, the fault and the fix;
 *	may be NULL
 *
 * The record is untrusted: it must be a regular file of at most 64 KiB holding comments,
 * format=1 and domain= (the same name) once each, and at most 256 device= lines of
 * distinct full PCI addresses in vfiokit's spelling.
 *
 * Return: 0; -ENOENT when there is no record (also for a name that could not have one);
 * -EBADMSG when it is damaged; -ENOMEM; or the errno of reading it.
 *
 * Since: 0.2
 */
int vfk_hook_get_moved(struct vfk_ctx *ctx, const char *domain, char ***ret, size_t *ret_n,
		       char **ret_detail);

#ifdef __cplusplus
}
#endif

#endif
