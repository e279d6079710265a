// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture-host.h"
#include "fixture.h"
#include "tools/topologies.h"
#include <vfiokit/vfiokit.h>

struct env {
	char *root;
	struct vfk_ctx *ctx;
	struct vfk_device *devs[8];
	size_t n_devs;
	struct vfk_vm *vm;
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

	vfk_vm_unref(e->vm);
	for (size_t i = 0; i < e->n_devs; i++)
		vfk_device_unref(e->devs[i]);
	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static void build(struct env *e)
{
	const struct topology *t = topology_find("vfio-workstation");

	assert_non_null(t);
	assert_int_equal(topology_build(t, e->root), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
}

/* Describes a guest with the devices named, in that order. */
static void vm_of(struct env *e, ...)
{
	const char *bdf;
	va_list ap;

	va_start(ap, e);
	while ((bdf = va_arg(ap, const char *)))
		assert_int_equal(vfk_device_new_from_string(e->ctx, bdf, &e->devs[e->n_devs++]), 0);
	va_end(ap);
	assert_int_equal(vfk_vm_new(e->ctx, "t", e->devs, e->n_devs, &e->vm), 0);
	assert_int_equal(vfk_vm_set_accel(e->vm, VFK_VM_ACCEL_KVM), 0);
}

static char **argv_of(struct env *e)
{
	char **argv = NULL;

	assert_int_equal(vfk_vm_check(e->vm, 0, NULL), 0);
	assert_int_equal(vfk_vm_get_qemu_argv(e->vm, "qemu", NULL, 0, &argv), 0);
	return argv;
}

static bool has_arg(char **argv, const char *s)
{
	for (char **a = argv; *a; a++)
		if (strcmp(*a, s) == 0)
			return true;
	return false;
}

static void free_argv(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

/* The functions of one slot share a guest slot whatever order they are named in; with
 * function 0 missing, the remaining ones are renumbered from 0 so the guest sees them. */
static void test_layout_keeps_slot_together(void **state)
{
	struct env *e = *state;
	char **argv;

	build(e);
	vm_of(e, "02:00.1", "01:00.0", "02:00.0", NULL);
	argv = argv_of(e);
	assert_true(has_arg(argv, "vfio-pci,host=0000:02:00.0,id=vfk-hostdev2,bus=vfk-rp0,addr=00."
				  "0,multifunction=on"));
	assert_true(
		has_arg(argv, "vfio-pci,host=0000:02:00.1,id=vfk-hostdev0,bus=vfk-rp0,addr=00.1"));
	assert_true(
		has_arg(argv, "vfio-pci,host=0000:01:00.0,id=vfk-hostdev1,bus=vfk-rp1,addr=00.0"));
	assert_false(has_arg(argv, "pcie-root-port,id=vfk-rp2,bus=pcie.0,chassis=3"));
	free_argv(argv);
}

static void test_layout_renumbers_without_function_zero(void **state)
{
	struct env *e = *state;
	char **argv;

	build(e);
	vm_of(e, "01:00.1", NULL);
	argv = argv_of(e);
	assert_true(
		has_arg(argv, "vfio-pci,host=0000:01:00.1,id=vfk-hostdev0,bus=vfk-rp0,addr=00.0"));
	assert_int_equal(vfk_vm_get_n_warnings(e->vm), 1); /* 01:00.0 shares the group */
	free_argv(argv);
}

/* A VF is a device of its own, never a function of its PF's slot. */
static void test_layout_vf_alone(void **state)
{
	struct env *e = *state;
	char **argv;

	build(e);
	vm_of(e, "04:02.0", "10000:00:00.0", NULL);
	argv = argv_of(e);
	assert_true(
		has_arg(argv, "vfio-pci,host=0000:04:02.0,id=vfk-hostdev0,bus=vfk-rp0,addr=00.0"));
	assert_true(has_arg(argv, "vfio-pci,sysfsdev=/sys/bus/pci/devices/10000:00:00.0,id=vfk-"
				  "hostdev1,bus=vfk-rp1,addr=00.0"));
	assert_int_equal(vfk_vm_get_n_groups(e->vm), 2);
	assert_int_equal(vfk_vm_get_group(e->vm, 0), 17);
	assert_int_equal(vfk_vm_get_group(e->vm, 1), 30);
	free_argv(argv);
}

/* A comma in a user's file name is doubled, so it cannot add an option. */
static void test_escape_commas(void **state)
{
	struct env *e = *state;
	char **argv;

	build(e);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_set_vars_path(e->vm, "/vm/a,readonly=off,b_VARS.fd"), 0);
	argv = argv_of(e);
	assert_true(
		has_arg(argv, "if=pflash,unit=1,format=raw,file=/vm/a,,readonly=off,,b_VARS.fd"));
	free_argv(argv);
	assert_int_equal(vfk_vm_set_hidden(e->vm, "has,comma"), -EINVAL);
	assert_int_equal(vfk_vm_set_hidden(e->vm, "thirteenchars"), -EINVAL);
	assert_int_equal(vfk_vm_set_hidden(e->vm, "AuthenticAMD"), 0);
}

static void test_unbound_refused(void **state)
{
	struct env *e = *state;
	char *detail = NULL;

	build(e);
	vm_of(e, "04:00.0", NULL);
	assert_int_equal(vfk_vm_check(e->vm, 0, &detail), -ENODEV);
	assert_non_null(strstr(detail, "0000:04:00.0 is on i40e, not vfio-pci"));
	free(detail);
	assert_int_equal(vfk_vm_check(e->vm, VFK_VM_CHECK_UNBOUND_OK, &detail), 0);
	assert_null(detail);
}

/* RAM plus 1 GiB for the one container. */
static void test_memlock(void **state)
{
	struct env *e = *state;

	build(e);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_set_memory(e->vm, 4096), 0);
	assert_int_equal(vfk_vm_get_memlock_bytes(e->vm), 5ull << 30);
	assert_int_equal(vfk_vm_set_memory(e->vm, 8), -EINVAL);
}

/* The variables are copied once from the template and then kept: they hold the guest's
 * boot entries. */
static void test_install_vars(void **state)
{
	struct env *e = *state;
	char path[4096], buf[64] = "";
	struct stat st;
	FILE *f;

	build(e);
	assert_int_equal(fx_write_file(e->root, "usr/share/OVMF/OVMF_VARS_4M.fd", "template"), 0);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_check(e->vm, 0, NULL), 0);
	assert_int_equal(vfk_vm_install_vars(e->vm), 0);
	snprintf(path, sizeof(path), "%s/var/lib/vfiokit/vars/t_VARS.fd", e->root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("guest's own", f);
	fclose(f);
	assert_int_equal(vfk_vm_install_vars(e->vm), 0);
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "guest's own");
	/* Lent to a user, the variables become theirs, and the directory lets them through. */
	if (geteuid() == 0) {
		assert_int_equal(vfk_vm_give_to_user(e->vm, 65534, 65534), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_mode & 0777, 0600);
		snprintf(path, sizeof(path), "%s/var/lib/vfiokit/vars", e->root);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0711);
		snprintf(path, sizeof(path), "%s/var/lib/vfiokit", e->root);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0011, 0011);
		assert_int_equal(st.st_mode & 0044, 0);
		assert_int_equal(vfk_vm_take_back(e->vm), 0);
	}
}

