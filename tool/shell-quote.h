/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Commands printed for people to paste into a shell. */
#pragma once

/*
 * @word as a POSIX shell reads it back: as is when every character is plain
 * ([A-Za-z0-9_./:=,+@%^-]), an option's value quoted after its "--name=" when only the
 * value needs it, in double quotes when nothing in it is special there, otherwise in
 * single quotes (a single quote as '\''); '' for an empty word. Returns a malloc'd
 * string, or NULL when out of memory.
 */
char *shell_quote(const char *word);
