// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the example drivers share that is not about VFIO: saying what failed, a clock, and
 * reading a number from the command line.
 */
#ifndef VFK_EXAMPLES_EXAMPLE_H
#define VFK_EXAMPLES_EXAMPLE_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vfiokit/vfiokit.h>

/* Prints "FAIL: ..." on stderr; returns -1. */
static inline int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* A failed library call: its errno, and the sentence the library left for us. */
static inline int api_fail(const char *what, int r)
{
	return fail("%s: %s: %s", what, strerror(-r), vfk_last_error());
}

static inline uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* A number from the command line: decimal, or hex with 0x; no sign. */
static inline int parse_u64(const char *s, const char *what, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return fail("%s: not a number: '%s'", what, s);
	return 0;
}

#endif
