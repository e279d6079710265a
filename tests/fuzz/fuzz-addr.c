// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vfiokit/addr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[VFK_ADDR_STRLEN];
	struct vfk_addr a, b;
	unsigned int flags;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (vfk_addr_parse(in, &a, &flags) < 0)
		return 0;
	/* Whatever is accepted prints canonically and parses back to the same address. */
	vfk_addr_format(&a, out);
	if (vfk_addr_parse(out, &b, NULL) != 0 || vfk_addr_cmp(&a, &b) != 0)
		abort();
	if (a.dev > 0x1f || a.fn > 7)
		abort();
	/* A lowercase input with a domain and the canonical length is the canonical form. */
	if ((flags & VFK_ADDR_HAS_DOMAIN) && strlen(in) == strlen(out) &&
	    strspn(in, "0123456789abcdef:.") == strlen(in) && strcmp(in, out) != 0)
		abort();
	return 0;
}
