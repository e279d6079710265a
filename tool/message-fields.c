// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "message-fields.h"

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

json_object *message_device(const char *msg)
{
	for (const char *p = msg; *p; p++) {
		size_t dom = 0;

		if (p > msg && isxdigit((unsigned char)p[-1]))
			continue;
		while (isxdigit((unsigned char)p[dom]))
			dom++;
		if (dom >= 4 && p[dom] == ':' && is_hex(p + dom + 1, 2) && p[dom + 3] == ':' &&
		    is_hex(p + dom + 4, 2) && p[dom + 6] == '.' && p[dom + 7] >= '0' &&
		    p[dom + 7] <= '7' && !isalnum((unsigned char)p[dom + 8]))
			return json_object_new_string_len(p, (int)dom + 8);
	}
	return NULL;
}

json_object *message_file(const char *msg)
{
	static const char path_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-/+@:";

	for (const char *p = msg; *p; p++) {
		size_t n;

		if (*p != '/' || (p > msg && !strchr(" ('`=", p[-1])))
			continue;
		n = strspn(p, path_chars);
		while (n > 1 && strchr(".:", p[n - 1]))
			n--;
		if (n > 1)
			return json_object_new_string_len(p, (int)n);
	}
	return NULL;
}

json_object *message_fix(const char *msg)
{
	static const struct {
		const char *intro;
		size_t skip; /* of the intro, before the fix */
		bool paren;  /* the fix ends at the last ')' */
	} intros[] = {
		{"(move it with: ", 15, true},
		{"(to do it anyway: ", 18, true},
		{"reserve them first (", 20, true},
		{"strip them: ", 12, false},
		{". Repair ", 2, false},
	};
	const char *p, *end;

	for (size_t i = 0; i < sizeof(intros) / sizeof(intros[0]); i++) {
		p = strstr(msg, intros[i].intro);
		if (!p)
			continue;
		p += intros[i].skip;
		end = intros[i].paren ? strrchr(p, ')') : NULL;
		return json_object_new_string_len(p, (int)(end ? end - p : (long)strlen(p)));
	}
	p = strchr(msg, '`');
	if (p && (end = strchr(p + 1, '`')))
		return json_object_new_string_len(p + 1, (int)(end - p - 1));
	return NULL;
}
