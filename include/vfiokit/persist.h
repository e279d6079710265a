/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * DOC: Early binding that survives reboot
 *
 * A &struct vfk_persist is the set of configuration changes that make the next boot
 * give devices to vfio-pci before their host drivers can take them: a udev rule that
 * sets driver_override by address and identity (or, with %VFK_PERSIST_BY_ID,
 * modprobe.d's vfio-pci ids= with softdeps), the vfio modules in the initramfs of the
 * system's generator, and the IOMMU options on the kernel command line of its
 * bootloader. Nothing changes until vfk_persist_apply(); every file it edits is
 * replaced atomically, keeps a backup, and only a block marked as vfiokit's changes in
 * files that are not wholly vfiokit's. vfk_persist_undo() puts every file back.
 */
#ifndef VFIOKIT_PERSIST_H
#define VFIOKIT_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

#include <vfiokit/ctx.h>
#include <vfiokit/doctor.h>
#include <vfiokit/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vfk_persist;

/**
 * enum vfk_persist_flags - how the devices are bound at boot
 * @VFK_PERSIST_BY_ID: by vendor:device through vfio-pci's ids= option, which also takes
 *	every other device with the same ids (warned about), instead of per device
 * @VFK_PERSIST_ACS_OVERRIDE: add pcie_acs_override=downstream,multifunction, which
 *	splits IOMMU groups the hardware cannot isolate (kernels with the out-of-tree ACS
 *	override patch only); DMA between the split devices is then unchecked (warned)
 * @VFK_PERSIST_UNSAFE_INTERRUPTS: add vfio_iommu_type1.allow_unsafe_interrupts=1, for
 *	hosts without interrupt remapping; a guest can then inject interrupts (warned)
 * @VFK_PERSIST_BIND_VFS: with vfk_persist_new_vfs(), the virtual functions created at
 *	boot are reserved for vfio-pci too (Since: 0.2)
 */
enum vfk_persist_flags {
	VFK_PERSIST_BY_ID = 1 << 0,
	VFK_PERSIST_ACS_OVERRIDE = 1 << 1,
	VFK_PERSIST_UNSAFE_INTERRUPTS = 1 << 2,
	VFK_PERSIST_BIND_VFS = 1 << 3,
};

/**
 * vfk_persist_new() - compute the changes for @devices, reading the system only
 * @ctx: library context; every file is read and later written below its root
 * @devices: the devices to give to vfio-pci at every boot; NULL with @n_devices 0
 *	computes the removal of vfiokit's configuration
 * @n_devices: how many
 * @flags: &enum vfk_persist_flags
 * @ret: the change set
 * @ret_detail: on failure, a malloc'd explanation; may be NULL
 *
 * Return: 0, -EINVAL for a device that cannot be bound at boot (a bridge, no IOMMU
 * group), -ENOMEM, or -errno reading the system.
 *
 * Since: 0.1
 */
int vfk_persist_new(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
		    unsigned int flags, struct vfk_persist **ret, char **ret_detail);

/**
 * vfk_persist_new_vfs() - vfk_persist_new(), and a physical function with virtual functions
 * @ctx: library context
 * @devices: as for vfk_persist_new()
 * @n_devices: how many
 * @pf: the SR-IOV physical function to come up with @n_vfs virtual functions at every
 *	boot (a line in vfiokit's udev rule writes its sriov_numvfs once its driver is
 *	bound); NULL for none, which is vfk_persist_new()
 * @n_vfs: 1 to the PF's sriov_totalvfs
 * @flags: &enum vfk_persist_flags; %VFK_PERSIST_BIND_VFS reserves each of the virtual
 *	functions for vfio-pci, by the addresses its SR-IOV capability gives them
 *	(sriov_offset, sriov_stride), and loads vfio-pci before the PF's driver
 * @ret: the change set; vfk_persist_apply() records the PF in its state so that
 *	vfk_persist_verify() checks sriov_numvfs (and the virtual functions' driver)
 * @ret_detail: on failure, a malloc'd explanation naming the device, the file and the fix
 *
 * Return: 0; -EINVAL when @pf has no SR-IOV, no driver, or @n_vfs is out of range;
 * otherwise as vfk_persist_new().
 *
 * Since: 0.2
 */
int vfk_persist_new_vfs(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
			struct vfk_device *pf, unsigned int n_vfs, unsigned int flags,
			struct vfk_persist **ret, char **ret_detail);

/**
 * vfk_persist_get_vfs() - the physical function the change set gives virtual functions
 * @p: change set
 * @ret_n_vfs: how many; may be NULL
 * @ret_bind: whether they are reserved for vfio-pci; may be NULL
 *
 * Return: the PF's address, or NULL when the change set configures none.
 *
 * Since: 0.2
 */
const char *vfk_persist_get_vfs(const struct vfk_persist *p, unsigned int *ret_n_vfs,
				bool *ret_bind);

/**
 * vfk_persist_get_vf() - the address one of those virtual functions will have
 * @p: change set
 * @i: index below the count vfk_persist_get_vfs() gives
 *
 * Return: the address ("0000:af:00.2"), or NULL for a bad index.
 *
 * Since: 0.2
 */
const char *vfk_persist_get_vf(const struct vfk_persist *p, unsigned int i);

/**
 * vfk_persist_ref() - take a reference
 * @p: change set, may be NULL
 *
 * Return: @p.
 *
 * Since: 0.1
 */
struct vfk_persist *vfk_persist_ref(struct vfk_persist *p);

/**
 * vfk_persist_unref() - drop a reference
 * @p: change set, may be NULL
 *
 * Return: NULL.
 *
 * Since: 0.1
 */
struct vfk_persist *vfk_persist_unref(struct vfk_persist *p);

/**
 * vfk_persist_get_n_files() - how many files the change set touches
 * @p: change set
 *
 * Return: the count, including files whose content stays the same.
 *
 * Since: 0.1
 */
size_t vfk_persist_get_n_files(const struct vfk_persist *p);

/**
 * vfk_persist_get_file() - one file: its path and its content before and after
 * @p: change set
 * @i: index below vfk_persist_get_n_files()
 * @ret_old: the content now, NULL when the file does not exist
 * @ret_new: the content after vfk_persist_apply(), NULL when the file goes away
 *
 * Return: the file's absolute path as on the system ("/etc/modprobe.d/vfiokit.conf"),
 * or NULL for a bad index. The strings live as long as @p.
 *
 * Since: 0.1
 */
const char *vfk_persist_get_file(const struct vfk_persist *p, size_t i, const char **ret_old,
				 const char **ret_new);

/**
 * vfk_persist_get_n_warnings() - how many warnings the computation left
 * @p: change set
 *
 * Return: the count.
 *
 * Since: 0.1
 */
size_t vfk_persist_get_n_warnings(const struct vfk_persist *p);

/**
 * vfk_persist_get_warning() - one warning, naming the device or file
 * @p: change set
 * @i: index below vfk_persist_get_n_warnings()
 *
 * Return: the text, or NULL for a bad index.
 *
 * Since: 0.1
 */
const char *vfk_persist_get_warning(const struct vfk_persist *p, size_t i);

/**
 * vfk_persist_get_n_commands() - how many commands must run after the files change
 * @p: change set
 *
 * Return: the count: the distribution's initramfs and bootloader commands.
 *
 * Since: 0.1
 */
size_t vfk_persist_get_n_commands(const struct vfk_persist *p);

/**
 * vfk_persist_get_command() - one of those commands
 * @p: change set
 * @i: index below vfk_persist_get_n_commands()
 *
 * Return: its argument vector, NULL-terminated, e.g. {"update-initramfs", "-u", "-k",
 * "all", NULL}, or NULL for a bad index.
 *
 * Since: 0.1
 */
const char *const *vfk_persist_get_command(const struct vfk_persist *p, size_t i);

/**
 * vfk_persist_get_command_expect() - what a command's output must show
 * @p: change set
 * @i: index below vfk_persist_get_n_commands()
 *
 * The listing commands that follow an initramfs rebuild (lsinitramfs, lsinitrd,
 * lsinitcpio) check the new image: their standard output must hold this text (the
 * vfio-pci module), or the image lacks it.
 *
 * Return: the text, or NULL for a command whose exit status is all that counts.
 *
 * Since: 0.1
 */
const char *vfk_persist_get_command_expect(const struct vfk_persist *p, size_t i);

/**
 * vfk_persist_apply() - write the changed files
 * @p: change set
 * @ret_detail: on failure, a malloc'd explanation; may be NULL
 *
 * Before any file changes, its current content is copied to
 * /var/lib/vfiokit/persist/backup and listed in /var/lib/vfiokit/persist/state.json.
 * Each file is then replaced atomically (a new file, fsync, rename, fsync of the
 * directory). A failure puts back the files already written. Applying again (other
 * devices, another mode) keeps the first backups, so vfk_persist_undo() always returns
 * to the state before vfiokit. It runs no command: see vfk_persist_get_command().
 *
 * Return: 0, or -errno with nothing changed.
 *
 * Since: 0.1
 */
int vfk_persist_apply(struct vfk_persist *p, char **ret_detail);

/**
 * enum vfk_persist_undo_flags - how vfk_persist_undo() works
 * @VFK_PERSIST_UNDO_DRY_RUN: change nothing; name each file that would be put back, one
 *	line each, in the detail
 */
enum vfk_persist_undo_flags {
	VFK_PERSIST_UNDO_DRY_RUN = 1 << 0,
};

/**
 * vfk_persist_undo() - put back every file the last vfk_persist_apply() changed
 * @ctx: library context
 * @flags: &enum vfk_persist_undo_flags
 * @ret_n_files: how many files were (or, in a dry run, would be) put back; may be NULL
 * @ret_detail: a malloc'd explanation of what failed, or in a dry run the files that
 *	would be put back; may be NULL
 *
 * A file changed by someone else since is left alone and named in @ret_detail.
 *
 * Return: 0, -ENOENT when nothing is applied, -EBUSY when a file changed since, or
 * -errno.
 *
 * Since: 0.1
 */
int vfk_persist_undo(struct vfk_ctx *ctx, unsigned int flags, size_t *ret_n_files,
		     char **ret_detail);

/**
 * vfk_persist_verify() - compare the running system with vfiokit's configuration
 * @ctx: library context
 * @ret: a report in the form of vfk_doctor_run()'s: check "persist.configured" when
 *	nothing is configured, "iommu.active", and "device.BDF" for each device the
 *	configuration names (or, with ids=, each device with those ids), each with what did
 *	not take effect, why, and the fix
 *
 * Meant for after a reboot: a device the udev rule names but its host driver has, with
 * or without the driver_override the rule sets, a card that moved, missing IOMMU groups.
 *
 * Return: 0 or -errno; vfk_report_is_ready() says whether everything took effect.
 *
 * Since: 0.1
 */
int vfk_persist_verify(struct vfk_ctx *ctx, struct vfk_report **ret);

#ifdef __cplusplus
}
#endif

#endif
