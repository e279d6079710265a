/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving devices to vfio-pci and back, as a transaction with a journal: every original
 * state is recorded (and flushed to disk) before the first change to a device, any
 * failure rolls back what was done, and the journal lets a later run restore devices
 * after a crash.
 */
#ifndef VFIOKIT_BIND_H
#define VFIOKIT_BIND_H

#include <stddef.h>

#include <vfiokit/ctx.h>
#include <vfiokit/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vfk_bind_flags - Options of vfk_bind(), vfk_restore() and vfk_release().
 * @VFK_BIND_DRY_RUN: make no change and write no journal; report the writes that would be
 *                    made through the write callback.
 */
enum vfk_bind_flags {
	VFK_BIND_DRY_RUN = 1 << 0,
};

/**
 * typedef vfk_write_fn - Sees each write to sysfs, before it is made.
 * @userdata: as given.
 * @path: the file, relative to the root, e.g. "sys/bus/pci/drivers_probe".
 * @value: what is written.
 */
typedef void (*vfk_write_fn)(void *userdata, const char *path, const char *value);

/**
 * vfk_bind() - Move devices to vfio-pci, all or none.
 * @ctx: the context.
 * @devices: the devices; callers decide the set, usually a plan's must-move list.
 * @n_devices: their number.
 * @flags: a mask of &enum vfk_bind_flags.
 * @on_write: if not NULL, called for every sysfs write.
 * @userdata: passed to @on_write.
 * @ret_detail: if not NULL, on failure receives a malloc'd sentence naming the device,
 *              the file and the cause; NULL on success.
 *
 * Per device: its driver and driver_override are recorded in the journal
 * (/run/vfiokit/journal.json below the root, directory 0700, written atomically and
 * fsynced) before anything changes; then driver_override is set to vfio-pci, the device
 * is unbound and drivers_probe is written, and the driver link is checked, with bounded
 * retries. vfio-pci is loaded through libkmod when it is missing on this machine's root.
 * new_id is never used. A device already on vfio-pci or a variant driver is left alone.
 * When any step fails, every device changed so far is put back in reverse order and the
 * error returned. Only one instance works at a time (flock on /run/vfiokit/lock).
 *
 * Return: 0; -EBUSY when another instance holds the lock; -ENOENT when vfio-pci is not
 * available; -ETIMEDOUT when a device did not come up on vfio-pci; -EBADMSG when the
 * journal is damaged (see vfk_journal_get_devices(); nothing is changed, also in a dry
 * run); or the errno of the failed write. A device the journal already lists (an earlier
 * move that did not finish) keeps its entry and the original driver recorded there.
 *
 * Since: 0.1
 */
int vfk_bind(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
	     unsigned int flags, vfk_write_fn on_write, void *userdata, char **ret_detail);

/**
 * typedef vfk_display_step_fn - Sees each step of a display hand-over, before it is taken.
 * @userdata: as given.
 * @action: "stop-display-manager", "unbind-console", "unbind-framebuffer", or
 *          "skip-display-manager" (a step not taken: @note says why).
 * @target: what it acts on: "display-manager.service", a vtconsole ("vtcon1") or a
 *          platform device ("efi-framebuffer.0").
 * @note: the unit the display manager is, the console's name, the framebuffer's
 *        driver, or why a step is skipped; may be NULL.
 */
typedef void (*vfk_display_step_fn)(void *userdata, const char *action, const char *target,
				    const char *note);

/**
 * vfk_bind_release_display() - vfk_bind(), with the host's display handed over first.
 * @ctx: the context.
 * @devices: the devices, as for vfk_bind(); the GPU among them carries the display.
 * @n_devices: their number.
 * @flags: a mask of &enum vfk_bind_flags.
 * @on_write: if not NULL, called for every sysfs write.
 * @on_step: if not NULL, called for every step of the hand-over, also in a dry run.
 * @userdata: passed to @on_write and @on_step.
 * @ret_detail: as for vfk_bind().
 *
 * For single-GPU passthrough. Before any device moves, for the devices that carry a
 * display (a DRM card, a framebuffer, the firmware framebuffer in a BAR, or boot_vga): the
 * display manager is stopped (`systemctl stop display-manager.service`, only when systemd
 * runs and the unit has processes; otherwise the step is reported skipped), the
 * framebuffer consoles are unbound (0 to sys/class/vtconsole/vtconN/bind) and the
 * firmware framebuffer (efifb, simpledrm, vesafb) is unbound from its platform driver.
 * Each step is recorded in the journal before it is taken; vfk_restore() undoes them in
 * reverse once the device is back. Commands run only on this machine's root.
 *
 * Refused before anything changes while a process other than the display manager (or
 * one it started) holds the card's /dev/dri node open; the detail names its pid and
 * command. When a step or the move fails, the steps taken are undone.
 *
 * Return: as vfk_bind(); -EBUSY also when the card is held, or still held after the
 * display manager stopped; the errno of a step that failed (a command's failure is
 * -EIO).
 *
 * Since: 0.2
 */
