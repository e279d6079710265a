/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capture: the part of a machine that vfiokit reads (PCI devices, IOMMU groups and units,
 * firmware tables, kernel command line and log, modules, device nodes, distribution and
 * bootloader files) copied into a directory that works as a root, so a real machine
 * becomes a test fixture or an attachment to a bug report.
 */
#ifndef VFIOKIT_SNAPSHOT_H
#define VFIOKIT_SNAPSHOT_H

#include <vfiokit/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vfk_snapshot_flags - Options of vfk_snapshot_write().
 * @VFK_SNAPSHOT_NO_MODULES: leave out the module index files of /lib/modules/<release>
 *                           (about 2 MB on a distribution kernel); the doctor then
 *                           cannot tell whether the vfio modules are loadable.
 */
enum vfk_snapshot_flags {
	VFK_SNAPSHOT_NO_MODULES = 1 << 0,
};

/**
 * vfk_snapshot_write() - Copy the machine below the context's root into @dir.
 * @ctx: the context; its root is what is captured ("/" for this machine).
 * @dir: the destination; it must not exist or be an empty directory.
 * @flags: a mask of &enum vfk_snapshot_flags.
 * @ret_n_files: if not NULL, receives the number of files, links and directories written.
 * @ret_n_unreadable: if not NULL, receives the number of files that exist but could not
 *                    be read (ACPI tables and the kernel log need root); they are listed
 *                    in @dir/vfiokit-snapshot.json.
 *
 * Reads only allow-listed attributes: never a BAR (resource*), the ROM, the VPD (reading
 * it can hang a broken device) or a file that acts when written. Device nodes become
 * empty regular files. Symbolic links are copied as links with the same target, so
 * vfk_ctx_new() on @dir sees the same tree. The capture ends with a manifest,
 * @dir/vfiokit-snapshot.json. On failure, what was written is removed again.
 *
 * The capture holds the kernel log and configuration space: @dir is created 0700, every
 * directory in it 0700 and every file 0600. An existing @dir must be the caller's and not
 * writable by group or others.
 *
 * Return: 0 on success; -EEXIST when @dir is not empty; -EPERM when an existing @dir is
 * not the caller's or others may write to it; -ENOTDIR; -EINVAL for unknown flags;
 * another negative errno when @dir cannot be created or written.
 *
 * Since: 0.1
 */
int vfk_snapshot_write(struct vfk_ctx *ctx, const char *dir, unsigned int flags,
		       unsigned int *ret_n_files, unsigned int *ret_n_unreadable);

#ifdef __cplusplus
}
#endif

#endif
