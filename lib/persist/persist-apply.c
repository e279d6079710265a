// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "path.h"
#include "persist-private.h"

/*
 * The state file lists every file vfiokit changed since the system was last without its
 * configuration: whether the file existed then, where its content of that time is kept,
 * and the hash of what vfiokit last wrote, so undo notices files changed since. A second
 * apply keeps the first backups: undo always goes back to the state before vfiokit.
 *
 * It is read back as untrusted input: undo writes and deletes as root, so a path must be
 * one of the files persist itself generates, and the commands undo runs are rebuilt here
 * from the kernel options recorded, never taken as argv from the file.
 */
struct entry {
	char *path;
	bool existed;
	unsigned long long written; /* hash of the content vfiokit wrote; 0: removed it */
	bool removed;
	mode_t mode; /* the original's mode and owner, given back by undo */
	uid_t uid;   /* (uid_t)-1: not recorded (the first format) */
	gid_t gid;
};

/* Kernel options a boot tool added (grubby --args, kernelstub --add-options). */
struct undo {
	bool kernelstub; /* else grubby */
	char *options;	 /* space-separated */
};

struct state {
	struct entry *e;
	size_t n;
	struct undo *undo;
	size_t n_undo;
	char **dirs; /* directories apply created, parents first, for undo to remove */
	size_t n_dirs;
	struct persist_sriov sriov; /* the PF given VFs at boot; pf "" for none */
};

#define STATE_FORMAT 2

static void state_free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	for (size_t i = 0; i < s->n_undo; i++)
		free(s->undo[i].options);
	free(s->undo);
	for (size_t i = 0; i < s->n_dirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->sriov.vfs);
	*s = (struct state){};
}

static void backup_path(const char *path, char *buf, size_t size)
{
	size_t k = (size_t)snprintf(buf, size, VFIOKIT_PERSIST_DIR "/backup/");

	for (const char *p = path; *p && k + 1 < size; p++)
		buf[k++] = *p == '/' ? '%' : *p;
	buf[k] = '\0';
}

/* @s after @prefix, or NULL when it does not start with it. */
static const char *after(const char *s, const char *prefix)
{
	return startswith(s, prefix) ? s + strlen(prefix) : NULL;
}

/* A systemd-boot entry persist may edit: DIR/NAME.conf, NAME one plain file name. */
static bool is_loader_entry(const char *path)
{
	static const char *const dirs[] = {BOOT_LOADER_ENTRIES "/", EFI_LOADER_ENTRIES "/"};

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		const char *name = after(path, dirs[d]);
		size_t l = name ? strlen(name) : 0;

		if (name && l > 5 && l < 256 && name[0] != '.' && !strchr(name, '/') &&
		    streq(name + l - 5, ".conf"))
			return true;
	}
	return false;
}

bool persist_path_is_generated(const char *path)
{
	static const char *const files[] = {
		VFIOKIT_UDEV_RULE,	 VFIOKIT_MODPROBE_CONF,	  BOOSTER_CONF,
		INITRAMFS_TOOLS_MODULES, INITRAMFS_TOOLS_HOOK,	  DRACUT_VFIOKIT_CONF,
		MKINITCPIO_CONF,	 MKINITCPIO_VFIOKIT_CONF, ETC_DEFAULT_GRUB,
		ETC_KERNEL_CMDLINE,
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (streq(path, files[i]))
			return true;
	return is_loader_entry(path);
}

/* A directory persist may create: a proper parent of a file it writes. */
static bool is_generated_dir(const char *dir)
{
	static const char *const files[] = {
		VFIOKIT_UDEV_RULE,   VFIOKIT_MODPROBE_CONF,   INITRAMFS_TOOLS_HOOK,
		DRACUT_VFIOKIT_CONF, MKINITCPIO_VFIOKIT_CONF, ETC_KERNEL_CMDLINE,
	};
	size_t l = strlen(dir);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (l > 0 && startswith(files[i], dir) && files[i][l] == '/')
			return true;
	return false;
}

/* Options as persist adds them: words of [A-Za-z0-9._,:=+-] separated by one space. */
static bool valid_options(const char *s)
{
	if (!*s || *s == ' ' || strlen(s) > 4096)
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("._,:=+-", *p) ||
		      (*p == ' ' && p[1] && p[1] != ' ')))
			return false;
	return true;
}

