// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-private.h"

int plan_add(struct vfk_plan *p, enum vfk_finding_kind kind, const char *id, const char *device,
	     unsigned int force, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	int n;

	f = realloc(p->findings, (p->n_findings + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	p->findings = f;
	f = &p->findings[p->n_findings];
	*f = (struct finding){.kind = kind, .force = kind == VFK_FINDING_BLOCKER ? force : 0};
	va_start(ap, fmt);
	n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	f->id = strdup(id);
	f->device = strdup(device);
	if (n < 0 || !f->id || !f->device) {
		if (n >= 0)
			free(f->message);
		free(f->id);
		free(f->device);
		return -ENOMEM;
	}
	p->n_findings++;
	return 0;
}

void plan_append(char *buf, size_t size, size_t *len, const char *sep, const char *fmt, ...)
{
	va_list ap;

	if (*len >= size)
		return;
	if (*len)
		*len += (size_t)snprintf(buf + *len, size - *len, "%s", sep);
	if (*len >= size)
		return;
	va_start(ap, fmt);
	*len += (size_t)vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
}

bool plan_is_vfio(const char *drv)
{
	size_t n = drv ? strlen(drv) : 0;

	return drv && (streq(drv, "vfio-pci") || (n > 8 && (streq(drv + n - 8, "vfio_pci") ||
							    streq(drv + n - 8, "vfio-pci"))));
}

void plan_findings_free(struct vfk_plan *p)
{
	for (size_t i = 0; i < p->n_findings; i++) {
		free(p->findings[i].id);
		free(p->findings[i].device);
		free(p->findings[i].message);
	}
	free(p->findings);
	p->findings = NULL;
	p->n_findings = 0;
}

VFK_EXPORT struct vfk_plan *vfk_plan_ref(struct vfk_plan *p)
{
	if (p)
		p->refcount++;
	return p;
}

VFK_EXPORT struct vfk_plan *vfk_plan_unref(struct vfk_plan *p)
{
	if (!p || --p->refcount > 0)
		return NULL;
	vfk_device_list_free(p->must, p->n_must);
	vfk_device_list_free(p->stay, p->n_stay);
	plan_findings_free(p);
	free(p);
	return NULL;
}

VFK_EXPORT struct vfk_device *const *vfk_plan_get_must_move(const struct vfk_plan *p, size_t *ret_n)
{
	assert_return(p && ret_n, NULL);
	*ret_n = p->n_must;
	return p->must;
}

VFK_EXPORT struct vfk_device *const *vfk_plan_get_may_stay(const struct vfk_plan *p, size_t *ret_n)
{
	assert_return(p && ret_n, NULL);
	*ret_n = p->n_stay;
	return p->stay;
}

VFK_EXPORT bool vfk_plan_is_applicable(const struct vfk_plan *p)
{
	assert_return(p, false);
	for (size_t i = 0; i < p->n_findings; i++)
		if (p->findings[i].kind == VFK_FINDING_BLOCKER)
			return false;
	return true;
}

VFK_EXPORT size_t vfk_plan_get_n_findings(const struct vfk_plan *p)
{
	return p ? p->n_findings : 0;
}

static const struct finding *get(const struct vfk_plan *p, size_t i)
{
	return p && i < p->n_findings ? &p->findings[i] : NULL;
}

VFK_EXPORT enum vfk_finding_kind vfk_plan_get_finding_kind(const struct vfk_plan *p, size_t i)
{
	const struct finding *f = get(p, i);

	return f ? f->kind : VFK_FINDING_NOTE;
}

VFK_EXPORT const char *vfk_plan_get_finding_id(const struct vfk_plan *p, size_t i)
{
	const struct finding *f = get(p, i);

	return f ? f->id : NULL;
}

VFK_EXPORT const char *vfk_plan_get_finding_device(const struct vfk_plan *p, size_t i)
{
	const struct finding *f = get(p, i);

	return f ? f->device : NULL;
}

VFK_EXPORT const char *vfk_plan_get_finding_message(const struct vfk_plan *p, size_t i)
{
	const struct finding *f = get(p, i);

	return f ? f->message : NULL;
}

VFK_EXPORT unsigned int vfk_plan_get_finding_force(const struct vfk_plan *p, size_t i)
{
	const struct finding *f = get(p, i);

	return f ? f->force : 0;
}

VFK_EXPORT enum vfk_verdict vfk_plan_get_finding_verdict(const struct vfk_plan *p, size_t i,
							 unsigned int forces, unsigned int flags)
{
	const struct finding *f = get(p, i);

	if (!f)
		return VFK_VERDICT_NONE;
	/* The plan names each member it adds to the move once; the targets never. */
	if (streq(f->id, PLAN_ID_GROUP_MEMBER))
		return flags & VFK_PLAN_CHECK_GROUP ? VFK_VERDICT_NONE : VFK_VERDICT_REFUSED;
	if (f->kind != VFK_FINDING_BLOCKER)
		return VFK_VERDICT_NONE;
	/* The kernel command line the next boot gets turns the IOMMU on. */
	if ((flags & VFK_PLAN_CHECK_NEXT_BOOT) && streq(f->id, PLAN_ID_NO_GROUP))
		return VFK_VERDICT_NONE;
	return f->force & forces ? VFK_VERDICT_FORCED : VFK_VERDICT_REFUSED;
}

VFK_EXPORT int vfk_plan_check(const struct vfk_plan *p, unsigned int forces, unsigned int flags,
			      char **ret_detail)
{
	char *detail = NULL;
	bool refused = false;

	assert_return(p, -EINVAL);
	for (size_t i = 0; i < p->n_findings; i++) {
		const struct finding *f = &p->findings[i];

		if (vfk_plan_get_finding_verdict(p, i, forces, flags) != VFK_VERDICT_REFUSED)
			continue;
		refused = true;
		if (f->kind == VFK_FINDING_BLOCKER)
			detail_add(&detail, "%s: %s", f->device, f->message);
		else
			detail_add(&detail, "%s: was not named, but %s", f->device, f->message);
	}
	if (ret_detail)
		*ret_detail = detail;
	else
		free(detail);
	return refused ? -EPERM : 0;
}
