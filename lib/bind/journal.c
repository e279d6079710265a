// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "journal.h"
#include "pci/attr.h"
#include "path.h"

static void entry_clear(struct journal_entry *e)
{
	free(e->driver);
	free(e->override);
	free(e->power);
	*e = (struct journal_entry){};
}

/* The entry for @bdf's move (@sriov false) or for its sriov_numvfs (@sriov true). */
static struct journal_entry *find(struct journal *j, const char *bdf, bool sriov)
{
	for (size_t i = 0; i < j->n; i++)
		if (streq(j->entries[i].bdf, bdf) && (j->entries[i].numvfs >= 0) == sriov)
			return &j->entries[i];
	return NULL;
}

_printf_(2, 3) static int bad(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_addv(why, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* A kernel driver's name: one sysfs directory name, never a path or a hidden file. */
static bool valid_driver(const char *s)
{
	return s[0] != '.' && attr_valid_driver_name(s);
}

/* "driver" and "driver_override": null or a valid driver name. */
static int get_driver(struct json_object *o, const char *key, size_t i, char **ret, char **why)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return bad(why, "devices[%zu] has no \"%s\"", i, key);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(why, "devices[%zu].%s is not a string or null", i, key);
	s = json_object_get_string(v);
	if (!valid_driver(s))
		return bad(why, "devices[%zu].%s '%.64s' is not a driver name", i, key, s);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* One entry of "devices", every field checked; the journal is only ever what vfiokit wrote. */
static int load_entry(struct json_object *o, size_t i, struct journal_entry *e, char **why)
{
	const char *bdf = get_string(o, "bdf"), *state = get_string(o, "state"), *power;
	struct json_object *v;
	struct vfk_addr a;
	int err;

	e->numvfs = -1;
	if (!json_object_is_type(o, json_type_object))
		return bad(why, "devices[%zu] is not an object", i);
	if (!bdf || vfk_addr_parse(bdf, &a, NULL) < 0 || !streq(vfk_addr_format(&a, e->bdf), bdf))
		return bad(why, "devices[%zu].bdf is not a full PCI address (DDDD:BB:DD.F)", i);
	err = get_driver(o, "driver", i, &e->driver, why);
	if (err >= 0)
		err = get_driver(o, "driver_override", i, &e->override, why);
	if (err < 0)
		return err;
	if (json_object_object_get_ex(o, "power_control", &v)) {
		power = get_string(o, "power_control");
		if (!power || (!streq(power, "auto") && !streq(power, "on")))
			return bad(why, "devices[%zu].power_control is not \"auto\" or \"on\"", i);
		e->power = strdup(power);
		if (!e->power)
			return -ENOMEM;
	}
	if (!state || (!streq(state, "bound") && !streq(state, "moving") && !streq(state, "sriov")))
		return bad(why, "devices[%zu].state is not \"bound\", \"moving\" or \"sriov\"", i);
	e->bound = streq(state, "bound");
	if (streq(state, "sriov") != json_object_object_get_ex(o, "sriov_numvfs", &v))
		return bad(why, "devices[%zu]: \"sriov_numvfs\" belongs with state \"sriov\"", i);
	if (v && streq(state, "sriov")) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > 65535)
			return bad(why, "devices[%zu].sriov_numvfs is not a count 0-65535", i);
		e->numvfs = (int)json_object_get_int64(v);
	}
	return 0;
}

bool journal_valid_lend_node(const char *node)
{
	const char *digits = NULL;

	if (startswith(node, DEV_VFIO_DEVICES "/vfio"))
		digits = node + strlen(DEV_VFIO_DEVICES "/vfio");
	else if (startswith(node, DEV_VFIO "/"))
		digits = node + strlen(DEV_VFIO "/");
	return digits && digits[0] && strlen(digits) <= 10 &&
	       strspn(digits, "0123456789") == strlen(digits) && !(digits[0] == '0' && digits[1]);
}

static int get_id(struct json_object *o, const char *key, size_t i, int64_t max, int64_t *ret,
		  char **why)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0 || json_object_get_int64(v) > max)
		return bad(why, "lent[%zu].%s is not a number 0-%" PRId64, i, key, max);
	*ret = json_object_get_int64(v);
	return 0;
}

