/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct vfk_ctx;

/* A libvirt domain name vfiokit takes: 1 to 200 bytes, no '/', no control character, not
 * starting with '.'. */
bool hook_domain_name_ok(const char *name);
/* One "key=value" line: the value, or NULL when @line is not @key's. */
const char *hook_value_of(const char *line, const char *key);
/* The text of @path, at most @max bytes, in *@ret; -EBADMSG, with a sentence in @detail
 * that names the file and ends in @fix, when it is not a regular file that small or holds
 * a NUL byte; or the errno of reading it (-ENOENT when absent). */
int hook_read_text(struct vfk_ctx *ctx, const char *path, size_t max, const char *fix, char **ret,
		   char **detail);
