// SPDX-License-Identifier: GPL-2.0-or-later
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "macro.h"
#include "output.h"

/* Formats come from the callers as literals; this file only forwards them. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define MAX_DEPTH 16

static bool json_mode, help_shown, colour;
/* Text is wrapped at this many columns; 0: not at all (not a terminal). */
static size_t width;
static json_object *stack[MAX_DEPTH];
static int depth = -1;
/* What went wrong, in the order it was said: error messages, and warnings. */
static json_object *errors, *warnings;

/* Only a terminal gets wrapped and coloured text; a pipe or file gets the lines whole, as
 * scripts and the golden tests read them. NO_COLOR (no-color.org) and TERM=dumb turn
 * colour off. */
static void probe_terminal(void)
{
	const char *no_colour = getenv("NO_COLOR"), *term = getenv("TERM");
	struct winsize ws;

	if (!isatty(STDOUT_FILENO))
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		width = ws.ws_col;
	colour = !(no_colour && *no_colour) && !(term && streq(term, "dumb"));
}

void output_init(bool json)
{
	json_mode = json;
	if (!json)
		probe_terminal();
	if (json && depth < 0) {
		stack[0] = json_object_new_object();
		depth = 0;
		json_object_object_add(stack[0], "format", json_object_new_int(OUTPUT_FORMAT));
	}
}

bool output_is_json(void)
{
	return json_mode;
}

static void add(const char *key, json_object *v)
{
	json_object *top;

	assert(depth >= 0);
	top = stack[depth];
	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key, v);
}

static void push(const char *key, json_object *v)
{
	add(key, v);
	assert(depth + 1 < MAX_DEPTH);
	stack[++depth] = json_object_get(v);
}

static void pop(void)
{
	assert(depth > 0);
	json_object_put(stack[depth--]);
}

void output_open_object(const char *key)
{
	if (json_mode)
		push(key, json_object_new_object());
}

void output_close_object(void)
{
	if (json_mode)
		pop();
}

void output_open_array(const char *key)
{
	if (json_mode)
		push(key, json_object_new_array());
}

void output_close_array(void)
{
	if (json_mode)
		pop();
}

static bool want(enum output_kind kind)
{
	return kind == PRINT_ANY || (kind == PRINT_JSON) == json_mode;
}

void print_string(enum output_kind kind, const char *key, const char *fmt, const char *value)
{
	if (!want(kind))
		return;
	if (json_mode)
		add(key, value ? json_object_new_string(value) : NULL);
	else if (fmt)
		printf(fmt, value ? value : "-");
}

void print_uint(enum output_kind kind, const char *key, const char *fmt, uint64_t value)
{
	if (!want(kind))
		return;
	if (json_mode)
		add(key, json_object_new_uint64(value));
	else if (fmt)
		printf(fmt, value);
}

void print_int(enum output_kind kind, const char *key, const char *fmt, int64_t value)
{
	if (!want(kind))
		return;
	if (json_mode)
		add(key, json_object_new_int64(value));
	else if (fmt)
		printf(fmt, value);
}

void print_bool(enum output_kind kind, const char *key, const char *fmt, bool value)
{
	if (!want(kind))
		return;
	if (json_mode)
		add(key, json_object_new_boolean(value));
	else if (fmt)
		printf(fmt, value ? "yes" : "no");
}

void print_null(enum output_kind kind, const char *key, const char *fmt)
{
	if (!want(kind))
		return;
	if (json_mode)
		add(key, NULL);
	else if (fmt)
		printf(fmt, "-");
}

void print_uint_or_null(enum output_kind kind, const char *key, const char *fmt, bool have,
			uint64_t value)
{
	if (have)
		print_uint(kind, key, fmt, value);
	else
		print_null(kind, key, NULL);
}

void print_string_array(enum output_kind kind, const char *key, const char *fmt,
			const char *const *values, size_t n)
{
	if (!want(kind))
		return;
	output_open_array(key);
	for (size_t i = 0; i < n; i++)
		print_string(kind, NULL, fmt, values[i]);
	output_close_array();
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_mode)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

