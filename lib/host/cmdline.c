// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/cmdline.h"

void cmdline_free(struct cmdline *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->params[i].key);
		free(c->params[i].value);
	}
	free(c->params);
	*c = (struct cmdline){};
}

static char *strndup_fold(const char *s, size_t n, bool fold)
{
	char *d = strndup(s, n);

	/* The kernel's parameq() treats '-' and '_' in names as the same character. */
	if (d && fold)
		for (char *p = d; *p; p++)
			if (*p == '-')
				*p = '_';
	return d;
}

static int push(struct cmdline *c, const char *arg, size_t len)
{
	size_t keylen, vstart = 0, vlen = 0;
	struct cmdline_param *p;
	bool quoted = false;

	if (len > 0 && arg[0] == '"') {
		arg++;
		len--;
		quoted = true;
	}
	/* After the opening quote: a lone '"' is no parameter, and "word" is word. */
	keylen = len;
	for (size_t i = 0; i < len; i++)
		if (arg[i] == '=') {
			keylen = i;
			vstart = i + 1;
			vlen = len - vstart;
			break;
		}
	if (keylen == len && quoted && len > 0 && arg[len - 1] == '"')
		keylen--;
	if (vstart) {
		if (vlen > 0 && arg[vstart] == '"') {
			vstart++;
			vlen--;
			quoted = true;
		}
		if (quoted && vlen > 0 && arg[vstart + vlen - 1] == '"')
			vlen--;
	}
	if (keylen == 0)
		return 0;

	p = realloc(c->params, (c->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->params = p;
	p = &c->params[c->n];
	p->key = strndup_fold(arg, keylen, true);
	p->value = vstart ? strndup_fold(arg + vstart, vlen, false) : NULL;
	if (!p->key || (vstart && !p->value)) {
		free(p->key);
		free(p->value);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

int cmdline_parse(const char *text, struct cmdline *ret)
{
	struct cmdline c = {};
	const char *s = text;

	for (;;) {
		bool in_quote = false;
		size_t i;
		int err;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (i = 0; s[i]; i++) {
			if (isspace((unsigned char)s[i]) && !in_quote)
				break;
			if (s[i] == '"')
				in_quote = !in_quote;
		}
		/* Everything after a lone "--" belongs to init, not to the kernel. */
		if (i == 2 && s[0] == '-' && s[1] == '-')
			break;
		err = push(&c, s, i);
		if (err < 0) {
			cmdline_free(&c);
			return err;
		}
		s += i;
	}
	*ret = c;
	return 0;
}

const char *cmdline_get(const struct cmdline *c, const char *key, bool *present)
{
	for (size_t i = c->n; i-- > 0;) {
		const char *k = c->params[i].key;
		size_t j;

		for (j = 0; k[j] && key[j]; j++)
			if (k[j] != key[j] && !(key[j] == '-' && k[j] == '_'))
				break;
		if (k[j] == '\0' && key[j] == '\0') {
			if (present)
				*present = true;
			return c->params[i].value;
		}
	}
	if (present)
		*present = false;
	return NULL;
}

bool cmdline_value_has(const char *value, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = value; p && *p;) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) == n && strncmp(p, word, n) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static bool hex_field(const char **p, size_t max)
{
	size_t n = 0;

	while (isxdigit((unsigned char)**p)) {
		(*p)++;
		n++;
	}
	return n > 0 && n <= max;
}

bool cmdline_valid_pci_ids(const char *value)
{
	const char *p = value;

	if (!p || !*p)
		return false;
	for (;;) {
		/* vendor:device, then optional subvendor:subdevice and class:class_mask pairs. */
		unsigned int fields = 0;

		for (;;) {
			if (!hex_field(&p, fields < 4 ? 4 : 6))
				return false;
			fields++;
			if (*p != ':')
				break;
			p++;
		}
		if (fields != 2 && fields != 4 && fields != 6)
			return false;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}
