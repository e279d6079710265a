// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "path.h"
#include "procfd.h"

bool proc_find_holder(struct vfk_ctx *ctx, const char *node, char *buf, size_t size)
{
	return proc_find_holder_except(ctx, node, NULL, NULL, buf, size);
}

bool proc_find_holder_except(struct vfk_ctx *ctx, const char *node,
			     bool (*skip)(void *data, const char *pid), void *data, char *buf,
			     size_t size)
{
	struct dirent *pd;
	bool found = false;
	DIR *procs;

	if (path_opendir(ctx, "proc", &procs) < 0)
		return false;
	while (!found && (pd = readdir(procs))) {
		char fddir[300], comm[64] = "?";
		struct dirent *fd;
		DIR *fds;

		if (pd->d_name[0] < '1' || pd->d_name[0] > '9' || (skip && skip(data, pd->d_name)))
			continue;
		snprintf(fddir, sizeof(fddir), "proc/%s/fd", pd->d_name);
		if (path_opendir(ctx, fddir, &fds) < 0)
			continue;
		while (!found && (fd = readdir(fds))) {
			char target[PATH_MAX];

			if (path_readlink_at(dirfd(fds), fd->d_name, target, sizeof(target)) > 0 &&
			    streq(target, node)) {
				char path[300];

				snprintf(path, sizeof(path), "proc/%s/comm", pd->d_name);
				if (path_read(ctx, path, comm, sizeof(comm)) > 0)
					comm[strcspn(comm, "\n")] = '\0';
				snprintf(buf, size, "%.20s (%s)", pd->d_name, comm);
				found = true;
			}
		}
		closedir(fds);
	}
	closedir(procs);
	return found;
}

bool proc_find_device_holder(struct vfk_ctx *ctx, const char *bdf, char *node, size_t node_size,
			     char *who, size_t who_size)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/iommu_group", bdf);
	if (path_readlink(ctx, path, link, sizeof(link)) > 0 && strrchr(link, '/')) {
		snprintf(node, node_size, "/dev/vfio/%s", strrchr(link, '/') + 1);
		if (proc_find_holder(ctx, node, who, who_size))
			return true;
	}
	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/vfio-dev", bdf);
	if (path_opendir(ctx, path, &d) < 0)
		return false;
	while (!found && (de = readdir(d)))
		if (startswith(de->d_name, "vfio")) {
			snprintf(node, node_size, "/dev/vfio/devices/%.64s", de->d_name);
			found = proc_find_holder(ctx, node, who, who_size);
		}
	closedir(d);
	return found;
}
