/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "internal.h"
#include <vfiokit/plan.h>

/* Findings vfk_plan_check() reads beyond their kind. */
#define PLAN_ID_GROUP_MEMBER "group.member"
#define PLAN_ID_NO_GROUP "iommu.no-group"

struct finding {
	enum vfk_finding_kind kind;
	char *id, *device, *message;
	unsigned int force; /* enum vfk_force bit; blockers only */
};

/* plan.c: the plan itself, its findings and what may be done with it; plan-build.c
 * fills it in. */
struct vfk_plan {
	int refcount;
	struct vfk_device **must, **stay;
	size_t n_must, cap_must, n_stay, cap_stay;
	struct finding *findings;
	size_t n_findings;
};

/* Adds a finding; @force is an enum vfk_force bit or 0; the message is formatted. */
int plan_add(struct vfk_plan *plan, enum vfk_finding_kind kind, const char *id, const char *device,
	     unsigned int force, const char *fmt, ...) _printf_(6, 7);

/* Whether the kernel lets @d stay where it is in a group given to VFIO; @why names the
 * reason (its driver, "no driver", "bridge or port"). */
bool plan_may_stay(struct vfk_device *d, const char **why);

/*
 * plan-usage.c: what the host uses below one PCI function, found by walking its sysfs
 * directory for children whose subsystem is net, block, drm or sound, and checking
 * block devices against the root's mount table, swap list and holders.
 */
struct plan_usage;
int plan_usage_new(struct vfk_ctx *ctx, struct plan_usage **ret);
void plan_usage_free(struct plan_usage *u);
int plan_usage_check(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev);
/* A blocker when the framebuffer console draws on a framebuffer of @dev. */
int plan_usage_console(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev);
/* A blocker when a firmware framebuffer in /proc/iomem lies in one of @dev's BARs. */
int plan_usage_framebuffer(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev);
/* Whether a firmware framebuffer named in /proc/iomem @iomem lies inside a BAR of a device's
 * sysfs `resource` @resource; then its name and range. */
bool plan_framebuffer_in_bars(const char *iomem, const char *resource, const char **name,
			      unsigned long long *start, unsigned long long *end);
