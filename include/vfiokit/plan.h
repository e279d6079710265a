/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What passing devices through takes, decided before anything changes: the IOMMU groups
 * that must move as a whole, which members may stay on the host, and what the host
 * loses (network interfaces, disks, its display), with everything that blocks the move.
 */
#ifndef VFIOKIT_PLAN_H
#define VFIOKIT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <vfiokit/ctx.h>
#include <vfiokit/pci.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vfk_finding_kind - What a finding of a plan means.
 * @VFK_FINDING_BLOCKER: the move cannot go ahead as asked; some blockers can be
 *                       overridden with the &enum vfk_force bit
 *                       vfk_plan_get_finding_force() gives.
 * @VFK_FINDING_HOST_LOSES: something the host uses goes away with the move.
 * @VFK_FINDING_NOTE: worth knowing (reset scope, functions of the slot in other groups).
 * @_VFK_FINDING_KIND_MAX: number of kinds.
 */
enum vfk_finding_kind {
	VFK_FINDING_BLOCKER,
	VFK_FINDING_HOST_LOSES,
	VFK_FINDING_NOTE,
	_VFK_FINDING_KIND_MAX,
};

/**
 * enum vfk_force - Blockers a caller accepts, one bit per kind that can be overridden.
 * @VFK_FORCE_BOOT_VGA: the host's display goes: the boot display (display.boot-vga), the
 *                      firmware framebuffer (display.framebuffer) or the text console
 *                      (display.console).
 * @VFK_FORCE_IN_USE_STORAGE: a disk below the device is in use: mounted (block.mounted),
 *                            active swap (block.swap) or held by LVM, MD, device-mapper or
 *                            multipath (block.holder).
 * @VFK_FORCE_NET_IN_USE: a network interface of the device carries the default route
 *                        (net.default-route) or this SSH session (net.ssh).
 * @VFK_FORCE_VMD_DOMAIN: an Intel VMD controller moves (vmd.domain): the vmd driver lets
 *                        go of the PCI domain it made (10000 and up) and every device in
 *                        it disappears from the host, with their disks, often the boot
 *                        disk. Blockers on those disks (block.mounted ...) need
 *                        %VFK_FORCE_IN_USE_STORAGE as well.
 *
 * Every other blocker (a bridge, a denylisted device, no IOMMU group, a virtual function
 * in use that moving its physical function would destroy) cannot be overridden.
 *
 * Since: 0.2
 */
enum vfk_force {
	VFK_FORCE_BOOT_VGA = 1 << 0,
	VFK_FORCE_IN_USE_STORAGE = 1 << 1,
	VFK_FORCE_NET_IN_USE = 1 << 2,
	VFK_FORCE_VMD_DOMAIN = 1 << 3,
};

/**
 * enum vfk_plan_check_flags - Options of vfk_plan_check().
 * @VFK_PLAN_CHECK_GROUP: the whole group may move: members that must move but were not
 *                        among the targets (finding "group.member") do not refuse.
 * @VFK_PLAN_CHECK_NEXT_BOOT: judge for the next boot as vfk_persist_new() configures it,
 *                            whose kernel command line turns the IOMMU on: a device
 *                            without an IOMMU group yet (finding "iommu.no-group") does
 *                            not refuse.
 *
 * Since: 0.2
 */
enum vfk_plan_check_flags {
	VFK_PLAN_CHECK_GROUP = 1 << 0,
	VFK_PLAN_CHECK_NEXT_BOOT = 1 << 1,
};

/**
 * enum vfk_verdict - What vfk_plan_check() makes of one finding.
 * @VFK_VERDICT_NONE: not in the way: not a blocker, or one the flags set aside.
 * @VFK_VERDICT_FORCED: a blocker the forces given override; worth a warning.
 * @VFK_VERDICT_REFUSED: refuses the move.
 *
 * Since: 0.2
 */
enum vfk_verdict {
	VFK_VERDICT_NONE,
	VFK_VERDICT_FORCED,
	VFK_VERDICT_REFUSED,
};

/** struct vfk_plan - Opaque, reference-counted result of vfk_plan_new(). */
struct vfk_plan;

/**
 * vfk_plan_new() - Work out what moving @targets to vfio-pci takes. Changes nothing.
 * @ctx: the context.
 * @targets: the devices the user asked for.
 * @n_targets: their number, at least one.
 * @ret: on success, a new plan with a reference count of one.
 *
 * Every member of the targets' IOMMU groups is classified: bridges and ports without a
 * driver or on pcieport, devices on pci-stub, vfio-pci or a vfio-pci variant driver, and
 * unbound devices may stay (the kernel lets a group be used with them); all others must
 * move. For each device that must move, the plan walks its sysfs children for network
 * interfaces (with their bond, bridge, VLAN and macvlan upper devices), block devices
 * (mounted filesystems from /proc/self/mountinfo, swap from /proc/swaps, holders such as
 * LVM, MD and device-mapper) and DRM cards, and checks boot_vga, the vfio-pci denylist,
 * the header type and the reset methods with the devices a bus reset would also hit. An
 * Intel VMD controller on the vmd driver is a blocker ("vmd.domain"): the devices whose
 * sysfs directories lie below it form the PCI domain vmd made, which is removed, not
 * moved; the same walk looks below each of them for what the host loses. A physical
 * function that moves loses its virtual functions (its driver removes them when it lets
 * go; vfio-pci takes no PF with VFs enabled): each is named ("sriov.vf"), and one on
 * vfio-pci, with a blocker of that walk below it or a network interface that is up
 * blocks the move ("sriov.vf-in-use"). A PF and its VFs are not slot siblings of each
 * other; a VF target gets a note naming its PF ("sriov.physfn").
 *
 * Return: 0 on success; -EINVAL; -ENOMEM.
 * Since: 0.1
 */
