// SPDX-License-Identifier: LGPL-2.1-or-later
/* shell_quote() against the shell itself: each word quoted, read back by sh, is the word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shell-quote.h"

/* What `sh -c 'printf %s QUOTED'` prints. */
static char *through_sh(const char *quoted)
{
	char *script = NULL, *out = calloc(1, 4096);
	size_t len = 0;
	FILE *p;

	assert_non_null(out);
	assert_true(asprintf(&script, "printf '%%s' %s", quoted) > 0);
	p = popen(script, "r");
	assert_non_null(p);
	len = fread(out, 1, 4095, p);
	out[len] = '\0';
	assert_int_equal(pclose(p), 0);
	free(script);
	return out;
}

static void test_forms(void **state)
{
	static const struct {
		const char *word, *quoted;
	} cases[] = {
		{"update-initramfs", "update-initramfs"},
		{"--update-kernel=ALL", "--update-kernel=ALL"},
		{"--args=intel_iommu=on iommu=pt", "--args=\"intel_iommu=on iommu=pt\""},
		{"intel_iommu=on iommu=pt", "\"intel_iommu=on iommu=pt\""},
		{"", "''"},
		{"a'b", "\"a'b\""},
		{"$HOME", "'$HOME'"},
		{"it's $5", "'it'\\''s $5'"},
		{"back\\slash", "'back\\slash'"},
		{"--x=a\"b", "--x='a\"b'"},
		{"/boot/vmlinuz-6.1.0-13-amd64", "/boot/vmlinuz-6.1.0-13-amd64"},
		{"a;reboot", "\"a;reboot\""},
		{"*", "\"*\""},
		{"tab\there", "\"tab\there\""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *q = shell_quote(cases[i].word), *back;

		assert_non_null(q);
		if (strcmp(q, cases[i].quoted) != 0)
			fail_msg("'%s' quoted as %s, want %s", cases[i].word, q, cases[i].quoted);
		back = through_sh(q);
		if (strcmp(back, cases[i].word) != 0)
			fail_msg("sh read %s back as '%s', want '%s'", q, back, cases[i].word);
		free(back);
		free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
