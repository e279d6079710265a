// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "host/routes.h"
#include "tools/topologies.h"
#include <vfiokit/vfiokit.h>

#define AMD_NIC "sys/bus/pci/devices/0000:04:00.0/"
#define ROUTE_HEADER                                                                               \
	"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

struct env {
	char *root;
	struct vfk_ctx *ctx;
	struct vfk_net_iface *ifs;
	size_t n;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(fx_mkdtemp(&e->root), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_net_iface_list_free(e->ifs, e->n);
	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static void build(struct env *e, const char *name)
{
	const struct topology *t = topology_find(name);

	assert_non_null(t);
	assert_int_equal(topology_build(t, e->root), 0);
}

/* The interfaces of @bdf in e->ifs, read with a fresh context. */
static void get(struct env *e, const char *bdf)
{
	struct vfk_device *dev = NULL;

	vfk_net_iface_list_free(e->ifs, e->n);
	e->ifs = NULL;
	e->n = 0;
	vfk_ctx_unref(e->ctx);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	assert_int_equal(vfk_device_new_from_string(e->ctx, bdf, &dev), 0);
	assert_int_equal(vfk_device_get_net_ifaces(dev, &e->ifs, &e->n), 0);
	vfk_device_unref(dev);
}

/* The port of a bridge with the default route and the addresses: active through it. */
static void test_bridge_port(void **state)
{
	struct env *e = *state;

	build(e, "amd-desktop");
	get(e, "0000:04:00.0");
	assert_int_equal(e->n, 1);
	assert_string_equal(e->ifs[0].name, "enp4s0");
	assert_int_equal(e->ifs[0].reasons, VFK_NET_DEFAULT_ROUTE | VFK_NET_ADDRESSES | VFK_NET_UP);

	/* The GPU has no interface: an empty answer, not an error. */
	get(e, "0000:01:00.0");
	assert_int_equal(e->n, 0);
	assert_null(e->ifs);
}

/* Without routes, the bridge's global IPv6 address still counts; link-local ones do not;
 * down with nothing else, the port is inactive. */
static void test_addresses_and_state(void **state)
{
	struct env *e = *state;

	build(e, "amd-desktop");
	assert_int_equal(fx_write_file(e->root, "proc/net/route", ROUTE_HEADER), 0);
	get(e, "0000:04:00.0");
	assert_int_equal(e->n, 1);
	assert_int_equal(e->ifs[0].reasons, VFK_NET_ADDRESSES | VFK_NET_UP);

	assert_int_equal(fx_write_file(e->root, "proc/net/if_inet6",
				       "fe8000000000000006d9f5fffe000001 02 40 20 80   enp4s0\n"
				       "fe8000000000000006d9f5fffe000001 03 40 20 80      br0\n"),
			 0);
	get(e, "0000:04:00.0");
	assert_int_equal(e->ifs[0].reasons, VFK_NET_UP);

	assert_int_equal(fx_write_file(e->root, AMD_NIC "net/enp4s0/operstate", "down\n"), 0);
	get(e, "0000:04:00.0");
	assert_int_equal(e->n, 1);
	assert_string_equal(e->ifs[0].name, "enp4s0");
	assert_int_equal(e->ifs[0].reasons, 0);
}

/* A tree answers from its files alone: this process's SSH session is not the tree's. */
static void test_tree_has_no_ssh(void **state)
{
	struct env *e = *state;

	build(e, "amd-desktop");
	assert_int_equal(setenv("SSH_CONNECTION", "192.168.1.20 50000 192.168.1.10 22", 1), 0);
	get(e, "0000:04:00.0");
	unsetenv("SSH_CONNECTION");
	assert_int_equal(e->n, 1);
	assert_false(e->ifs[0].reasons & VFK_NET_SSH_SESSION);
}

/* A VF that is up (a container's, say), and one with no driver. */
static void test_server_vfs(void **state)
{
	struct env *e = *state;

	build(e, "server-switches");
	get(e, "0000:af:00.2");
	assert_int_equal(e->n, 1);
	assert_string_equal(e->ifs[0].name, "ens1f0v0");
	assert_int_equal(e->ifs[0].reasons, VFK_NET_UP);
	get(e, "0000:af:00.3");
	assert_int_equal(e->n, 0);
}

/* Interfaces come back sorted, each once. */
static void test_sorted(void **state)
{
	struct env *e = *state;

	build(e, "amd-desktop");
	assert_int_equal(fx_write_file(e->root, AMD_NIC "net/eno1/operstate", "down\n"), 0);
	assert_int_equal(fx_write_file(e->root, AMD_NIC "net/enp4s0d1/operstate", "up\n"), 0);
	get(e, "0000:04:00.0");
	assert_int_equal(e->n, 3);
	assert_string_equal(e->ifs[0].name, "eno1");
	assert_int_equal(e->ifs[0].reasons, 0);
	assert_string_equal(e->ifs[1].name, "enp4s0");
	assert_string_equal(e->ifs[2].name, "enp4s0d1");
	assert_int_equal(e->ifs[2].reasons, VFK_NET_UP);
}

static void test_addr_parse(void **state)
{
	static const char v4[] =
		ROUTE_HEADER "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
			     "eth1\t0000000A\t0102A8C0\t0003\t0\t0\t100\t000000FF\t0\t0\t0\n"
			     "eth2\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
	static const char v6[] = "00000000000000000000000000000001 01 80 10 80       lo\n"
				 "fe800000000000000000000000000003 04 40 20 80     eth3\n"
				 "20010db8000000000000000000000004 05 40 00 00     eth4\n"
				 "fd000000000000000000000000000005 06 40 00 80     eth5\n"
				 "garbage\n";

	(void)state;
	/* A default route or one through a gateway is no address of its own. */
	assert_false(routes_addr_parse(v4, v6, "eth0"));
	assert_false(routes_addr_parse(v4, v6, "eth1"));
	assert_true(routes_addr_parse(v4, v6, "eth2"));
	assert_false(routes_addr_parse(v4, v6, "lo"));
	assert_false(routes_addr_parse(v4, v6, "eth3"));
	assert_true(routes_addr_parse(v4, v6, "eth4"));
	assert_true(routes_addr_parse(v4, v6, "eth5"));
	assert_false(routes_addr_parse(v4, v6, "eth"));
	assert_false(routes_addr_parse(NULL, NULL, "eth2"));
	assert_false(routes_addr_parse("", "", "eth2"));
}

static void test_bad_arguments(void **state)
{
	struct env *e = *state;
	struct vfk_device *dev = NULL;
	struct vfk_net_iface *ifs;
	size_t n;

	build(e, "amd-desktop");
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:04:00.0", &dev), 0);
	assert_int_equal(vfk_device_get_net_ifaces(NULL, &ifs, &n), -EINVAL);
	assert_int_equal(vfk_device_get_net_ifaces(dev, NULL, &n), -EINVAL);
	assert_int_equal(vfk_device_get_net_ifaces(dev, &ifs, NULL), -EINVAL);
	vfk_device_unref(dev);
	vfk_net_iface_list_free(NULL, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bridge_port),	 T(test_addresses_and_state),
		T(test_tree_has_no_ssh), T(test_server_vfs),
		T(test_sorted),		 T(test_addr_parse),
		T(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
