// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report-print.h"

void print_check(const struct vfk_report *r, size_t i, int id_width, bool fix_on_warn)
{
	static const char *const tags[] = {"ok  ", "WARN", "FAIL", "skip"};
	static const enum output_colour colours[] = {COLOUR_GOOD, COLOUR_WARN, COLOUR_BAD,
						     COLOUR_DIM};
	enum vfk_check_status st = vfk_report_get_check_status(r, i);
	const char *id = vfk_report_get_check_id(r, i), *fix = vfk_report_get_check_fix(r, i);
	const char *summary = vfk_report_get_check_summary(r, i);
	char *prefix = NULL;
	int w;

	output_open_object(NULL);
	print_string(PRINT_JSON, "id", NULL, id);
	print_string(PRINT_JSON, "status", NULL, vfk_check_status_to_string(st));
	print_string(PRINT_JSON, "summary", NULL, summary);
	print_string(PRINT_JSON, "fix", NULL, fix);
	output_close_object();
	if (output_is_json())
		return;
	/* The summary's further lines start under its first; the fix's under its first. */
	w = asprintf(&prefix, "  %s%s%s  %-*s ", output_colour(colours[st]), tags[st],
		     output_colour(COLOUR_OFF), id_width, id);
	if (w < 0)
		return;
	w = 2 + 4 + 2 + (int)strlen(id) + 1;
	if ((int)strlen(id) < id_width)
		w += id_width - (int)strlen(id);
	print_wrapped(prefix, (size_t)w, (size_t)(2 + 4 + 2 + id_width + 1), summary);
	free(prefix);
	if (fix && (st == VFK_CHECK_FAIL || (fix_on_warn && st == VFK_CHECK_WARN)))
		print_wrapped("        fix: ", 13, 13, fix);
}
