// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "size-option.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --memory by its definition, apart from the parser: decimal digits, then nothing or M, G
 * or T in either case, optionally followed by "iB"; the size in MiB from 16 to 16 TiB. */
static bool oracle(const char *s, uint64_t *mib)
{
	unsigned __int128 v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > ((unsigned __int128)1 << 80))
			return false;
	}
	if (*p) {
		if (strcmp(p + 1, "") && strcmp(p + 1, "iB"))
			return false;
		if (*p == 'G' || *p == 'g')
			v *= 1024;
		else if (*p == 'T' || *p == 't')
			v *= 1024 * 1024;
		else if (*p != 'M' && *p != 'm')
			return false;
	}
	if (v < 16 || v > (16ull << 20))
		return false;
	*mib = (uint64_t)v;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t got = 0, want = 0;
	bool ok;
	char *s;

	if (size > 256)
		return 0;
	s = strndup((const char *)data, size);
	if (!s)
		return 0;
	ok = parse_size_mib(s, 16, 16ull << 20, &got) == 0;
	if (ok != oracle(s, &want) || (ok && got != want))
		abort();
	free(s);
	return 0;
}
