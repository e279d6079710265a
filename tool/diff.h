/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unified diffs of configuration files, for `vfiokit persist` to show what it would do. */
#pragma once

#include <stdio.h>

/* Prints the unified diff (3 lines of context) from @old to @new, either NULL for an
 * absent file, with @label as both file names. Returns 0 or -1 on allocation failure. */
int diff_print(FILE *out, const char *label, const char *old, const char *new);
