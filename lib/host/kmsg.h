/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

struct host;
struct vfk_ctx;

/*
 * The kernel log below the root, as records "6,339,5140900,-;DMAR: IOMMU enabled\n",
 * continuation lines included. Reads /dev/kmsg without blocking, or a captured tree's
 * regular file of the same records. *ret is malloc'd and NUL-terminated.
 */
int kmsg_read_raw(struct vfk_ctx *ctx, char **ret, size_t *ret_len);

/* The kernel log as text, one message per line, into h->kmsg; an unreadable log is not an
 * error but leaves h->kmsg NULL and its reason in h->kmsg_error. */
int host_read_kmsg(struct host *h);

/* Appends @n bytes of /dev/kmsg records (or dmesg text) to the malloc'd *@out of *@len
 * bytes, one message per line; -EFBIG past 8 MiB. */
int kmsg_records_append(char **out, size_t *len, const char *rec, size_t n);

/* The first kernel log line containing any of the NULL-terminated @needles. */
const char *kmsg_find(const struct host *h, const char *const *needles, char *buf, size_t size);