int vfk_bind_release_display(struct vfk_ctx *ctx, struct vfk_device *const *devices,
			     size_t n_devices, unsigned int flags, vfk_write_fn on_write,
			     vfk_display_step_fn on_step, void *userdata, char **ret_detail);

/**
 * vfk_restore() - Put devices recorded in the journal back where they were.
 * @ctx: the context.
 * @bdfs: full addresses to restore, or NULL for every device in the journal.
 * @n_bdfs: their number.
 * @flags: a mask of &enum vfk_bind_flags.
 * @on_write: if not NULL, called for every sysfs write.
 * @userdata: passed to @on_write.
 * @ret_detail: if not NULL, receives a malloc'd report of what was refused or found moved
 *              by someone else; NULL when there is nothing to say.
 *
 * Newest first: driver_override gets its old value, the device leaves vfio-pci and the
 * original driver is probed again (a device that had none stays unbound). A device whose
 * group or VFIO device file a process holds open is refused, naming the process, instead
 * of blocking in the kernel. A device someone else has moved since is reported and
 * dropped from the journal without being touched. With @bdfs NULL, VFIO files still lent
 * to a user (see vfk_journal_get_lent()) also get their recorded owner and mode back,
 * each named in the detail; a file that no longer exists is only dropped from the journal.
 * The display hand-over of vfk_bind_release_display() is undone, newest first, for each
 * card that is back (all of them with @bdfs NULL): the framebuffer driver bound again,
 * the consoles bound again (1 to their bind file), the display manager started again;
 * each is said in the detail. A card named in @bdfs of which the journal holds only the
 * hand-over (a crash before its move) gets its display back the same way.
 *
 * Return: 0 when every requested device is back; -ENOENT when one is not in the journal
 * (neither moved nor with a display hand-over recorded);
 * -EBUSY when one is in use or the lock is held; -EBADMSG when the journal is damaged
 * (see vfk_journal_get_devices(); nothing is changed); another negative errno on failure.
 *
 * Since: 0.1
 */
int vfk_restore(struct vfk_ctx *ctx, const char *const *bdfs, size_t n_bdfs, unsigned int flags,
		vfk_write_fn on_write, void *userdata, char **ret_detail);

/**
 * vfk_release() - Give devices vfiokit did not move back from vfio-pci to the kernel.
 * @ctx: the context.
 * @bdfs: the devices, as addresses or names vfk_device_new_from_string() takes.
 * @n_bdfs: their number.
 * @flags: a mask of &enum vfk_bind_flags.
 * @on_write: if not NULL, called for every sysfs write.
 * @userdata: passed to @on_write.
 * @ret_detail: if not NULL, receives a malloc'd report, one sentence a line, each naming
 *              its device: what was refused and the fix, the devices that had nothing to
 *              do, those no driver claimed, and what gives a device to vfio-pci again;
 *              NULL when there is nothing to say.
 *
 * For devices on vfio-pci (or a variant driver) that are not in the journal: reserved at
 * boot (vfiokit persist's udev rule, vfio-pci.ids=) or bound by another tool. Like
 * `driverctl unset-override`: driver_override is cleared, the device is unbound and
 * drivers_probe is written, so the kernel picks its driver; the driver link is then
 * checked with bounded waits. A device no driver claims stays unbound: that is success,
 * and said in the detail. Every device is checked before the first write, and any
 * refusal changes nothing: a device the journal lists (vfk_restore() knows its original
 * driver), one whose group or VFIO device file a process holds open (named), one that
 * does not exist. A device not on a vfio driver is left alone and said. When vfio-pci.ids=
 * on the kernel command line, the ids= of vfiokit's modprobe.d file or vfiokit's udev
 * rule would give a device to vfio-pci again at the next boot, the detail says so (a
 * warning; `vfiokit persist --undo`). Devices go one after the other; after a failed
 * write the ones before it stay released. Takes the lock vfk_bind() takes.
 *
 * Return: 0 when every device is off vfio (or was already); -ENODEV when one does not
 * exist; -EEXIST when one is in the journal; -EBUSY when one is in use or the lock is
 * held; -EAGAIN when vfio-pci took a device again on the probe (its ids name it);
 * -EBADMSG when the journal is damaged (nothing is changed); or the errno of the failed
 * write.
 *
 * Since: 0.2
 */
