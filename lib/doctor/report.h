/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building a struct vfk_report: the doctor's checks and persist's verification add to one. */
#pragma once

#include "internal.h"
#include <vfiokit/doctor.h>

/* An empty report with one reference; NULL on allocation failure. */
struct vfk_report *report_new(void);

/* Report construction. @fix may be NULL; the summary is formatted. */
int report_add(struct vfk_report *report, const char *id, enum vfk_check_status status,
	       const char *fix, const char *fmt, ...) _printf_(5, 6);
