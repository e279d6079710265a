// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "journal.h"
#include "path.h"

static void entry_clear(struct journal_entry *e)
{
	free(e->driver);
	free(e->override);
	free(e->power);
	*e = (struct journal_entry){};
}

static int load(struct journal *j)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *root, *devs;
	ssize_t n = path_read_all(j->ctx, VFIOKIT_JOURNAL, 4u << 20, &text);
	size_t count;

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	root = json_tokener_parse(text);
	if (!root || !json_object_object_get_ex(root, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_array)) {
		json_object_put(root);
		return -EBADMSG;
	}
	count = json_object_array_length(devs);
	j->entries = calloc(count ? count : 1, sizeof(*j->entries));
	if (!j->entries) {
		json_object_put(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		struct json_object *o = json_object_array_get_idx(devs, i), *v;
		struct journal_entry *e = &j->entries[j->n];
		struct vfk_addr a;

		if (!json_object_object_get_ex(o, "bdf", &v) ||
		    vfk_addr_parse(json_object_get_string(v), &a, NULL) < 0)
			continue;
		vfk_addr_format(&a, e->bdf);
		if (json_object_object_get_ex(o, "driver", &v) && json_object_get_string(v))
			e->driver = strdup(json_object_get_string(v));
		if (json_object_object_get_ex(o, "driver_override", &v) &&
		    json_object_get_string(v))
			e->override = strdup(json_object_get_string(v));
		if (json_object_object_get_ex(o, "power_control", &v) && json_object_get_string(v))
			e->power = strdup(json_object_get_string(v));
		e->bound = json_object_object_get_ex(o, "state", &v) &&
			   streq_ptr(json_object_get_string(v), "bound");
		e->numvfs = json_object_object_get_ex(o, "sriov_numvfs", &v)
				    ? json_object_get_int(v)
				    : -1;
		j->n++;
	}
	json_object_put(root);
	return 0;
}

int journal_open(struct vfk_ctx *ctx, struct journal **ret)
{
	struct journal *j;
	int err;

	err = path_mkdir_p(ctx, VFIOKIT_RUN_DIR, 0700);
	if (err < 0)
		return err;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->ctx = ctx;
	j->lock_fd = path_lock(ctx, VFIOKIT_LOCK);
	if (j->lock_fd < 0) {
		err = j->lock_fd;
		free(j);
		return err;
	}
	err = load(j);
	if (err < 0) {
		journal_close(j);
		return err;
	}
	*ret = j;
	return 0;
}

int journal_read_only(struct vfk_ctx *ctx, struct journal **ret)
{
	struct journal *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->ctx = ctx;
	j->lock_fd = -1;
	err = load(j);
	if (err < 0) {
		journal_close(j);
		return err;
	}
	*ret = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		entry_clear(&j->entries[i]);
	free(j->entries);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	free(j);
}

int journal_save(struct journal *j)
{
	struct json_object *root = json_object_new_object(), *devs = json_object_new_array();
	const char *text;
	int err;

	if (!root || !devs) {
		json_object_put(root);
		json_object_put(devs);
		return -ENOMEM;
	}
	json_object_object_add(root, "format", json_object_new_int(1));
	for (size_t i = 0; i < j->n; i++) {
		struct journal_entry *e = &j->entries[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "bdf", json_object_new_string(e->bdf));
		json_object_object_add(o, "driver",
				       e->driver ? json_object_new_string(e->driver) : NULL);
		json_object_object_add(o, "driver_override",
				       e->override ? json_object_new_string(e->override) : NULL);
		if (e->power)
			json_object_object_add(o, "power_control",
					       json_object_new_string(e->power));
		json_object_object_add(o, "state",
				       json_object_new_string(e->numvfs >= 0 ? "sriov"
							      : e->bound     ? "bound"
									     : "moving"));
		if (e->numvfs >= 0)
			json_object_object_add(o, "sriov_numvfs", json_object_new_int(e->numvfs));
		json_object_array_add(devs, o);
	}
	json_object_object_add(root, "devices", devs);
	text = json_object_to_json_string_ext(root,
					      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	{
		_cleanup_free_ char *line = NULL;

		err = asprintf(&line, "%s\n", text) < 0
			      ? -ENOMEM
			      : path_write_atomic(j->ctx, VFIOKIT_JOURNAL, line, strlen(line));
	}
	json_object_put(root);
	return err;
}

struct journal_entry *journal_find(struct journal *j, const char *bdf)
{
	for (size_t i = 0; i < j->n; i++)
		if (streq(j->entries[i].bdf, bdf))
			return &j->entries[i];
	return NULL;
}

int journal_stage(struct journal *j, const char *bdf, const char *driver, const char *override)
{
	struct journal_entry *e = realloc(j->entries, (j->n + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	j->entries = e;
	e = &j->entries[j->n];
	*e = (struct journal_entry){};
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	e->numvfs = -1;
	e->driver = driver ? strdup(driver) : NULL;
	e->override = override ? strdup(override) : NULL;
	if ((driver && !e->driver) || (override && !e->override)) {
		entry_clear(e);
		return -ENOMEM;
	}
	j->n++;
	return 0;
}

int journal_add(struct journal *j, const char *bdf, const char *driver, const char *override)
{
	int err = journal_stage(j, bdf, driver, override);

	return err < 0 ? err : journal_save(j);
}

void journal_unstage(struct journal *j, const char *bdf)
{
	struct journal_entry *e = journal_find(j, bdf);
	size_t i;

	if (!e)
		return;
	i = (size_t)(e - j->entries);
	entry_clear(e);
	memmove(&j->entries[i], &j->entries[i + 1], (j->n - i - 1) * sizeof(*e));
	j->n--;
}

int journal_remove(struct journal *j, const char *bdf)
{
	if (!journal_find(j, bdf))
		return 0;
	journal_unstage(j, bdf);
	return journal_save(j);
}

int journal_add_numvfs(struct journal *j, const char *bdf, int numvfs)
{
	struct journal_entry *e = realloc(j->entries, (j->n + 1) * sizeof(*e));

	if (!e)
		return -ENOMEM;
	j->entries = e;
	e = &j->entries[j->n];
	/* The old count goes into the same save as the entry: no window without it. */
	*e = (struct journal_entry){.numvfs = numvfs};
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	j->n++;
	return journal_save(j);
}
