// SPDX-License-Identifier: LGPL-2.1-or-later
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/*
 * libkmod takes directory names, not fds, so the module directory and modprobe.d are
 * named by the root's path. Its own initstate lookup would read the running system's
 * /sys/module, so the loaded state comes from the path layer instead.
 */
struct kmod_ctx *host_kmod_open(struct host *h)
{
	const char *root = streq(vfk_ctx_get_root(h->ctx), "/") ? "" : vfk_ctx_get_root(h->ctx);
	char dir[PATH_MAX], c1[PATH_MAX], c2[PATH_MAX], c3[PATH_MAX];
	const char *config[] = {c1, c2, c3, NULL};
	struct kmod_ctx *k;

	if (!*h->osrelease)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/" LIB_MODULES "/%s", root, h->osrelease);
	snprintf(c1, sizeof(c1), "%s/" ETC_MODPROBE_D, root);
	snprintf(c2, sizeof(c2), "%s/" RUN_MODPROBE_D, root);
	snprintf(c3, sizeof(c3), "%s/" LIB_MODPROBE_D, root);
	k = kmod_new(dir, config);
	if (k)
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
			const char *root = vfk_ctx_get_root(h->ctx);
			size_t rl = strlen(root);

			/* Show the path as the host sees it, without the root prefix. */
			if (!streq(root, "/") && strncmp(file, root, rl) == 0)
				file += rl;
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