_printf_(2, 3) static int bad(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_addv(why, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int add_undo(struct state *s, bool kernelstub, const char *options)
{
	struct undo *grown = realloc(s->undo, (s->n_undo + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	s->undo = grown;
	s->undo[s->n_undo] = (struct undo){.kernelstub = kernelstub, .options = strdup(options)};
	if (!s->undo[s->n_undo].options)
		return -ENOMEM;
	s->n_undo++;
	return 0;
}

/* The current form: {"tool": "grubby"|"kernelstub", "options": "a=b c"}. */
static int load_undo(struct state *s, struct json_object *o, size_t i, char **why)
{
	struct json_object *tool, *opts;
	const char *t;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "tool", &tool) ||
	    !json_object_is_type(tool, json_type_string) ||
	    !json_object_object_get_ex(o, "options", &opts) ||
	    !json_object_is_type(opts, json_type_string))
		return bad(why, "undo[%zu] is not {\"tool\": ..., \"options\": ...}", i);
	t = json_object_get_string(tool);
	if (!streq(t, "grubby") && !streq(t, "kernelstub"))
		return bad(why, "undo[%zu].tool is not grubby or kernelstub", i);
	if (!valid_options(json_object_get_string(opts)))
		return bad(why, "undo[%zu].options is not a list of kernel options", i);
	return add_undo(s, streq(t, "kernelstub"), json_object_get_string(opts));
}

/*
 * The first form kept argv: only the two commands apply ever wrote are recognised, and
 * only their options are kept; the command itself is rebuilt when undo runs.
 */
static int load_legacy_undo(struct state *s, struct json_object *cmd, size_t i, char **why)
{
	const char *argv[3] = {};
	const char *opts = NULL;

	if (!json_object_is_type(cmd, json_type_array) || json_object_array_length(cmd) != 3)
		return bad(why, "undo_commands[%zu] is not a command persist writes", i);
	for (size_t k = 0; k < 3; k++) {
		struct json_object *v = json_object_array_get_idx(cmd, k);

		if (!json_object_is_type(v, json_type_string))
			return bad(why, "undo_commands[%zu] is not a command persist writes", i);
		argv[k] = json_object_get_string(v);
	}
	if (streq(argv[0], "grubby") && streq(argv[1], "--update-kernel=ALL"))
		opts = after(argv[2], "--remove-args=");
	else if (streq(argv[0], "kernelstub") && streq(argv[1], "--delete-options"))
		opts = argv[2];
	if (!opts || !valid_options(opts))
		return bad(why, "undo_commands[%zu] is not a command persist writes", i);
	return add_undo(s, streq(argv[0], "kernelstub"), opts);
}

/* "mode", "uid" and "gid" of the original file; absent in the first format. */
static int load_owner(struct json_object *o, size_t i, struct entry *e, char **why)
{
	struct json_object *mode, *uid, *gid;
	bool has_mode = json_object_object_get_ex(o, "mode", &mode);
	bool has_uid = json_object_object_get_ex(o, "uid", &uid);
	bool has_gid = json_object_object_get_ex(o, "gid", &gid);

	if (has_mode && (!json_object_is_type(mode, json_type_int) ||
			 json_object_get_int64(mode) < 0 || json_object_get_int64(mode) > 07777))
		return bad(why, "files[%zu].mode is not a file mode", i);
	if (has_uid != has_gid ||
	    (has_uid &&
	     (!json_object_is_type(uid, json_type_int) ||
	      !json_object_is_type(gid, json_type_int) || json_object_get_int64(uid) < 0 ||
	      json_object_get_int64(gid) < 0 || json_object_get_int64(uid) >= UINT32_MAX ||
	      json_object_get_int64(gid) >= UINT32_MAX)))
		return bad(why, "files[%zu].uid and .gid are not user and group ids", i);
	if (has_mode)
		e->mode = (mode_t)json_object_get_int64(mode);
	if (has_uid) {
		e->uid = (uid_t)json_object_get_int64(uid);
		e->gid = (gid_t)json_object_get_int64(gid);
	}
	return 0;
}

static int add_dir(struct state *s, const char *dir)
{
	char **grown = realloc(s->dirs, (s->n_dirs + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	s->dirs = grown;
	s->dirs[s->n_dirs] = strdup(dir);
	if (!s->dirs[s->n_dirs])
		return -ENOMEM;
	s->n_dirs++;
	return 0;
}

static int load_dirs(struct state *s, struct json_object *root, char **why)
{
	struct json_object *dirs;
	int err = 0;

	if (!json_object_object_get_ex(root, "created_dirs", &dirs))
		return 0;
	if (!json_object_is_type(dirs, json_type_array))
		return bad(why, "\"created_dirs\" is not an array");
	for (size_t i = 0; err >= 0 && i < json_object_array_length(dirs); i++) {
		struct json_object *v = json_object_array_get_idx(dirs, i);

		if (!json_object_is_type(v, json_type_string) ||
		    !is_generated_dir(json_object_get_string(v)))
			return bad(why, "created_dirs[%zu] is not a directory persist creates", i);
		err = add_dir(s, json_object_get_string(v));
	}
	return err;
}

bool persist_is_bdf(const char *s)
{
	char canon[VFK_ADDR_STRLEN];
	struct vfk_addr a;

	return s && strlen(s) < VFK_ADDR_STRLEN && vfk_addr_parse(s, &a, NULL) == 0 &&
	       streq(vfk_addr_format(&a, canon), s);
}

/* "sriov": {"pf": BDF, "vfs": N, "bind_vfs": bool, "vf_addresses": [N BDFs]}. */
static int load_sriov(struct state *s, struct json_object *root, char **why)
{
	struct json_object *o, *pf, *vfs, *bind, *addrs;
	struct persist_sriov *r = &s->sriov;
	size_t n;

	if (!json_object_object_get_ex(root, "sriov", &o))
		return 0;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "pf", &pf) ||
	    !json_object_is_type(pf, json_type_string) ||
	    !json_object_object_get_ex(o, "vfs", &vfs) ||
	    !json_object_is_type(vfs, json_type_int) ||
	    !json_object_object_get_ex(o, "bind_vfs", &bind) ||
	    !json_object_is_type(bind, json_type_boolean) ||
	    !json_object_object_get_ex(o, "vf_addresses", &addrs) ||
	    !json_object_is_type(addrs, json_type_array) || json_object_object_length(o) != 4)
		return bad(why, "\"sriov\" is not {\"pf\": string, \"vfs\": int, \"bind_vfs\": "
				"bool, \"vf_addresses\": array}");
	if (!persist_is_bdf(json_object_get_string(pf)))
		return bad(why, "sriov.pf '%.40s' is not a PCI address",
			   json_object_get_string(pf));
	if (json_object_get_int64(vfs) < 1 || json_object_get_int64(vfs) > 65535)
		return bad(why, "sriov.vfs is not 1 to 65535");
	n = json_object_array_length(addrs);
	if (n != (size_t)json_object_get_int64(vfs))
		return bad(why, "sriov.vf_addresses has %zu entries, not sriov.vfs", n);
	r->vfs = calloc(n, sizeof(*r->vfs));
	if (!r->vfs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(addrs, i);

		if (!json_object_is_type(v, json_type_string) ||
		    !persist_is_bdf(json_object_get_string(v)))
			return bad(why, "sriov.vf_addresses[%zu] is not a PCI address", i);
		snprintf(r->vfs[i], sizeof(r->vfs[i]), "%s", json_object_get_string(v));
	}
	snprintf(r->pf, sizeof(r->pf), "%s", json_object_get_string(pf));
	r->n_vfs = (unsigned int)n;
	r->bind = json_object_get_boolean(bind);
	return 0;
}

static int load_entry(struct state *s, struct json_object *o, size_t i, char **why)
{
	struct json_object *path, *existed, *removed, *written;
	const char *hash;
	struct entry *e;
	char *end;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "path", &path) ||
	    !json_object_is_type(path, json_type_string) ||
	    !json_object_object_get_ex(o, "existed", &existed) ||
	    !json_object_is_type(existed, json_type_boolean) ||
	    !json_object_object_get_ex(o, "removed", &removed) ||
	    !json_object_is_type(removed, json_type_boolean) ||
	    !json_object_object_get_ex(o, "written", &written) ||
	    !json_object_is_type(written, json_type_string))
		return bad(why,
			   "files[%zu] is not {\"path\": string, \"existed\": bool, \"removed\": "
			   "bool, \"written\": string}",
			   i);
	if (!persist_path_is_generated(json_object_get_string(path)))
		return bad(why, "files[%zu].path '%.100s' is not a file persist writes", i,
			   json_object_get_string(path));
	hash = json_object_get_string(written);
	if (strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16)
		return bad(why, "files[%zu].written is not 16 hex digits", i);
	for (size_t k = 0; k < s->n; k++)
		if (streq(s->e[k].path, json_object_get_string(path)))
			return bad(why, "files[%zu]: /%s is listed twice", i, s->e[k].path);
	e = realloc(s->e, (s->n + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	s->e = e;
	e = &s->e[s->n];
	*e = (struct entry){.existed = json_object_get_boolean(existed),
			    .removed = json_object_get_boolean(removed),
			    .written = strtoull(hash, &end, 16),
			    .mode = 0644,
			    .uid = (uid_t)-1,
			    .gid = (gid_t)-1,
			    .path = strdup(json_object_get_string(path))};
	if (!e->path)
		return -ENOMEM;
	s->n++;
	return load_owner(o, i, e, why);
}

static int state_parse(struct state *s, struct json_object *root, char **why)
{
	struct json_object *files, *undo, *v;
	bool legacy;
	int err = 0;

	if (!json_object_is_type(root, json_type_object))
		return bad(why, "not a JSON object");
	if (json_object_object_get_ex(root, "format", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != STATE_FORMAT))
		return bad(why, "\"format\" is not %d", STATE_FORMAT);
	if (!json_object_object_get_ex(root, "files", &files) ||
	    !json_object_is_type(files, json_type_array))
		return bad(why, "\"files\" is not an array");
	for (size_t i = 0; err >= 0 && i < json_object_array_length(files); i++)
		err = load_entry(s, json_object_array_get_idx(files, i), i, why);
	if (err >= 0)
		err = load_dirs(s, root, why);
	if (err >= 0)
		err = load_sriov(s, root, why);
	legacy = json_object_object_get_ex(root, "undo_commands", &undo);
	if (err >= 0 && (legacy || json_object_object_get_ex(root, "undo", &undo)) &&
	    !json_object_is_type(undo, json_type_array))
		err = bad(why, "\"%s\" is not an array", legacy ? "undo_commands" : "undo");
	for (size_t i = 0; err >= 0 && undo && i < json_object_array_length(undo); i++)
		err = legacy ? load_legacy_undo(s, json_object_array_get_idx(undo, i), i, why)
			     : load_undo(s, json_object_array_get_idx(undo, i), i, why);
	return err;
}

int persist_state_parse_text(const char *text, size_t n, char **why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	struct state s = {};
	int err;

	if (!tok)
		return -ENOMEM;
	root = n <= INT_MAX ? json_tokener_parse_ex(tok, text, (int)n) : NULL;
	if (!root || json_tokener_get_parse_end(tok) < n)
		err = bad(why, "not one JSON object");
	else
		err = state_parse(&s, root, why);
	json_object_put(root);
	json_tokener_free(tok);
	state_free(&s);
	return err;
}

/* Loads the state; a file that is not what persist writes is -EBADMSG with a sentence in
 * @why naming the file, the fault and the fix. */
static int state_load(struct vfk_ctx *ctx, struct state *s, char **why)
{
	_cleanup_free_ char *text = NULL, *inner = NULL;
	struct json_object *root;
	struct json_tokener *tok;
	ssize_t n = path_read_all(ctx, VFIOKIT_PERSIST_STATE, 1u << 20, &text);
	int err;

	*s = (struct state){};
	if (n < 0) {
		if (n != -ENOENT)
			detail_add(why, "cannot read /%s: %s", VFIOKIT_PERSIST_STATE,
				   strerror((int)-n));
		return (int)n;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)n);
	/* json-c stops after the object; only blanks may follow. */
	if (root && text[json_tokener_get_parse_end(tok) +
			 strspn(text + json_tokener_get_parse_end(tok), " \t\r\n")] != '\0') {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	err = root ? state_parse(s, root, &inner) : bad(&inner, "not one JSON object");
	json_object_put(root);
	if (err < 0) {
		state_free(s);
		if (err == -EBADMSG)
			detail_add(
				why,
				"/%s is damaged: %s. Nothing was changed. It is vfiokit's record "
				"of the files persist changed: repair what is named, or move it "
				"aside and undo by hand (the backups are in /%s/backup)",
				VFIOKIT_PERSIST_STATE, inner ? inner : "unreadable",
				VFIOKIT_PERSIST_DIR);
	}
	return err;
}

static int state_save(struct vfk_ctx *ctx, const struct state *s)
{
	struct json_object *root = json_object_new_object(), *files = json_object_new_array();
	struct json_object *undo = json_object_new_array();
	const char *text;
	char hash[32];
	int err;

	if (!root || !files || !undo) {
		json_object_put(root);
		json_object_put(files);
		json_object_put(undo);
		return -ENOMEM;
	}
	json_object_object_add(root, "format", json_object_new_int(STATE_FORMAT));
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *o = json_object_new_object();

		snprintf(hash, sizeof(hash), "%016llx", s->e[i].written);
		json_object_object_add(o, "path", json_object_new_string(s->e[i].path));
		json_object_object_add(o, "existed", json_object_new_boolean(s->e[i].existed));
		json_object_object_add(o, "removed", json_object_new_boolean(s->e[i].removed));
		json_object_object_add(o, "written", json_object_new_string(hash));
		json_object_object_add(o, "mode", json_object_new_int((int)s->e[i].mode));
		if (s->e[i].uid != (uid_t)-1) {
			json_object_object_add(o, "uid", json_object_new_int64(s->e[i].uid));
			json_object_object_add(o, "gid", json_object_new_int64(s->e[i].gid));
		}
		json_object_array_add(files, o);
	}
	json_object_object_add(root, "files", files);
	if (s->n_dirs) {
		struct json_object *dirs = json_object_new_array();

		for (size_t i = 0; dirs && i < s->n_dirs; i++)
			json_object_array_add(dirs, json_object_new_string(s->dirs[i]));
		json_object_object_add(root, "created_dirs", dirs);
	}
	if (s->sriov.pf[0]) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (size_t i = 0; a && i < s->sriov.n_vfs; i++)
			json_object_array_add(a, json_object_new_string(s->sriov.vfs[i]));
		json_object_object_add(o, "pf", json_object_new_string(s->sriov.pf));
		json_object_object_add(o, "vfs", json_object_new_int((int)s->sriov.n_vfs));
		json_object_object_add(o, "bind_vfs", json_object_new_boolean(s->sriov.bind));
		json_object_object_add(o, "vf_addresses", a);
		json_object_object_add(root, "sriov", o);
	}
	for (size_t i = 0; i < s->n_undo; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(
			o, "tool",
			json_object_new_string(s->undo[i].kernelstub ? "kernelstub" : "grubby"));
		json_object_object_add(o, "options", json_object_new_string(s->undo[i].options));
		json_object_array_add(undo, o);
	}
	json_object_object_add(root, "undo", undo);
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
		return path_write_file_owned(ctx, e->path, orig, strlen(orig), e->mode, e->uid,
					     e->gid);
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
	return path_write_file_owned(ctx, f->path, f->updated, strlen(f->updated), f->mode, f->uid,
				     f->gid);
}

