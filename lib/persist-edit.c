// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist-private.h"

/* The line starting at @p is exactly @marker. */
static bool line_is(const char *p, const char *marker)
{
	size_t n = strlen(marker);

	return strncmp(p, marker, n) == 0 && (p[n] == '\n' || p[n] == '\0');
}

/* Finds the block: [*begin, *end) covers its marker lines and everything between. */
static bool find_block(const char *text, const char **begin, const char **end)
{
	const char *b = NULL;

	for (const char *p = text; p && *p;) {
		const char *next = strchr(p, '\n');

		if (!b && line_is(p, PERSIST_BEGIN)) {
			b = p;
		} else if (b && line_is(p, PERSIST_END)) {
			*begin = b;
			*end = next ? next + 1 : p + strlen(p);
			return true;
		}
		p = next ? next + 1 : NULL;
	}
	return false;
}

bool persist_has_block(const char *text)
{
	const char *b, *e;

	return text && find_block(text, &b, &e);
}

char *persist_block_edit(const char *old, const char *body)
{
	const char *b, *e;
	char *block = NULL, *out = NULL;

	if (!old)
		old = "";
	if (body && asprintf(&block, "%s\n%s%s\n", PERSIST_BEGIN, body, PERSIST_END) < 0)
		return NULL;
	if (find_block(old, &b, &e)) {
		if (asprintf(&out, "%.*s%s%s", (int)(b - old), old, block ? block : "", e) < 0)
			out = NULL;
	} else if (!block) {
		out = strdup(old);
	} else {
		size_t n = strlen(old);

		/* A last line without its newline gets one, so the block starts a line. */
		if (asprintf(&out, "%s%s%s", old, n && old[n - 1] != '\n' ? "\n" : "", block) < 0)
			out = NULL;
	}
	free(block);
	return out;
}

unsigned long long persist_hash(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ull;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}
