// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "report-print.h"

/* Fixes may span lines; each continues under the "fix:" column. */
static void print_fix_text(const char *fix)
{
	const char *p = fix;
	bool first = true;

	while (*p) {
		const char *nl = strchrnul(p, '\n');

		print_text("%s%.*s\n", first ? "        fix: " : "             ", (int)(nl - p), p);
		first = false;
		p = *nl ? nl + 1 : nl;
	}
}

void print_check(const struct vfk_report *r, size_t i, int id_width, bool fix_on_warn)
{
	static const char *const tags[] = {"ok  ", "WARN", "FAIL", "skip"};
	enum vfk_check_status st = vfk_report_get_check_status(r, i);
	const char *id = vfk_report_get_check_id(r, i), *fix = vfk_report_get_check_fix(r, i);

	output_open_object(NULL);
	print_string(PRINT_JSON, "id", NULL, id);
	print_string(PRINT_JSON, "status", NULL, vfk_check_status_to_string(st));
	print_text("  %s  %-*s ", tags[st], id_width, id);
	print_string(PRINT_ANY, "summary", "%s\n", vfk_report_get_check_summary(r, i));
	print_string(PRINT_JSON, "fix", NULL, fix);
	if (fix && (st == VFK_CHECK_FAIL || (fix_on_warn && st == VFK_CHECK_WARN)))
		print_fix_text(fix);
	output_close_object();
}
