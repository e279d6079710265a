// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "path.h"
#include <vfiokit/vfiokit.h>

struct env {
	char *root;
	struct vfk_ctx *ctx;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static void test_absolute_links_stay_inside(void **state)
{
	struct env *e = *state;
	char buf[256];

	/* A captured tree may hold absolute links; they must mean "below the root". */
	assert_int_equal(fx_write_file(e->root, "etc/hostname", "decoy-inside-root\n"), 0);
	assert_int_equal(fx_symlink(e->root, "sys/abs", "/etc/hostname"), 0);
	assert_int_equal(fx_symlink(e->root, "sys/a/b/up", "../../../../../../../etc/hostname"), 0);
	assert_true(path_read(e->ctx, "sys/abs", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "decoy-inside-root\n");
	assert_true(path_read(e->ctx, "/sys/a/b/up", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "decoy-inside-root\n");
	/* And a path that exists only on the host is not found. */
	assert_int_equal(fx_symlink(e->root, "sys/passwd", "/etc/passwd"), 0);
	assert_int_equal(path_read(e->ctx, "sys/passwd", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(path_exists(e->ctx, "etc/passwd"), -ENOENT);
}

static void test_read_limits(void **state)
{
	struct env *e = *state;
	char buf[8], *all = NULL;

	assert_int_equal(fx_write_file(e->root, "f", "0123456789"), 0);
	assert_int_equal(path_read(e->ctx, "f", buf, sizeof(buf)), -EFBIG);
	assert_int_equal(path_read_all(e->ctx, "f", 1024, &all), 10);
	assert_string_equal(all, "0123456789");
	free(all);
	assert_int_equal(path_read_all(e->ctx, "f", 5, &all), -EFBIG);
	assert_int_equal(path_read(e->ctx, "missing", buf, sizeof(buf)), -ENOENT);
}

static void test_join(void **state)
{
	char out[256];

	assert_int_equal(path_join_normalize("sys/bus/pci/devices",
					     "../../../devices/pci0000:00/0000:00:02.0", out,
					     sizeof(out)),
			 0);
	assert_string_equal(out, "sys/devices/pci0000:00/0000:00:02.0");
	assert_int_equal(path_join_normalize("a/b", "../../../../x/./y", out, sizeof(out)), 0);
	assert_string_equal(out, "x/y");
	assert_int_equal(path_join_normalize("a", "/abs/olute", out, sizeof(out)), 0);
	assert_string_equal(out, "abs/olute");
	assert_int_equal(path_join_normalize("a", "bbbbbbbbbbbb", out, 8), -ENAMETOOLONG);
}

static void test_fault_injection(void **state)
{
	struct env *e = *state;
	char buf[32];

	assert_int_equal(fx_write_file(e->root, "sys/x", ""), 0);
	path_fault_set(e->ctx, 2, EIO);
	assert_int_equal(path_write(e->ctx, "sys/x", "one"), 0);
	assert_int_equal(path_write(e->ctx, "sys/x", "two"), -EIO);
	assert_int_equal(path_write(e->ctx, "sys/x", "three"), 0);
	assert_int_equal(path_fault_count(e->ctx), 3);
	assert_true(path_read(e->ctx, "sys/x", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "three");
	/* Writes never create files. */
	assert_int_equal(path_write(e->ctx, "sys/new", "x"), -ENOENT);
}

static void test_ctx(void **state)
{
	struct vfk_ctx *ctx = (struct vfk_ctx *)0x1;

	assert_int_equal(vfk_ctx_new("/nonexistent-vfiokit-root", &ctx), -ENOENT);
	assert_ptr_equal(ctx, (struct vfk_ctx *)0x1);
	assert_int_equal(vfk_ctx_new("/etc/hostname", &ctx), -ENOTDIR);
	assert_null(vfk_ctx_unref(NULL));
}

/* The host is the directory "/" names, however it is spelt or reached; a tree never is. */
static void test_is_host(void **state)
{
	static const char *const hosts[] = {"/", "//", "/.", "/etc/.."};
	struct env *e = *state;
	char link[PATH_MAX + 8];
	struct vfk_ctx *ctx;

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		assert_int_equal(vfk_ctx_new(hosts[i], &ctx), 0);
		if (!vfk_ctx_is_host(ctx))
			fail_msg("%s is not taken for the host", hosts[i]);
		vfk_ctx_unref(ctx);
	}
	snprintf(link, sizeof(link), "%s/to-root", e->root);
	assert_int_equal(symlink("/", link), 0);
	assert_int_equal(vfk_ctx_new(link, &ctx), 0);
	assert_true(vfk_ctx_is_host(ctx));
	vfk_ctx_unref(ctx);
	assert_false(vfk_ctx_is_host(e->ctx));
	assert_false(vfk_ctx_is_host(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absolute_links_stay_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
		cmocka_unit_test(test_join),
		cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
		cmocka_unit_test(test_ctx),
		cmocka_unit_test_setup_teardown(test_is_host, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
