/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <vfiokit/pci.h>

int vfk_device_load(struct vfk_ctx *ctx, const struct vfk_addr *addr, struct vfk_device **ret);
/* A device read with no reference on @ctx, so that threads may read devices side by side;
 * @busfd and @devfd are SYS_PCI_DEVICES and SYS_DEVICES, or -1. */
int vfk_device_read(struct vfk_ctx *ctx, int busfd, int devfd, const struct vfk_addr *addr,
		    struct vfk_device **ret);
/* Gives a device from vfk_device_read() its reference on @ctx. */
void vfk_device_adopt(struct vfk_device *dev, struct vfk_ctx *ctx);
void vfk_device_list_sort(struct vfk_device **list, size_t n);
int vfk_device_list_append(struct vfk_device ***list, size_t *n, size_t *cap,
			   struct vfk_device *dev);
/* Every entry of @dirpath (below the root) that is a full PCI address, loaded (on several
 * threads when there are many) and sorted. */
int vfk_device_list_from_dir(struct vfk_ctx *ctx, const char *dirpath, struct vfk_device ***ret,
			     size_t *ret_n);
/* The context @dev was read with. */
struct vfk_ctx *vfk_device_get_ctx(const struct vfk_device *dev);
