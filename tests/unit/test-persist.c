// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture-host.h"
#include "fixture.h"
#include "macro.h"
#include "path.h"
#include "tools/topologies.h"
#include <vfiokit/vfiokit.h>

struct env {
	char *root;
	struct vfk_ctx *ctx;
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
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
}

/* Every regular file below etc/ and boot/ with its content, as one string. */
static void snap_dir(const char *root, const char *rel, FILE *out)
{
	char path[PATH_MAX];
	struct dirent **names;
	int n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX], full[PATH_MAX * 2];
		struct stat st;

		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]->d_name);
			snprintf(full, sizeof(full), "%s/%s", root, sub);
			if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
				snap_dir(root, sub, out);
			} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
				FILE *f = fopen(full, "r");
				int c;

				fprintf(out, "== %s %o\n", sub, st.st_mode & 0777);
				while (f && (c = fgetc(f)) != EOF)
					fputc(c, out);
				if (f)
					fclose(f);
			}
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static char *snap(struct env *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	snap_dir(e->root, "etc", out);
	snap_dir(e->root, "boot", out);
	fclose(out);
	return text;
}

static struct vfk_persist *compute(struct env *e, unsigned int flags, const char *a, const char *b)
{
	struct vfk_device *d[2] = {};
	struct vfk_persist *p = NULL;
	size_t n = 0;

	if (a)
		assert_int_equal(vfk_device_new_from_string(e->ctx, a, &d[n++]), 0);
	if (b)
		assert_int_equal(vfk_device_new_from_string(e->ctx, b, &d[n++]), 0);
	assert_int_equal(vfk_persist_new(e->ctx, d, n, flags, &p, NULL), 0);
	for (size_t i = 0; i < n; i++)
		vfk_device_unref(d[i]);
	return p;
}

static size_t n_changed(const struct vfk_persist *p)
{
	size_t n = 0;

	for (size_t i = 0; i < vfk_persist_get_n_files(p); i++) {
		const char *old, *new_text;

		vfk_persist_get_file(p, i, &old, &new_text);
		n += !((!old && !new_text) || (old && new_text && strcmp(old, new_text) == 0));
	}
	return n;
}

static const char *file_after(const struct vfk_persist *p, const char *path, const char **old)
{
	for (size_t i = 0; i < vfk_persist_get_n_files(p); i++) {
		const char *new_text, *name = vfk_persist_get_file(p, i, old, &new_text);

		if (strcmp(name, path) == 0)
			return new_text;
	}
	fail_msg("no file %s", path);
	return NULL;
}

/* Apply then undo gives back every file byte for byte (and mode); the user's content
 * around vfiokit's blocks is untouched; a second computation after apply changes
 * nothing. */
static void test_apply_undo(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p, *again;
	char *before, *after, *detail = NULL;
	const char *old, *new_text;
	size_t n;

	build(e, "amd-desktop");
	before = snap(e);
	p = compute(e, 0, "01:00.0", "01:00.1");
	assert_int_equal(n_changed(p), 4);
	new_text = file_after(p, "/etc/initramfs-tools/modules", &old);
	assert_int_equal(strncmp(new_text, old, strlen(old)), 0);
	assert_non_null(strstr(new_text + strlen(old), "vfio_pci\n"));
	assert_non_null(strstr(file_after(p, "/etc/udev/rules.d/01-vfiokit.rules", &old),
			       "KERNEL==\"0000:01:00.1\", ATTR{vendor}==\"0x10de\", "
			       "ATTR{device}==\"0x10f0\""));
	assert_null(old);
	assert_int_equal(vfk_persist_apply(p, &detail), 0);
	assert_null(detail);
	after = snap(e);
	assert_string_not_equal(after, before);
	assert_non_null(strstr(after, "== etc/initramfs-tools/hooks/vfiokit 755\n"));
	again = compute(e, 0, "01:00.0", "01:00.1");
	assert_int_equal(n_changed(again), 0);
	vfk_persist_unref(again);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, &n, &detail), 0);
	assert_null(detail);
	assert_int_equal(n, 4);
	free(after);
	after = snap(e);
	assert_string_equal(after, before);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, &n, NULL), -ENOENT);
	free(after);
	free(before);
	vfk_persist_unref(p);
}

/* A write failing (ENOSPC, EROFS) at any file leaves every file as it was
 * and no applied state; a crash after some files is undone from the state and backups. */
