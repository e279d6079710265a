// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shell-quote.h"

#define PLAIN "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+@%^-"

static bool plain(const char *s)
{
	return s[strspn(s, PLAIN)] == '\0';
}

static char *quote_value(const char *prefix, size_t prefix_len, const char *s)
{
	size_t n = prefix_len + 3;
	bool dq = !strpbrk(s, "\"$`\\!");
	char *out, *p;

	for (const char *c = s; *c; c++)
		n += dq || *c != '\'' ? 1 : 4;
	out = malloc(n);
	if (!out)
		return NULL;
	p = memcpy(out, prefix, prefix_len);
	p += prefix_len;
	*p++ = dq ? '"' : '\'';
	for (const char *c = s; *c; c++) {
		if (!dq && *c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = dq ? '"' : '\'';
	*p = '\0';
	return out;
}

char *shell_quote(const char *word)
{
	const char *eq = strchr(word, '=');

	if (!*word)
		return strdup("''");
	if (plain(word))
		return strdup(word);
	/* --args=a b: the option's name stays bare, as people write it. */
	if (word[0] == '-' && eq && eq[1] && strspn(word, PLAIN) > (size_t)(eq - word))
		return quote_value(word, (size_t)(eq - word) + 1, eq + 1);
	return quote_value("", 0, word);
}