/* The group's file goes to the user and comes back; its mode never
 * changes. */
static void test_give_and_take_back(void **state)
{
	struct env *e = *state;
	char path[4096];
	struct stat st;

	build(e);
	snprintf(path, sizeof(path), "%s/dev/vfio/17", e->root);
	assert_int_equal(chmod(path, 0600), 0);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_check(e->vm, 0, NULL), 0);
	assert_int_equal(vfk_vm_give_to_user(e->vm, getuid(), getgid()), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vfk_vm_take_back(e->vm), 0);
	if (geteuid() == 0) {
		assert_int_equal(vfk_vm_give_to_user(e->vm, 65534, 65534), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(vfk_vm_take_back(e->vm), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_uid, 0);
	}
}

/*
 * A lent file is in the journal, with its owner and mode, until it is taken back: when
 * the lender dies first (qemu --user killed), restore --all gives it back.
 */
/* How many files the journal says are lent; each must be /dev/vfio/17. */
static size_t lent_count(struct vfk_ctx *ctx)
{
	char **lent = NULL;
	size_t n = 0;

	assert_int_equal(vfk_journal_get_lent(ctx, &lent, &n), 0);
	assert_non_null(lent);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(lent[i], "/dev/vfio/17");
	assert_null(lent[n]);
	for (size_t i = 0; i < n; i++)
		free(lent[i]);
	free(lent);
	return n;
}