static void test_faults(void **state)
{
	struct env *e = *state;
	const int errors[] = {ENOSPC, EROFS};
	struct vfk_persist *p;
	char *before, *after;
	unsigned int total;
	size_t n;

	build(e, "intel-desktop");
	before = snap(e);
	p = compute(e, 0, "01:00.0", NULL);
	path_fault_set(e->ctx, 1000, EIO);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	total = path_fault_count(e->ctx);
	path_fault_set(e->ctx, 0, 0);
	assert_int_equal(total, 4);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	for (size_t k = 0; k < 2; k++)
		for (unsigned int nth = 1; nth <= total; nth++) {
			char *detail = NULL;

			path_fault_set(e->ctx, nth, errors[k]);
			assert_int_equal(vfk_persist_apply(p, &detail), -errors[k]);
			path_fault_set(e->ctx, 0, 0);
			assert_non_null(strstr(detail, "nothing was changed"));
			free(detail);
			after = snap(e);
			if (strcmp(after, before) != 0)
				fail_msg("%s on write %u left changes", strerror(errors[k]), nth);
			free(after);
			assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), -ENOENT);
		}
	/* A crash after two files: the state lists all of them, two are written. */
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	for (size_t i = 2; i < vfk_persist_get_n_files(p); i++) {
		const char *old, *new_text, *path = vfk_persist_get_file(p, i, &old, &new_text);

		char full[PATH_MAX];

		snprintf(full, sizeof(full), "%s%s", e->root, path);
		if (old)
			assert_int_equal(fx_write_file(e->root, path + 1, old), 0);
		else
			unlink(full);
	}
	assert_int_equal(vfk_persist_undo(e->ctx, 0, &n, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	free(before);
	vfk_persist_unref(p);
}

/* A file edited by its owner after apply is left alone by undo, which says so. */
static void test_undo_keeps_user_edits(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	char *detail = NULL;

	build(e, "amd-desktop");
	p = compute(e, 0, "01:00.0", "01:00.1");
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	assert_int_equal(fx_write_file(e->root, "etc/modprobe.d/vfiokit.conf", "mine\n"), 0);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, &detail), -EBUSY);
	assert_non_null(
		strstr(detail, "/etc/modprobe.d/vfiokit.conf changed since vfiokit wrote it"));
	free(detail);
	vfk_persist_unref(p);
}

/* --by-id: ids= with softdeps, no udev rule, and a warning for every other device the
 * ids also take. */
static void test_by_id(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	const char *old, *conf;
	bool warned = false;

	build(e, "server-switches");
	p = compute(e, VFK_PERSIST_BY_ID, "1a:00.0", NULL);
	conf = file_after(p, "/etc/modprobe.d/vfiokit.conf", &old);
	assert_non_null(strstr(conf, "options vfio-pci ids=10de:1db4\n"));
	for (size_t i = 0; i < vfk_persist_get_n_warnings(p); i++)
		warned |= strstr(vfk_persist_get_warning(p, i), "has the same ids") != NULL;
	assert_true(warned);
	for (size_t i = 0; i < vfk_persist_get_n_files(p); i++)
		assert_null(strstr(vfk_persist_get_file(p, i, NULL, NULL), "udev"));
	vfk_persist_unref(p);
}

/* booster: a block with modules_force_load in a file without that key; with the key,
 * a warning instead of a second key. */
static void test_booster(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	const char *old, *yaml;
	bool warned = false;

	build(e, "server-switches");
	assert_int_equal(fx_write_file(e->root, "etc/booster.yaml", "compression: zstd\n"), 0);
	p = compute(e, VFK_PERSIST_BY_ID, "1a:00.0", NULL);
	yaml = file_after(p, "/etc/booster.yaml", &old);
	assert_non_null(strstr(yaml, "compression: zstd\n# >>> vfiokit persist"));
	assert_non_null(strstr(yaml, "modules_force_load: vfio,vfio_iommu_type1,vfio_pci\n"));
	vfk_persist_unref(p);
	assert_int_equal(fx_write_file(e->root, "etc/booster.yaml", "modules_force_load: nvme\n"),
			 0);
	p = compute(e, VFK_PERSIST_BY_ID, "1a:00.0", NULL);
	for (size_t i = 0; i < vfk_persist_get_n_warnings(p); i++)
		warned |= strstr(vfk_persist_get_warning(p, i), "already has modules_force_load") !=
			  NULL;
	assert_true(warned);
	assert_int_equal(n_changed(p), 1); /* only modprobe.d */
	vfk_persist_unref(p);
}

