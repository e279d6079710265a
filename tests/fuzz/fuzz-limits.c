// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /proc/self/limits: a limit is found only with its line, and its word is a number or
 * "unlimited". */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char soft[LIMITS_WORD_MAX];
	uint64_t v = 0;
	char *text;
	int err;

	if (size > 8191)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	err = limits_parse_memlock(text, soft, &v);
	if (err != 0 && err != -ENOENT && err != -EINVAL)
		abort();
	if (err != -ENOENT &&
	    (!strstr(text, "Max locked memory") || !memchr(soft, '\0', sizeof(soft))))
		abort();
	if (err == 0 && v == UINT64_MAX && strcmp(soft, "unlimited") != 0 &&
	    strcmp(soft, "18446744073709551615") != 0)
		abort();
	free(text);
	return 0;
}
