// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The lines of vfiokit's udev rule file as persist verify reads them: each key's value is
 * the text between the quotes after KEY== (or KEY=), without a quote, cut to the buffer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"KERNEL", "ATTR{vendor}", "ATTR{device}", "SUBSYSTEM",
					   "ATTR{driver_override}"};
	char *text;

	if (size > 16384)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');

		if (next)
			*next = '\0';
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char buf[16];

			memset(buf, 'x', sizeof(buf));
			if (persist_rule_value(line, keys[k], buf, sizeof(buf)) &&
			    (!memchr(buf, '\0', sizeof(buf)) || strchr(buf, '"') ||
			     !strstr(line, buf)))
				abort();
		}
		line = next ? next + 1 : NULL;
	}
	free(text);
	return 0;
}