/* The rule keeps the card's serial: --verify notices an identical card in its place. */
static void test_verify_serial(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	struct vfk_report *r = NULL;
	char path[PATH_MAX], real[PATH_MAX];
	const unsigned char other[4] = {0x11, 0x11, 0x11, 0x11};
	bool swapped = false;
	FILE *f;

	build(e, "amd-desktop");
	p = compute(e, 0, "01:00.0", "01:00.1");
	assert_non_null(
		strstr(file_after(p, "/etc/udev/rules.d/01-vfiokit.rules", &(const char *){NULL}),
		       "# 0000:01:00.0 serial=01-23-45-67-89-ab-cd-ef\n"));
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	/* The fixture puts the Device Serial Number capability first, at 0x100. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:00.0", e->root);
	assert_non_null(realpath(path, real));
	strncat(real, "/config", sizeof(real) - strlen(real) - 1);
	f = fopen(real, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0x104, SEEK_SET), 0);
	assert_int_equal(fwrite(other, 1, 4, f), 4);
	fclose(f);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		swapped |= vfk_report_get_check_status(r, i) == VFK_CHECK_WARN &&
			   strstr(vfk_report_get_check_summary(r, i),
				  "an identical card took its place");
	assert_true(swapped);
	vfk_report_unref(r);
	vfk_persist_unref(p);
}

/* state.json is input: a path persist never writes, a field of the wrong type, argv of a
 * command persist never runs: undo and apply refuse, name the file, and change nothing. */
static void test_state_untrusted(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"{\"files\": [{\"path\": \"etc/shadow\", \"existed\": false, \"removed\": false, "
		 "\"written\": \"0000000000000000\"}]}",
		 "files[0].path 'etc/shadow' is not a file persist writes"},
		{"{\"files\": [{\"path\": \"etc/shadow\", \"existed\": true, \"removed\": false, "
		 "\"written\": \"0000000000000000\"}]}",
		 "files[0].path 'etc/shadow' is not a file persist writes"},
		{"{\"files\": [{\"path\": \"boot/loader/entries/../../etc/shadow.conf\", "
		 "\"existed\": "
		 "true, \"removed\": false, \"written\": \"0000000000000000\"}]}",
		 "is not a file persist writes"},
		{"{\"files\": [{\"path\": \"etc/modprobe.d/vfiokit.conf\", \"existed\": false, "
		 "\"removed\": false, \"written\": null}]}",
		 "files[0] is not {"},
		{"{\"files\": {}}", "\"files\" is not an array"},
		{"{\"files\": [7]}", "files[0] is not {"},
		{"[]", "not a JSON object"},
		{"{\"files\": [", "not one JSON object"},
		{"{\"files\": [{\"path\": \"etc/modprobe.d/vfiokit.conf\", \"existed\": false, "
		 "\"removed\": false, \"written\": \"xyz\"}]}",
		 "files[0].written is not 16 hex digits"},
		{"{\"files\": [{\"path\": \"etc/modprobe.d/vfiokit.conf\", \"existed\": false, "
		 "\"removed\": false, \"written\": \"0000000000000000\"}, {\"path\": "
		 "\"etc/modprobe.d/vfiokit.conf\", \"existed\": false, \"removed\": false, "
		 "\"written\": \"0000000000000000\"}]}",
		 "/etc/modprobe.d/vfiokit.conf is listed twice"},
		{"{\"files\": [], \"undo_commands\": [[\"rm\", \"-rf\", \"/\"]]}",
		 "undo_commands[0] is not a command persist writes"},
		{"{\"files\": [], \"undo_commands\": [[\"grubby\", \"--update-kernel=ALL\", "
		 "\"--remove-args=a;reboot\"]]}",
		 "undo_commands[0] is not a command persist writes"},
		{"{\"files\": [], \"undo\": [{\"tool\": \"sh\", \"options\": \"x\"}]}",
		 "undo[0].tool is not grubby or kernelstub"},
		{"{\"format\": 9, \"files\": []}", "\"format\" is not 2"},
		{"{\"files\": [], \"sriov\": []}", "\"sriov\" is not {"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"0000:af:00.0\", \"vfs\": 1, "
		 "\"bind_vfs\": true, \"vf_addresses\": [\"0000:af:00.2\"], \"run\": \"x\"}}",
		 "\"sriov\" is not {"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"../../etc\", \"vfs\": 1, "
		 "\"bind_vfs\": true, \"vf_addresses\": [\"0000:af:00.2\"]}}",
		 "sriov.pf '../../etc' is not a PCI address"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"af:00.0\", \"vfs\": 1, "
		 "\"bind_vfs\": true, \"vf_addresses\": [\"0000:af:00.2\"]}}",
		 "sriov.pf 'af:00.0' is not a PCI address"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"0000:af:00.0\", \"vfs\": 0, "
		 "\"bind_vfs\": true, \"vf_addresses\": []}}",
		 "sriov.vfs is not 1 to 65535"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"0000:af:00.0\", \"vfs\": 2, "
		 "\"bind_vfs\": true, \"vf_addresses\": [\"0000:af:00.2\"]}}",
		 "sriov.vf_addresses has 1 entries, not sriov.vfs"},
		{"{\"files\": [], \"sriov\": {\"pf\": \"0000:af:00.0\", \"vfs\": 1, "
		 "\"bind_vfs\": true, \"vf_addresses\": [\"0000:af:00.2\\\"x\"]}}",
		 "sriov.vf_addresses[0] is not a PCI address"},
	};
	char path[PATH_MAX], buf[64];
	struct vfk_persist *p;

	build(*(struct env **)state, "amd-desktop");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env *e = *state;
		char *before, *after, *detail = NULL;
		FILE *f;

		assert_int_equal(fx_write_file(e->root, "etc/shadow", "root:secret\n"), 0);
		assert_int_equal(fx_write_file(e->root, "var/lib/vfiokit/persist/backup/etc%shadow",
					       "root:replaced\n"),
				 0);
		assert_int_equal(
			fx_write_file(e->root, "var/lib/vfiokit/persist/state.json", cases[i].text),
			0);
		before = snap(e);
		assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, &detail), -EBADMSG);
		if (!detail || !strstr(detail, cases[i].why) ||
		    !strstr(detail, "/var/lib/vfiokit/persist/state.json is damaged"))
			fail_msg("case %zu: undo said '%s', want '%s'", i, detail, cases[i].why);
		free(detail);
		detail = NULL;
		/* The computation of the undo reads the recorded commands: refused too. */
		assert_int_equal(vfk_persist_new(e->ctx, NULL, 0, 0, &p, &detail), -EBADMSG);
		assert_non_null(strstr(detail, cases[i].why));
		free(detail);
		detail = NULL;
		p = compute(e, 0, "01:00.0", "01:00.1");
		assert_int_equal(vfk_persist_apply(p, &detail), -EBADMSG);
		assert_non_null(strstr(detail, cases[i].why));
		free(detail);
		vfk_persist_unref(p);
		after = snap(e);
		assert_string_equal(after, before);
		free(before);
		free(after);
		snprintf(path, sizeof(path), "%s/etc/shadow", e->root);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "root:secret\n");
	}
}

