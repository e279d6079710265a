// SPDX-License-Identifier: GPL-2.0-or-later
#include "macro.h"
#include "output.h"
#include "transaction.h"

void transaction_begin(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

void transaction_end(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void print_write(const char *path, const char *value)
{
	print_text("  write /%s <- \"%s\"\n", path, streq(value, "\n") ? "\\n" : value);
}
