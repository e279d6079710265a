/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One print path for text and JSON, after iproute2's json_print: a command describes
 * each field once; in text mode the format is printed, in JSON mode the key and value
 * go into one document that is written to stdout at the end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum output_kind {
	PRINT_ANY,  /* both */
	PRINT_TEXT, /* text only */
	PRINT_JSON, /* JSON only */
};

void output_init(bool json);
bool output_is_json(void);
/* JSON: write each array opened at the top of the document as it is printed instead of
 * at the end, for listings too large to hold; the bytes are the same. Top-level keys
 * keep their order; none may be added twice. Call before the first such array. */
void output_set_stream(bool on);

/* Objects and arrays exist only in JSON; @key is NULL inside arrays and at the top. */
void output_open_object(const char *key);
void output_close_object(void);
void output_open_array(const char *key);
void output_close_array(void);

/* A NULL @value is JSON null, and in text is printed as @fmt with "-". */
void print_string(enum output_kind kind, const char *key, const char *fmt, const char *value);
void print_uint(enum output_kind kind, const char *key, const char *fmt, uint64_t value);
void print_int(enum output_kind kind, const char *key, const char *fmt, int64_t value);
void print_bool(enum output_kind kind, const char *key, const char *fmt, bool value);
void print_null(enum output_kind kind, const char *key, const char *fmt);
/* @value when @have, else JSON null and no text. */
void print_uint_or_null(enum output_kind kind, const char *key, const char *fmt, bool have,
			uint64_t value);
/* @n strings as one array; in text each is printed with @fmt. */
void print_string_array(enum output_kind kind, const char *key, const char *fmt,
			const char *const *values, size_t n);
/* Text only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text only: @s as it is, for lines a listing builds itself thousands of times. */
void print_text_raw(const char *s);

/* A command's --help: @text and a newline, in text whatever --json says. */
void print_help(const char *text);

/* Writes the JSON document, if any, and flushes stdout. Returns 0 or -errno. */
int output_finish(void);
