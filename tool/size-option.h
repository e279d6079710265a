/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sizes given on the command line (--memory). */
#pragma once

#include <stdint.h>

/* "8G", "4096M", "4096" (MiB) into MiB, from 16 MiB to 16 TiB: 0, -EINVAL for text that is
 * no size, -ERANGE for one outside the range. */
int size_option_parse_mib(const char *s, uint64_t *ret);