/* Records the directories above @path that do not exist yet, parents first. */
static int note_new_dirs(struct vfk_ctx *ctx, struct state *s, const char *path)
{
	char dir[PATH_MAX];
	int err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir, '/'); err >= 0 && slash; slash = strchr(slash + 1, '/')) {
		bool known = false;

		*slash = '\0';
		for (size_t i = 0; i < s->n_dirs; i++)
			known |= streq(s->dirs[i], dir);
		if (!known && path_exists(ctx, dir) == -ENOENT && is_generated_dir(dir))
			err = add_dir(s, dir);
		*slash = '/';
	}
	return err;
}

/* grubby --args=X is taken back by --remove-args=X, kernelstub --add-options T by
 * --delete-options T; the other commands rebuild from files that undo puts back. */
static int record_undo(struct state *s, const char *const *argv)
{
	const char *opts = NULL;

	if (streq(argv[0], "grubby") && argv[1] && argv[2])
		opts = after(argv[2], "--args=");
	else if (streq(argv[0], "kernelstub") && argv[1] && argv[2] &&
		 streq(argv[1], "--add-options"))
		opts = argv[2];
	if (!opts || !valid_options(opts))
		return 0;
	return add_undo(s, streq(argv[0], "kernelstub"), opts);
}

int persist_state_sriov(struct vfk_ctx *ctx, struct persist_sriov *ret, char **why)
{
	struct state s;
	int err = state_load(ctx, &s, why);

	*ret = (struct persist_sriov){};
	if (err < 0)
		return err;
	*ret = s.sriov;
	s.sriov.vfs = NULL;
	state_free(&s);
	return ret->pf[0] ? 0 : -ENOENT;
}