static void test_lent_recorded(void **state)
{
	struct env *e = *state;
	char path[4096], jpath[4096], *detail = NULL;
	struct stat st;
	size_t n = 99;
	uid_t owner;
	FILE *f;
	char text[4096];

	build(e);
	snprintf(path, sizeof(path), "%s/dev/vfio/17", e->root);
	snprintf(jpath, sizeof(jpath), "%s/run/vfiokit/journal.json", e->root);
	assert_int_equal(chmod(path, 0640), 0);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_check(e->vm, 0, NULL), 0);
	assert_int_equal(vfk_vm_give_to_user(e->vm, getuid(), getgid()), 0);
	n = lent_count(e->ctx);
	assert_int_equal(n, 1);
	f = fopen(jpath, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	if (!strstr(text, "\"node\": \"dev/vfio/17\""))
		fail_msg("journal: %s", text);
	assert_non_null(strstr(text, "\"mode\": 416"));
	/* Taken back: the record goes. */
	assert_int_equal(vfk_vm_take_back(e->vm), 0);
	n = lent_count(e->ctx);
	assert_int_equal(n, 0);

	/* The lender dies with the file lent (its mode changed meanwhile): restore --all. As
	 * root, lent to nobody, so that the owner really changes and comes back. */
	assert_int_equal(stat(path, &st), 0);
	owner = st.st_uid;
	assert_int_equal(vfk_vm_give_to_user(e->vm, geteuid() == 0 ? 65534 : getuid(),
					     geteuid() == 0 ? 65534 : getgid()),
			 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, geteuid() == 0 ? 65534 : getuid());
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, VFK_BIND_DRY_RUN, NULL, NULL, &detail), 0);
	assert_non_null(detail);
	assert_non_null(strstr(detail, "/dev/vfio/17: would be given back"));
	free(detail);
	detail = NULL;
	n = lent_count(e->ctx);
	assert_int_equal(n, 1);
	assert_int_equal(vfk_restore(e->ctx, NULL, 0, 0, NULL, NULL, &detail), 0);
	assert_non_null(strstr(detail, "/dev/vfio/17: given back to owner"));
	free(detail);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, owner);
	n = lent_count(e->ctx);
	assert_int_equal(n, 0);
	/* The vm still thinks it lent the file: taking it back again changes nothing. */
	assert_int_equal(vfk_vm_take_back(e->vm), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_not_checked(void **state)
{
	struct env *e = *state;
	char **argv = NULL, *xml = NULL;

	build(e);
	vm_of(e, "04:02.0", NULL);
	assert_int_equal(vfk_vm_get_qemu_argv(e->vm, "qemu", NULL, 0, &argv), -ESTALE);
	assert_int_equal(vfk_vm_get_libvirt_xml(e->vm, 0, &xml), -ESTALE);
	assert_int_equal(vfk_vm_new(e->ctx, "bad name", e->devs, 1, &(struct vfk_vm *){NULL}),
			 -EINVAL);
}

/* A firmware descriptor whose format is not an image format (text that would add a
 * -drive option) is not used; the next descriptor is. */
static void test_firmware_format_injection(void **state)
{
	struct env *e = *state;
	char **argv;

	build(e);
	assert_int_equal(
		fx_write_file(
			e->root, "etc/qemu/firmware/10-evil.json",
			"{\"interface-types\": [\"uefi\"], \"targets\": [{\"architecture\": "
			"\"x86_64\", \"machines\": [\"pc-q35-*\"]}], \"mapping\": {\"device\": "
			"\"flash\", \"executable\": {\"filename\": \"/usr/share/OVMF/"
			"OVMF_CODE_4M.fd\", \"format\": \"raw,if=none\"}, \"nvram-template\": "
			"{\"filename\": \"/usr/share/OVMF/OVMF_VARS_4M.fd\"}}, \"features\": "
			"[]}\n"),
		0);
	vm_of(e, "04:02.0", NULL);
	argv = argv_of(e);
	for (char **a = argv; *a; a++)
		if (strstr(*a, "if=none"))
			fail_msg("the descriptor's format reached QEMU: %s", *a);
	assert_true(has_arg(argv, "if=pflash,unit=0,format=raw,readonly=on,"
				  "file=/usr/share/OVMF/OVMF_CODE_4M.fd"));
	free_argv(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_keeps_slot_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_renumbers_without_function_zero, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_layout_vf_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_commas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware_format_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbound_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_vars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_and_take_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lent_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_checked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