static struct vfk_persist *compute_vfs(struct env *e, const char *pf, unsigned int n_vfs,
				       unsigned int flags, int want, const char *why)
{
	struct vfk_persist *p = NULL;
	struct vfk_device *d = NULL;
	char *detail = NULL;

	assert_int_equal(vfk_device_new_from_string(e->ctx, pf, &d), 0);
	assert_int_equal(vfk_persist_new_vfs(e->ctx, NULL, 0, d, n_vfs, flags, &p, &detail), want);
	if (why && (!detail || !strstr(detail, why)))
		fail_msg("%s --vfs %u said '%s', want '%s'", pf, n_vfs, detail, why);
	free(detail);
	vfk_device_unref(d);
	return p;
}

static enum vfk_check_status check_status(struct vfk_report *r, const char *id)
{
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		if (strcmp(vfk_report_get_check_id(r, i), id) == 0)
			return vfk_report_get_check_status(r, i);
	fail_msg("no check %s", id);
	return VFK_CHECK_FAIL;
}

/* --vfs: the PF's line (and with --bind-vfs each VF's, at the addresses the capability's
 * offset and stride give), refusals that change nothing, the state's record, --verify
 * from it, and undo back to before. */
static void test_vfs(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	struct vfk_report *r = NULL;
	const char *rule, *old;
	char *before, *after;
	unsigned int n = 0;
	bool bind = true;
	size_t n_files;

	build(e, "server-switches");
	before = snap(e);
	/* Refused, naming the device, the file and the fix. */
	compute_vfs(e, "1a:00.0", 2, 0, -EINVAL,
		    "0000:1a:00.0 has no SR-IOV (no /sys/bus/pci/devices/0000:1a:00.0/"
		    "sriov_totalvfs)");
	compute_vfs(e, "af:00.0", 9, 0, -EINVAL,
		    "0000:af:00.0 supports 1 to 8 virtual functions (sriov_totalvfs), not 9");
	compute_vfs(e, "af:00.0", 0, 0, -EINVAL, "not 0: give --vfs a number in that range");
	compute_vfs(e, "af:00.2", 2, VFK_PERSIST_BIND_VFS, -EINVAL,
		    "0000:af:00.2 is a virtual function of 0000:af:00.0 "
		    "(/sys/bus/pci/devices/0000:af:00.2/physfn): give --vfs its physical "
		    "function, 0000:af:00.0");
	compute_vfs(e, "af:00.0", 2, VFK_PERSIST_BY_ID, -EINVAL, "leave out --by-id");

	/* Without --bind-vfs: the PF's line only, and nothing for vfio-pci. */
	p = compute_vfs(e, "af:00.0", 4, 0, 0, NULL);
	assert_string_equal(vfk_persist_get_vfs(p, &n, &bind), "0000:af:00.0");
	assert_int_equal(n, 4);
	assert_false(bind);
	rule = file_after(p, "/etc/udev/rules.d/01-vfiokit.rules", &old);
	assert_null(old);
	assert_non_null(strstr(rule, "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", "
				     "KERNEL==\"0000:af:00.0\", ATTR{vendor}==\"0x15b3\", "
				     "ATTR{device}==\"0x1017\", DRIVER==\"mlx5_core\", "
				     "ATTR{sriov_numvfs}=\"4\"\n"));
	assert_null(strstr(rule, "ATTR{driver_override}"));
	assert_null(strstr(rule, "sriov_drivers_autoprobe"));
	assert_int_equal(n_changed(p), 1);
	vfk_persist_unref(p);

	/* --bind-vfs: the VFs at af:00.2 and af:00.3 (offset 2, stride 1), vfio-pci loaded
	 * before mlx5_core. */
	p = compute_vfs(e, "af:00.0", 2, VFK_PERSIST_BIND_VFS, 0, NULL);
	assert_string_equal(vfk_persist_get_vf(p, 0), "0000:af:00.2");
	assert_string_equal(vfk_persist_get_vf(p, 1), "0000:af:00.3");
	assert_null(vfk_persist_get_vf(p, 2));
	rule = file_after(p, "/etc/udev/rules.d/01-vfiokit.rules", &old);
	/* All in the PF's event: autoprobe off before the count, then each VF through the
	 * PF's virtfnI link once the count holds, and vfio-pci loaded after the rules. */
	assert_non_null(strstr(rule, "DRIVER==\"mlx5_core\", ATTR{sriov_drivers_autoprobe}=\"0\", "
				     "ATTR{sriov_numvfs}=\"2\", "
				     "RUN{builtin}+=\"kmod load vfio_pci\"\n"));
	assert_non_null(strstr(rule, "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", "
				     "KERNEL==\"0000:af:00.0\", ATTR{vendor}==\"0x15b3\", "
				     "ATTR{device}==\"0x1017\", DRIVER==\"mlx5_core\", "
				     "ATTR{sriov_numvfs}==\"2\", "
				     "ATTR{virtfn1/driver_override}=\"vfio-pci\", "
				     "ATTR{[subsystem/pci]drivers_probe}=\"0000:af:00.3\"\n"));
	assert_null(strstr(rule, "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:af:00.2\""));
	assert_non_null(strstr(file_after(p, "/etc/modprobe.d/vfiokit.conf", &old),
			       "softdep mlx5_core pre: vfio-pci\n"));
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	vfk_persist_unref(p);

	/* The record is read back; the fixture's VFs are on mlx5_core and none. */
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	assert_int_equal(check_status(r, "sriov.0000:af:00.0"), VFK_CHECK_OK);
	assert_int_equal(check_status(r, "device.0000:af:00.2"), VFK_CHECK_FAIL);
	assert_int_equal(check_status(r, "device.0000:af:00.3"), VFK_CHECK_FAIL);
	assert_false(vfk_report_is_ready(r));
	vfk_report_unref(r);

	/* A count the PF does not have fails; applying again replaces the record. */
	p = compute_vfs(e, "af:00.0", 3, 0, 0, NULL);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	vfk_persist_unref(p);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	assert_int_equal(check_status(r, "sriov.0000:af:00.0"), VFK_CHECK_FAIL);
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		assert_null(strstr(vfk_report_get_check_id(r, i), "device.0000:af:00.2"));
	vfk_report_unref(r);

	/* The PF's line edited away: verify says so. */
	assert_int_equal(fx_write_file(e->root, "etc/udev/rules.d/01-vfiokit.rules", "# x\n"), 0);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	assert_int_equal(check_status(r, "sriov.0000:af:00.0"), VFK_CHECK_FAIL);
	vfk_report_unref(r);
	p = compute_vfs(e, "af:00.0", 3, 0, 0, NULL);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	vfk_persist_unref(p);

	/* Undo: every file back, the record gone. */
	assert_int_equal(vfk_persist_undo(e->ctx, 0, &n_files, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	assert_int_equal(check_status(r, "persist.configured"), VFK_CHECK_FAIL);
	vfk_report_unref(r);
	free(before);
	free(after);
}

/* Commands undo runs come from the options recorded, never from argv on disk: a state of
 * the first format is read, its grubby command rebuilt. */
static void test_state_legacy_undo(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	bool found = false;

	build(e, "amd-desktop");
	assert_int_equal(fx_write_file(e->root, "var/lib/vfiokit/persist/state.json",
				       "{\"files\": [], \"undo_commands\": [[\"grubby\", "
				       "\"--update-kernel=ALL\", \"--remove-args=intel_iommu=on "
				       "iommu=pt\"]]}"),
			 0);
	assert_int_equal(vfk_persist_new(e->ctx, NULL, 0, 0, &p, NULL), 0);
	for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++) {
		const char *const *argv = vfk_persist_get_command(p, i);

		if (strcmp(argv[0], "grubby") == 0) {
			assert_string_equal(argv[1], "--update-kernel=ALL");
			assert_string_equal(argv[2], "--remove-args=intel_iommu=on iommu=pt");
			assert_null(argv[3]);
			found = true;
		}
	}
	assert_true(found);
	vfk_persist_unref(p);
}

/* persist takes the lock bind and restore take: while another vfiokit holds it, apply and
 * undo change nothing and say why. */
static void test_lock(void **state)
{
	struct env *e = *state;
	char *before, *after, *detail = NULL, path[PATH_MAX];
	struct vfk_persist *p;
	int fd;

	build(e, "amd-desktop");
	p = compute(e, 0, "01:00.0", "01:00.1");
	assert_int_equal(fx_write_file(e->root, "run/vfiokit/lock", ""), 0);
	snprintf(path, sizeof(path), "%s/run/vfiokit/lock", e->root);
	/* An open file description of its own: flock() conflicts as with another process. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	before = snap(e);
	assert_int_equal(vfk_persist_apply(p, &detail), -EBUSY);
	assert_non_null(strstr(detail, "lock /run/vfiokit/lock held"));
	free(detail);
	detail = NULL;
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	close(fd);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, &detail), -EBUSY);
	assert_non_null(strstr(detail, "held"));
	free(detail);
	close(fd);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	free(before);
	vfk_persist_unref(p);
}

/* /etc/kernel/cmdline over several lines (kernel-install joins them): the options go at
 * the end of the last line, every other byte stays, and undo gives back the original. */
static void test_kernel_cmdline_lines(void **state)
{
	static const char orig[] = "root=UUID=77aa rw quiet\nrd.luks.name=1234=cryptroot\n\n";
	struct env *e = *state;
	struct vfk_persist *p;
	const char *old, *updated;
	char *before, *after;

	build(e, "arch-desktop");
	assert_int_equal(fx_write_file(e->root, "etc/kernel/cmdline", orig), 0);
	before = snap(e);
	p = compute(e, 0, "01:00.0", "01:00.1");
	updated = file_after(p, "/etc/kernel/cmdline", &old);
	assert_string_equal(old, orig);
	assert_string_equal(updated,
			    "root=UUID=77aa rw quiet\nrd.luks.name=1234=cryptroot iommu=pt\n\n");
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	free(before);
	vfk_persist_unref(p);
}

/* An option on the running kernel only (given at the boot prompt, or left from an old
 * entry) is not persistent: it is written, with a warning saying why. */
static void test_running_only_option(void **state)
{
	struct env *e = *state;
	struct vfk_persist *p;
	bool warned = false, added = false;

	build(e, "server-switches");
	assert_int_equal(
		fx_write_file(e->root,
			      "boot/loader/entries/"
			      "3f9c2a1b-5.14.0-427.el9.x86_64.conf",
			      "title RHEL\noptions root=/dev/mapper/rhel-root ro iommu=pt\n"),
		0);
	p = compute(e, 0, "1a:00.0", NULL);
	for (size_t i = 0; i < vfk_persist_get_n_warnings(p); i++)
		warned |= strstr(vfk_persist_get_warning(p, i),
				 "intel_iommu=on is on the running kernel's command line only") !=
			  NULL;
	for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++) {
		const char *const *argv = vfk_persist_get_command(p, i);

		added |= strcmp(argv[0], "grubby") == 0 && strstr(argv[2], "intel_iommu=on");
	}
	assert_true(warned);
	assert_true(added);
	vfk_persist_unref(p);
}

/*
 * The configuration's last intel_iommu= decides: "off ... on" is configured (nothing
 * added), "on ... off" is not (intel_iommu=on appended, after the off, so it wins).
 */
static void test_intel_iommu_order(void **state)
{
	static const struct {
		const char *options;
		bool adds;
	} cases[] = {
		{"root=/dev/mapper/rhel-root ro intel_iommu=off quiet intel_iommu=on iommu=pt",
		 false},
		{"root=/dev/mapper/rhel-root ro intel_iommu=on quiet intel_iommu=off iommu=pt",
		 true},
	};
	struct env *e = *state;

	build(e, "server-switches");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		_cleanup_free_ char *entry = NULL;
		struct vfk_persist *p;
		bool added = false;

		assert_true(asprintf(&entry, "title RHEL\noptions %s\n", cases[k].options) > 0);
		assert_int_equal(fx_write_file(e->root,
					       "boot/loader/entries/"
					       "3f9c2a1b-5.14.0-427.el9.x86_64.conf",
					       entry),
				 0);
		p = compute(e, 0, "1a:00.0", NULL);
		for (size_t i = 0; i < vfk_persist_get_n_commands(p); i++) {
			const char *const *argv = vfk_persist_get_command(p, i);

			added |=
				strcmp(argv[0], "grubby") == 0 && strstr(argv[2], "intel_iommu=on");
		}
		if (added != cases[k].adds)
			fail_msg("options \"%s\": intel_iommu=on %s", cases[k].options,
				 added ? "added" : "not added");
		vfk_persist_unref(p);
	}
}

