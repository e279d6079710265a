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

/* Appends @sep (unless @buf is empty) and the formatted text to @buf, which holds *@len
 * characters; stops quietly when @buf is full. */
void plan_append(char *buf, size_t size, size_t *len, const char *sep, const char *fmt, ...)
	_printf_(5, 6);

/* Frees the findings of @p, leaving it without any. */
void plan_findings_free(struct vfk_plan *p);

/* vfio-pci or one of its variant drivers (mlx5_vfio_pci). */
bool plan_is_vfio(const char *drv);

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
/* Whether virtual function @vf is in use: on vfio-pci (a guest may hold it), a blocker of
 * plan_usage_check() below it, or a network interface of it that is up. @why receives
 * the evidence ("it is on vfio-pci"; "ens1f0v0 is up"), @lives what the host has on it
 * ("network interface ens1f0v0"). Returns 1 in use, 0 not, or -ENOMEM. */
int plan_usage_vf(struct plan_usage *u, struct vfk_device *vf, char *why, size_t why_size,
		  char *lives, size_t lives_size);
/* A blocker when the framebuffer console draws on a framebuffer of @dev. */
int plan_usage_console(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev);
/* A blocker when a firmware framebuffer in /proc/iomem lies in one of @dev's BARs. */
int plan_usage_framebuffer(struct plan_usage *u, struct vfk_plan *plan, struct vfk_device *dev);
/* Whether a firmware framebuffer named in /proc/iomem @iomem lies inside a BAR of a device's
 * sysfs `resource` @resource; then its name and range. */
bool plan_framebuffer_in_bars(const char *iomem, const char *resource, const char **name,
			      unsigned long long *start, unsigned long long *end);