static int load_lends(struct journal *j, struct json_object *root, char **why)
{
	struct json_object *arr;
	size_t count;

	/* Optional: journals written before files were lent have none. */
	if (!json_object_object_get_ex(root, "lent", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return bad(why, "\"lent\" is not an array");
	count = json_object_array_length(arr);
	j->lends = calloc(count ? count : 1, sizeof(*j->lends));
	if (!j->lends)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *node =
			json_object_is_type(o, json_type_object) ? get_string(o, "node") : NULL;
		struct journal_lend *l = &j->lends[j->n_lends];
		int64_t uid, gid, mode;
		int err;

		if (!node || !journal_valid_lend_node(node))
			return bad(why, "lent[%zu].node is not a VFIO file (dev/vfio/N)", i);
		err = get_id(o, "uid", i, UINT32_MAX - 1, &uid, why);
		if (err >= 0)
			err = get_id(o, "gid", i, UINT32_MAX - 1, &gid, why);
		if (err >= 0)
			err = get_id(o, "mode", i, 07777, &mode, why);
		if (err < 0)
			return err;
		for (size_t k = 0; k < j->n_lends; k++)
			if (streq(j->lends[k].node, node))
				return bad(why, "lent[%zu]: %s is in the journal twice", i, node);
		snprintf(l->node, sizeof(l->node), "%s", node);
		l->uid = (uid_t)uid;
		l->gid = (gid_t)gid;
		l->mode = (mode_t)mode;
		j->n_lends++;
	}
	return 0;
}

static const char *const display_kinds[] = {
	[JOURNAL_DISPLAY_MANAGER] = "display-manager",
	[JOURNAL_DISPLAY_CONSOLE] = "console",
	[JOURNAL_DISPLAY_FRAMEBUFFER] = "framebuffer",
};

/* A platform device's name ("efi-framebuffer.0"): one sysfs directory name. */
static bool valid_platform_name(const char *s)
{
	return s[0] != '.' && strlen(s) < 64 && attr_valid_driver_name(s);
}

bool journal_valid_display(const struct journal_display *d)
{
	struct vfk_addr a;
	char bdf[VFK_ADDR_STRLEN];
	const char *digits;

	if (vfk_addr_parse(d->bdf, &a, NULL) < 0 || !streq(vfk_addr_format(&a, bdf), d->bdf))
		return false;
	switch (d->kind) {
	case JOURNAL_DISPLAY_MANAGER:
		return streq(d->name, "display-manager.service") && !d->driver[0];
	case JOURNAL_DISPLAY_CONSOLE:
		digits = d->name + strlen("vtcon");
		return startswith(d->name, "vtcon") && digits[0] && strlen(digits) <= 3 &&
		       strspn(digits, "0123456789") == strlen(digits) &&
		       !(digits[0] == '0' && digits[1]) && !d->driver[0];
	case JOURNAL_DISPLAY_FRAMEBUFFER:
		return valid_platform_name(d->name) && valid_driver(d->driver);
	}
	return false;
}

/* Optional, as "lent": journals written before displays were handed over have none. */
static int load_displays(struct journal *j, struct json_object *root, char **why)
{
	struct json_object *arr;
	size_t count;

	if (!json_object_object_get_ex(root, "display", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return bad(why, "\"display\" is not an array");
	count = json_object_array_length(arr);
	j->displays = calloc(count ? count : 1, sizeof(*j->displays));
	if (!j->displays)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		bool obj = json_object_is_type(o, json_type_object);
		const char *kind = obj ? get_string(o, "step") : NULL;
		const char *bdf = obj ? get_string(o, "bdf") : NULL;
		const char *name = obj ? get_string(o, "name") : NULL;
		const char *driver = obj ? get_string(o, "driver") : NULL;
		struct journal_display *d = &j->displays[j->n_displays];
		struct json_object *v;
		size_t k;

		if (!obj)
			return bad(why, "display[%zu] is not an object", i);
		for (k = 0; kind && k < ARRAY_SIZE(display_kinds); k++)
			if (streq(kind, display_kinds[k]))
				break;
		if (!kind || k == ARRAY_SIZE(display_kinds))
			return bad(why,
				   "display[%zu].step is not \"display-manager\", \"console\" or "
				   "\"framebuffer\"",
				   i);
		if (json_object_object_get_ex(o, "driver", &v) && !driver)
			return bad(why, "display[%zu].driver is not a string", i);
		if (!bdf || !name || strlen(bdf) >= sizeof(d->bdf) ||
		    strlen(name) >= sizeof(d->name) ||
		    (driver && strlen(driver) >= sizeof(d->driver)))
			return bad(why,
				   "display[%zu] lacks \"bdf\" or \"name\", or one is too long", i);
		*d = (struct journal_display){.kind = (enum journal_display_kind)k};
		snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
		snprintf(d->name, sizeof(d->name), "%s", name);
		snprintf(d->driver, sizeof(d->driver), "%s", driver ? driver : "");
		if (!journal_valid_display(d))
			return bad(
				why,
				"display[%zu]: '%.64s' is not what a %s step names (%s; a full PCI "
				"address as bdf)",
				i, name, kind,
				k == JOURNAL_DISPLAY_MANAGER ? "display-manager.service"
				: k == JOURNAL_DISPLAY_CONSOLE
					? "vtconN"
					: "a platform device and its driver");
		for (size_t m = 0; m < j->n_displays; m++)
			if (j->displays[m].kind == d->kind && streq(j->displays[m].name, d->name))
				return bad(why, "display[%zu]: %s is in the journal twice", i,
					   name);
		j->n_displays++;
	}
	return 0;
}

static int load_entries(struct journal *j, struct json_object *root, char **why)
{
	struct json_object *devs, *v;
	size_t count;
	int err;

	if (!json_object_is_type(root, json_type_object))
		return bad(why, "not a JSON object");
	if (!json_object_object_get_ex(root, "format", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
		return bad(why, "\"format\" is not 1");
	if (!json_object_object_get_ex(root, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_array))
		return bad(why, "\"devices\" is not an array");
	count = json_object_array_length(devs);
	j->entries = calloc(count ? count : 1, sizeof(*j->entries));
	if (!j->entries)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct journal_entry *e = &j->entries[j->n];

		err = load_entry(json_object_array_get_idx(devs, i), i, e, why);
		if (err >= 0 && find(j, e->bdf, e->numvfs >= 0))
			err = bad(why, "devices[%zu]: %s is in the journal twice", i, e->bdf);
		if (err < 0) {
			/* All or nothing: a journal refused leaves no entries to act on. */
			entry_clear(e);
			while (j->n > 0)
				entry_clear(&j->entries[--j->n]);
			return err;
		}
		j->n++;
	}
	err = load_lends(j, root, why);
	if (err >= 0)
		err = load_displays(j, root, why);
	if (err < 0) {
		while (j->n > 0)
			entry_clear(&j->entries[--j->n]);
		j->n_lends = 0;
		j->n_displays = 0;
	}
	return err;
}

int journal_parse(struct journal *j, const char *text, size_t n, char **why)
{
	_cleanup_free_ char *inner = NULL;
	struct json_tokener *tok;
	struct json_object *root;
	int err;

	if (n > INT_MAX)
		return -EFBIG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)n);
	if (!root || json_tokener_get_parse_end(tok) != n) {
		/* Only blanks may follow the object vfiokit wrote. */
		size_t end = root ? json_tokener_get_parse_end(tok) : 0;

		while (root && end < n && text[end] && strchr(" \t\r\n", text[end]))
			end++;
		if (!root || end != n) {
			enum json_tokener_error jerr = json_tokener_get_error(tok);

			if (!root && jerr == json_tokener_continue)
				detail_add(&inner, "it ends in the middle of the JSON (%zu bytes)",
					   n);
			else
				detail_add(&inner, "%s at byte %zu",
					   root ? "text after the JSON object"
						: json_tokener_error_desc(jerr),
					   root ? end : json_tokener_get_parse_end(tok));
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tok);
	err = root ? load_entries(j, root, &inner) : -EBADMSG;
	json_object_put(root);
	if (err == -EBADMSG)
		detail_add(why,
			   "the journal /%s is damaged: %s. Nothing was changed. Repair what is "
			   "named or move the file aside; the devices it lists may still be on "
			   "vfio-pci (`vfiokit list` shows each device's driver)",
			   VFIOKIT_JOURNAL, inner ? inner : "not JSON");
	return err;
}

static int load(struct journal *j, char **why)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = path_read_all(j->ctx, VFIOKIT_JOURNAL, 4u << 20, &text);

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		detail_add(why, "cannot read the journal /%s: %s", VFIOKIT_JOURNAL,
			   strerror((int)-n));
		return (int)n;
	}
	return journal_parse(j, text, (size_t)n, why);
}