int persist_undo_commands(struct vfk_persist *p, char **why)
{
	struct state s;
	int err = state_load(p->ctx, &s, why);

	if (err == -ENOENT)
		return 0;
	for (size_t i = 0; err >= 0 && i < s.n_undo; i++) {
		_cleanup_free_ char *arg = NULL;

		if (s.undo[i].kernelstub) {
			err = persist_add_command(
				p, (const char *const[]){"kernelstub", "--delete-options",
							 s.undo[i].options, NULL});
			continue;
		}
		if (asprintf(&arg, "--remove-args=%s", s.undo[i].options) < 0)
			return state_free(&s), -ENOMEM;
		err = persist_add_command(
			p, (const char *const[]){"grubby", "--update-kernel=ALL", arg, NULL});
	}
	state_free(&s);
	return err < 0 ? err : 0;
}

/* The lock bind and restore take: one vfiokit at a time changes the system. */
static int take_lock(struct vfk_ctx *ctx, char **why)
{
	int fd = path_mkdir_p(ctx, VFIOKIT_RUN_DIR, 0700);

	if (fd >= 0)
		fd = path_lock(ctx, VFIOKIT_LOCK);
	if (fd == -EBUSY)
		detail_add(why,
			   "another vfiokit is changing the system (lock /%s held); nothing was "
			   "changed: try again when it has finished",
			   VFIOKIT_LOCK);
	else if (fd < 0)
		detail_add(why, "cannot take the lock /%s: %s", VFIOKIT_LOCK, strerror(-fd));
	return fd;
}

