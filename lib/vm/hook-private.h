/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* A libvirt domain name vfiokit takes: 1 to 200 bytes, no '/', no control character, not
 * starting with '.'. */
bool hook_domain_name_ok(const char *name);
/* One "key=value" line: the value, or NULL when @line is not @key's. */
const char *hook_value_of(const char *line, const char *key);
