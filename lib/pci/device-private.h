/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <vfiokit/pci.h>

int vfk_device_load(struct vfk_ctx *ctx, const struct vfk_addr *addr, struct vfk_device **ret);
void vfk_device_list_sort(struct vfk_device **list, size_t n);
int vfk_device_list_append(struct vfk_device ***list, size_t *n, size_t *cap,
			   struct vfk_device *dev);
/* Every entry of @dirpath (below the root) that is a full PCI address, loaded and sorted. */
int vfk_device_list_from_dir(struct vfk_ctx *ctx, const char *dirpath, struct vfk_device ***ret,
			     size_t *ret_n);
/* The context @dev was read with. */
struct vfk_ctx *vfk_device_get_ctx(const struct vfk_device *dev);
