// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A modprobe.d file: the vfio-pci options found fit the buffer, on one line, with no run of
 * blanks. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char found[512];
	char *text;

	if (size > 65536)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	memset(found, 'x', sizeof(found));
	persist_modprobe_vfio_options(text, found, sizeof(found));
	if (!memchr(found, '\0', sizeof(found)) || strchr(found, '\n') || strstr(found, "  ") ||
	    strchr(found, '\t'))
		abort();
	free(text);
	return 0;
}
