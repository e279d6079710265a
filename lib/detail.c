// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

void detail_addv(char **detail, const char *fmt, va_list ap)
{
	char *line = NULL, *joined = NULL;

	if (!detail || vasprintf(&line, fmt, ap) < 0)
		return;
	if (!*detail) {
		*detail = line;
		return;
	}
	if (asprintf(&joined, "%s\n%s", *detail, line) >= 0) {
		free(*detail);
		*detail = joined;
	}
	free(line);
}

void detail_add(char **detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_addv(detail, fmt, ap);
	va_end(ap);
}
