// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLI's print path (tool/output.c): streamed JSON is byte for byte what json-c writes
 * for the same document, on a synthetic document with every kind of value and on the
 * `groups` listing of a large generated SR-IOV tree (argv[1]: bench/gentree).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cmd.h"
#include "fixture.h"
#include "output.h"

#define JSON_FLAGS                                                                                 \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
#define LARGE_TREE "1000"

static const char *gentree;

/* cmd-groups.c reports through these; main.c, which has them, is not linked here. */
void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return EXIT_USAGE;
}

/* Runs @fn in a child whose stdout is a file, as the tool's process would; returns what
 * it wrote. The output module's state is per process, so every run starts fresh. */
static char *capture(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/vfiokit-test-output.XXXXXX";
	int fd = mkstemp(path), status;
	char *buf;
	off_t size;
	pid_t pid;

	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		fn(arg);
		/* A failure: the error, if one was said, goes into the document. */
		_exit(output_finish(1) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	buf = calloc(1, (size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
	close(fd);
	return buf;
}

/* What json-c writes for the document @text holds: the reference for streamed output. */
static char *reserialize(const char *text)
{
	json_object *doc = json_tokener_parse(text);
	char *s;

	assert_non_null(doc);
	assert_true(asprintf(&s, "%s\n", json_object_to_json_string_ext(doc, JSON_FLAGS)) > 0);
	json_object_put(doc);
	return s;
}

static void element(int i)
{
	static const char *const words[] = {"a", "b c"};

	output_open_object(NULL);
	print_uint(PRINT_ANY, "id", "%" PRIu64, (uint64_t)i);
	print_string(PRINT_JSON, "odd", NULL, "quote \" backslash \\ slash / tab \t nl \n");
	print_string(PRINT_JSON, "ctl", NULL, "\x01\x1f\b\f\r \x7f \xc3\xa9");
	print_string(PRINT_JSON, "key \"quoted\"", NULL, NULL);
	print_int(PRINT_JSON, "neg", NULL, INT64_MIN);
	print_int(PRINT_JSON, "zero", NULL, 0);
	print_uint(PRINT_JSON, "max", NULL, UINT64_MAX);
	print_bool(PRINT_JSON, "yes", NULL, i & 1);
	print_null(PRINT_JSON, "nothing", NULL);
	print_uint_or_null(PRINT_JSON, "maybe", NULL, i & 1, 7);
	output_open_array("empty_array");
	output_close_array();
	output_open_object("empty_object");
	output_close_object();
	output_open_array("nested");
	output_open_array(NULL);
	print_string(PRINT_JSON, NULL, NULL, "deep");
	output_open_object(NULL);
	output_close_object();
	output_close_array();
	output_close_array();
	print_string_array(PRINT_JSON, "words", NULL, words, 2);
	output_close_object();
}

/* Keys before, between and after two top-level arrays, one of them empty. */
static void document(void *stream)
{
	output_init(true);
	output_set_stream(stream != NULL);
	output_open_object("before");
	print_string(PRINT_JSON, "k", NULL, "v");
	output_open_array("list");
	print_int(PRINT_JSON, NULL, NULL, -5);
	output_close_array();
	output_close_object();
	output_open_array("items");
	for (int i = 0; i < 300; i++)
		element(i);
	output_close_array();
	print_string(PRINT_JSON, "between", NULL, "x");
	output_open_array("none");
	output_close_array();
	print_bool(PRINT_JSON, "after", NULL, true);
	output_open_object("last");
	output_close_object();
}

static void test_same_as_json_c(void **state)
{
	char *plain = capture(document, NULL), *streamed = capture(document, (void *)1);

	(void)state;
	assert_string_equal(streamed, plain);
	/* The document really has the keys in the order they were added. */
	assert_ptr_equal(strstr(streamed, "{\n  \"format\": 1,\n  \"before\": {"), streamed);
	assert_non_null(strstr(streamed, "  ],\n  \"between\": \"x\",\n  \"none\": [\n  ],\n"));
	assert_non_null(strstr(streamed, "\"after\": true,\n  \"last\": {\n  }\n}\n"));
	free(plain);
	free(streamed);
}

/* A command that fails halfway leaves containers open: the document is still closed. */
static void unfinished(void *arg)
{
	(void)arg;
	output_init(true);
	output_set_stream(true);
	output_open_array("items");
	element(1);
	output_open_object(NULL);
	output_open_array("inner");
	print_string(PRINT_JSON, NULL, NULL, "x");
	output_error("0000:01:00.0: cannot read /sys/bus/pci/devices/0000:01:00.0/config", NULL,
		     NULL);
}

static void test_unfinished_is_valid(void **state)
{
	char *out = capture(unfinished, NULL), *ref = reserialize(out);

	(void)state;
	assert_string_equal(out, ref);
	/* The error comes after what was streamed, with its device and file. */
	assert_non_null(strstr(out, "  ],\n  \"error\": {\n    \"message\": "));
	assert_non_null(strstr(out, "\"device\": \"0000:01:00.0\""));
	assert_non_null(strstr(out, "\"file\": \"/sys/bus/pci/devices/0000:01:00.0/config\""));
	assert_non_null(strstr(out, "\"exit_status\": 1"));
	free(out);
	free(ref);
}

static void text_mode(void *arg)
{
	(void)arg;
	output_init(false);
	output_set_stream(true);
	output_open_array("items");
	print_uint(PRINT_ANY, "id", "id %" PRIu64 "\n", 3);
	print_text("text %s\n", "only");
	print_string(PRINT_JSON, "json", "%s", "only");
	output_close_array();
}

static void test_text_unchanged(void **state)
{
	char *out = capture(text_mode, NULL);

	(void)state;
	assert_string_equal(out, "id 3\ntext only\n");
	free(out);
}

struct groups_run {
	const char *root;
	const char *pci_ids;
};

static void run_groups(void *arg)
{
	const struct groups_run *g = arg;
	char *argv[] = {(char *)"groups", NULL};
	struct vfk_ctx *ctx;

	/* A child's failure is its exit status: cmocka's asserts belong to the parent. */
	output_init(true);
	if (vfk_ctx_new(g->root, &ctx) < 0 || vfk_ctx_set_pci_ids_path(ctx, g->pci_ids) < 0)
		_exit(3);
	if (vfk_cmd_groups.run(ctx, 1, argv) != EXIT_OK)
		_exit(4);
	vfk_ctx_unref(ctx);
}

/* groups streams its listing; on a tree of 1,000 functions in some 1,000 groups it must
 * be exactly what json-c writes for the same document, and list every function. */
static void test_groups_large_tree(void **state)
{
	struct groups_run g = {.pci_ids = OUTPUT_TEST_PCI_IDS};
	char *root = NULL, *cmd = NULL, *out, *ref;
	json_object *doc, *groups;
	size_t n = 0;

	(void)state;
	if (!gentree)
		skip();
	assert_int_equal(fx_mkdtemp(&root), 0);
	assert_true(asprintf(&cmd, "'%s' " LARGE_TREE " '%s' >/dev/null", gentree, root) > 0);
	assert_int_equal(system(cmd), 0);
	g.root = root;
	out = capture(run_groups, &g);
	ref = reserialize(out);
	assert_string_equal(out, ref);
	doc = json_tokener_parse(out);
	assert_true(json_object_object_get_ex(doc, "groups", &groups));
	for (size_t i = 0; i < json_object_array_length(groups); i++) {
		json_object *devices;

		assert_true(json_object_object_get_ex(json_object_array_get_idx(groups, i),
						      "devices", &devices));
		n += json_object_array_length(devices);
	}
	assert_int_equal(n, atoi(LARGE_TREE));
	json_object_put(doc);
	fx_rmtree(root);
	free(root);
	free(cmd);
	free(out);
	free(ref);
}

int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_json_c),
		cmocka_unit_test(test_unfinished_is_valid),
		cmocka_unit_test(test_text_unchanged),
		cmocka_unit_test(test_groups_large_tree),
	};

	gentree = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
