// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A PCI option ROM image given with --rom: accepted only with 0x55AA at offset 0 and a
 * "PCIR" structure inside the file; refusals and warnings always say why. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512] = "", warn[512] = "x";
	int r;

	if (size > (1u << 20))
		return 0;
	r = rom_check_image(data, size, "vbios.rom", 0x10de, 0x1b80, msg, sizeof(msg), warn,
			    sizeof(warn));
	if (r == 0 && (size < 512 || data[0] != 0x55 || data[1] != 0xaa))
		abort();
	if (r < 0 && (r != -EINVAL || !msg[0]))
		abort();
	if (r == 0 && warn[0] && !strstr(warn, "not 10de:1b80"))
		abort();
	return 0;
}
