// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>

#include <vfiokit/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A libvirt domain XML: any address returned is in range and listed once. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfk_addr *a = NULL;
	size_t n = 0, n_managed = 0;
	char *name = NULL, *detail = NULL;

	if (size > 1 << 20)
		return 0;
	if (vfk_libvirt_get_hostdevs((const char *)data, size, &name, &a, &n, &n_managed,
				     &detail) == 0) {
		if (!name || n > 256)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (a[i].domain > 0xffff || a[i].dev > 0x1f || a[i].fn > 7)
				abort();
			for (size_t k = 0; k < i; k++)
				if (a[i].domain == a[k].domain && a[i].bus == a[k].bus &&
				    a[i].dev == a[k].dev && a[i].fn == a[k].fn)
					abort();
		}
	}
	free(a);
	free(name);
	free(detail);
	return 0;
}