/* A rule whose ids were edited is reported as edited, not read past its end. */
static void test_verify_edited_rule_ids(void **state)
{
	struct env *e = *state;
	struct vfk_report *r = NULL;
	struct vfk_persist *p;
	char path[PATH_MAX], text[8192];
	bool said = false;
	char *at;
	FILE *f;
	size_t n;

	build(e, "server-switches");
	p = compute(e, 0, "1a:00.0", NULL);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	vfk_persist_unref(p);
	snprintf(path, sizeof(path), "%s/etc/udev/rules.d/01-vfiokit.rules", e->root);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	at = strstr(text, "ATTR{vendor}==\"0x");
	assert_non_null(at);
	/* ATTR{vendor}=="0x15b3" becomes ATTR{vendor}=="": the value is gone. */
	memmove(at + 15, at + 21, strlen(at + 21) + 1);
	assert_int_equal(fx_write_file(e->root, "etc/udev/rules.d/01-vfiokit.rules", text), 0);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		said |= vfk_report_get_check_status(r, i) == VFK_CHECK_FAIL &&
			strstr(vfk_report_get_check_summary(r, i), "it was edited");
	assert_true(said);
	vfk_report_unref(r);
}

/* --verify says which IOMMU options the running kernel has only for this boot. */
static void test_verify_running_only(void **state)
{
	struct env *e = *state;
	struct vfk_report *r = NULL;
	struct vfk_persist *p;
	int warned = 0;

	build(e, "server-switches");
	p = compute(e, 0, "1a:00.0", NULL);
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	vfk_persist_unref(p);
	/* The BLS entry has them (grubby wrote them): all persistent. */
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		warned += vfk_report_get_check_status(r, i) == VFK_CHECK_WARN &&
			  strstr(vfk_report_get_check_summary(r, i), "running kernel");
	assert_int_equal(warned, 0);
	vfk_report_unref(r);
	assert_int_equal(
		fx_write_file(e->root,
			      "boot/loader/entries/"
			      "3f9c2a1b-5.14.0-427.el9.x86_64.conf",
			      "title RHEL\noptions root=/dev/mapper/rhel-root ro iommu=pt\n"),
		0);
	assert_int_equal(vfk_persist_verify(e->ctx, &r), 0);
	for (size_t i = 0; i < vfk_report_get_n_checks(r); i++)
		warned += vfk_report_get_check_status(r, i) == VFK_CHECK_WARN &&
			  strstr(vfk_report_get_check_summary(r, i),
				 "intel_iommu=on is on the running kernel's command line only");
	assert_int_equal(warned, 1);
	vfk_report_unref(r);
}

