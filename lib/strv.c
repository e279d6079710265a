// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strv.h"

int strv_push(char ***strv, size_t *n, char *s)
{
	char **grown;

	if (!s)
		return -ENOMEM;
	grown = realloc(*strv, (*n + 2) * sizeof(**strv));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	grown[(*n)++] = s;
	grown[*n] = NULL;
	*strv = grown;
	return 0;
}

int strv_pushv(char ***strv, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL;

	return strv_push(strv, n, vasprintf(&s, fmt, ap) < 0 ? NULL : s);
}

int strv_pushf(char ***strv, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_pushv(strv, n, fmt, ap);
	va_end(ap);
	return r;
}

void strv_free(char **strv)
{
	for (char **p = strv; p && *p; p++)
		free(*p);
	free(strv);
}
