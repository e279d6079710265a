// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The smallest useful program on libvfiokit: print each IOMMU group and its devices.
 * Usage: list-groups [ROOT]
 */
#include <stdio.h>
#include <string.h>

#include <vfiokit/vfiokit.h>

int main(int argc, char *argv[])
{
	struct vfk_group **groups;
	struct vfk_ctx *ctx;
	size_t n, i, j;
	int r;

	r = vfk_ctx_new(argc > 1 ? argv[1] : NULL, &ctx);
	if (r < 0) {
		fprintf(stderr, "list-groups: %s\n", strerror(-r));
		return 1;
	}
	r = vfk_ctx_get_groups(ctx, &groups, &n);
	if (r < 0) {
		fprintf(stderr, "list-groups: %s\n", strerror(-r));
		vfk_ctx_unref(ctx);
		return 1;
	}
	for (i = 0; i < n; i++) {
		printf("group %u\n", vfk_group_get_id(groups[i]));
		for (j = 0; j < vfk_group_get_n_devices(groups[i]); j++) {
			struct vfk_device *d = vfk_group_get_device(groups[i], j);
			const char *drv = vfk_device_get_driver(d);

			printf("  %s  %s\n", vfk_device_get_bdf(d), drv ? drv : "(no driver)");
		}
	}
	vfk_group_list_free(groups, n);
	vfk_ctx_unref(ctx);
	return 0;
}
