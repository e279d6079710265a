/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include <vfiokit/vfiokit.h>

/* Exit statuses shared by every command. */
#define EXIT_OK 0
#define EXIT_NOT_READY 1 /* the command ran; the answer is "no" or something failed */
#define EXIT_USAGE 2

struct vfk_cmd {
	const char *name;
	/* @argv[0] is the command name; global options are already removed. */
	int (*run)(struct vfk_ctx *ctx, int argc, char *argv[]);
	const char *help;
	/* Commands that do not read the system (help, version) need no context. */
	bool no_ctx;
};

extern const struct vfk_cmd vfk_cmd_list;
extern const struct vfk_cmd vfk_cmd_groups;
extern const struct vfk_cmd vfk_cmd_doctor;
extern const struct vfk_cmd vfk_cmd_snapshot;
extern const struct vfk_cmd vfk_cmd_plan;
extern const struct vfk_cmd vfk_cmd_bind;
extern const struct vfk_cmd vfk_cmd_restore;
extern const struct vfk_cmd vfk_cmd_sriov;

/* Prints "vfiokit: <message>" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: prints the message and "Try 'vfiokit CMD --help'." and returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the devices named on the command line, reporting each bad one by name. */
int resolve_devices(struct vfk_ctx *ctx, int argc, char *argv[], struct vfk_device ***ret,
		    size_t *ret_n);
