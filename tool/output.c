// SPDX-License-Identifier: GPL-2.0-or-later
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "macro.h"
#include "message-fields.h"
#include "output.h"

/* Formats come from the callers as literals; this file only forwards them. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define MAX_DEPTH 16
#define JSON_FLAGS                                                                                 \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static bool json_mode, help_shown, colour;
/* Text is wrapped at this many columns; 0: not at all (not a terminal). */
static size_t width;
static json_object *stack[MAX_DEPTH];
static int depth = -1;
/* What went wrong, in the order it was said: error messages, and warnings. */
static json_object *errors, *warnings;
/* output_hold_text(): text held back until it is known whether to print it. */
static FILE *held;
static char *held_buf;
static size_t held_len;

/*
 * Streaming (output_set_stream()): each array opened at the top of the document is
 * written as it is printed instead of becoming part of the json-c tree, so a listing of
 * thousands of devices neither builds nor keeps 100,000 objects. The bytes are those
 * json-c writes with JSON_FLAGS (the unit test "output" holds the two side by side).
 * Top-level keys other than streamed arrays still go into stack[0] and are written, in
 * the order they were added, when the next streamed array opens or at output_finish();
 * so a key added before a streamed array comes out before it and one added after comes
 * out after it. A top-level key must not be added twice (json-c would replace the first
 * value; streamed, both would be written).
 *
 * An error found after streaming began cannot take back what was written. Commands
 * report such errors on stderr and in the exit status (as without streaming) and
 * output_finish() closes whatever is still open, so stdout always holds one complete,
 * valid document; only a crash can truncate it.
 */
struct level {
	bool array;
	bool had_children;
};

static bool stream_wanted;
static bool streamed; /* "{" and some top-level members are written */
static bool top_had;  /* a top-level member is written */
static int sdepth;    /* open containers of the streamed array, itself included */
static struct level slevels[MAX_DEPTH];

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

void output_set_stream(bool on)
{
	stream_wanted = on;
}

/* Streamed JSON is gathered here and handed to stdio in large pieces: a listing writes
 * some 30 small pieces per device, too many for fwrite() each. Only JSON goes to stdout
 * while streaming, so nothing interleaves with it. */
static char sbuf[1 << 16];
static size_t sbuf_len;

static void flush_sbuf(void)
{
	if (sbuf_len)
		fwrite(sbuf, 1, sbuf_len, stdout);
	sbuf_len = 0;
}

static void put(const char *s, size_t n)
{
	if (n > sizeof(sbuf) - sbuf_len) {
		flush_sbuf();
		if (n > sizeof(sbuf)) {
			fwrite(s, 1, n, stdout);
			return;
		}
	}
	memcpy(sbuf + sbuf_len, s, n);
	sbuf_len += n;
}

static void putch(char c)
{
	if (sbuf_len == sizeof(sbuf))
		flush_sbuf();
	sbuf[sbuf_len++] = c;
}

static void puts_lit(const char *s)
{
	put(s, strlen(s));
}

static void indent(int level)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)level * 2;

	while (n > sizeof(spaces) - 1) {
		put(spaces, sizeof(spaces) - 1);
		n -= sizeof(spaces) - 1;
	}
	put(spaces, n);
}

/* As json-c's json_escape_str() with JSON_C_TO_STRING_NOSLASHESCAPE. */
static void put_escaped(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *start = s;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = NULL;
		char u[7];

		switch (c) {
		case '\b':
			esc = "\\b";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		default:
			if (c >= ' ')
				continue;
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			u[6] = '\0';
			esc = u;
		}
		put(start, (size_t)(s - start));
		puts_lit(esc);
		start = s + 1;
	}
	put(start, (size_t)(s - start));
}

/* The separator, indentation and key before a member of the innermost streamed
 * container, whose contents are indented to @sdepth + 1 (the top object is level 0). */
static void begin_member(const char *key)
{
	struct level *l = &slevels[sdepth - 1];

	puts_lit(l->had_children ? ",\n" : "");
	l->had_children = true;
	indent(sdepth + 1);
	if (!l->array) {
		putch('"');
		put_escaped(key);
		puts_lit("\": ");
	}
}

static void begin_top_member(const char *key)
{
	if (!streamed) {
		puts_lit("{\n");
		streamed = true;
	}
	puts_lit(top_had ? ",\n  \"" : "  \"");
	top_had = true;
	put_escaped(key);
	puts_lit("\": ");
}

/* json-c writes a value at level 0; below the top object every line is indented one
 * level more. Strings hold no raw newlines (they are escaped), so each one starts a
 * line of structure. */
static void put_json_value(json_object *v)
{
	const char *s, *nl;

	if (!v) {
		puts_lit("null");
		return;
	}
	s = json_object_to_json_string_ext(v, JSON_FLAGS);
	while ((nl = strchr(s, '\n'))) {
		put(s, (size_t)(nl - s + 1));
		indent(1);
		s = nl + 1;
	}
	puts_lit(s);
}