/* Every directory below @rel, one per line. */
static void dirs_of(const char *root, const char *rel, FILE *out)
{
	char path[PATH_MAX];
	struct dirent **names;
	int n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX], full[PATH_MAX * 2];
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (names[i]->d_name[0] != '.' && lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			fprintf(out, "%s\n", sub);
			dirs_of(root, sub, out);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static char *dirs(struct env *e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	dirs_of(e->root, "etc", out);
	fclose(out);
	return text;
}

/* A 0600 file of the user's stays 0600 through apply and undo; the directories apply
 * made go with undo, unless something of the user's is in them by then. */
static void test_modes_and_dirs(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX], *before, *after, *dirs_before, *dirs_after;
	struct vfk_persist *p;
	struct stat st;

	build(e, "amd-desktop");
	snprintf(path, sizeof(path), "%s/etc/initramfs-tools/modules", e->root);
	assert_int_equal(chmod(path, 0600), 0);
	before = snap(e);
	dirs_before = dirs(e);
	p = compute(e, 0, "01:00.0", "01:00.1");
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	dirs_after = dirs(e);
	assert_string_not_equal(dirs_after, dirs_before);
	free(dirs_after);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	dirs_after = dirs(e);
	assert_string_equal(dirs_after, dirs_before);
	free(dirs_after);
	/* Again, with a file of the user's put into a directory apply made. */
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	assert_int_equal(fx_write_file(e->root, "etc/initramfs-tools/hooks/mine", "x\n"), 0);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/etc/initramfs-tools/hooks/mine", e->root);
	assert_int_equal(access(path, F_OK), 0);
	free(dirs_before);
	free(before);
	vfk_persist_unref(p);
}

