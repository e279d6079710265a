// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "host/host.h"
#include "path.h"

_printf_(6, 0) static void kmod_log(void *data, int priority, const char *file, int line,
				    const char *fn, const char *format, va_list args)
{
	struct vfk_ctx *ctx = data;
	char msg[512];

	/* libkmod prints to stderr unless told otherwise; the library never prints. */
	if (vfk_ctx_get_log_priority(ctx) < LOG_DEBUG)
		return;
	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = '\0';
	vfk_log(ctx, LOG_DEBUG, file, line, fn, "libkmod: %s", msg);
}

void host_kmod_close_dirs(struct host *h)
{
	for (unsigned int i = 0; i < h->n_kmod_fds; i++)
		close(h->kmod_fds[i]);
	h->n_kmod_fds = 0;
	h->kmod_moddir[0] = '\0';
}

/* A directory below the root as a name libkmod can open, or -errno. */
static int kmod_dir(struct host *h, const char *path, char *name, size_t size)
{
	int fd = path_open(h->ctx, path, O_PATH | O_DIRECTORY);

	if (fd < 0)
		return fd;
	h->kmod_fds[h->n_kmod_fds++] = fd;
	snprintf(name, size, "/proc/self/fd/%d", fd);
	return 0;
}

/* The files libkmod opens in the module directory, by name. */
static const char *const index_files[] = {
	"modules.dep",
	"modules.dep.bin",
	"modules.alias",
	"modules.alias.bin",
	"modules.symbols",
	"modules.symbols.bin",
	"modules.builtin",
	"modules.builtin.bin",
	"modules.builtin.alias.bin",
	"modules.builtin.modinfo",
	"modules.softdep",
	"modules.weakdep",
	"modules.devname",
};

static bool is_link(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* A link in a configuration directory, by name into @link, or false. */
static bool dir_has_link(int dirfd, char *link, size_t size)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (!found && (de = readdir(d)))
		if (de->d_name[0] != '.' && is_link(dirfd, de->d_name)) {
			snprintf(link, size, "%s", de->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

/*
 * libkmod takes directory names, not fds. Names built from the root would follow an
 * absolute link in the tree (lib/modules -> /lib/modules) out to the host, so each
 * directory is opened through the root and named by its descriptor. Its own initstate
 * lookup would read the running system's /sys/module, so the loaded state comes from the
 * path layer instead. libkmod still opens the files inside those directories by name and
 * follows their links, so in a tree that is not the host a link among the module indexes
 * (absolute, it would reach the host) means libkmod is not used at all, and a link in a
 * modprobe.d directory that the directory is left out.
 */
struct kmod_ctx *host_kmod_open(struct host *h)
{
	static const char *const confs[] = {ETC_MODPROBE_D, RUN_MODPROBE_D, LIB_MODPROBE_D};
	bool host = vfk_ctx_is_host(h->ctx);
	char dir[256], names[3][32], link[NAME_MAX + 1];
	const char *config[4] = {NULL};
	size_t n = 0;
	struct kmod_ctx *k;

	host_kmod_close_dirs(h);
	h->kmod_link[0] = '\0';
	if (!*h->osrelease)
		return NULL;
	snprintf(dir, sizeof(dir), LIB_MODULES "/%s", h->osrelease);
	if (kmod_dir(h, dir, h->kmod_moddir, sizeof(h->kmod_moddir)) < 0)
		return NULL;
	for (size_t i = 0; !host && i < ARRAY_SIZE(index_files); i++)
		if (is_link(h->kmod_fds[0], index_files[i])) {
			snprintf(h->kmod_link, sizeof(h->kmod_link), "/%s/%s", dir, index_files[i]);
			host_kmod_close_dirs(h);
			return NULL;
		}
	for (size_t i = 0; i < ARRAY_SIZE(confs); i++)
		if (kmod_dir(h, confs[i], names[n], sizeof(names[n])) == 0) {
			/* Options and blacklists only: the lookup works without them. */
			if (!host &&
			    dir_has_link(h->kmod_fds[h->n_kmod_fds - 1], link, sizeof(link))) {
				dbg(h->ctx, "/%s/%s is a symbolic link: /%s not read", confs[i],
				    link, confs[i]);
				continue;
			}
			config[n] = names[n];
			n++;
		}
	/* An empty list, not NULL: NULL would mean the running system's modprobe.d. */
	k = kmod_new(h->kmod_moddir, config);
	if (!k) {
		host_kmod_close_dirs(h);
		return NULL;
	}
	kmod_set_log_fn(k, kmod_log, h->ctx);
	return k;
}

enum module_state host_module_state(struct host *h, struct kmod_ctx *k, const char *name,
				    char *path, size_t size)
{
	struct kmod_module *mod = NULL;
	char p[PATH_MAX], buf[32];
	enum module_state st = MODULE_MISSING;

	path[0] = '\0';
	snprintf(p, sizeof(p), SYS_MODULE "/%s/initstate", name);
	if (path_read(h->ctx, p, buf, sizeof(buf)) > 0)
		return startswith(buf, "live") || startswith(buf, "coming") ? MODULE_LOADED
									    : MODULE_LOADABLE;
	if (k && kmod_module_new_from_name_lookup(k, name, &mod) >= 0 && mod) {
		const char *file = kmod_module_get_path(mod);

		if (file) {
			size_t dl = strlen(h->kmod_moddir);

			/* Show the path as the host sees it, not by the descriptor's name. */
			if (dl && strncmp(file, h->kmod_moddir, dl) == 0 && file[dl] == '/')
				snprintf(path, size, "/" LIB_MODULES "/%s%s", h->osrelease,
					 file + dl);
			else
				snprintf(path, size, "%s", file);
			st = MODULE_LOADABLE;
		} else {
			st = MODULE_BUILTIN;
		}
		kmod_module_unref(mod);
		return st;
	}
	/* Built-in code with parameters shows up in /sys/module without an initstate. */
	snprintf(p, sizeof(p), SYS_MODULE "/%s", name);
	if (path_exists(h->ctx, p) == 0)
		return MODULE_BUILTIN;
	return MODULE_MISSING;
}