/* Writes the top-level members added since the last flush, in order, and drops them. */
static void flush_top(void)
{
	json_object_object_foreach(stack[0], key, val)
	{
		begin_top_member(key);
		put_json_value(val);
	}
	json_object_put(stack[0]);
	stack[0] = json_object_new_object();
}

static void stream_open(const char *key, bool array)
{
	assert(sdepth < MAX_DEPTH);
	if (sdepth == 0) {
		flush_top();
		begin_top_member(key);
	} else {
		begin_member(key);
	}
	puts_lit(array ? "[\n" : "{\n");
	slevels[sdepth++] = (struct level){.array = array};
}

static void stream_close(void)
{
	struct level *l = &slevels[--sdepth];

	if (l->had_children)
		putch('\n');
	indent(sdepth + 1);
	putch(l->array ? ']' : '}');
}

/* Decimal digits of @v, as "%" PRIu64 writes them; returns where they start in @buf. */
static char *format_u64(char buf[21], uint64_t v)
{
	char *p = buf + 20;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

/* A scalar already written as JSON text (a number, "true", "null"). */
static void stream_scalar(const char *key, const char *text)
{
	begin_member(key);
	puts_lit(text);
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
	if (!json_mode)
		return;
	if (sdepth)
		stream_open(key, false);
	else
		push(key, json_object_new_object());
}

void output_close_object(void)
{
	if (!json_mode)
		return;
	if (sdepth)
		stream_close();
	else
		pop();
}

void output_open_array(const char *key)
{
	if (!json_mode)
		return;
	if (sdepth || (stream_wanted && depth == 0))
		stream_open(key, true);
	else
		push(key, json_object_new_array());
}

void output_close_array(void)
{
	if (!json_mode)
		return;
	if (sdepth)
		stream_close();
	else
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
	if (json_mode && sdepth) {
		begin_member(key);
		if (value) {
			putch('"');
			put_escaped(value);
			putch('"');
		} else {
			puts_lit("null");
		}
	} else if (json_mode) {
		add(key, value ? json_object_new_string(value) : NULL);
	} else if (fmt) {
		printf(fmt, value ? value : "-");
	}
}

void print_uint(enum output_kind kind, const char *key, const char *fmt, uint64_t value)
{
	char buf[24];

	if (!want(kind))
		return;
	if (json_mode && sdepth) {
		stream_scalar(key, format_u64(buf, value));
	} else if (json_mode) {
		add(key, json_object_new_uint64(value));
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_int(enum output_kind kind, const char *key, const char *fmt, int64_t value)
{
	char buf[24];

	if (!want(kind))
		return;
	if (json_mode && sdepth) {
		char *p = format_u64(buf + 1, value < 0 ? -(uint64_t)value : (uint64_t)value);

		if (value < 0)
			*--p = '-';
		stream_scalar(key, p);
	} else if (json_mode) {
		add(key, json_object_new_int64(value));
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_bool(enum output_kind kind, const char *key, const char *fmt, bool value)
{
	if (!want(kind))
		return;
	if (json_mode && sdepth)
		stream_scalar(key, value ? "true" : "false");
	else if (json_mode)
		add(key, json_object_new_boolean(value));
	else if (fmt)
		printf(fmt, value ? "yes" : "no");
}

void print_null(enum output_kind kind, const char *key, const char *fmt)
{
	if (!want(kind))
		return;
	if (json_mode && sdepth)
		stream_scalar(key, "null");
	else if (json_mode)
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
	vfprintf(held ? held : stdout, fmt, ap);
	va_end(ap);
}

void print_text_raw(const char *s)
{
	if (!json_mode)
		fputs_unlocked(s, held ? held : stdout);
}

void output_hold_text(void)
{
	if (!held)
		held = open_memstream(&held_buf, &held_len);
}

void output_release_text(bool keep)
{
	if (!held)
		return;
	fclose(held);
	held = NULL;
	if (keep && held_buf)
		fwrite(held_buf, 1, held_len, stdout);
	free(held_buf);
	held_buf = NULL;
	held_len = 0;
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
				       : message_device(message));
	json_object_object_add(e, "file", usage ? NULL : message_file(message));
	json_object_object_add(e, "fix", fix ? json_object_new_string(fix) : message_fix(message));
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
		json_object *doc;

		/* Whatever a failing command left open is closed: see the top of the file. */
		while (streamed && sdepth)
			stream_close();
		while (streamed && depth > 0)
			pop();
		assert(depth == 0);
		doc = stack[0];
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
		if (streamed) {
			flush_top();
			puts_lit(top_had ? "\n}\n" : "}\n");
			flush_sbuf();
		} else {
			fputs(json_object_to_json_string_ext(doc, JSON_FLAGS), stdout);
			fputc('\n', stdout);
		}
		/* The process ends next: freeing a document of 100,000 objects one by one
		 * would cost a sixth of a large listing. It stays reachable, not leaked. */
		depth = -1;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}