int vfk_release(struct vfk_ctx *ctx, const char *const *bdfs, size_t n_bdfs, unsigned int flags,
		vfk_write_fn on_write, void *userdata, char **ret_detail);

/**
 * vfk_sriov_set() - Set the number of SR-IOV virtual functions of a physical function.
 * @ctx: the context.
 * @pf: the physical function.
 * @n_vfs: the number wanted; 0 removes them.
 * @flags: a mask of &enum vfk_bind_flags.
 * @on_write: if not NULL, called for every sysfs write.
 * @userdata: passed to @on_write.
 * @ret_detail: if not NULL, on failure receives a malloc'd sentence with the cause.
 *
 * The PF's current count is recorded in the journal first (once: a later change keeps
 * the first count), so vfk_restore() puts it back after the VFs themselves. The kernel
 * takes a new count only from zero, so a change between two non-zero counts writes 0
 * first.
 *
 * Any change of a non-zero count destroys every VF the PF has now. It is refused, also
 * in a dry run and with no way to override it, when one of them is in use by the plan's
 * rule (see vfk_plan_new(), finding "sriov.vf-in-use"): bound to vfio-pci or a variant,
 * or with something of the host on it (a mounted disk, swap, a holder, the default route,
 * this SSH session, a network interface that is up); @ret_detail then names each.
 *
 * Return: 0; -EOPNOTSUPP when @pf has no SR-IOV; -ERANGE when @n_vfs exceeds its
 * sriov_totalvfs; -EBUSY when a VF that would be destroyed is in use, or the lock is
 * held; or the errno of the failed write.
 *
 * Since: 0.1
 */
int vfk_sriov_set(struct vfk_ctx *ctx, struct vfk_device *pf, unsigned int n_vfs,
		  unsigned int flags, vfk_write_fn on_write, void *userdata, char **ret_detail);

/**
 * vfk_journal_get_devices() - The devices the journal says vfiokit moved.
 * @ctx: the context.
 * @ret: receives a malloc'd array of malloc'd full addresses, oldest first.
 * @ret_n: receives their number.
 *
 * Return: 0, also when there is no journal (an empty list); -ENOMEM; -EBADMSG when the
 * journal is not exactly what vfiokit writes (not JSON, a field of the wrong type, a
 * driver name that is not one, an address that is not a full one, a device twice): then
 * vfk_restore() and vfk_bind() refuse too, naming the fault in their detail; or the
 * errno of reading it.
 *
 * Since: 0.1
 */
int vfk_journal_get_devices(struct vfk_ctx *ctx, char ***ret, size_t *ret_n);

/**
 * vfk_journal_get_lent() - The VFIO files the journal says are lent to a user.
 * @ctx: the context.
 * @ret: receives a NULL-terminated malloc'd array of malloc'd absolute paths as the
 *       machine sees them ("/dev/vfio/N", "/dev/vfio/devices/vfioN"), oldest first.
 * @ret_n: receives the number of paths.
 *
 * vfk_vm_give_to_user() records each file's owner and mode before it changes them, and
 * vfk_vm_take_back() removes the record; a record left behind (the lending process was
 * killed) is given back by vfk_restore() with @bdfs NULL.
 *
 * Return: 0, also when there is no journal (an empty array); -ENOMEM; the errors of
 * vfk_journal_get_devices().
 *
 * Since: 0.2
 */
int vfk_journal_get_lent(struct vfk_ctx *ctx, char ***ret, size_t *ret_n);

/**
 * vfk_journal_get_display() - The display hand-over steps the journal says are taken.
 * @ctx: the context.
 * @ret: receives a NULL-terminated malloc'd array of malloc'd names, oldest first, as
 *       vfk_bind_release_display()'s @on_step names its targets: "display-manager.service",
 *       a vtconsole ("vtcon1"), a firmware framebuffer ("efi-framebuffer.0").
 * @ret_n: receives the number of names.
 *
 * A step stays recorded until vfk_restore() undoes it; one can be there without any
 * device (bind was killed after the hand-over began and before the devices were
 * recorded), and vfk_restore() with @bdfs NULL undoes it then too.
 *
 * Return: 0, also when there is no journal (an empty array); -ENOMEM; the errors of
 * vfk_journal_get_devices().
 *
 * Since: 0.2
 */
int vfk_journal_get_display(struct vfk_ctx *ctx, char ***ret, size_t *ret_n);

#ifdef __cplusplus
}
#endif

#endif
