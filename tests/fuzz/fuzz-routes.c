// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /proc/net/route and /proc/net/ipv6_route of a captured tree (the input, split at its
 * first NUL byte): at most 16 distinct interface names, each shorter than IF_NAMESIZE + 1,
 * never "lo" from IPv6. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_ifaces *r = calloc(1, sizeof(*r));
	const uint8_t *nul = memchr(data, '\0', size);
	char *v4, *v6;

	if (!r)
		return 0;
	v4 = strndup((const char *)data, size);
	v6 = nul ? strndup((const char *)nul + 1, size - (size_t)(nul + 1 - data)) : NULL;
	if (!v4 || (nul && !v6))
		goto out;
	routes_parse(v4, v6, r);
	if (r->n > 16)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		if (!r->names[i][0] || strlen(r->names[i]) > IF_NAMESIZE)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->names[i], r->names[j]))
				abort();
	}
out:
	free(v4);
	free(v6);
	free(r);
	return 0;
}
