// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fixture.h"
#include <vfiokit/vfiokit.h>

static int parse(const char *xml, struct vfk_addr **a, size_t *n, size_t *n_managed)
{
	char *name = NULL, *detail = NULL;
	int err = vfk_libvirt_get_hostdevs(xml, strlen(xml), &name, a, n, n_managed, &detail);

	if (err < 0)
		assert_non_null(detail);
	free(name);
	free(detail);
	return err;
}

#define HEAD "<domain type='kvm'><name>vm</name><devices>"
#define TAIL "</devices></domain>"

static void test_hostdevs(void **state)
{
	struct vfk_addr *a = NULL;
	size_t n = 0, m = 0;

	assert_int_equal(
		parse(HEAD "<hostdev mode='subsystem' type='pci' managed='no'><source><address "
			   "domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source>"
			   "<address type='pci' bus='0x07' slot='0' function='0'/></hostdev>"
			   "<hostdev mode='subsystem' type='pci'><source><address domain='0' "
			   "bus='2' slot='3' function='0'/></source></hostdev>"
			   "<hostdev mode='subsystem' type='pci' managed='yes'><source><address "
			   "bus='0x05' slot='0' function='0'/></source></hostdev>"
			   "<hostdev mode='subsystem' type='usb'><source><vendor id='1'/></source>"
			   "</hostdev><interface type='hostdev'><source><address type='pci' "
			   "bus='0x09' slot='0' function='0'/></source></interface>" TAIL,
		      &a, &n, &m),
		0);
	assert_int_equal(n, 2);
	assert_int_equal(m, 1);
	assert_int_equal(a[0].bus, 1);
	assert_int_equal(a[0].fn, 1);
	assert_int_equal(a[1].bus, 2);
	assert_int_equal(a[1].dev, 3);
	free(a);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"<domain><name>vm</name>",
		"<notdomain><name>vm</name></notdomain>",
		"<domain><devices/></domain>",
		"<!DOCTYPE domain [<!ENTITY a 'x'>]><domain><name>&a;</name></domain>",
		HEAD "<hostdev mode='subsystem' type='pci'><source/></hostdev>" TAIL,
		HEAD "<hostdev type='pci' managed='maybe'><source><address bus='1' slot='0' "
		     "function='0'/></source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address bus='0x100' slot='0' function='0'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address bus='1' slot='0x20' function='0'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address bus='1' slot='0' function='8'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address bus='-1' slot='0' function='0'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address bus=' 1' slot='0' function='0'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address slot='0' function='0'/>"
		     "</source></hostdev>" TAIL,
		HEAD "<hostdev type='pci'><source><address type='usb' bus='1' slot='0' "
		     "function='0'/></source></hostdev>" TAIL,
	};
	struct vfk_addr *a = NULL;
	size_t n = 0;
	char *deep = NULL, *huge;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		assert_true(parse(bad[i], &a, &n, NULL) < 0);
	}
	/* Nesting beyond libxml2's default depth. */
	deep = calloc(1, 20 * 1024);
	assert_non_null(deep);
	strcpy(deep, "<domain><name>vm</name>");
	for (int i = 0; i < 1000; i++)
		strcat(deep, "<a>");
	assert_int_equal(parse(deep, &a, &n, NULL), -EBADMSG);
	free(deep);
	/* Larger than any domain. */
	huge = malloc((17u << 20) + 1);
	assert_non_null(huge);
	memset(huge, ' ', 17u << 20);
	huge[17u << 20] = '\0';
	assert_int_equal(parse(huge, &a, &n, NULL), -EFBIG);
	free(huge);
}

static void on_file(void *userdata, const char *path, const char *content, unsigned int mode)
{
	(*(int *)userdata)++;
}