VFK_EXPORT int vfk_persist_apply(struct vfk_persist *p, char **ret_detail)
{
	_cleanup_close_ int lock = -1;
	struct state s = {}, before = {};
	size_t done = 0, n_before, n_dirs_before;
	int err;

	assert_return(p, -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	lock = take_lock(p->ctx, ret_detail);
	if (lock < 0)
		return lock;
	err = state_load(p->ctx, &s, ret_detail);
	if (err == -ENOENT)
		err = 0;
	if (err < 0)
		return err;
	n_before = s.n;
	n_dirs_before = s.n_dirs;
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
		s.e[s.n] = (struct entry){.path = strdup(f->path),
					  .existed = f->old != NULL,
					  .mode = f->old_mode,
					  .uid = f->uid,
					  .gid = f->gid};
		if (!s.e[s.n].path) {
			err = -ENOMEM;
			break;
		}
		s.n++;
	}
	for (size_t i = 0; i < p->n_files && err >= 0; i++)
		if (p->files[i].updated && !same(p->files[i].old, p->files[i].updated))
			err = note_new_dirs(p->ctx, &s, p->files[i].path);
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
			struct pfile back = {.path = f->path,
					     .updated = f->old,
					     .mode = f->old_mode,
					     .uid = f->uid,
					     .gid = f->gid};

			if (!same(f->old, f->updated) && write_one(p->ctx, &back) < 0)
				detail_add(ret_detail,
					   "/%s could not be put back; `vfiokit persist --undo` "
					   "will",
					   f->path);
		}
		/* The directories this call made go, children first, if empty. */
		for (size_t i = s.n_dirs; i-- > n_dirs_before;)
			path_rmdir(p->ctx, s.dirs[i]);
		/* The entries added by this call go; earlier ones stay. */
		before = s;
		before.n = n_before;
		before.n_dirs = n_dirs_before;
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
	/* The PF this configuration gives VFs, for --verify; another apply replaces it. */
	free(s.sriov.vfs);
	s.sriov = (struct persist_sriov){};
	if (p->sriov.pf[0]) {
		s.sriov = p->sriov;
		s.sriov.vfs = calloc(p->sriov.n_vfs, sizeof(*s.sriov.vfs));
		if (!s.sriov.vfs) {
			state_free(&s);
			return -ENOMEM;
		}
		memcpy(s.sriov.vfs, p->sriov.vfs, p->sriov.n_vfs * sizeof(*s.sriov.vfs));
	}
	err = state_save(p->ctx, &s);
	state_free(&s);
	return err;
}

VFK_EXPORT int vfk_persist_undo(struct vfk_ctx *ctx, unsigned int flags, size_t *ret_n_files,
				char **ret_detail)
{
	bool dry = flags & VFK_PERSIST_UNDO_DRY_RUN;
	_cleanup_close_ int lock = -1;
	struct state s;
	size_t n = 0;
	int err, first = 0;

	assert_return(ctx && !(flags & ~(unsigned int)VFK_PERSIST_UNDO_DRY_RUN), -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	if (!dry) {
		lock = take_lock(ctx, ret_detail);
		if (lock < 0)
			return lock;
	}
	err = state_load(ctx, &s, ret_detail);
	if (err < 0) {
		if (err == -ENOENT)
			detail_add(ret_detail, "nothing to undo: /%s does not exist",
				   VFIOKIT_PERSIST_STATE);
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
		/* The directories apply made, children first, each only if now empty. */
		for (size_t i = s.n_dirs; i-- > 0;)
			path_rmdir(ctx, s.dirs[i]);
		err = path_unlink(ctx, VFIOKIT_PERSIST_STATE);
		if (err < 0)
			first = err;
	}
	state_free(&s);
	if (ret_n_files)
		*ret_n_files = n;
	return first;
}
