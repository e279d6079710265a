/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/* Whether a process below the root's /proc holds @node ("/dev/vfio/13") open; if so,
 * @buf receives it as "1234 (qemu-system-x86)". */
bool proc_find_holder(struct vfk_ctx *ctx, const char *node, char *buf, size_t size);

/* proc_find_holder() passing over each process (its pid as named in proc) @skip says
 * true of. */
bool proc_find_holder_except(struct vfk_ctx *ctx, const char *node,
			     bool (*skip)(void *data, const char *pid), void *data, char *buf,
			     size_t size);

/* Whether a process holds @bdf's group (/dev/vfio/N) or its VFIO device file
 * (/dev/vfio/devices/vfioX) open; if so, @node receives which and @who the process. */
bool proc_find_device_holder(struct vfk_ctx *ctx, const char *bdf, char *node, size_t node_size,
			     char *who, size_t who_size);
