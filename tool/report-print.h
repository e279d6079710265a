/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Printing the checks of a vfk_report, for doctor and persist --verify. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vfiokit/vfiokit.h>

/* Check @i of @r: a JSON object {id, status, summary, fix}, or the line
 * "  TAG  ID SUMMARY" with the id in a column of @id_width and, for failures (and warnings
 * with @fix_on_warn), the fix below it. */
void print_check(const struct vfk_report *r, size_t i, int id_width, bool fix_on_warn);
