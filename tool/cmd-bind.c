// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "transaction.h"

static void help(void)
{
	print_help(
		"Usage: vfiokit bind [OPTIONS] DEVICE...\n\n"
		"Move devices to vfio-pci, all or none. The plan (vfiokit plan) comes first:\n"
		"anything it blocks is refused unless the matching --force flag is given. Each\n"
		"device's driver and driver_override are recorded in /run/vfiokit/journal.json\n"
		"before it changes; a failure puts every device back; `vfiokit restore` undoes\n"
		"the move, also after a crash.\n\n"
		"Options:\n"
		"  --group                 also move the other members of the devices' IOMMU\n"
		"                          groups that must move (otherwise refused)\n"
		"  -n, --dry-run           print the writes and change nothing\n"
		"  --force-boot-vga        move the boot display (the screen goes dark)\n"
		"  --force-in-use-storage  move disks that are mounted, swap or held\n"
		"  --force-net-in-use      move the NIC of the default route or this SSH session\n"
		"  --force-vmd-domain      move an Intel VMD controller, and with it lose every\n"
		"                          disk behind it\n"
		"  --release-display       hand the host's display over first (single GPU): stop\n"
		"                          the display manager, unbind the framebuffer consoles\n"
		"                          and the firmware framebuffer; restore undoes it\n"
		"  -J, --json              print JSON\n"
		"  -h, --help              show this help\n\n"
		"Exit status: 0 moved (or nothing to do), 1 refused or failed, 2 usage error.");
}

struct watch {
	bool json, show;
	size_t total, done;
	/* --release-display's steps, for --json */
	char steps[32][3][256];
	size_t n_steps;
};

/* Set while bind_targets() plans a hand-over: the display's blockers are its job. */
static bool releasing_display;

static void on_step(void *userdata, const char *action, const char *target, const char *note)
{
	struct watch *w = userdata;

	if (w->n_steps < ARRAY_SIZE(w->steps)) {
		snprintf(w->steps[w->n_steps][0], sizeof(w->steps[0][0]), "%s", action);
		snprintf(w->steps[w->n_steps][1], sizeof(w->steps[0][1]), "%s", target);
		snprintf(w->steps[w->n_steps][2], sizeof(w->steps[0][2]), "%s", note ? note : "");
		w->n_steps++;
	}
	if (streq(action, "skip-display-manager"))
		print_text("  not stopped: %s: %s\n", target, note);
	else if (streq(action, "stop-display-manager"))
		print_text("  stop %s (%s): systemctl stop %s\n", target, note ? note : "?",
			   target);
	else if (streq(action, "unbind-console"))
		print_text("  unbind console %s (%s)\n", target, note ? note : "?");
	else
		print_text("  unbind framebuffer %s from %s\n", target, note ? note : "?");
}

/* JSON only: the hand-over's steps, in order. */
static void print_steps(const struct watch *w)
{
	output_open_array("display");
	for (size_t i = 0; i < w->n_steps; i++) {
		output_open_object(NULL);
		print_string(PRINT_JSON, "action", NULL, w->steps[i][0]);
		print_string(PRINT_JSON, "target", NULL, w->steps[i][1]);
		if (w->steps[i][2][0])
			print_string(PRINT_JSON, "note", NULL, w->steps[i][2]);
		else
			print_null(PRINT_JSON, "note", NULL);
		output_close_object();
	}
	output_close_array();
}

static void on_write(void *userdata, const char *path, const char *value)
{
	struct watch *w = userdata;

	if (w->show)
		print_write(path, value);
	/* Bulk binds report every 16 devices, so a long run is visibly alive. */
	if (!w->show && w->total >= 64 && !w->json && streq(path, "sys/bus/pci/drivers_probe") &&
	    ++w->done % 16 == 0)
		fprintf(stderr, "vfiokit: moved %zu of %zu devices\n", w->done, w->total);
}

/* Each force option and the blockers it lets through. */
static const struct {
	int opt;
	unsigned int force;
	const char *name;
} force_flags[] = {
	{OPT_FORCE_BOOT_VGA, VFK_FORCE_BOOT_VGA, "force-boot-vga"},
	{OPT_FORCE_STORAGE, VFK_FORCE_IN_USE_STORAGE, "force-in-use-storage"},
	{OPT_FORCE_NET, VFK_FORCE_NET_IN_USE, "force-net-in-use"},
	{OPT_FORCE_VMD, VFK_FORCE_VMD_DOMAIN, "force-vmd-domain"},
};

