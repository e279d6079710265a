// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /dev/kmsg records ("6,339,5140900,-;msg" and " KEY=value" continuation lines) or dmesg
 * text: the result is NUL-terminated, one message per line, and no longer than the input
 * plus one newline. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0;

	if (kmsg_records_append(&out, &len, (const char *)data, size) < 0) {
		free(out);
		return 0;
	}
	if (out && (strlen(out) > len || len > size + 1 || (len && out[len - 1] != '\n')))
		abort();
	free(out);
	return 0;
}
