/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unified diffs of configuration files, for `vfiokit persist` to show what it would do. */
#pragma once

/* Prints the unified diff (3 lines of context) from @now to @after, either NULL for an
 * absent file, with @label as both file names; text only. Returns 0 or -1 on allocation
 * failure. */
int diff_print(const char *label, const char *now, const char *after);
