// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "size-option.h"

static int unit_shift(const char *unit, unsigned int *shift)
{
	static const struct {
		char letter;
		unsigned int shift;
	} units[] = {{'M', 0}, {'G', 10}, {'T', 20}};

	if (unit[0] == '\0') {
		*shift = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if ((unit[0] == units[i].letter || unit[0] == units[i].letter + 'a' - 'A') &&
		    (unit[1] == '\0' || strcmp(unit + 1, "iB") == 0)) {
			*shift = units[i].shift;
			return 0;
		}
	return -EINVAL;
}

int parse_size_mib(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	unsigned int shift;
	char *end;

	/* strtoull() alone would take " 8G", "+8G" and "-8G" (as a huge value). */
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (unit_shift(end, &shift) < 0)
		return -EINVAL;
	/* Checked before scaling: 18014398509481985G times 1024 wraps to 1024. */
	if (errno == ERANGE || v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}
