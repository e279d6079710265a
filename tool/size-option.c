// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "size-option.h"

/* "8G", "4096M", "4096" (MiB). */
int size_option_parse_mib(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	/* strtoull() also takes leading blanks, '+' and '-' (which wraps around). */
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (streq(end, "G") || streq(end, "g") || streq(end, "GiB")) {
		if (v > (16ull << 20) / 1024)
			return -ERANGE;
		v *= 1024;
	} else if (!streq(end, "") && !streq(end, "M") && !streq(end, "m") && !streq(end, "MiB"))
		return -EINVAL;
	if (v < 16 || v > (16ull << 20))
		return -ERANGE;
	*ret = v;
	return 0;
}