const char *output_colour(enum output_colour c)
{
	static const char *const codes[] = {
		[COLOUR_OFF] = "\033[0m",    [COLOUR_GOOD] = "\033[32m", [COLOUR_WARN] = "\033[33m",
		[COLOUR_BAD] = "\033[1;31m", [COLOUR_DIM] = "\033[2m",
	};

	return colour && !json_mode ? codes[c] : "";
}

/* Columns that @s takes: UTF-8 continuation bytes take none. */
static size_t columns(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

void print_wrapped(const char *prefix, size_t prefix_width, size_t hang, const char *text)
{
	size_t col = prefix_width;
	bool space = false; /* a word is already on this line after the prefix */

	if (json_mode)
		return;
	/* On a narrow terminal a deep column would leave a few words per line. */
	if (width && hang + 30 > width && hang > 8)
		hang = 8;
	fputs(prefix, stdout);
	while (!width && *text) {
		size_t n = strcspn(text, "\n");

		fwrite(text, 1, n, stdout);
		text += n;
		if (*text == '\n')
			printf("\n%*s", (int)hang, "");
		text += *text == '\n';
	}
	while (*text) {
		size_t n, w;

		/* A line of the text starts under the first; its own indentation is kept. */
		if (*text == '\n') {
			n = strspn(++text, " ");
			printf("\n%*s", (int)(hang + n), "");
			col = hang + n;
			text += n;
			space = false;
			continue;
		}
		if (*text == ' ') {
			text++;
			continue;
		}
		n = strcspn(text, " \n");
		w = columns(text, n);
		/* A word longer than a line stays whole: never broken inside. */
		if (space && col + 1 + w > width) {
			printf("\n%*s", (int)hang, "");
			col = hang;
			space = false;
		}
		if (space) {
			putchar(' ');
			col++;
		}
		fwrite(text, 1, n, stdout);
		col += w;
		space = true;
		text += n;
	}
	putchar('\n');
}

void output_skip_document(void)
{
	help_shown = true;
}

void print_help(const char *text)
{
	help_shown = true;
	puts(text);
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The first full PCI address in @msg (DDDD:BB:DD.F, with a domain of 4 or more digits). */
static json_object *find_device(const char *msg)
{
	for (const char *p = msg; *p; p++) {
		size_t dom = 0;

		if (p > msg && isxdigit((unsigned char)p[-1]))
			continue;
		while (isxdigit((unsigned char)p[dom]))
			dom++;
		if (dom >= 4 && p[dom] == ':' && is_hex(p + dom + 1, 2) && p[dom + 3] == ':' &&
		    is_hex(p + dom + 4, 2) && p[dom + 6] == '.' && p[dom + 7] >= '0' &&
		    p[dom + 7] <= '7' && !isalnum((unsigned char)p[dom + 8]))
			return json_object_new_string_len(p, (int)dom + 8);
	}
	return NULL;
}

/* The first absolute path in @msg: "/" and at least one more path character, at the start
 * of a word, without a trailing full stop or colon. */
static json_object *find_file(const char *msg)
{
	static const char path_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-/+@";

	for (const char *p = msg; *p; p++) {
		size_t n;

		if (*p != '/' || (p > msg && !strchr(" ('`=", p[-1])))
			continue;
		n = strspn(p, path_chars);
		while (n > 1 && strchr(".:", p[n - 1]))
			n--;
		if (n > 1)
			return json_object_new_string_len(p, (int)n);
	}
	return NULL;
}

/* The way out that a message names: what follows "move it with:", "to do it anyway:",
 * "reserve them first" or "strip them:", a sentence that starts "Repair", or else a
 * command in backquotes. */
static json_object *find_fix(const char *msg)
{
	static const struct {
		const char *intro;
		size_t skip; /* of the intro, before the fix */
		bool paren;  /* the fix ends at the last ')' */
	} intros[] = {
		{"(move it with: ", 15, true},
		{"(to do it anyway: ", 18, true},
		{"reserve them first (", 20, true},
		{"strip them: ", 12, false},
		{". Repair ", 2, false},
	};
	const char *p, *end;

	for (size_t i = 0; i < sizeof(intros) / sizeof(intros[0]); i++) {
		p = strstr(msg, intros[i].intro);
		if (!p)
			continue;
		p += intros[i].skip;
		end = intros[i].paren ? strrchr(p, ')') : NULL;
		return json_object_new_string_len(p, (int)(end ? end - p : (long)strlen(p)));
	}
	p = strchr(msg, '`');
	if (p && (end = strchr(p + 1, '`')))
		return json_object_new_string_len(p + 1, (int)(end - p - 1));
	return NULL;
}

static void record_error(const char *message, const char *device, const char *fix, bool usage)
{
	json_object *e;

	if (!json_mode || !message)
		return;
	if (!errors)
		errors = json_object_new_array();
	e = json_object_new_object();
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "device",
			       device  ? json_object_new_string(device)
			       : usage ? NULL
				       : find_device(message));
	json_object_object_add(e, "file", usage ? NULL : find_file(message));
	json_object_object_add(e, "fix", fix ? json_object_new_string(fix) : find_fix(message));
	json_object_array_add(errors, e);
}

void output_error(const char *message, const char *device, const char *fix)
{
	record_error(message, device, fix, false);
}

/* A usage error's examples ("e.g. 0000:01:00.0") are not the device or file at fault. */
void output_usage_error(const char *message, const char *fix)
{
	record_error(message, NULL, fix, true);
}

void output_warning(const char *message)
{
	if (!json_mode || !message)
		return;
	if (!warnings)
		warnings = json_object_new_array();
	json_object_array_add(warnings, json_object_new_string(message));
}

/* The first error, which is the cause (later ones say what followed from it), and every
 * message in order. */
static json_object *error_object(int exit_status)
{
	static const char *const keys[] = {"message", "device", "file", "fix"};
	size_t n = json_object_array_length(errors);
	json_object *e = json_object_new_object(), *messages;
	json_object *first = json_object_array_get_idx(errors, 0);

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		json_object_object_add(e, keys[k],
				       json_object_get(json_object_object_get(first, keys[k])));
	json_object_object_add(e, "exit_status", json_object_new_int(exit_status));
	messages = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(messages,
				      json_object_get(json_object_object_get(
					      json_object_array_get_idx(errors, i), "message")));
	json_object_object_add(e, "messages", messages);
	return e;
}

int output_finish(int exit_status)
{
	if (json_mode && depth >= 0 && !(help_shown && exit_status == 0)) {
		json_object *doc = stack[0];

		assert(depth == 0);
		/* A failure with something said gets "error" after what the command printed
		 * before it failed; errors said by a command that still succeeded are kept as
		 * warnings. */
		if (errors && exit_status != 0) {
			json_object_object_add(doc, "error", error_object(exit_status));
		} else if (errors) {
			for (size_t i = 0; i < json_object_array_length(errors); i++)
				output_warning(json_object_get_string(json_object_object_get(
					json_object_array_get_idx(errors, i), "message")));
		}
		if (warnings) {
			json_object *had = json_object_object_get(doc, "warnings");

			/* A command's own "warnings" (persist's) come first. */
			if (json_object_is_type(had, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(warnings); i++)
					json_object_array_add(
						had, json_object_get(json_object_array_get_idx(
							     warnings, i)));
			} else {
				json_object_object_add(doc, "warnings", json_object_get(warnings));
			}
		}
		fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE),
		      stdout);
		fputc('\n', stdout);
		/* The process ends next: freeing a document of 100,000 objects one by one
		 * would cost a sixth of a large listing. It stays reachable, not leaked. */
		depth = -1;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}
