// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx-private.h"
#include "internal.h"

static int log_priority_from_string(const char *s)
{
	char *end;
	long prio = strtol(s, &end, 10);

	if (end != s && *end == '\0' && prio >= 0 && prio <= LOG_DEBUG)
		return (int)prio;
	if (startswith(s, "err"))
		return LOG_ERR;
	if (startswith(s, "info"))
		return LOG_INFO;
	if (startswith(s, "debug"))
		return LOG_DEBUG;
	return -EINVAL;
}

VFK_EXPORT int vfk_ctx_new(const char *root, struct vfk_ctx **ret)
{
	struct vfk_ctx *ctx;
	struct stat st, host;
	const char *env;
	int fd;

	assert_return(ret, -EINVAL);

	if (!root || !*root)
		root = "/";
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0) {
		int r = negative_errno();

		close(fd);
		return r;
	}

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		close(fd);
		return -ENOMEM;
	}
	ctx->refcount = 1;
	ctx->root_fd = fd;
	for (size_t i = 0; i < PATH_DIR_MAX; i++)
		ctx->dir_fds[i] = -2;
	pthread_mutex_init(&ctx->write_lock, NULL);
	/* The running system's root is the directory "/" names: same device and inode. The
	 * inode alone says nothing (2 on ext4, 256 on btrfs, 64 or 128 on XFS). */
	ctx->is_host_root =
		stat("/", &host) == 0 && host.st_dev == st.st_dev && host.st_ino == st.st_ino;
	ctx->root = strdup(root);
	if (!ctx->root) {
		vfk_ctx_unref(ctx);
		return -ENOMEM;
	}
	ctx->log_priority = LOG_ERR;
	env = secure_getenv("VFK_LOG");
	if (env) {
		int prio = log_priority_from_string(env);

		if (prio >= 0)
			ctx->log_priority = prio;
	}
	*ret = ctx;
	return 0;
}

VFK_EXPORT struct vfk_ctx *vfk_ctx_ref(struct vfk_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

VFK_EXPORT struct vfk_ctx *vfk_ctx_unref(struct vfk_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	vfk_names_free(ctx->pacc);
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	for (size_t i = 0; i < PATH_DIR_MAX; i++)
		if (ctx->dir_fds[i] >= 0)
			close(ctx->dir_fds[i]);
	free(ctx->pci_ids_path);
	free(ctx->root);
	pthread_mutex_destroy(&ctx->write_lock);
	free(ctx);
	return NULL;
}

VFK_EXPORT const char *vfk_ctx_get_root(const struct vfk_ctx *ctx)
{
	assert_return(ctx, NULL);
	return ctx->root;
}

VFK_EXPORT void vfk_ctx_set_log_fn(struct vfk_ctx *ctx, vfk_log_fn fn, void *userdata)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_data = userdata;
}

VFK_EXPORT void vfk_ctx_set_log_priority(struct vfk_ctx *ctx, int priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

VFK_EXPORT int vfk_ctx_get_log_priority(const struct vfk_ctx *ctx)
{
	assert_return(ctx, 0);
	return ctx->log_priority;
}

VFK_EXPORT int vfk_ctx_set_pci_ids_path(struct vfk_ctx *ctx, const char *path)
{
	char *copy = NULL;

	assert_return(ctx, -EINVAL);
	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(ctx->pci_ids_path);
	ctx->pci_ids_path = copy;
	/* Names already looked up came from the old file; start over. */
	vfk_names_free(ctx->pacc);
	ctx->pacc = NULL;
	return 0;
}

const char *vfk_ctx_get_pci_ids_path(const struct vfk_ctx *ctx)
{
	return ctx->pci_ids_path;
}

void vfk_log(struct vfk_ctx *ctx, int priority, const char *file, int line, const char *fn,
	     const char *format, ...)
{
	va_list args;

	if (!ctx->log_fn)
		return;
	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

VFK_EXPORT void vfk_ctx_set_eager_details(struct vfk_ctx *ctx, bool eager)
{
	if (ctx)
		ctx->eager_details = eager;
}

bool ctx_eager_details(const struct vfk_ctx *ctx)
{
	return ctx->eager_details;
}

VFK_EXPORT bool vfk_ctx_is_host(const struct vfk_ctx *ctx)
{
	return ctx && ctx->is_host_root;
}
