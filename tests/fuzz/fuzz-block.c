// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file persist shares with the user (mkinitcpio.conf, modules, modprobe.d): after the
 * edit the block is there (or gone when removed), and editing again changes nothing, so
 * a second `vfiokit persist` never eats the user's lines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char body[] =
		"options vfio-pci ids=10de:1b80\nsoftdep nouveau pre: vfio-pci\n";
	char *old, *with, *again, *without, *without2;

	if (size > 16384)
		return 0;
	old = strndup((const char *)data, size);
	if (!old)
		return 0;
	with = persist_block_edit(old, body);
	without = persist_block_edit(old, NULL);
	if (!with || !without || !persist_has_block(with))
		abort();
	again = persist_block_edit(with, body);
	without2 = persist_block_edit(without, NULL);
	if (!again || strcmp(again, with) != 0)
		abort();
	if (!without2 || (!persist_has_block(without) && strcmp(without2, without) != 0))
		abort();
	if (!persist_has_block(old) && strncmp(with, old, strlen(old)) != 0)
		abort();
	(void)persist_hash(with);
	free(old);
	free(with);
	free(again);
	free(without);
	free(without2);
	return 0;
}
