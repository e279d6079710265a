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
 *                       overridden with the force flag vfk_plan_get_finding_force() names.
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
 * the header type and the reset methods with the devices a bus reset would also hit.
 *
 * Return: 0 on success; -EINVAL; -ENOMEM.
 */
int vfk_plan_new(struct vfk_ctx *ctx, struct vfk_device *const *targets, size_t n_targets,
		 struct vfk_plan **ret);

/**
 * vfk_plan_ref() - Take a reference.
 * @plan: the plan, or NULL.
 *
 * Return: @plan.
 */
struct vfk_plan *vfk_plan_ref(struct vfk_plan *plan);

/**
 * vfk_plan_unref() - Drop a reference.
 * @plan: the plan, or NULL.
 *
 * Return: NULL.
 */
struct vfk_plan *vfk_plan_unref(struct vfk_plan *plan);

/**
 * vfk_plan_get_must_move() - Devices that must be bound to vfio-pci, in address order.
 * @plan: the plan.
 * @ret_n: receives their number.
 *
 * Return: a borrowed array owned by @plan.
 */
struct vfk_device *const *vfk_plan_get_must_move(const struct vfk_plan *plan, size_t *ret_n);

/**
 * vfk_plan_get_may_stay() - Group members that may stay where they are, in address order.
 * @plan: the plan.
 * @ret_n: receives their number.
 *
 * Return: a borrowed array owned by @plan.
 */
struct vfk_device *const *vfk_plan_get_may_stay(const struct vfk_plan *plan, size_t *ret_n);

/**
 * vfk_plan_is_applicable() - Whether nothing blocks the move.
 * @plan: the plan.
 *
 * Return: true when the plan has no %VFK_FINDING_BLOCKER finding.
 */
bool vfk_plan_is_applicable(const struct vfk_plan *plan);

/**
 * vfk_plan_get_n_findings() - Number of findings.
 * @plan: the plan.
 *
 * Return: the count.
 */
size_t vfk_plan_get_n_findings(const struct vfk_plan *plan);

/**
 * vfk_plan_get_finding_kind() - Kind of finding @i.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: the kind; %VFK_FINDING_NOTE when @i is out of range.
 */
enum vfk_finding_kind vfk_plan_get_finding_kind(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_id() - Stable identifier of finding @i, e.g. "block.mounted".
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 */
const char *vfk_plan_get_finding_id(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_device() - Full address of the device finding @i is about.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 */
const char *vfk_plan_get_finding_device(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_message() - One line saying what was found, with the evidence.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 */
const char *vfk_plan_get_finding_message(const struct vfk_plan *plan, size_t i);

/**
 * vfk_plan_get_finding_force() - The force flag that overrides blocker @i.
 * @plan: the plan.
 * @i: index below vfk_plan_get_n_findings().
 *
 * Return: e.g. "force-boot-vga", or NULL when the finding is not an overridable blocker.
 */
const char *vfk_plan_get_finding_force(const struct vfk_plan *plan, size_t i);

#ifdef __cplusplus
}
#endif

#endif
