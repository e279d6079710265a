// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vfio-pci.ids by its definition, written apart from the validator: comma-separated
 * entries of 2, 4 or 6 colon-separated hex fields, at most 4 digits each but 6 for the
 * class and class mask. */
static bool ids_oracle(const char *s)
{
	size_t fields = 0, digits = 0;

	if (!*s)
		return false;
	for (;; s++) {
		if (isxdigit((unsigned char)*s)) {
			digits++;
			continue;
		}
		if (digits == 0 || digits > (fields < 4 ? 4u : 6u))
			return false;
		fields++;
		digits = 0;
		if (*s == ':')
			continue;
		if (*s != ',' && *s != '\0')
			return false;
		if (fields != 2 && fields != 4 && fields != 6)
			return false;
		if (*s == '\0')
			return true;
		fields = 0;
	}
}

/* /proc/cmdline and bootloader files: every parameter has a name without '-' (folded to
 * '_') that looks itself up again, and the ids validator agrees with its definition. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmdline c;
	char *text;

	if (size > 8192)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	if (cmdline_valid_pci_ids(text) != ids_oracle(text))
		abort();
	if (cmdline_parse(text, &c) < 0) {
		free(text);
		return 0;
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct cmdline_param *p = &c.params[i];
		bool present = false;

		if (!p->key[0] || strchr(p->key, '-'))
			abort();
		(void)cmdline_get(&c, p->key, &present);
		if (!present)
			abort();
		if (p->value) {
			if (cmdline_valid_pci_ids(p->value) != ids_oracle(p->value))
				abort();
			(void)cmdline_value_has(p->value, "on");
			(void)cmdline_value_has(p->value, "");
		}
	}
	(void)cmdline_get(&c, "vfio-pci.ids", NULL);
	cmdline_free(&c);
	free(text);
	return 0;
}
