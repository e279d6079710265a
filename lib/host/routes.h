/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

struct route_ifaces {
	char names[16][256]; /* sysfs names; the kernel keeps them below IF_NAMESIZE */
	size_t n;
};

/* Interfaces that carry a default route (IPv4 or IPv6): asked of the running kernel over
 * rtnetlink when the root is this machine's, read from proc/net/route and ipv6_route of
 * a captured tree otherwise. */
/* The interfaces with a default route in /proc/net/route (@v4) and /proc/net/ipv6_route
 * (@v6) text, either NULL when absent, added to @out. */
void routes_parse(const char *v4, const char *v6, struct route_ifaces *out);

int routes_default_ifaces(struct vfk_ctx *ctx, struct route_ifaces *out);

/* The interface holding the local address of this SSH session ($SSH_CONNECTION); only on
 * this machine's root. -ENOENT when there is none. */
int routes_ssh_iface(struct vfk_ctx *ctx, char *buf, size_t size);

/* For each of @names (@n of them), whether it has an IP address other than an IPv6
 * link-local or host one: from getifaddrs() when the root is this machine's; in a tree,
 * from proc/net/if_inet6, and for IPv4, which has no such file, from a directly connected
 * route of the interface's own in proc/net/route (the prefix route an address brings).
 * @has gets @n answers. */
void routes_addr_check(struct vfk_ctx *ctx, const char *const *names, size_t n, bool *has);

/* The tree's half of routes_addr_check(): whether @v4 (/proc/net/route text) or @v6
 * (/proc/net/if_inet6 text), either NULL when absent, give @ifname an address. */
bool routes_addr_parse(const char *v4, const char *v6, const char *ifname);
