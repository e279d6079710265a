// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

struct check {
	char *id;
	enum vfk_check_status status;
	char *summary;
	char *fix;
};

struct vfk_report {
	int refcount;
	struct check *checks;
	size_t n_checks;
};

VFK_EXPORT const char *vfk_check_status_to_string(enum vfk_check_status status)
{
	static const char *const names[] = {"ok", "warn", "fail", "skip"};

	return (unsigned int)status < _VFK_CHECK_STATUS_MAX ? names[status] : NULL;
}

int report_add(struct vfk_report *r, const char *id, enum vfk_check_status status, const char *fix,
	       const char *fmt, ...)
{
	struct check *c;
	va_list ap;
	int n;

	c = realloc(r->checks, (r->n_checks + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	r->checks = c;
	c = &r->checks[r->n_checks];
	*c = (struct check){.status = status};
	va_start(ap, fmt);
	n = vasprintf(&c->summary, fmt, ap);
	va_end(ap);
	c->id = strdup(id);
	c->fix = fix ? strdup(fix) : NULL;
	if (n < 0 || !c->id || (fix && !c->fix)) {
		if (n >= 0)
			free(c->summary);
		free(c->id);
		free(c->fix);
		return -ENOMEM;
	}
	r->n_checks++;
	return 0;
}

struct vfk_report *report_new(void)
{
	struct vfk_report *r = calloc(1, sizeof(*r));

	if (r)
		r->refcount = 1;
	return r;
}

static void report_free(struct vfk_report *r)
{
	for (size_t i = 0; i < r->n_checks; i++) {
		free(r->checks[i].id);
		free(r->checks[i].summary);
		free(r->checks[i].fix);
	}
	free(r->checks);
	free(r);
}

VFK_EXPORT struct vfk_report *vfk_report_ref(struct vfk_report *r)
{
	if (r)
		r->refcount++;
	return r;
}

VFK_EXPORT struct vfk_report *vfk_report_unref(struct vfk_report *r)
{
	if (r && --r->refcount == 0)
		report_free(r);
	return NULL;
}

VFK_EXPORT bool vfk_report_is_ready(const struct vfk_report *r)
{
	assert_return(r, false);
	for (size_t i = 0; i < r->n_checks; i++)
		if (r->checks[i].status == VFK_CHECK_FAIL)
			return false;
	return true;
}

VFK_EXPORT size_t vfk_report_get_n_checks(const struct vfk_report *r)
{
	return r ? r->n_checks : 0;
}

static const struct check *get(const struct vfk_report *r, size_t i)
{
	return r && i < r->n_checks ? &r->checks[i] : NULL;
}

VFK_EXPORT const char *vfk_report_get_check_id(const struct vfk_report *r, size_t i)
{
	const struct check *c = get(r, i);

	return c ? c->id : NULL;
}

VFK_EXPORT enum vfk_check_status vfk_report_get_check_status(const struct vfk_report *r, size_t i)
{
	const struct check *c = get(r, i);

	return c ? c->status : VFK_CHECK_SKIP;
}

VFK_EXPORT const char *vfk_report_get_check_summary(const struct vfk_report *r, size_t i)
{
	const struct check *c = get(r, i);

	return c ? c->summary : NULL;
}

VFK_EXPORT const char *vfk_report_get_check_fix(const struct vfk_report *r, size_t i)
{
	const struct check *c = get(r, i);

	return c ? c->fix : NULL;
}
