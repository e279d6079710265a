/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include <vfiokit/vfiokit.h>

/* Exit statuses shared by every command. */
#define EXIT_OK 0
#define EXIT_NOT_READY 1 /* the command ran; the answer is "no" or something failed */
#define EXIT_USAGE 2

/* What an option's value or a command's operands are, for shell completion. */
enum vfk_arg {
	ARG_NONE,    /* nothing to offer (a number, a name, or no operands) */
	ARG_FILE,    /* a path */
	ARG_DIR,     /* a directory */
	ARG_DEVICE,  /* PCI devices of the system (or of --root) */
	ARG_WORDS,   /* one of vfk_opt_hint.words */
	ARG_COMMAND, /* a command name */
};

/* What an option's value is (and, for global options, what the option does). */
struct vfk_opt_hint {
	const char *name; /* the long option's name */
	enum vfk_arg arg;
	const char *words; /* ARG_WORDS: the choices, separated by spaces */
	const char *help;
};

struct vfk_cmd {
	const char *name;
	/* @argv[0] is the command name; global options are already removed. */
	int (*run)(struct vfk_ctx *ctx, int argc, char *argv[]);
	const char *help;
	/* Commands that do not read the system (help, version) need no context. */
	bool no_ctx;
	/* Left out of the usage, "did you mean" and completion (completion itself). */
	bool hidden;
	/* What run() hands getopt_long(), and so what completion offers. */
	const struct option *options;
	const char *shortopts;
	/* The options whose values can be completed, ending with {}; may be NULL. */
	const struct vfk_opt_hint *hints;
	enum vfk_arg operands;
};

/* The options main() takes before or after any command, ending with {}. */
extern const struct option vfk_global_options[];
extern const char vfk_global_shortopts[];
extern const struct vfk_opt_hint vfk_global_hints[];

extern const struct vfk_cmd vfk_cmd_list;
extern const struct vfk_cmd vfk_cmd_groups;
extern const struct vfk_cmd vfk_cmd_doctor;
extern const struct vfk_cmd vfk_cmd_snapshot;
extern const struct vfk_cmd vfk_cmd_plan;
extern const struct vfk_cmd vfk_cmd_bind;
extern const struct vfk_cmd vfk_cmd_restore;
extern const struct vfk_cmd vfk_cmd_release;
extern const struct vfk_cmd vfk_cmd_sriov;
extern const struct vfk_cmd vfk_cmd_qemu;
extern const struct vfk_cmd vfk_cmd_libvirt;
extern const struct vfk_cmd vfk_cmd_hook;
extern const struct vfk_cmd vfk_cmd_persist;
extern const struct vfk_cmd vfk_cmd_info;
extern const struct vfk_cmd vfk_cmd_export;
/* Hidden: the completion scripts (completion.c) and the devices they offer. */
extern const struct vfk_cmd vfk_cmd_completion;
extern const struct vfk_cmd vfk_cmd_complete_devices;

/* Every command. */
extern const struct vfk_cmd *const vfk_commands[];
extern const size_t vfk_n_commands;

/* Prints "vfiokit: <message>" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_error() for an operand the user named: @device is the error's "device" in JSON. */
void log_device_error(const char *device, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints each line of @text as "vfiokit: <prefix><line>". */
void log_lines(const char *prefix, const char *text);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: prints the message and "Try 'vfiokit CMD --help'." and returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the devices named on the command line, reporting each bad one by name. Returns 0,
 * or the exit status: EXIT_USAGE when an argument is not a usable address, else
 * EXIT_NOT_READY when a device does not exist (or on another error). */
int resolve_devices(struct vfk_ctx *ctx, int argc, char *argv[], struct vfk_device ***ret,
		    size_t *ret_n);

/* bind's options, shared with the commands that bind first (qemu --bind). */
enum {
	OPT_FORCE_BOOT_VGA = 0x100,
	OPT_FORCE_STORAGE,
	OPT_FORCE_NET,
	OPT_FORCE_VMD,
	OPT_RELEASE_DISPLAY,
	OPT_FIRST_FREE, /* commands number their own long options from here */
};
struct bind_request {
	bool group, dry;
	bool display;	     /* --release-display */
	unsigned int forces; /* enum vfk_force */
};
#define BIND_LONG_OPTIONS                                                                          \
	{"group", no_argument, NULL, 'g'},                                                         \
		{"force-boot-vga", no_argument, NULL, OPT_FORCE_BOOT_VGA},                         \
		{"force-in-use-storage", no_argument, NULL, OPT_FORCE_STORAGE},                    \
		{"force-net-in-use", no_argument, NULL, OPT_FORCE_NET},                            \
	{                                                                                          \
		"force-vmd-domain", no_argument, NULL, OPT_FORCE_VMD                               \
	}
/* Takes option @c if it is one of bind's ('g', 'n', the force flags, --release-display). */
bool bind_parse_option(struct bind_request *req, int c);
struct vfk_plan;
/* The option that sets force bit @force ("force-boot-vga"), or NULL when there is none. */
const char *force_flag_name(unsigned int force);
/* What vfk_plan_check() says of @plan, on stderr: a warning for each blocker @forces
 * overrides and an error for each that refuses, with the option that would override it;
 * when no blocker refuses, an error "BDF (on DRIVER) shares the IOMMU group and
 * <member_says>" for each group member that must move but was not named. */
enum plan_refusal {
	PLAN_ALLOWED,
	PLAN_BLOCKED, /* by a blocker */
	PLAN_GROUP,   /* only by group members not named */
};
enum plan_refusal plan_report(struct vfk_plan *plan, unsigned int forces, unsigned int flags,
			      const char *member_says);
/* Plans and moves @targets (with their groups' must-move members when req->group) to
 * vfio-pci as `vfiokit bind` does, reporting refusals and failures on stderr. On success
 * *ret_plan holds the plan, whose must-move list is what moved. Returns 0 or -errno. */
int bind_targets(struct vfk_ctx *ctx, struct vfk_device **targets, size_t n_targets,
		 const struct bind_request *req, struct vfk_plan **ret_plan);
