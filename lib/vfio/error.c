// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>

#include "iommu/iommu-private.h"
#include "internal.h"
#include "vfio/vfio-private.h"

int vfio_error(const struct vfk_vfio *v, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vfk_set_error(err, "%s: %s", vfk_device_get_bdf(v->dev), msg);
}