const char *force_flag_name(unsigned int force)
{
	for (size_t i = 0; i < ARRAY_SIZE(force_flags); i++)
		if (force_flags[i].force == force)
			return force_flags[i].name;
	return NULL;
}

enum plan_refusal plan_report(struct vfk_plan *plan, unsigned int forces, unsigned int flags,
			      const char *member_says)
{
	int err = vfk_plan_check(plan, forces, flags, NULL);
	size_t n = vfk_plan_get_n_findings(plan), n_must = 0;
	struct vfk_device *const *must = vfk_plan_get_must_move(plan, &n_must);
	bool blocked = false;

	for (size_t i = 0; i < n; i++) {
		const char *dev = vfk_plan_get_finding_device(plan, i);
		const char *msg = vfk_plan_get_finding_message(plan, i);
		const char *flag = force_flag_name(vfk_plan_get_finding_force(plan, i));

		if (vfk_plan_get_finding_kind(plan, i) != VFK_FINDING_BLOCKER)
			continue;
		switch (vfk_plan_get_finding_verdict(plan, i, forces, flags)) {
		case VFK_VERDICT_FORCED:
			if (releasing_display &&
			    vfk_plan_get_finding_force(plan, i) == VFK_FORCE_BOOT_VGA)
				log_warn("%s: %s (--release-display hands it over)", dev, msg);
			else
				log_warn("%s: %s (--%s given)", dev, msg, flag);
			break;
		case VFK_VERDICT_REFUSED:
			log_error("%s: %s%s%s%s", dev, msg, flag ? " (to do it anyway: --" : "",
				  flag ? flag : "", flag ? ")" : "");
			blocked = true;
			break;
		default:
			break;
		}
	}
	if (err == 0)
		return PLAN_ALLOWED;
	if (blocked)
		return PLAN_BLOCKED;
	/* Only the members of the targets' groups that must move too refuse. */
	for (size_t i = 0; i < n; i++) {
		const char *dev = vfk_plan_get_finding_device(plan, i), *drv = NULL;

		if (vfk_plan_get_finding_kind(plan, i) == VFK_FINDING_BLOCKER ||
		    vfk_plan_get_finding_verdict(plan, i, forces, flags) != VFK_VERDICT_REFUSED)
			continue;
		for (size_t k = 0; k < n_must; k++)
			if (streq(vfk_device_get_bdf(must[k]), dev))
				drv = vfk_device_get_driver(must[k]);
		log_error("%s (on %s) shares the IOMMU group and %s", dev, drv ? drv : "no driver",
			  member_says);
	}
	return PLAN_GROUP;
}

bool bind_parse_option(struct bind_request *req, int c)
{
	switch (c) {
	case 'g':
		req->group = true;
		return true;
	case 'n':
		req->dry = true;
		return true;
	case OPT_RELEASE_DISPLAY:
		req->display = true;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(force_flags); i++)
		if (force_flags[i].opt == c) {
			req->forces |= force_flags[i].force;
			return true;
		}
	return false;
}