int journal_open(struct vfk_ctx *ctx, struct journal **ret, char **why)
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
	err = load(j, why);
	if (err < 0) {
		journal_close(j);
		return err;
	}
	*ret = j;
	return 0;
}

int journal_read_only(struct vfk_ctx *ctx, struct journal **ret, char **why)
{
	struct journal *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->ctx = ctx;
	j->lock_fd = -1;
	err = load(j, why);
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
	free(j->lends);
	free(j->displays);
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
	if (j->n_lends) {
		struct json_object *lent = json_object_new_array();

		for (size_t i = 0; lent && i < j->n_lends; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "node", json_object_new_string(j->lends[i].node));
			json_object_object_add(o, "uid", json_object_new_int64(j->lends[i].uid));
			json_object_object_add(o, "gid", json_object_new_int64(j->lends[i].gid));
			json_object_object_add(o, "mode", json_object_new_int64(j->lends[i].mode));
			json_object_array_add(lent, o);
		}
		json_object_object_add(root, "lent", lent);
	}
	if (j->n_displays) {
		struct json_object *disp = json_object_new_array();

		for (size_t i = 0; disp && i < j->n_displays; i++) {
			const struct journal_display *d = &j->displays[i];
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "step",
					       json_object_new_string(display_kinds[d->kind]));
			json_object_object_add(o, "bdf", json_object_new_string(d->bdf));
			json_object_object_add(o, "name", json_object_new_string(d->name));
			if (d->driver[0])
				json_object_object_add(o, "driver",
						       json_object_new_string(d->driver));
			json_object_array_add(disp, o);
		}
		json_object_object_add(root, "display", disp);
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
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

