/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "internal.h"
#include <vfiokit/plan.h>

struct finding {
	enum vfk_finding_kind kind;
	char *id, *device, *message;
	const char *force;
};

/* plan.c: the plan itself and its findings; plan-build.c fills it in. */
struct vfk_plan {
	int refcount;
	struct vfk_device **must, **stay;
	size_t n_must, cap_must, n_stay, cap_stay;
	struct finding *findings;
	size_t n_findings;
};

/* Adds a finding; @force is a static string or NULL; the message is formatted. */
int plan_add(struct vfk_plan *plan, enum vfk_finding_kind kind, const char *id, const char *device,
	     const char *force, const char *fmt, ...) _printf_(6, 7);

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
