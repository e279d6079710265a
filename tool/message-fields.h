/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fields of a JSON error document that a message names: the messages are written
 * for people ("0000:01:00.0: ... (to do it anyway: --force-boot-vga)"), and these find
 * the device, the file and the fix in them. Each returns a new JSON string, or NULL
 * (JSON null) when the message names none.
 */
#pragma once

#include <json-c/json.h>

/* The first full PCI address in @msg: DDDD:BB:DD.F, with a domain of 4 or more digits. */
json_object *message_device(const char *msg);
/* The first absolute path in @msg: "/" and at least one more path character at the start
 * of a word, without a trailing full stop or colon. */
json_object *message_file(const char *msg);
/* The way out that @msg names: what follows "move it with:", "to do it anyway:",
 * "reserve them first" or "strip them:", a sentence that starts "Repair", or else a
 * command in backquotes. */
json_object *message_fix(const char *msg);
