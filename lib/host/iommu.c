// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "host/host.h"
#include "path.h"

/* VT-d extended capability register: bit 3 is Interrupt Remapping support. */
#define VTD_ECAP_IR (1ull << 3)

static bool is_dot(const char *name)
{
	return name[0] == '.';
}

int host_read_iommu(struct host *h)
{
	DIR *d = NULL;
	struct dirent *de;
	size_t len = 0;
	bool all_ir = true;

	if (path_opendir(h->ctx, SYS_CLASS_IOMMU, &d) >= 0) {
		while ((de = readdir(d))) {
			char path[PATH_MAX], buf[64];
			int n;

			if (is_dot(de->d_name))
				continue;
			h->n_iommu_units++;
			n = snprintf(h->iommu_units + len, sizeof(h->iommu_units) - len, "%s%s",
				     len ? ", " : "", de->d_name);
			if (n > 0 && (size_t)n < sizeof(h->iommu_units) - len)
				len += (size_t)n;
			snprintf(path, sizeof(path), SYS_CLASS_IOMMU "/%s/intel-iommu/ecap",
				 de->d_name);
			if (path_read(h->ctx, path, buf, sizeof(buf)) > 0) {
				char *end;
				unsigned long long ecap = strtoull(buf, &end, 16);

				if (end != buf) {
					h->ir_hw_known = true;
					all_ir = all_ir && (ecap & VTD_ECAP_IR);
				}
			}
		}
		closedir(d);
	}
	h->ir_hw_capable = h->ir_hw_known && all_ir;

	if (path_opendir(h->ctx, SYS_IOMMU_GROUPS, &d) >= 0) {
		while ((de = readdir(d)))
			if (!is_dot(de->d_name))
				h->n_groups++;
		closedir(d);
	}
	h->iommu_active = h->n_iommu_units > 0 && h->n_groups > 0;
	return 0;
}
