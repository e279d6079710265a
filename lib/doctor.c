// SPDX-License-Identifier: LGPL-2.1-or-later
/* Placeholder until the checks land. */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct vfk_report {
	int refcount;
};

VFK_EXPORT const char *vfk_check_status_to_string(enum vfk_check_status status)
{
	static const char *const names[] = {"ok", "warn", "fail", "skip"};

	return (unsigned int)status < _VFK_CHECK_STATUS_MAX ? names[status] : NULL;
}

VFK_EXPORT int vfk_doctor_run(struct vfk_ctx *ctx, struct vfk_report **ret)
{
	return -EOPNOTSUPP;
}

VFK_EXPORT struct vfk_report *vfk_report_ref(struct vfk_report *r)
{
	return r;
}

VFK_EXPORT struct vfk_report *vfk_report_unref(struct vfk_report *r)
{
	return NULL;
}

VFK_EXPORT bool vfk_report_is_ready(const struct vfk_report *r)
{
	return false;
}

VFK_EXPORT size_t vfk_report_get_n_checks(const struct vfk_report *r)
{
	return 0;
}

VFK_EXPORT const char *vfk_report_get_check_id(const struct vfk_report *r, size_t i)
{
	return NULL;
}

VFK_EXPORT enum vfk_check_status vfk_report_get_check_status(const struct vfk_report *r, size_t i)
{
	return VFK_CHECK_SKIP;
}

VFK_EXPORT const char *vfk_report_get_check_summary(const struct vfk_report *r, size_t i)
{
	return NULL;
}

VFK_EXPORT const char *vfk_report_get_check_fix(const struct vfk_report *r, size_t i)
{
	return NULL;
}
