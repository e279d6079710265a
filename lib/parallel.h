/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Indexes per thread for listings: a thread would pay for its start within a few
 * functions; this keeps desktops and small servers, listed within milliseconds, on the
 * calling thread alone. */
#define PARALLEL_LISTING_PER_THREAD 256

/*
 * Calls @fn(@arg, i) once for every i below @n, and returns when all calls have. The calls
 * are shared among the calling thread and up to one more thread per CPU this process may
 * run on, one thread per @per_thread indexes at most: @fn must be safe to run on several
 * threads at once. When no thread can be started the calling thread makes every call.
 */
void parallel_for(size_t n, size_t per_thread, void (*fn)(void *arg, size_t i), void *arg);
