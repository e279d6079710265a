// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "device-private.h"
#include "internal.h"
#include "parallel.h"
#include "path.h"

struct vfk_group {
	int refcount;
	struct vfk_ctx *ctx;
	unsigned int id;
	char *type;
	struct vfk_device **devices;
	size_t n_devices;
	size_t cap_devices;
	struct vfk_resv_region *regions;
	size_t n_regions;
	bool have_regions, regions_loaded;
};

/* @groupsfd: SYS_IOMMU_GROUPS opened by a caller that loads every group, or -1. */
static void load_attrs(struct vfk_group *g, int groupsfd)
{
	char path[128], buf[ATTR_MAX], word[64];
	ssize_t n;

	if (groupsfd >= 0) {
		snprintf(path, sizeof(path), "%u/type", g->id);
		n = path_read_beneath(groupsfd, path, buf, sizeof(buf));
	} else {
		snprintf(path, sizeof(path), SYS_IOMMU_GROUPS "/%u/type", g->id);
		n = path_read(g->ctx, path, buf, sizeof(buf));
	}
	if (n >= 0 && attr_parse_word(buf, (size_t)n, word, sizeof(word)) == 0)
		g->type = strdup(word);
}

/* @groupsfd as for load_attrs(). */
static void read_regions(struct vfk_group *g, int groupsfd)
{
	char path[128], buf[ATTR_MAX];
	ssize_t n;

	g->regions_loaded = true;
	if (groupsfd >= 0) {
		snprintf(path, sizeof(path), "%u/reserved_regions", g->id);
		n = path_read_beneath(groupsfd, path, buf, sizeof(buf));
	} else {
		snprintf(path, sizeof(path), SYS_IOMMU_GROUPS "/%u/reserved_regions", g->id);
		n = path_read(g->ctx, path, buf, sizeof(buf));
	}
	if (n >= 0 && attr_parse_reserved_regions(buf, (size_t)n, &g->regions, &g->n_regions) == 0)
		g->have_regions = true;
}

/* Read on first use, as a text listing of groups does not show them; cached after. */
static struct vfk_group *load_regions(const struct vfk_group *cg)
{
	struct vfk_group *g = (struct vfk_group *)cg;

	if (!g->regions_loaded)
		read_regions(g, path_cached_dir(g->ctx, PATH_DIR_GROUPS));
	return g;
}

VFK_EXPORT int vfk_group_new(struct vfk_ctx *ctx, unsigned int id, struct vfk_group **ret)
{
	struct vfk_group *g;
	char path[128];
	int r;

	assert_return(ctx && ret, -EINVAL);

	snprintf(path, sizeof(path), SYS_IOMMU_GROUPS "/%u/devices", id);
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->refcount = 1;
	g->ctx = vfk_ctx_ref(ctx);
	g->id = id;
	/* Members are read through the device's own directory, so that a member shows the
	 * same attributes whether it is reached through its group or the bus. */
	r = vfk_device_list_from_dir(ctx, path, &g->devices, &g->n_devices);
	if (r < 0) {
		vfk_group_unref(g);
		return r == -ENOTDIR ? -ENOENT : r;
	}
	load_attrs(g, -1);
	*ret = g;
	return 0;
}

VFK_EXPORT struct vfk_group *vfk_group_ref(struct vfk_group *group)
{
	if (group)
		group->refcount++;
	return group;
}

VFK_EXPORT struct vfk_group *vfk_group_unref(struct vfk_group *group)
{
	if (!group || --group->refcount > 0)
		return NULL;
	vfk_device_list_free(group->devices, group->n_devices);
	free(group->regions);
	free(group->type);
	vfk_ctx_unref(group->ctx);
	free(group);
	return NULL;
}

VFK_EXPORT unsigned int vfk_group_get_id(const struct vfk_group *group)
{
	assert_return(group, 0);
	return group->id;
}

VFK_EXPORT const char *vfk_group_get_type(const struct vfk_group *group)
{
	assert_return(group, NULL);
	return group->type;
}

VFK_EXPORT size_t vfk_group_get_n_devices(const struct vfk_group *group)
{
	assert_return(group, 0);
	return group->n_devices;
}

VFK_EXPORT struct vfk_device *vfk_group_get_device(const struct vfk_group *group, size_t i)
{
	assert_return(group, NULL);
	if (i >= group->n_devices)
		return NULL;
	return group->devices[i];
}

