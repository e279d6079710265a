/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What bind, restore and sriov share while they write to sysfs. */
#pragma once

#include <signal.h>

/* Holds SIGINT, SIGTERM and SIGHUP back, so a transaction finishes or rolls back before
 * they end the process; the old mask goes to @old for transaction_end(). */
void transaction_begin(sigset_t *old);
void transaction_end(const sigset_t *old);

/* Text only: the write of @value to @path (below the root), as a dry run shows it. */
void print_write(const char *path, const char *value);