int vfk_plan_new(struct vfk_ctx *ctx, struct vfk_device *const *targets, size_t n_targets,
		 struct vfk_plan **ret);

/**
 * vfk_plan_ref() - Take a reference.
 * @plan: the plan, or NULL.
 *
 * Return: @plan.
 * Since: 0.1
 */
struct vfk_plan *vfk_plan_ref(struct vfk_plan *plan);

/**
 * vfk_plan_unref() - Drop a reference.
 * @plan: the plan, or NULL.
 *
 * Return: NULL.
 * Since: 0.1
 */
struct vfk_plan *vfk_plan_unref(struct vfk_plan *plan);

/**
 * vfk_plan_get_must_move() - Devices that must be bound to vfio-pci, in address order.
 * @plan: the plan.
 * @ret_n: receives their number.
 *
 * Return: a borrowed array owned by @plan.
 * Since: 0.1
 */
struct vfk_device *const *vfk_plan_get_must_move(const struct vfk_plan *plan, size_t *ret_n);

/**
 * vfk_plan_get_may_stay() - Group members that may stay where they are, in address order.
 * @plan: the plan.
 * @ret_n: receives their number.
 *
 * Return: a borrowed array owned by @plan.
 * Since: 0.1
 */
struct vfk_device *const *vfk_plan_get_may_stay(const struct vfk_plan *plan, size_t *ret_n);

/**
 * vfk_plan_is_applicable() - Whether nothing blocks the move.
 * @plan: the plan.
 *
 * Return: true when the plan has no %VFK_FINDING_BLOCKER finding.
 * Since: 0.1
 */
bool vfk_plan_is_applicable(const struct vfk_plan *plan);

/**
 * vfk_plan_get_n_findings() - Number of findings.
 * @plan: the plan.
 *
 * Return: the count.
 * Since: 0.1
 */
size_t vfk_plan_get_n_findings(const struct vfk_plan *plan);

/**
 * vfk_plan_get_finding_kind() - Kind of finding @i.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: the kind; %VFK_FINDING_NOTE when @i is out of range.
 * Since: 0.1
 */
enum vfk_finding_kind vfk_plan_get_finding_kind(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_id() - Stable identifier of finding @i, e.g. "block.mounted".
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 * Since: 0.1
 */
const char *vfk_plan_get_finding_id(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_device() - Full address of the device finding @i is about.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 * Since: 0.1
 */
const char *vfk_plan_get_finding_device(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_message() - One line saying what was found, with the evidence.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 * Since: 0.1
 */
const char *vfk_plan_get_finding_message(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_force() - The &enum vfk_force bit that overrides blocker @i.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: one bit, e.g. %VFK_FORCE_BOOT_VGA; 0 when the finding is not a blocker that can
 * be overridden, or @i is out of range.
 *
 * Since: 0.1
 */
unsigned int vfk_plan_get_finding_force(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_verdict() - What vfk_plan_check() makes of finding @i.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 * @forces: a mask of &enum vfk_force: the blockers the caller accepts.
 * @flags: a mask of &enum vfk_plan_check_flags.
 *
 * A blocker refuses unless its force bit is in @forces (then it is forced) or @flags set
 * it aside; a group member that must move but was not among the targets (finding
 * "group.member") refuses unless @flags has %VFK_PLAN_CHECK_GROUP. Everything else is
 * not in the way. Callers that explain a refusal in their own words go through the
 * findings with this; it is the rule vfk_plan_check() applies.
 *
 * Return: the verdict; %VFK_VERDICT_NONE when @i is out of range.
 *
 * Since: 0.2
 */
enum vfk_verdict vfk_plan_get_finding_verdict(const struct vfk_plan *plan, size_t i,
					      unsigned int forces, unsigned int flags);

/**
 * vfk_plan_check() - Whether the plan may be applied with these forces.
 * @plan: the plan.
 * @forces: a mask of &enum vfk_force: the blockers the caller accepts.
 * @flags: a mask of &enum vfk_plan_check_flags; %VFK_PLAN_CHECK_GROUP when the whole
 *         group may move.
 * @ret_detail: if not NULL, on refusal receives a malloc'd explanation, one line per
 *              finding that refuses ("0000:01:00.0: is the boot display ..."); each
 *              blocker's force bit comes from vfk_plan_get_finding_force(). NULL when
 *              allowed.
 *
 * The one rule for moving devices to vfio-pci, now or at the next boot: refused when any
 * finding's vfk_plan_get_finding_verdict() is %VFK_VERDICT_REFUSED, that is, a blocker
 * @forces does not override, or (without %VFK_PLAN_CHECK_GROUP) a member of a target's
 * IOMMU group that must move but was not named.
 *
 * Return: 0 when allowed; -EPERM when refused; -EINVAL.
 *
 * Since: 0.2
 */
int vfk_plan_check(const struct vfk_plan *plan, unsigned int forces, unsigned int flags,
		   char **ret_detail);

#ifdef __cplusplus
}
#endif

#endif
