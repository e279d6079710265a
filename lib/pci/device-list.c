// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "device-private.h"
#include "internal.h"
#include "parallel.h"
#include "path.h"

struct read_job {
	struct vfk_ctx *ctx;
	int busfd, devfd;
	const struct vfk_addr *addrs;
	struct vfk_device **devs;
	int *errs;
};

static void read_one(void *arg, size_t i)
{
	struct read_job *job = arg;

	job->errs[i] =
		vfk_device_read(job->ctx, job->busfd, job->devfd, &job->addrs[i], &job->devs[i]);
}

static int read_addrs(struct vfk_ctx *ctx, const char *dirpath, struct vfk_addr **ret,
		      size_t *ret_n)
{
	struct vfk_addr *addrs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int r;

	r = path_opendir(ctx, dirpath, &dir);
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		struct vfk_addr a;
		unsigned int flags;

		if (vfk_addr_parse(de->d_name, &a, &flags) < 0 || !(flags & VFK_ADDR_HAS_DOMAIN)) {
			if (de->d_name[0] != '.')
				dbg(ctx, "%s: skipping unusual entry \"%s\"", dirpath, de->d_name);
			continue;
		}
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			struct vfk_addr *p = realloc(addrs, c * sizeof(*p));

			if (!p) {
				closedir(dir);
				free(addrs);
				return -ENOMEM;
			}
			addrs = p;
			cap = c;
		}
		addrs[n++] = a;
	}
	closedir(dir);
	*ret = addrs;
	*ret_n = n;
	return 0;
}

int vfk_device_list_from_dir(struct vfk_ctx *ctx, const char *dirpath, struct vfk_device ***ret,
			     size_t *ret_n)
{
	_cleanup_close_ int busfd = -1, devfd = -1;
	struct vfk_device **list = NULL;
	struct vfk_addr *addrs = NULL;
	struct read_job job = {.ctx = ctx};
	size_t n = 0, cap = 0, n_addrs = 0, i;
	int r;

	r = read_addrs(ctx, dirpath, &addrs, &n_addrs);
	if (r < 0)
		return r;
	/* Opened once for all the devices' bus links instead of once per device. */
	busfd = path_open(ctx, SYS_PCI_DEVICES, O_PATH | O_DIRECTORY);
	devfd = path_open(ctx, SYS_DEVICES, O_PATH | O_DIRECTORY);
	job.busfd = busfd;
	job.devfd = devfd;
	job.addrs = addrs;
	job.devs = calloc(n_addrs ? n_addrs : 1, sizeof(*job.devs));
	job.errs = calloc(n_addrs ? n_addrs : 1, sizeof(*job.errs));
	if (!job.devs || !job.errs) {
		r = -ENOMEM;
		goto out;
	}
	parallel_for(n_addrs, PARALLEL_LISTING_PER_THREAD, read_one, &job);

	r = 0;
	for (i = 0; i < n_addrs; i++) {
		struct vfk_device *dev = job.devs[i];

		job.devs[i] = NULL;
		/* Gone since the directory was read. */
		if (job.errs[i] == -ENODEV)
			continue;
		if (r == 0 && job.errs[i] < 0)
			r = job.errs[i];
		if (r < 0) {
			vfk_device_unref(dev);
			continue;
		}
		vfk_device_adopt(dev, ctx);
		r = vfk_device_list_append(&list, &n, &cap, dev);
		if (r < 0)
			vfk_device_unref(dev);
	}
	if (r < 0) {
		vfk_device_list_free(list, n);
		goto out;
	}
	vfk_device_list_sort(list, n);
	*ret = list;
	*ret_n = n;
out:
	free(job.devs);
	free(job.errs);
	free(addrs);
	return r;
}

VFK_EXPORT int vfk_ctx_get_devices(struct vfk_ctx *ctx, struct vfk_device ***ret, size_t *ret_n)
{
	assert_return(ctx && ret && ret_n, -EINVAL);
	return vfk_device_list_from_dir(ctx, SYS_PCI_DEVICES, ret, ret_n);
}
