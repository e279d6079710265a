// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "path.h"

void host_free(struct host *h)
{
	cmdline_free(&h->cmdline);
	free(h->grub_default);
	free(h->grub_linux);
	free(h->kernel_cmdline_file);
	free(h->kmsg);
	host_kmod_close_dirs(h);
}

int host_read_cmdline(struct host *h)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n;

	n = path_read_all(h->ctx, PROC_CMDLINE, 64 * 1024, &text);
	if (n < 0) {
		dbg(h->ctx, "%s: %s", PROC_CMDLINE, strerror((int)-n));
		return 0;
	}
	h->cmdline_read = true;
	return cmdline_parse(text, &h->cmdline);
}
