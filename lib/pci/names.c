// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <pci/pci.h>

#include "ctx-private.h"
#include "internal.h"

/* libpci's default handlers print and exit; a library must do neither. */
static void quiet(char *msg, ...)
{
}

struct pci_access *vfk_ctx_get_pci_access(struct vfk_ctx *ctx)
{
	struct pci_access *pacc;

	if (ctx->pacc)
		return ctx->pacc;
	pacc = pci_alloc();
	if (!pacc)
		return NULL;
	pacc->warning = quiet;
	pacc->debug = quiet;
	if (ctx->pci_ids_path) {
		pci_set_name_list_path(pacc, ctx->pci_ids_path, 0);
		/* A given file is the only source, so output does not depend on udev's hwdb. */
		pci_set_param(pacc, (char *)"hwdb.disable", (char *)"1");
	}
	ctx->pacc = pacc;
	return pacc;
}

void vfk_names_free(struct pci_access *pacc)
{
	if (pacc)
		pci_cleanup(pacc);
}

int vfk_names_lookup(struct vfk_ctx *ctx, int flags, char *buf, size_t size, uint32_t a, uint32_t b)
{
	struct pci_access *pacc = vfk_ctx_get_pci_access(ctx);
	char *name;

	if (!pacc)
		return -ENOMEM;
	name = pci_lookup_name(pacc, buf, (int)size, flags | PCI_LOOKUP_NO_NUMBERS, a, b);
	if (!name)
		return -ENOENT;
	/* For a subclass it does not know, libpci answers with the base class name and the
	 * number ("Unclassified device [0002]"); callers print the number themselves. */
	if (flags & PCI_LOOKUP_CLASS) {
		size_t n = strlen(buf);

		if (n > 7 && buf[n - 1] == ']' && buf[n - 6] == '[' && buf[n - 7] == ' ' &&
		    strspn(buf + n - 5, "0123456789abcdef") == 4)
			buf[n - 7] = '\0';
	}
	return 0;
}