static void test_install_uninstall(void **state)
{
	char *root = NULL, *detail = NULL, path[4096];
	struct vfk_ctx *ctx = NULL;
	unsigned int flags = 0;
	struct stat st;
	int files = 0;

	assert_int_equal(fx_mkdtemp(&root), 0);
	assert_int_equal(vfk_ctx_new(root, &ctx), 0);
	assert_int_equal(vfk_hook_install(ctx, "a/b", "/usr/bin/vfiokit", 0, NULL, NULL, &detail),
			 -EINVAL);
	free(detail);
	detail = NULL;
	assert_int_equal(vfk_hook_install(ctx, "vm", "/bin/x;rm", 0, NULL, NULL, NULL), -EINVAL);
	/* A dry run writes nothing. */
	assert_int_equal(vfk_hook_install(ctx, "vm", "/usr/bin/vfiokit", VFK_HOOK_DRY_RUN, on_file,
					  &files, NULL),
			 0);
	assert_int_equal(files, 2);
	assert_int_equal(vfk_hook_get(ctx, "vm", NULL, NULL), -ENOENT);
	assert_int_equal(vfk_hook_install(ctx, "vm", "/usr/bin/vfiokit", VFK_HOOK_RELEASE_DISPLAY,
					  NULL, NULL, NULL),
			 0);
	assert_int_equal(vfk_hook_install(ctx, "vm2", "/usr/bin/vfiokit", 0, NULL, NULL, NULL), 0);
	assert_int_equal(vfk_hook_get(ctx, "vm", &flags, NULL), 0);
	assert_int_equal(flags, VFK_HOOK_RELEASE_DISPLAY);
	snprintf(path, sizeof(path), "%s/etc/libvirt/hooks/qemu.d/vfiokit", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* The same again changes nothing. */
	files = 0;
	assert_int_equal(vfk_hook_install(ctx, "vm2", "/usr/bin/vfiokit", 0, on_file, &files, NULL),
			 0);
	assert_int_equal(files, 0);
	/* A damaged configuration is refused. */
	assert_int_equal(fx_write_file(root, "etc/vfiokit/hooks/bad.conf",
				       "format=1\ndomain=bad\nrelease_display=no\nx=1\n"),
			 0);
	assert_int_equal(vfk_hook_get(ctx, "bad", NULL, &detail), -EBADMSG);
	assert_non_null(detail);
	free(detail);
	assert_int_equal(fx_write_file(root, "etc/vfiokit/hooks/bad.conf", ""), 0);
	assert_int_equal(vfk_hook_get(ctx, "bad", NULL, NULL), -EBADMSG);
	assert_int_equal(vfk_hook_uninstall(ctx, "bad", 0, NULL, NULL, NULL), 0);
	/* The hook stays while a domain is left. */
	assert_int_equal(vfk_hook_uninstall(ctx, "vm", 0, NULL, NULL, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(vfk_hook_uninstall(ctx, "vm", 0, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(vfk_hook_uninstall(ctx, "vm2", 0, NULL, NULL, NULL), 0);
	assert_int_equal(stat(path, &st), -1);
	/* A hook file that is not vfiokit's is never replaced. */
	assert_int_equal(fx_write_file(root, "etc/libvirt/hooks/qemu.d/vfiokit", "#!/bin/sh\n"), 0);
	assert_int_equal(vfk_hook_install(ctx, "vm", "/usr/bin/vfiokit", 0, NULL, NULL, NULL),
			 -EEXIST);
	vfk_ctx_unref(ctx);
	fx_rmtree(root);
	free(root);
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* What a start recorded reads back; a record that is not exactly what vfiokit writes is
 * refused with the file named, and never guessed at. */
static void test_moved_record(void **state)
{
	static const char *const hostile[] = {
		"",
		"format=1\n",
		"domain=vm\n",
		"format=2\ndomain=vm\n",
		"format=1\ndomain=other\n",
		"format=1\nformat=1\ndomain=vm\n",
		"format=1\ndomain=vm\ndevice=01:00.0\n",
		"format=1\ndomain=vm\ndevice=0000:01:00.0 \n",
		"format=1\ndomain=vm\ndevice=0000:01:00.0\ndevice=0000:01:00.0\n",
		"format=1\ndomain=vm\ndevice=0000:1:0.0\n",
		"format=1\ndomain=vm\ndevice=../../etc\n",
		"format=1\ndomain=vm\nowner=root\n",
	};
	const char *two[] = {"0000:01:00.0", "10000:e1:00.1"};
	char *root = NULL, *detail = NULL, **list = NULL, path[4096], *big;
	struct vfk_ctx *ctx = NULL;
	struct stat st;
	size_t n = 0, len;

	(void)state;
	assert_int_equal(fx_mkdtemp(&root), 0);
	assert_int_equal(vfk_ctx_new(root, &ctx), 0);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), -ENOENT);
	assert_int_equal(vfk_hook_set_moved(ctx, "vm", two, 2, NULL), 0);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "0000:01:00.0");
	assert_string_equal(list[1], "10000:e1:00.1");
	assert_null(list[2]);
	free_list(list, n);
	snprintf(path, sizeof(path), "%s/run/vfiokit/hooks/vm.moved", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/run/vfiokit/hooks", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* None moved: no record, as when the start wrote none; removing it twice is no error. */
	assert_int_equal(vfk_hook_set_moved(ctx, "vm", two, 0, NULL), 0);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), -ENOENT);
	assert_int_equal(vfk_hook_set_moved(ctx, "vm", NULL, 0, NULL), 0);
	/* Bad input is refused before anything is written. */
	assert_int_equal(vfk_hook_set_moved(ctx, "a/b", two, 2, NULL), -EINVAL);
	two[1] = "1:0.0";
	assert_int_equal(vfk_hook_set_moved(ctx, "vm", two, 2, NULL), -EINVAL);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), -ENOENT);

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(fx_write_file(root, "run/vfiokit/hooks/vm.moved", hostile[i]), 0);
		detail = NULL;
		list = NULL;
		n = 0;
		assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, &detail), -EBADMSG);
		assert_null(list);
		assert_non_null(detail);
		assert_non_null(strstr(detail, "run/vfiokit/hooks/vm.moved"));
		free(detail);
	}
	/* 257 devices, and a file over 64 KiB. */
	big = malloc(1 << 17);
	assert_non_null(big);
	len = (size_t)sprintf(big, "format=1\ndomain=vm\n");
	for (int i = 0; i < 257; i++)
		len += (size_t)sprintf(big + len, "device=0000:%02x:%02x.%x\n", i / 32 + 1, i % 32,
				       0);
	assert_int_equal(fx_write_file(root, "run/vfiokit/hooks/vm.moved", big), 0);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), -EBADMSG);
	while (len < (1 << 16) + 10)
		len += (size_t)sprintf(big + len, "# padding padding padding padding\n");
	assert_int_equal(fx_write_file(root, "run/vfiokit/hooks/vm.moved", big), 0);
	assert_int_equal(vfk_hook_get_moved(ctx, "vm", &list, &n, NULL), -EBADMSG);
	free(big);
	vfk_ctx_unref(ctx);
	fx_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostdevs),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_install_uninstall),
		cmocka_unit_test(test_moved_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
