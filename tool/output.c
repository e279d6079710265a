// SPDX-License-Identifier: GPL-2.0-or-later
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "output.h"

/* Formats come from the callers as literals; this file only forwards them. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define MAX_DEPTH 16

static bool json_mode;
static json_object *stack[MAX_DEPTH];
static int depth = -1;

void output_init(bool json)
{
	json_mode = json;
	if (json && depth < 0) {
		stack[0] = json_object_new_object();
		depth = 0;
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

void print_help(const char *text)
{
	puts(text);
}

int output_finish(void)
{
	if (json_mode && depth >= 0) {
		assert(depth == 0);
		fputs(json_object_to_json_string_ext(
			      stack[0], JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
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
