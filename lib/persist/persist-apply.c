// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "path.h"
#include "persist-private.h"

/*
 * The state file lists every file vfiokit changed since the system was last without its
 * configuration: whether the file existed then, where its content of that time is kept,
 * and the hash of what vfiokit last wrote, so undo notices files changed since. A second
 * apply keeps the first backups: undo always goes back to the state before vfiokit.
 */
struct entry {
	char *path;
	bool existed;
	unsigned long long written; /* hash of the content vfiokit wrote; 0: removed it */
	bool removed;
};

struct state {
	struct entry *e;
	size_t n;
	/* Commands that take back what the apply's commands did to boot entries
	 * (grubby, kernelstub), for --undo to run. */
	struct json_object *undo;
};

static void state_free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	json_object_put(s->undo);
	*s = (struct state){};
}

static void backup_path(const char *path, char *buf, size_t size)
{
	size_t k = (size_t)snprintf(buf, size, VFIOKIT_PERSIST_DIR "/backup/");

	for (const char *p = path; *p && k + 1 < size; p++)
		buf[k++] = *p == '/' ? '%' : *p;
	buf[k] = '\0';
}

static int state_load(struct vfk_ctx *ctx, struct state *s)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *root, *files;
	ssize_t n = path_read_all(ctx, VFIOKIT_PERSIST_STATE, 1u << 20, &text);
	int err = 0;

	*s = (struct state){};
	if (n < 0)
		return (int)n;
	root = json_tokener_parse(text);
	if (!root || !json_object_object_get_ex(root, "files", &files)) {
		json_object_put(root);
		return -EBADMSG;
	}
	if (json_object_object_get_ex(root, "undo_commands", &s->undo))
		json_object_get(s->undo);
	for (size_t i = 0; i < json_object_array_length(files) && err >= 0; i++) {
		struct json_object *o = json_object_array_get_idx(files, i), *v;
		struct entry *grown = realloc(s->e, (s->n + 1) * sizeof(*grown));

		if (!grown) {
			err = -ENOMEM;
			break;
		}
		s->e = grown;
		s->e[s->n] = (struct entry){};
		if (!json_object_object_get_ex(o, "path", &v) || !json_object_get_string(v))
			continue;
		s->e[s->n].path = strdup(json_object_get_string(v));
		s->e[s->n].existed =
			json_object_object_get_ex(o, "existed", &v) && json_object_get_boolean(v);
		s->e[s->n].removed =
			json_object_object_get_ex(o, "removed", &v) && json_object_get_boolean(v);
		if (json_object_object_get_ex(o, "written", &v))
			s->e[s->n].written = strtoull(json_object_get_string(v), NULL, 16);
		if (!s->e[s->n].path)
			err = -ENOMEM;
		else
			s->n++;
	}
	json_object_put(root);
	if (err < 0)
		state_free(s);
	return err;
}

static int state_save(struct vfk_ctx *ctx, const struct state *s)
{
	struct json_object *root = json_object_new_object(), *files = json_object_new_array();
	const char *text;
	char hash[32];
	int err;

	if (!root || !files) {
		json_object_put(root);
		json_object_put(files);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *o = json_object_new_object();

		snprintf(hash, sizeof(hash), "%016llx", s->e[i].written);
		json_object_object_add(o, "path", json_object_new_string(s->e[i].path));
		json_object_object_add(o, "existed", json_object_new_boolean(s->e[i].existed));
		json_object_object_add(o, "removed", json_object_new_boolean(s->e[i].removed));
		json_object_object_add(o, "written", json_object_new_string(hash));
		json_object_array_add(files, o);
	}
	json_object_object_add(root, "files", files);
	if (s->undo)
		json_object_object_add(root, "undo_commands", json_object_get(s->undo));
	text = json_object_to_json_string_ext(root,
					      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	err = path_write_atomic(ctx, VFIOKIT_PERSIST_STATE, text, strlen(text));
	json_object_put(root);
	return err;
}

static struct entry *state_find(struct state *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->e[i].path, path))
			return &s->e[i];
	return NULL;
}

