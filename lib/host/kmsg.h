/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

struct vfk_ctx;

/*
 * The kernel log below the root, as records "6,339,5140900,-;DMAR: IOMMU enabled\n",
 * continuation lines included. Reads /dev/kmsg without blocking, or a captured tree's
 * regular file of the same records. *ret is malloc'd and NUL-terminated.
 */
int kmsg_read_raw(struct vfk_ctx *ctx, char **ret, size_t *ret_len);
