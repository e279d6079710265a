// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* persist's state file, as undo reads it: accepted, or refused with a reason. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *why = NULL;
	int err = persist_state_parse_text((const char *)data, size, &why);

	if (err == -EBADMSG && !why)
		abort();
	if (err < 0 && err != -EBADMSG && err != -ENOMEM)
		abort();
	free(why);
	return 0;
}
