/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes given on the command line. */
#pragma once

#include <stdint.h>

/*
 * @s as a number of MiB: digits, then nothing or M (MiB), G (GiB) or T (TiB), in either
 * case and optionally followed by "iB". Returns 0 and stores it in @ret; -EINVAL when @s
 * is not of that form (a sign, a space or anything after the unit); -ERANGE when the
 * value, once scaled, would not fit or lies outside [@min, @max] MiB. @ret is untouched
 * on error.
 */
int parse_size_mib(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
