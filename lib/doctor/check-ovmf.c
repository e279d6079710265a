// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "doctor.h"
#include "path.h"

static bool array_has_string(struct json_object *arr, const char *s)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(arr, i));

		if (v && streq(v, s))
			return true;
	}
	return false;
}

static bool targets_x86_64(struct json_object *targets)
{
	size_t n = json_object_is_type(targets, json_type_array) ? json_object_array_length(targets)
								 : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *arch;

		if (json_object_object_get_ex(json_object_array_get_idx(targets, i), "architecture",
					      &arch) &&
		    streq_ptr(json_object_get_string(arch), "x86_64"))
			return true;
	}
	return false;
}

/* A QEMU firmware descriptor for x86_64 UEFI whose code image exists below the root;
 * copies the image's path to @file. */
static bool descriptor_usable(struct host *h, const char *path, char *file, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *root, *types, *targets, *mapping, *exec, *name;
	bool ok = false;

	if (path_read_all(h->ctx, path, 1u << 20, &text) < 0)
		return false;
	root = json_tokener_parse(text);
	if (!root)
		return false;
	if (json_object_object_get_ex(root, "interface-types", &types) &&
	    array_has_string(types, "uefi") &&
	    json_object_object_get_ex(root, "targets", &targets) && targets_x86_64(targets) &&
	    json_object_object_get_ex(root, "mapping", &mapping)) {
		if (!json_object_object_get_ex(mapping, "executable", &exec))
			exec = mapping;
		if (json_object_object_get_ex(exec, "filename", &name) &&
		    json_object_get_string(name)) {
			snprintf(file, size, "%s", json_object_get_string(name));
			ok = path_exists(h->ctx, file) == 0;
		}
	}
	json_object_put(root);
	return ok;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool find_descriptor(struct host *h, const char *dir, char *file, size_t size, char *desc,
			    size_t dsize)
{
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (path_opendir(h->ctx, dir, &d) < 0)
		return false;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **grown;

		if (l < 6 || !streq(de->d_name + l - 5, ".json"))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	/* QEMU's interop spec: descriptors are tried in the order of their file names. */
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!found && descriptor_usable(h, path, file, size)) {
			desc[0] = '/';
			snprintf(desc + 1, dsize - 1, "%s", path);
			found = true;
		}
		free(names[i]);
	}
	free(names);
	return found;
}

int check_ovmf(struct host *h, struct vfk_report *r)
{
	static const char *const dirs[] = {QEMU_FIRMWARE_DIRS};
	static const char *const files[] = {OVMF_CODE_PATHS};
	_cleanup_free_ char *fix = NULL;
	char file[PATH_MAX], desc[PATH_MAX + 8];

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (find_descriptor(h, dirs[i], file, sizeof(file), desc, sizeof(desc)))
			return report_add(r, "firmware.ovmf", VFK_CHECK_OK, NULL,
					  "UEFI guest firmware %s (described by %s)", file, desc);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (path_exists(h->ctx, files[i]) == 0)
			return report_add(r, "firmware.ovmf", VFK_CHECK_OK, NULL,
					  "UEFI guest firmware /%s", files[i]);
	fix = host_install_command(h, "ovmf", "edk2-ovmf", "edk2-ovmf");
	if (!fix)
		return -ENOMEM;
	return report_add(r, "firmware.ovmf", VFK_CHECK_WARN, fix,
			  "no OVMF (UEFI firmware for guests): GPUs passed to a VM usually "
			  "need a UEFI guest");
}