struct journal_entry *journal_find_move(struct journal *j, const char *bdf)
{
	return find(j, bdf, false);
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

int journal_add_lend(struct journal *j, const char *node, uid_t uid, gid_t gid, mode_t mode)
{
	struct journal_lend *l;

	if (!journal_valid_lend_node(node))
		return -EINVAL;
	for (size_t i = 0; i < j->n_lends; i++)
		if (streq(j->lends[i].node, node))
			return 0;
	l = realloc(j->lends, (j->n_lends + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	j->lends = l;
	l = &j->lends[j->n_lends++];
	*l = (struct journal_lend){.uid = uid, .gid = gid, .mode = mode & 07777};
	snprintf(l->node, sizeof(l->node), "%s", node);
	return journal_save(j);
}

int journal_remove_lend(struct journal *j, const char *node)
{
	for (size_t i = 0; i < j->n_lends; i++)
		if (streq(j->lends[i].node, node)) {
			memmove(&j->lends[i], &j->lends[i + 1],
				(j->n_lends - i - 1) * sizeof(*j->lends));
			j->n_lends--;
			return journal_save(j);
		}
	return 0;
}

int journal_add_display(struct journal *j, const struct journal_display *d)
{
	struct journal_display *grown;

	if (!journal_valid_display(d))
		return -EINVAL;
	grown = realloc(j->displays, (j->n_displays + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	j->displays = grown;
	j->displays[j->n_displays++] = *d;
	return journal_save(j);
}

int journal_remove_display(struct journal *j, size_t i)
{
	if (i >= j->n_displays)
		return 0;
	memmove(&j->displays[i], &j->displays[i + 1],
		(j->n_displays - i - 1) * sizeof(*j->displays));
	j->n_displays--;
	return journal_save(j);
}
