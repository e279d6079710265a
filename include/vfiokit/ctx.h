/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library context: the root directory every path is resolved below, logging and
 * the caches shared by all objects created from it.
 */
#ifndef VFIOKIT_CTX_H
#define VFIOKIT_CTX_H

#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct vfk_ctx - Opaque, reference-counted library context.
 *
 * Every object the library hands out holds a reference on the context it came from.
 * A context is not thread-safe; use one per thread or serialise calls.
 */
struct vfk_ctx;

/**
 * typedef vfk_log_fn - Receiver of the library's diagnostic messages.
 * @userdata: the pointer given to vfk_ctx_set_log_fn().
 * @priority: syslog priority (LOG_ERR ... LOG_DEBUG).
 * @file: source file of the message.
 * @line: source line of the message.
 * @fn: function that logged.
 * @format: printf-style format.
 * @args: arguments for @format.
 *
 * The library never prints on its own; it only calls this function.
 */
typedef void (*vfk_log_fn)(void *userdata, int priority, const char *file, int line, const char *fn,
			   const char *format, va_list args);

/**
 * vfk_ctx_new() - Create a library context.
 * @root: directory treated as "/" for every read and write of /sys, /proc, /dev, /etc,
 *        /run, /usr and /lib/modules, or NULL for the running system. Symbolic links in
 *        the tree, absolute or relative, are resolved as if @root were "/", so a tree
 *        captured from another machine behaves like that machine.
 * @ret: on success, a new context with a reference count of one.
 *
 * The log priority starts at LOG_ERR and can be raised with the environment variable
 * VFK_LOG (a number, or "err", "info", "debug"), read with secure_getenv().
 *
 * Return: 0 on success; -ENOENT or -ENOTDIR when @root does not name a directory;
 * -ENOMEM when out of memory. @ret is untouched on failure.
 *
 * Since: 0.1
 */
int vfk_ctx_new(const char *root, struct vfk_ctx **ret);

/**
 * vfk_ctx_ref() - Take a reference on a context.
 * @ctx: the context, or NULL.
 *
 * Return: @ctx.
 *
 * Since: 0.1
 */
struct vfk_ctx *vfk_ctx_ref(struct vfk_ctx *ctx);

/**
 * vfk_ctx_unref() - Drop a reference on a context, freeing it with the last one.
 * @ctx: the context, or NULL.
 *
 * Return: NULL, so that `ctx = vfk_ctx_unref(ctx);` clears the pointer.
 *
 * Since: 0.1
 */
struct vfk_ctx *vfk_ctx_unref(struct vfk_ctx *ctx);

/**
 * vfk_ctx_get_root() - The root directory the context resolves paths below.
 * @ctx: the context.
 *
 * Return: the root as given to vfk_ctx_new(), or "/" for the running system. Borrowed;
 * valid as long as @ctx.
 *
 * Since: 0.1
 */
const char *vfk_ctx_get_root(const struct vfk_ctx *ctx);

/**
 * vfk_ctx_is_host() - Whether the context's root is the running system's.
 * @ctx: the context.
 *
 * Decided by comparing the root directory with "/" (the same device and inode) when the
 * context was made, so "/", "//" and a bind mount of "/" are the host on any filesystem,
 * and a tree (a --root directory) never is. Only then are the kernel's own interfaces
 * used (netlink for routes, module loading, commands that act on the running system).
 *
 * Return: true for the running system.
 *
 * Since: 0.2
 */
bool vfk_ctx_is_host(const struct vfk_ctx *ctx);

/**
 * vfk_ctx_set_log_fn() - Route the library's messages to @fn.
 * @ctx: the context.
 * @fn: the receiver, or NULL to drop all messages.
 * @userdata: passed to @fn unchanged.
 *
 * Since: 0.1
 */
void vfk_ctx_set_log_fn(struct vfk_ctx *ctx, vfk_log_fn fn, void *userdata);

/**
 * vfk_ctx_set_log_priority() - Set the most verbose priority that reaches the log function.
 * @ctx: the context.
 * @priority: a syslog priority, LOG_ERR (3) to LOG_DEBUG (7).
 *
 * Since: 0.1
 */
void vfk_ctx_set_log_priority(struct vfk_ctx *ctx, int priority);

/**
 * vfk_ctx_get_log_priority() - The current log priority.
 * @ctx: the context.
 *
 * Return: a syslog priority.
 *
 * Since: 0.1
 */
int vfk_ctx_get_log_priority(const struct vfk_ctx *ctx);

/**
 * vfk_ctx_set_pci_ids_path() - Use a specific pci.ids file for device names.
 * @ctx: the context.
 * @path: path of a pci.ids file on the running system (not below the root), or NULL
 *        for the system's default. A non-default file also turns off the udev hardware
 *        database, so names come only from @path; tests use this for stable output.
 *
 * Return: 0 on success, -ENOMEM when out of memory.
 *
 * Since: 0.1
 */
int vfk_ctx_set_pci_ids_path(struct vfk_ctx *ctx, const char *path);

/**
 * vfk_ctx_set_eager_details() - Read all of a device's attributes when it is loaded.
 * @ctx: the context.
 * @eager: true to read them at load, false (the default) to read them on first use.
 *
 * A device loaded through @ctx reads its identity, class, driver and IOMMU group at once.
 * The attributes that a listing rarely shows (driver_override, NUMA node, boot_vga, reset
 * methods, power state, SR-IOV counts and links, vfio-dev) are by default read the first
 * time one of them is asked for, which opens the device's directory a second time. A
 * caller that asks for them on every device, as a full JSON listing does, saves that
 * second open with @eager; one that asks for none would read them for nothing. Devices
 * loaded before the call keep the way they were loaded with. What the getters return is
 * the same either way.
 *
 * Since: 0.2
 */
void vfk_ctx_set_eager_details(struct vfk_ctx *ctx, bool eager);

#ifdef __cplusplus
}
#endif

#endif
