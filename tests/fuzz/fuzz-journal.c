// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bind/journal.h"
#include "pci/attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_driver(const char *s)
{
	if (s && (s[0] == '.' || strchr(s, '/') || !attr_valid_driver_name(s)))
		abort();
}

/* Whatever the bytes, the loader either refuses them with a reason or yields entries
 * that are safe to use: canonical addresses, driver names that are no paths, one entry
 * per device and kind. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal *j = calloc(1, sizeof(*j));
	char *why = NULL;
	int err;

	if (!j)
		return 0;
	j->lock_fd = -1;
	err = journal_parse(j, (const char *)data, size, &why);
	if (err == -EBADMSG && (!why || !strstr(why, "journal.json is damaged")))
		abort();
	if (err < 0 && j->n)
		abort();
	for (size_t i = 0; err >= 0 && i < j->n; i++) {
		const struct journal_entry *e = &j->entries[i];
		struct vfk_addr a;
		char canon[VFK_ADDR_STRLEN];

		if (vfk_addr_parse(e->bdf, &a, NULL) < 0 ||
		    strcmp(vfk_addr_format(&a, canon), e->bdf) != 0)
			abort();
		check_driver(e->driver);
		check_driver(e->override);
		if (e->numvfs < -1 || e->numvfs > 65535 || (e->numvfs >= 0 && e->bound))
			abort();
		for (size_t k = 0; k < i; k++)
			if (!strcmp(j->entries[k].bdf, e->bdf) &&
			    (j->entries[k].numvfs >= 0) == (e->numvfs >= 0))
				abort();
	}
	free(why);
	journal_close(j);
	return 0;
}