VFK_EXPORT int vfk_group_get_reserved_regions(const struct vfk_group *group,
					      const struct vfk_resv_region **ret, size_t *ret_n)
{
	assert_return(group && ret && ret_n, -EINVAL);
	if (!load_regions(group)->have_regions)
		return -ENODATA;
	*ret = group->regions;
	*ret_n = group->n_regions;
	return 0;
}

static int cmp_group(const void *a, const void *b)
{
	const struct vfk_group *x = *(struct vfk_group *const *)a;
	const struct vfk_group *y = *(struct vfk_group *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int group_alloc(struct vfk_ctx *ctx, unsigned int id, struct vfk_group **ret)
{
	struct vfk_group *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->refcount = 1;
	g->ctx = vfk_ctx_ref(ctx);
	g->id = id;
	*ret = g;
	return 0;
}

struct attrs_job {
	struct vfk_group **groups;
	int groupsfd;
	bool regions;
};

static void read_group_attrs(void *arg, size_t i)
{
	struct attrs_job *job = arg;

	load_attrs(job->groups[i], job->groupsfd);
	if (job->regions)
		read_regions(job->groups[i], job->groupsfd);
}

static struct vfk_group *find_group(struct vfk_group **list, size_t n, unsigned int id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (list[mid]->id == id)
			return list[mid];
		if (list[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

VFK_EXPORT int vfk_ctx_group_devices(struct vfk_ctx *ctx, struct vfk_device *const *devices,
				     size_t n_devices, struct vfk_group ***ret, size_t *ret_n)
{
	struct vfk_group **list = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dir = NULL;
	int r;

	assert_return(ctx && ret && ret_n && (devices || !n_devices), -EINVAL);

	/* The kernel lists every group here, also those without PCI members. */
	r = path_opendir(ctx, SYS_IOMMU_GROUPS, &dir);
	if (r < 0 && r != -ENOENT)
		return r;
	while (r == 0 && (de = readdir(dir))) {
		struct vfk_group *g;
		unsigned int id;

		if (attr_parse_group_number(de->d_name, &id) < 0)
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			struct vfk_group **p = realloc(list, c * sizeof(*p));

			if (!p) {
				r = -ENOMEM;
				break;
			}
			list = p;
			cap = c;
		}
		r = group_alloc(ctx, id, &g);
		if (r == 0)
			list[n++] = g;
	}
	if (r < 0 && r != -ENOENT) {
		if (dir)
			closedir(dir);
		goto fail;
	}
	if (dir) {
		struct attrs_job job = {list, dirfd(dir), ctx_eager_details(ctx)};

		parallel_for(n, PARALLEL_LISTING_PER_THREAD, read_group_attrs, &job);
		closedir(dir);
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_group);

	/* Members join the group their own iommu_group link names, in address order. */
	for (i = 0; i < n_devices; i++) {
		struct vfk_group *g;
		unsigned int id;

		if (vfk_device_get_iommu_group(devices[i], &id) < 0)
			continue;
		g = find_group(list, n, id);
		if (!g)
			continue;
		r = vfk_device_list_append(&g->devices, &g->n_devices, &g->cap_devices,
					   vfk_device_ref(devices[i]));
		if (r < 0) {
			vfk_device_unref(devices[i]);
			goto fail;
		}
	}
	for (i = 0; i < n; i++)
		vfk_device_list_sort(list[i]->devices, list[i]->n_devices);
	*ret = list;
	*ret_n = n;
	return 0;
fail:
	vfk_group_list_free(list, n);
	return r;
}

VFK_EXPORT int vfk_ctx_get_groups(struct vfk_ctx *ctx, struct vfk_group ***ret, size_t *ret_n)
{
	struct vfk_device **devices = NULL;
	size_t n_devices = 0;
	int r;

	assert_return(ctx && ret && ret_n, -EINVAL);
	r = vfk_ctx_get_devices(ctx, &devices, &n_devices);
	if (r < 0 && r != -ENOENT)
		return r;
	r = vfk_ctx_group_devices(ctx, devices, n_devices, ret, ret_n);
	vfk_device_list_free(devices, n_devices);
	return r;
}

VFK_EXPORT void vfk_group_list_free(struct vfk_group **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vfk_group_unref(list[i]);
	free(list);
}
