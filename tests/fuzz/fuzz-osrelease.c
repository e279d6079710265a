// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /etc/os-release: the values kept are single NUL-terminated lines, and the distribution
 * tests and install hint work on whatever they hold. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h = {};
	char *text, *cmd;

	if (size > 8191)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	host_parse_os_release(&h, text);
	if (!memchr(h.os_id, '\0', sizeof(h.os_id)) || strchr(h.os_id, '\n') ||
	    !memchr(h.os_id_like, '\0', sizeof(h.os_id_like)) || strchr(h.os_id_like, '\n') ||
	    !memchr(h.os_name, '\0', sizeof(h.os_name)) || strchr(h.os_name, '\n'))
		abort();
	(void)host_is_fedora_like(&h);
	(void)host_is_arch_like(&h);
	cmd = host_install_command(&h, "ovmf", "edk2-ovmf", "edk2-ovmf");
	if (!cmd)
		abort();
	free(cmd);
	free(text);
	return 0;
}
