// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/firmware.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* QEMU firmware descriptors (/usr/share/qemu/firmware/NN-*.json): an accepted one names
 * its code image, comes in a format QEMU's -drive takes as it is, and has the Secure Boot
 * feature exactly when that was asked for. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum firmware_want wants[] = {FIRMWARE_ANY, FIRMWARE_PLAIN,
						   FIRMWARE_SECURE_BOOT};
	struct firmware *fw;
	char *text;

	if (size > 65536)
		return 0;
	text = strndup((const char *)data, size);
	fw = malloc(sizeof(*fw));
	if (!text || !fw) {
		free(text);
		free(fw);
		return 0;
	}
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		if (!firmware_descriptor_parse(text, wants[i], fw))
			continue;
		if (!terminated(fw->code, sizeof(fw->code)) ||
		    !terminated(fw->vars, sizeof(fw->vars)) ||
		    (strcmp(fw->format, "raw") != 0 && strcmp(fw->format, "qcow2") != 0))
			abort();
		if ((wants[i] == FIRMWARE_PLAIN && fw->secure_boot) ||
		    (wants[i] == FIRMWARE_SECURE_BOOT && !fw->secure_boot))
			abort();
	}
	free(fw);
	free(text);
	return 0;
}