/* Puts @e's file back to @orig, its content before vfiokit (NULL: it did not exist). */
static int put_back(struct vfk_ctx *ctx, const struct entry *e, const char *orig)
{
	int err;

	if (e->existed)
		return path_write_file(ctx, e->path, orig, strlen(orig), 0644);
	err = path_unlink(ctx, e->path);
	return err == -ENOENT ? 0 : err;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

static int write_one(struct vfk_ctx *ctx, const struct pfile *f)
{
	char dir[PATH_MAX];
	int err;

	if (!f->updated) {
		err = path_unlink(ctx, f->path);
		return err == -ENOENT ? 0 : err;
	}
	snprintf(dir, sizeof(dir), "%s", f->path);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		err = path_mkdir_p(ctx, dir, 0755);
		if (err < 0)
			return err;
	}
	return path_write_file(ctx, f->path, f->updated, strlen(f->updated), f->mode);
}

/* grubby --args=X is taken back by --remove-args=X, kernelstub --add-options T by
 * --delete-options T; the other commands rebuild from files that undo puts back. */
static int record_undo(struct state *s, const char *const *argv)
{
	struct json_object *cmd;
	char *arg = NULL;

	if (streq(argv[0], "grubby") && argv[1] && argv[2] && startswith(argv[2], "--args=")) {
		if (asprintf(&arg, "--remove-args=%s", argv[2] + strlen("--args=")) < 0)
			return -ENOMEM;
	} else if (streq(argv[0], "kernelstub") && argv[1] && argv[2] &&
		   streq(argv[1], "--add-options")) {
		if (!(arg = strdup(argv[2])))
			return -ENOMEM;
	} else {
		return 0;
	}
	if (!s->undo && !(s->undo = json_object_new_array())) {
		free(arg);
		return -ENOMEM;
	}
	cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string(argv[0]));
	if (streq(argv[0], "grubby")) {
		json_object_array_add(cmd, json_object_new_string("--update-kernel=ALL"));
	} else {
		json_object_array_add(cmd, json_object_new_string("--delete-options"));
	}
	json_object_array_add(cmd, json_object_new_string(arg));
	json_object_array_add(s->undo, cmd);
	free(arg);
	return 0;
}

int persist_undo_commands(struct vfk_persist *p)
{
	struct state s;
	int err = state_load(p->ctx, &s);

	if (err == -ENOENT)
		return 0;
	for (size_t i = 0; err >= 0 && s.undo && i < json_object_array_length(s.undo); i++) {
		struct json_object *cmd = json_object_array_get_idx(s.undo, i);
		const char *argv[4] = {};

		for (size_t k = 0; k < 3 && k < json_object_array_length(cmd); k++)
			argv[k] = json_object_get_string(json_object_array_get_idx(cmd, k));
		if (argv[0] && argv[1] && argv[2])
			err = persist_add_command(p, argv);
	}
	state_free(&s);
	return err < 0 ? err : 0;
}