/* A file that already holds vfiokit's block and lines of the user's after it: replacing
 * the block keeps what follows byte for byte, and undo gives back the original. */
static void test_block_then_user_lines(void **state)
{
	static const char orig[] =
		"# user's head\nvirtio\n"
		"# >>> vfiokit persist: this block is vfiokit's; change it with vfiokit persist\n"
		"stale_module\n"
		"# <<< vfiokit persist\n"
		"# user's tail, after the block\nnvme  \n\ttrailing tab line\n";
	struct env *e = *state;
	struct vfk_persist *p;
	const char *old, *updated, *tail;
	char *before, *after;

	build(e, "amd-desktop");
	assert_int_equal(fx_write_file(e->root, "etc/initramfs-tools/modules", orig), 0);
	before = snap(e);
	p = compute(e, 0, "01:00.0", "01:00.1");
	updated = file_after(p, "/etc/initramfs-tools/modules", &old);
	assert_string_equal(old, orig);
	assert_int_equal(strncmp(updated, "# user's head\nvirtio\n# >>> vfiokit persist", 42), 0);
	assert_null(strstr(updated, "stale_module"));
	assert_non_null(strstr(updated, "vfio_pci\n"));
	tail = strstr(updated, "# <<< vfiokit persist\n");
	assert_non_null(tail);
	assert_string_equal(tail + strlen("# <<< vfiokit persist\n"),
			    "# user's tail, after the block\nnvme  \n\ttrailing tab line\n");
	assert_int_equal(vfk_persist_apply(p, NULL), 0);
	assert_int_equal(vfk_persist_undo(e->ctx, 0, NULL, NULL), 0);
	after = snap(e);
	assert_string_equal(after, before);
	free(after);
	free(before);
	vfk_persist_unref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undo_keeps_user_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_booster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_serial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_legacy_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_cmdline_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_only_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intel_iommu_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_edited_rule_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_running_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_then_user_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
