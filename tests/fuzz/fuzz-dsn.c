// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A device's config space (sysfs `config`): the extended-capability walk from 0x100 ends,
 * and a serial number found is lspci's "xx-xx-xx-xx-xx-xx-xx-xx". */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[32];

	if (!persist_config_serial(data, size, buf, sizeof(buf)))
		return 0;
	if (strlen(buf) != 23)
		abort();
	for (size_t i = 0; i < 23; i++)
		if ((i % 3 == 2) != (buf[i] == '-'))
			abort();
	return 0;
}
