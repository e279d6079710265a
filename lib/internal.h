/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "macro.h"
#include <vfiokit/vfiokit.h>

#define VFK_EXPORT __attribute__((visibility("default")))

/* Public entry points check their arguments with this; internal code uses assert(). */
#define assert_return(expr, r)                                                                     \
	do {                                                                                       \
		if (!(expr))                                                                       \
			return (r);                                                                \
	} while (0)

void vfk_log(struct vfk_ctx *ctx, int priority, const char *file, int line, const char *fn,
	     const char *format, ...) _printf_(6, 7);

#define vfk_log_cond(ctx, prio, ...)                                                               \
	do {                                                                                       \
		if (vfk_ctx_get_log_priority(ctx) >= (prio))                                       \
			vfk_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__);             \
	} while (0)

#define dbg(ctx, ...) vfk_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) vfk_log_cond(ctx, LOG_INFO, __VA_ARGS__)

/* detail.c: appends a formatted line to *@detail, the malloc'd explanation the public
 * calls hand back ("first\nsecond"); nothing when @detail is NULL or memory runs out. */
void detail_add(char **detail, const char *fmt, ...) _printf_(2, 3);
void detail_addv(char **detail, const char *fmt, va_list ap) _printf_(2, 0);

/* plan/plan-usage.c: the virtual functions of @pf that are on vfio-pci or in use by the
 * host, by the plan's rule for them, one line each in *@detail ("BDF (on DRIVER) is in
 * use: evidence"). Returns their number, or -errno. */
struct vfk_device;
int plan_vfs_busy(struct vfk_ctx *ctx, struct vfk_device *pf, char **detail);

/* Whether the context's root is this machine's "/", where the running kernel can be asked
 * directly (netlink, getifaddrs) about what a captured tree can only record. */

/* names.c: pci.ids lookups through libpci, loaded on first use and cached in the ctx. */
struct pci_access;
struct pci_access *vfk_ctx_get_pci_access(struct vfk_ctx *ctx);
const char *vfk_ctx_get_pci_ids_path(const struct vfk_ctx *ctx);
/* vfk_ctx_set_eager_details(), for device.c. */
bool ctx_eager_details(const struct vfk_ctx *ctx);
void vfk_names_free(struct pci_access *pacc);
int vfk_names_lookup(struct vfk_ctx *ctx, int flags, char *buf, size_t size, uint32_t a,
		     uint32_t b);