int bind_targets(struct vfk_ctx *ctx, struct vfk_device **targets, size_t n_targets,
		 const struct bind_request *req, struct vfk_plan **ret_plan)
{
	size_t n_move = 0;
	struct vfk_device *const *move;
	struct vfk_plan *plan = NULL;
	enum plan_refusal refusal;
	bool json = output_is_json();
	struct watch *w = NULL;
	char *detail = NULL;
	sigset_t old;
	int err;

	*ret_plan = NULL;
	err = vfk_plan_new(ctx, targets, n_targets, &plan);
	if (err < 0) {
		log_error("bind: cannot plan: %s", strerror(-err));
		return err;
	}
	move = vfk_plan_get_must_move(plan, &n_move);
	releasing_display = req->display;
	refusal = plan_report(plan, req->forces | (req->display ? VFK_FORCE_BOOT_VGA : 0),
			      req->group ? VFK_PLAN_CHECK_GROUP : 0, "must move too");
	releasing_display = false;
	if (refusal == PLAN_BLOCKED) {
		log_error("bind: refused; nothing was changed (see vfiokit plan)");
		err = -EPERM;
	} else if (refusal == PLAN_GROUP) {
		log_error("bind: refused; pass --group to move the whole group, or name every "
			  "member; nothing was changed");
		err = -EPERM;
	} else {
		/* A refused dry run shows nothing of what it would have done. */
		if (req->dry) {
			output_hold_text();
			print_text("Would write (dry run, nothing changes):\n");
		}
		transaction_begin(&old);
		w = calloc(1, sizeof(*w));
		if (!w) {
			output_release_text(false);
			transaction_end(&old);
			vfk_plan_unref(plan);
			return -ENOMEM;
		}
		*w = (struct watch){.json = json,
				    .show = req->dry || vfk_ctx_get_log_priority(ctx) >= 6,
				    .total = n_move};
		if (req->display)
			err = vfk_bind_release_display(ctx, move, n_move,
						       req->dry ? VFK_BIND_DRY_RUN : 0, on_write,
						       on_step, w, &detail);
		else
			err = vfk_bind(ctx, move, n_move, req->dry ? VFK_BIND_DRY_RUN : 0, on_write,
				       w, &detail);
		transaction_end(&old);
		output_release_text(err >= 0);
		if (req->display)
			print_steps(w);
		free(w);
		if (err < 0)
			log_error("bind: %s%s%s", detail ? detail : strerror(-err),
				  detail ? "\n" : "",
				  detail ? "vfiokit: no device was left half-moved" : "");
	}
	free(detail);
	if (err < 0)
		vfk_plan_unref(plan);
	else
		*ret_plan = plan;
	return err;
}

/* Where each device of the plan is now, and where it was. */
static void print_moved(struct vfk_ctx *ctx, struct vfk_device *const *move, size_t n_move,
			bool dry)
{
	output_open_array("devices");
	for (size_t i = 0; i < n_move; i++) {
		const char *was = vfk_device_get_driver(move[i]), *drv;
		struct vfk_device *now = NULL;

		if (vfk_device_new(ctx, vfk_device_get_addr(move[i]), &now) < 0)
			continue;
		drv = vfk_device_get_driver(now);
		output_open_object(NULL);
		print_string(PRINT_JSON, "bdf", NULL, vfk_device_get_bdf(now));
		print_string(PRINT_JSON, "was", NULL, was);
		print_string(PRINT_JSON, "driver", NULL, drv);
		output_close_object();
		if (!dry)
			print_text("%s: %s -> %s\n", vfk_device_get_bdf(now), was ?: "no driver",
				   drv ?: "no driver");
		vfk_device_unref(now);
	}
	output_close_array();
}

static const struct option opts[] = {
	{"group", no_argument, NULL, 'g'},
	{"dry-run", no_argument, NULL, 'n'},
	{"force-boot-vga", no_argument, NULL, OPT_FORCE_BOOT_VGA},
	{"force-in-use-storage", no_argument, NULL, OPT_FORCE_STORAGE},
	{"force-net-in-use", no_argument, NULL, OPT_FORCE_NET},
	{"force-vmd-domain", no_argument, NULL, OPT_FORCE_VMD},
	{"release-display", no_argument, NULL, OPT_RELEASE_DISPLAY},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "gnh";

static int bind_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct bind_request req = {};
	size_t n_targets = 0, n_move = 0;
	struct vfk_device **targets = NULL;
	struct vfk_device *const *move = NULL;
	struct vfk_plan *plan = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (bind_parse_option(&req, c))
			continue;
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("bind", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("bind", "name at least one device, e.g. 0000:01:00.0");
	err = resolve_devices(ctx, argc - optind, argv + optind, &targets, &n_targets);
	if (err)
		return err;
	err = bind_targets(ctx, targets, n_targets, &req, &plan);
	if (plan)
		move = vfk_plan_get_must_move(plan, &n_move);
	print_bool(PRINT_JSON, "dry_run", NULL, req.dry);
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_moved(ctx, move, err >= 0 ? n_move : 0, req.dry);
	vfk_plan_unref(plan);
	vfk_device_list_free(targets, n_targets);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

const struct vfk_cmd vfk_cmd_bind = {
	.name = "bind",
	.run = bind_run,
	.help = "Move devices to vfio-pci, all or none, with a journal",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
