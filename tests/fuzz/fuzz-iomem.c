// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /proc/iomem and a device's sysfs `resource` (the input, split at its first NUL byte): a
 * framebuffer is reported only when its range lies inside a BAR, and never reversed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	unsigned long long start, end;
	char *iomem, *resource;
	const char *name;

	if (size > 65536)
		return 0;
	iomem = strndup((const char *)data, size);
	resource = nul ? strndup((const char *)nul + 1, size - (size_t)(nul + 1 - data))
		       : strdup("0x00000000e0000000 0x00000000efffffff 0x000000000014220c\n");
	if (iomem && resource && plan_framebuffer_in_bars(iomem, resource, &name, &start, &end) &&
	    (!strstr(iomem, name) || start > end))
		abort();
	free(iomem);
	free(resource);
	return 0;
}
