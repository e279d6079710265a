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

/* The version of the JSON documents' layout: the "format" key of every document. It
 * changes only when a key is removed or changes meaning; new keys may appear any time. */
#define OUTPUT_FORMAT 1

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
/* Text only: @prefix, which takes @prefix_width columns on screen (colour codes take none),
 * then @text and a newline. On a terminal @text is wrapped at its width between words,
 * each further line indented by @hang columns; elsewhere it is printed as it is. */
void print_wrapped(const char *prefix, size_t prefix_width, size_t hang, const char *text);

enum output_colour { COLOUR_OFF, COLOUR_GOOD, COLOUR_WARN, COLOUR_BAD, COLOUR_DIM };
/* The escape sequence for @c on a terminal that takes colour, else "". */
const char *output_colour(enum output_colour c);

/* Text only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text only: @s as it is, for lines a listing builds itself thousands of times. */
void print_text_raw(const char *s);
/* Text only: print_text() and print_text_raw() go to a buffer until output_release_text(),
 * which prints it when @keep and drops it otherwise; a dry run that is then refused shows
 * none of what it would have done. Not nested. */
void output_hold_text(void);
void output_release_text(bool keep);

/* A command's --help: @text and a newline, in text whatever --json says; no JSON
 * document follows it. */
void print_help(const char *text);

/* Help was printed instead of a result: no JSON document follows (print_help() says it). */
void output_skip_document(void);

/* In JSON mode, records an error message (already printed on stderr) for the error
 * document; @device (the operand as given) and @fix are looked for in @message when NULL,
 * the file always. */
void output_error(const char *message, const char *device, const char *fix);
/* output_error() for a usage error: no device or file, @fix says where the help is. */
void output_usage_error(const char *message, const char *fix);
/* In JSON mode, records a warning for the document's "warnings" array. */
void output_warning(const char *message);

/* Writes the JSON document, if any, and flushes stdout. When the command failed
 * (@exit_status not 0) after recording errors, the document is
 * {"format", "error": {"message", "device", "file", "fix", "exit_status", "messages"}}
 * instead of what it printed. Returns 0 or -errno. */
int output_finish(int exit_status);
