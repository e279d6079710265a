/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel command line, split the way the kernel's next_arg() splits it. Pure parsing,
 * no file access.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cmdline_param {
	char *key;   /* '-' folded to '_', as the kernel compares parameter names */
	char *value; /* NULL for a bare word */
};

struct cmdline {
	struct cmdline_param *params;
	size_t n;
};

int cmdline_parse(const char *text, struct cmdline *ret);
void cmdline_free(struct cmdline *c);
/* The value of the last occurrence of @key ('-' and '_' equal); NULL when absent or bare. */
const char *cmdline_get(const struct cmdline *c, const char *key, bool *present);
/* Whether a comma-separated @value list holds @word. */
bool cmdline_value_has(const char *value, const char *word);
/* Checks that a vfio-pci.ids value is a comma list of vvvv:dddd[:ssss:ssss[:cccccc:mmmmmm]]. */
bool cmdline_valid_pci_ids(const char *value);