VFK_EXPORT int vfk_persist_apply(struct vfk_persist *p, char **ret_detail)
{
	struct state s = {}, before = {};
	size_t done = 0, n_before;
	int err;

	assert_return(p, -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	err = state_load(p->ctx, &s);
	if (err == -ENOENT)
		err = 0;
	if (err < 0) {
		detail_add(ret_detail, "cannot read /%s: %s", VFIOKIT_PERSIST_STATE,
			   strerror(-err));
		return err;
	}
	n_before = s.n;
	err = path_mkdir_p(p->ctx, VFIOKIT_PERSIST_DIR "/backup", 0700);
	/* Backups first, and the list of what is about to change, before any change. */
	for (size_t i = 0; i < p->n_files && err >= 0; i++) {
		const struct pfile *f = &p->files[i];
		char backup[PATH_MAX];
		struct entry *grown;

		if (same(f->old, f->updated) || state_find(&s, f->path))
			continue;
		if (f->old) {
			backup_path(f->path, backup, sizeof(backup));
			err = path_write_atomic(p->ctx, backup, f->old, strlen(f->old));
			if (err < 0) {
				detail_add(ret_detail, "cannot keep a backup of /%s in /%s: %s",
					   f->path, backup, strerror(-err));
				break;
			}
		}
		grown = realloc(s.e, (s.n + 1) * sizeof(*grown));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		s.e = grown;
		s.e[s.n] = (struct entry){.path = strdup(f->path), .existed = f->old != NULL};
		if (!s.e[s.n].path) {
			err = -ENOMEM;
			break;
		}
		s.n++;
	}
	if (err >= 0)
		err = state_save(p->ctx, &s);
	for (; err >= 0 && done < p->n_files; done++) {
		const struct pfile *f = &p->files[done];

		if (same(f->old, f->updated))
			continue;
		err = write_one(p->ctx, f);
		if (err < 0)
			detail_add(ret_detail, "cannot write /%s: %s", f->path, strerror(-err));
	}
	if (err < 0) {
		/* All or nothing: the files written go back to what they were. */
		for (size_t i = done; i-- > 0;) {
			const struct pfile *f = &p->files[i];
			struct pfile back = {.path = f->path, .updated = f->old, .mode = 0644};

			if (!same(f->old, f->updated) && write_one(p->ctx, &back) < 0)
				detail_add(ret_detail,
					   "/%s could not be put back; `vfiokit persist --undo` "
					   "will",
					   f->path);
		}
		/* The entries added by this call go; earlier ones stay. */
		before = s;
		before.n = n_before;
		if (n_before ? state_save(p->ctx, &before) >= 0
			     : path_unlink(p->ctx, VFIOKIT_PERSIST_STATE) >= 0)
			detail_add(ret_detail, "nothing was changed");
		state_free(&s);
		return err;
	}
	for (size_t i = 0; i < p->n_commands && err >= 0; i++)
		err = record_undo(&s, (const char *const *)p->commands[i]);
	for (size_t i = 0; i < p->n_files; i++) {
		struct entry *e = state_find(&s, p->files[i].path);

		if (e && !same(p->files[i].old, p->files[i].updated)) {
			e->written = p->files[i].updated ? persist_hash(p->files[i].updated) : 0;
			e->removed = !p->files[i].updated;
		}
	}
	err = state_save(p->ctx, &s);
	state_free(&s);
	return err;
}

VFK_EXPORT int vfk_persist_undo(struct vfk_ctx *ctx, unsigned int flags, size_t *ret_n_files,
				char **ret_detail)
{
	bool dry = flags & VFK_PERSIST_UNDO_DRY_RUN;
	struct state s;
	size_t n = 0;
	int err, first = 0;

	assert_return(ctx && !(flags & ~(unsigned int)VFK_PERSIST_UNDO_DRY_RUN), -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	err = state_load(ctx, &s);
	if (err < 0) {
		if (err == -ENOENT)
			detail_add(ret_detail, "nothing to undo: /%s does not exist",
				   VFIOKIT_PERSIST_STATE);
		else
			detail_add(ret_detail, "cannot read /%s: %s", VFIOKIT_PERSIST_STATE,
				   strerror(-err));
		return err;
	}
	for (size_t i = 0; i < s.n; i++) {
		_cleanup_free_ char *now = NULL, *orig = NULL;
		bool present = path_read_all(ctx, s.e[i].path, 1u << 20, &now) >= 0;
		char backup[PATH_MAX];

		backup_path(s.e[i].path, backup, sizeof(backup));
		if (s.e[i].existed && path_read_all(ctx, backup, 1u << 20, &orig) < 0) {
			detail_add(ret_detail, "cannot read the backup /%s of /%s", backup,
				   s.e[i].path);
			if (!first)
				first = -EIO;
			continue;
		}
		/* Already as before vfiokit: an apply that stopped before this file. */
		if (s.e[i].existed ? present && streq(orig, now) : !present) {
			n++;
			continue;
		}
		/* A file edited by someone since vfiokit wrote it is theirs now. */
		if (s.e[i].written && (!present || persist_hash(now) != s.e[i].written)) {
			detail_add(ret_detail, "/%s changed since vfiokit wrote it; left alone",
				   s.e[i].path);
			if (!first)
				first = -EBUSY;
			continue;
		}
		if (dry) {
			detail_add(ret_detail, "would put back /%s%s", s.e[i].path,
				   s.e[i].existed ? "" : " (vfiokit made it: removed)");
			n++;
			continue;
		}
		err = put_back(ctx, &s.e[i], orig);
		if (err < 0) {
			detail_add(ret_detail, "cannot put back /%s: %s", s.e[i].path,
				   strerror(-err));
			if (!first)
				first = err;
			continue;
		}
		n++;
	}
	if (!first && !dry) {
		for (size_t i = 0; i < s.n; i++) {
			char backup[PATH_MAX];

			backup_path(s.e[i].path, backup, sizeof(backup));
			if (s.e[i].existed)
				path_unlink(ctx, backup);
		}
		err = path_unlink(ctx, VFIOKIT_PERSIST_STATE);
		if (err < 0)
			first = err;
	}
	state_free(&s);
	if (ret_n_files)
		*ret_n_files = n;
	return first;
}
