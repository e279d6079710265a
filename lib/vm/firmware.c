// SPDX-License-Identifier: LGPL-2.1-or-later
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "firmware.h"
#include "path.h"

static bool array_has_string(struct json_object *arr, const char *s)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++)
		if (streq_ptr(json_object_get_string(json_object_array_get_idx(arr, i)), s))
			return true;
	return false;
}

/* A target for x86_64 whose machine patterns ("pc-q35-*") match a q35 machine. */
static bool targets_q35(struct json_object *targets)
{
	size_t n = json_object_is_type(targets, json_type_array) ? json_object_array_length(targets)
								 : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(targets, i), *arch, *machines;
		size_t m;

		if (!json_object_object_get_ex(t, "architecture", &arch) ||
		    !streq_ptr(json_object_get_string(arch), "x86_64"))
			continue;
		if (!json_object_object_get_ex(t, "machines", &machines))
			return true;
		m = json_object_is_type(machines, json_type_array)
			    ? json_object_array_length(machines)
			    : 0;
		for (size_t k = 0; k < m; k++) {
			const char *pat =
				json_object_get_string(json_object_array_get_idx(machines, k));

			if (pat && (fnmatch(pat, "pc-q35-99.0", 0) == 0 || streq(pat, "q35")))
				return true;
		}
	}
	return false;
}

static bool copy_filename(struct json_object *obj, const char *key, char *buf, size_t size,
			  char *format, size_t fsize)
{
	struct json_object *o, *name, *fmt;

	if (!json_object_object_get_ex(obj, key, &o) ||
	    !json_object_object_get_ex(o, "filename", &name) || !json_object_get_string(name))
		return false;
	snprintf(buf, size, "%s", json_object_get_string(name));
	if (!format)
		return true;
	/* The format goes into QEMU's -drive option as it is: only the two image formats
	 * flash firmware comes in, never text that could add an option ("raw,if=none"). */
	if (!json_object_object_get_ex(o, "format", &fmt)) {
		snprintf(format, fsize, "raw");
		return true;
	}
	if (!streq_ptr(json_object_get_string(fmt), "raw") &&
	    !streq_ptr(json_object_get_string(fmt), "qcow2"))
		return false;
	snprintf(format, fsize, "%s", json_object_get_string(fmt));
	return true;
}

/* Only split flash images (code read-only, a per-VM copy of the variables) are used:
 * that is what "-drive if=pflash" pairs need. */
bool firmware_descriptor_parse(const char *text, enum firmware_want want, struct firmware *fw)
{
	struct json_object *root, *types, *targets, *mapping, *device, *mode, *features;
	bool ok = false;

	memset(fw, 0, sizeof(*fw));
	root = json_tokener_parse(text);
	if (!root)
		return false;
	if (!json_object_object_get_ex(root, "interface-types", &types) ||
	    !array_has_string(types, "uefi") ||
	    !json_object_object_get_ex(root, "targets", &targets) || !targets_q35(targets) ||
	    !json_object_object_get_ex(root, "mapping", &mapping))
		goto out;
	if (json_object_object_get_ex(mapping, "device", &device) &&
	    !streq_ptr(json_object_get_string(device), "flash"))
		goto out;
	if (json_object_object_get_ex(mapping, "mode", &mode) &&
	    !streq_ptr(json_object_get_string(mode), "split"))
		goto out;
	if (!copy_filename(mapping, "executable", fw->code, sizeof(fw->code), fw->format,
			   sizeof(fw->format)))
		goto out;
	copy_filename(mapping, "nvram-template", fw->vars, sizeof(fw->vars), NULL, 0);
	if (json_object_object_get_ex(root, "features", &features)) {
		fw->secure_boot = array_has_string(features, "secure-boot");
		fw->requires_smm = array_has_string(features, "requires-smm");
	}
	ok = !(want == FIRMWARE_PLAIN && fw->secure_boot) &&
	     !(want == FIRMWARE_SECURE_BOOT && !fw->secure_boot);
out:
	json_object_put(root);
	return ok;
}

static bool descriptor_usable(struct vfk_ctx *ctx, const char *path, enum firmware_want want,
			      struct firmware *fw)
{
	_cleanup_free_ char *text = NULL;

	if (path_read_all(ctx, path, 1u << 20, &text) < 0 ||
	    !firmware_descriptor_parse(text, want, fw))
		return false;
	fw->descriptor[0] = '/';
	snprintf(fw->descriptor + 1, sizeof(fw->descriptor) - 1, "%s", path);
	return path_exists(ctx, fw->code) == 0 && (!fw->vars[0] || path_exists(ctx, fw->vars) == 0);
}

struct entry {
	char *name;
	const char *dir;
};

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* QEMU's interop rules: the descriptors of all directories are tried in the order of
 * their file names, and a file in an earlier directory (/etc) hides the one of the same
 * name in a later one (/usr/share), also when it is empty, which disables it. */
static int find_descriptor(struct vfk_ctx *ctx, enum firmware_want want, struct firmware *fw)
{
	static const char *const dirs[] = {QEMU_FIRMWARE_DIRS};
	struct entry *entries = NULL;
	size_t n = 0;
	int err = -ENOENT;

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		struct dirent *de;
		DIR *dir;

		if (path_opendir(ctx, dirs[d], &dir) < 0)
			continue;
		while ((de = readdir(dir))) {
			size_t l = strlen(de->d_name);
			bool seen = false;
			struct entry *grown;

			if (l < 6 || !streq(de->d_name + l - 5, ".json"))
				continue;
			for (size_t i = 0; i < n; i++)
				seen |= streq(entries[i].name, de->d_name);
			if (seen)
				continue;
			grown = realloc(entries, (n + 1) * sizeof(*entries));
			if (!grown) {
				closedir(dir);
				free_entries(entries, n);
				return -ENOMEM;
			}
			entries = grown;
			entries[n].name = strdup(de->d_name);
			entries[n].dir = dirs[d];
			if (!entries[n].name) {
				closedir(dir);
				free_entries(entries, n);
				return -ENOMEM;
			}
			n++;
		}
		closedir(dir);
	}
	if (n)
		qsort(entries, n, sizeof(*entries), cmp_entries);
	for (size_t i = 0; i < n && err < 0; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", entries[i].dir, entries[i].name);
		if (descriptor_usable(ctx, path, want, fw))
			err = 0;
	}
	free_entries(entries, n);
	return err;
}

int firmware_find_uefi(struct vfk_ctx *ctx, enum firmware_want want, struct firmware *ret)
{
	static const char *const code[] = {OVMF_CODE_PATHS};
	static const char *const vars[] = {OVMF_VARS_PATHS};
	int err;

	static_assert(ARRAY_SIZE(code) == ARRAY_SIZE(vars), "OVMF code and vars lists pair up");
	err = find_descriptor(ctx, want, ret);
	if (err != -ENOENT || want == FIRMWARE_SECURE_BOOT)
		return err;
	/* Without a descriptor the images' features are unknown; these names are the plain
	 * (non-Secure-Boot) builds. */
	for (size_t i = 0; i < ARRAY_SIZE(code); i++) {
		if (path_exists(ctx, code[i]) < 0)
			continue;
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->code, sizeof(ret->code), "/%s", code[i]);
		if (path_exists(ctx, vars[i]) == 0)
			snprintf(ret->vars, sizeof(ret->vars), "/%s", vars[i]);
		snprintf(ret->format, sizeof(ret->format), "raw");
		return 0;
	}
	return -ENOENT;
}
