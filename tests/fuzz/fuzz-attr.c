// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pci/attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the parser; the rest is the attribute's content. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t len = size ? size - 1 : 0, n, i;
	struct vfk_resv_region *r = NULL;
	enum vfk_header_type type;
	char buf[256];
	uint32_t v;
	long l;
	bool b;

	if (!size || len > 4096)
		return 0;
	switch (data[0] % 8) {
	case 0:
		if (attr_parse_hex(s, len, 4, &v) == 0 && v > 0xffff)
			abort();
		break;
	case 1:
		if (attr_parse_int(s, len, -1, 65535, &l) == 0 && (l < -1 || l > 65535))
			abort();
		break;
	case 2:
		(void)attr_parse_bool(s, len, &b);
		break;
	case 3:
		if (attr_parse_driver_override(s, len, buf, sizeof(buf)) == 0 && buf[0] &&
		    !attr_valid_driver_name(buf))
			abort();
		break;
	case 4:
		if (attr_parse_reset_method(s, len, buf, sizeof(buf)) == 0 &&
		    (strstr(buf, "  ") || strchr(buf, '\n')))
			abort();
		break;
	case 5:
		if (attr_parse_reserved_regions(s, len, &r, &n) == 0) {
			for (i = 0; i < n; i++)
				if (r[i].start > r[i].end || (i && r[i - 1].start > r[i].start))
					abort();
			free(r);
		}
		break;
	case 6:
		(void)attr_parse_word(s, len, buf, sizeof(buf));
		break;
	case 7:
		(void)attr_config_header_type((const uint8_t *)s, len, &type, &b);
		break;
	}
	return 0;
}
