// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device-private.h"
#include "host/routes.h"
#include "internal.h"
#include "path.h"

struct iface_list {
	struct vfk_net_iface *v;
	size_t n, cap;
};

static int add_iface(struct iface_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name))
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct vfk_net_iface *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strdup(name);
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->v[l->n++].reasons = 0;
	return 0;
}

/* The entries of @dir below the root, each an interface. */
static int add_net_dir(struct vfk_ctx *ctx, const char *dir, struct iface_list *l)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (path_opendir(ctx, dir, &d) < 0)
		return 0;
	while (err >= 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			err = add_iface(l, de->d_name);
	closedir(d);
	return err;
}

/* A PCI network driver puts its interfaces in net/ of the function; virtio-net puts them
 * in net/ of the virtio device below it. */
static int find_ifaces(struct vfk_ctx *ctx, const char *syspath, struct iface_list *l)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err;
	DIR *d;

	snprintf(path, sizeof(path), "%s/net", syspath);
	err = add_net_dir(ctx, path, l);
	if (err < 0 || path_opendir(ctx, syspath, &d) < 0)
		return err;
	while (err >= 0 && (de = readdir(d))) {
		struct vfk_addr a;
		struct stat st;

		/* Real directories only, and not the functions below a bridge. */
		if (de->d_name[0] == '.' || streq(de->d_name, "net") ||
		    vfk_addr_parse(de->d_name, &a, NULL) == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		snprintf(path, sizeof(path), "%s/%s/net", syspath, de->d_name);
		err = add_net_dir(ctx, path, l);
	}
	closedir(d);
	return err;
}

static bool in_routes(const struct route_ifaces *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->names[i], name))
			return true;
	return false;
}

/* The interface, then its master and the interfaces stacked on it (upper_*), which the
 * routes and addresses that make it active may sit on. */
static void stack_of(int fd, const char *ifname, struct route_ifaces *names)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	names->n = 1;
	snprintf(names->names[0], sizeof(names->names[0]), "%s", ifname);
	if (names->n < ARRAY_SIZE(names->names) &&
	    path_readlink_basename_at(fd, "master", names->names[names->n],
				      sizeof(names->names[0])) == 0)
		names->n++;
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d)) && names->n < ARRAY_SIZE(names->names))
		if (startswith(de->d_name, "upper_") && de->d_name[6] &&
		    !in_routes(names, de->d_name + 6))
			snprintf(names->names[names->n++], sizeof(names->names[0]), "%s",
				 de->d_name + 6);
	closedir(d);
}

static void judge(struct vfk_ctx *ctx, const char *syspath, const struct route_ifaces *routes,
		  const char *ssh, struct vfk_net_iface *iface)
{
	struct route_ifaces names;
	const char *list[ARRAY_SIZE(names.names)];
	bool has[ARRAY_SIZE(names.names)];
	char path[PATH_MAX], state[32] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/net/%s", syspath, iface->name);
	fd = path_open(ctx, path, O_PATH | O_DIRECTORY);
	if (fd < 0) {
		/* virtio's: the interface is one level further down. */
		fd = path_openf(ctx, O_PATH | O_DIRECTORY, SYS_CLASS_NET "/%s", iface->name);
	}
	if (fd >= 0) {
		stack_of(fd, iface->name, &names);
		if (path_read_at(fd, "operstate", state, sizeof(state)) > 0 &&
		    startswith(state, "up"))
			iface->reasons |= VFK_NET_UP;
		close(fd);
	} else {
		names.n = 1;
		snprintf(names.names[0], sizeof(names.names[0]), "%s", iface->name);
	}
	for (size_t i = 0; i < names.n; i++) {
		list[i] = names.names[i];
		if (in_routes(routes, names.names[i]))
			iface->reasons |= VFK_NET_DEFAULT_ROUTE;
		if (*ssh && streq(ssh, names.names[i]))
			iface->reasons |= VFK_NET_SSH_SESSION;
	}
	routes_addr_check(ctx, list, names.n, has);
	for (size_t i = 0; i < names.n; i++)
		if (has[i])
			iface->reasons |= VFK_NET_ADDRESSES;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct vfk_net_iface *)a)->name,
		      ((const struct vfk_net_iface *)b)->name);
}

VFK_EXPORT int vfk_device_get_net_ifaces(struct vfk_device *dev, struct vfk_net_iface **ret,
					 size_t *ret_n)
{
	struct iface_list l = {0};
	struct route_ifaces routes;
	char ssh[IF_NAMESIZE];
	struct vfk_ctx *ctx;
	const char *syspath;
	int err;

	assert_return(dev && ret && ret_n, -EINVAL);
	ctx = vfk_device_get_ctx(dev);
	syspath = vfk_device_get_syspath(dev);
	*ret = NULL;
	*ret_n = 0;
	if (!syspath)
		return 0;
	err = find_ifaces(ctx, syspath, &l);
	if (err < 0) {
		vfk_net_iface_list_free(l.v, l.n);
		return err;
	}
	if (!l.n)
		return 0;
	/* As the plan does: routes that cannot be read are none. */
	if (routes_default_ifaces(ctx, &routes) < 0)
		routes.n = 0;
	routes_ssh_iface(ctx, ssh, sizeof(ssh));
	for (size_t i = 0; i < l.n; i++)
		judge(ctx, syspath, &routes, ssh, &l.v[i]);
	qsort(l.v, l.n, sizeof(l.v[0]), by_name);
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

VFK_EXPORT void vfk_net_iface_list_free(struct vfk_net_iface *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i].name);
	free(list);
}
