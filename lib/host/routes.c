// SPDX-License-Identifier: LGPL-2.1-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "path.h"
#include "routes.h"

static int add_name(struct route_ifaces *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->names[i], name))
			return 0;
	if (r->n == ARRAY_SIZE(r->names))
		return 0;
	snprintf(r->names[r->n++], sizeof(r->names[0]), "%s", name);
	return 0;
}

struct dump {
	struct route_ifaces *out;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	if (type == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {};
	struct dump *d = data;
	char name[IF_NAMESIZE];

	/* A default route of the main table: no destination prefix. */
	if (rm->rtm_dst_len != 0 || rm->rtm_table != RT_TABLE_MAIN || rm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rm), attr_cb, tb);
	if (tb[RTA_OIF] && if_indextoname(mnl_attr_get_u32(tb[RTA_OIF]), name))
		add_name(d->out, name);
	return MNL_CB_OK;
}

/* The running kernel's routes, over rtnetlink. */
static int routes_netlink(struct route_ifaces *out)
{
	size_t size = MNL_SOCKET_BUFFER_SIZE;
	_cleanup_free_ char *buf = malloc(size);
	struct mnl_socket *nl = buf ? mnl_socket_open(NETLINK_ROUTE) : NULL;
	struct dump d = {.out = out};
	struct nlmsghdr *nlh;
	struct rtmsg *rm;
	unsigned int seq = (unsigned int)time(NULL), portid;
	ssize_t n;
	int ret;

	if (!buf)
		return -ENOMEM;
	if (!nl)
		return negative_errno();
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = negative_errno();
		mnl_socket_close(nl);
		return ret;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = negative_errno();
		mnl_socket_close(nl);
		return ret;
	}
	ret = MNL_CB_OK;
	while (ret > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, size)) > 0)
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, route_cb, &d);
	mnl_socket_close(nl);
	return ret < 0 ? -EIO : 0;
}

/* A captured tree has no kernel to ask: its /proc/net/route and ipv6_route say the same. */
void routes_parse(const char *v4, const char *v6, struct route_ifaces *out)
{
	if (v4)
		for (const char *line = strchr(v4, '\n'); line && *++line;) {
			char iface[IF_NAMESIZE + 1], dest[16];
			unsigned int mask_unused;

			if (sscanf(line, "%16s %15s %*s %*s %*s %*s %*s %x", iface, dest,
				   &mask_unused) == 3 &&
			    streq(dest, "00000000") && mask_unused == 0)
				add_name(out, iface);
			line = strchr(line, '\n');
		}
	if (v6)
		for (const char *line = v6; line && *line;) {
			char dest[33], iface[IF_NAMESIZE + 1];
			unsigned int plen;

			if (sscanf(line, "%32s %x %*s %*s %*s %*s %*s %*s %*s %16s", dest, &plen,
				   iface) == 3 &&
			    plen == 0 && strspn(dest, "0") == 32 && !streq(iface, "lo"))
				add_name(out, iface);
			line = strchr(line, '\n');
			if (line)
				line++;
		}
}

static int routes_files(struct vfk_ctx *ctx, struct route_ifaces *out)
{
	_cleanup_free_ char *v4 = NULL, *v6 = NULL;

	if (path_read_all(ctx, PROC_NET_ROUTE, 1u << 20, &v4) < 0)
		v4 = NULL;
	if (path_read_all(ctx, PROC_NET_IPV6_ROUTE, 1u << 20, &v6) < 0)
		v6 = NULL;
	routes_parse(v4, v6, out);
	return 0;
}

int routes_default_ifaces(struct vfk_ctx *ctx, struct route_ifaces *out)
{
	out->n = 0;
	if (vfk_ctx_is_host(ctx))
		return routes_netlink(out);
	return routes_files(ctx, out);
}

int routes_ssh_iface(struct vfk_ctx *ctx, char *buf, size_t size)
{
	const char *conn = secure_getenv("SSH_CONNECTION");
	char client[64], server[64];
	struct ifaddrs *ifa, *i;
	int ret = -ENOENT;

	buf[0] = '\0';
	/* The session's own address names an interface only on the machine it runs on. */
	if (!vfk_ctx_is_host(ctx) || !conn || sscanf(conn, "%63s %*s %63s", client, server) != 2)
		return -ENOENT;
	if (getifaddrs(&ifa) < 0)
		return negative_errno();
	for (i = ifa; i; i = i->ifa_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *raw;

		if (!i->ifa_addr || !i->ifa_name)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			raw = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			raw = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, raw, addr, sizeof(addr)) &&
		    streq(addr, server)) {
			snprintf(buf, size, "%s", i->ifa_name);
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

/* RTF_GATEWAY of the route's flags: a route through a gateway says nothing of an address. */
#define ROUTE_GATEWAY 0x0002
/* IPv6 scopes in /proc/net/if_inet6 that do not make an interface reachable: host, link. */
#define SCOPE_HOST 0x10
#define SCOPE_LINK 0x20

bool routes_addr_parse(const char *v4, const char *v6, const char *ifname)
{
	if (v4)
		for (const char *line = strchr(v4, '\n'); line && *++line;) {
			char iface[IF_NAMESIZE + 1];
			unsigned int flags, mask;

			if (sscanf(line, "%16s %*s %*s %x %*s %*s %*s %x", iface, &flags, &mask) ==
				    3 &&
			    streq(iface, ifname) && mask != 0 && !(flags & ROUTE_GATEWAY))
				return true;
			line = strchr(line, '\n');
		}
	if (v6)
		for (const char *line = v6; line && *line;) {
			char iface[IF_NAMESIZE + 1];
			unsigned int scope;

			if (sscanf(line, "%*32s %*x %*x %x %*x %16s", &scope, iface) == 2 &&
			    streq(iface, ifname) && scope != SCOPE_HOST && scope != SCOPE_LINK)
				return true;
			line = strchr(line, '\n');
			if (line)
				line++;
		}
	return false;
}

static bool has_addr_host(const struct ifaddrs *ifa, const char *ifname)
{
	for (const struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || !i->ifa_name || !streq(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			return true;
		if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a =
				&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)
					 ->sin6_addr;

			if (!IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_LOOPBACK(a))
				return true;
		}
	}
	return false;
}

void routes_addr_check(struct vfk_ctx *ctx, const char *const *names, size_t n, bool *has)
{
	_cleanup_free_ char *v4 = NULL, *v6 = NULL;
	struct ifaddrs *ifa;

	if (vfk_ctx_is_host(ctx)) {
		if (getifaddrs(&ifa) < 0)
			ifa = NULL;
		for (size_t i = 0; i < n; i++)
			has[i] = has_addr_host(ifa, names[i]);
		if (ifa)
			freeifaddrs(ifa);
		return;
	}
	if (path_read_all(ctx, PROC_NET_ROUTE, 1u << 20, &v4) < 0)
		v4 = NULL;
	if (path_read_all(ctx, PROC_NET_IF_INET6, 1u << 20, &v6) < 0)
		v6 = NULL;
	for (size_t i = 0; i < n; i++)
		has[i] = routes_addr_parse(v4, v6, names[i]);
}
