/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated, malloc'd lists of malloc'd strings. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "internal.h"

/* Appends @s, which the list takes, and counts it in *@n; -ENOMEM (also when @s is NULL,
 * for strdup()'s result) leaves the list as it was and frees @s. */
int strv_push(char ***strv, size_t *n, char *s);
/* Appends a formatted string. */
int strv_pushf(char ***strv, size_t *n, const char *fmt, ...) _printf_(3, 4);
int strv_pushv(char ***strv, size_t *n, const char *fmt, va_list ap) _printf_(3, 0);
/* Frees the strings and the list; NULL is fine. */
void strv_free(char **strv);
