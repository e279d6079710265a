// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"
#include "iommu-internal.h"

static __thread char last_error[1024];

VFK_EXPORT const char *vfk_last_error(void)
{
	return last_error;
}

int vfk_set_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}
