/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The display hand-over of bind --release-display: the display manager stopped, the
 * framebuffer consoles and the firmware framebuffer unbound from the card, each step
 * journaled before it is taken, and undone in reverse by restore.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "journal.h"
#include <vfiokit/bind.h>

struct display_plan {
	struct journal_display *steps; /* in the order they are taken */
	size_t n;
	/* The display manager's step is skipped, and why; "" when it is taken or when no
	 * device carries a display. */
	char dm_skip[256];
	/* The unit display-manager.service links to, e.g. "gdm.service"; "" when none. */
	char dm_unit[64];
	/* The cards' DRM nodes, checked again once the display manager has stopped. */
	char nodes[16][64];
	size_t n_nodes;
};

/*
 * The steps that free the displays of @devs (the devices about to move): -EBUSY, said in
 * @detail, when a process other than the display manager's holds one of their DRM nodes.
 */
int display_plan(struct vfk_ctx *ctx, struct vfk_device *const *devs, size_t n,
		 struct display_plan *ret, char **detail);
void display_plan_free(struct display_plan *p);

/*
 * Takes the steps of @p in order, each recorded in @j (NULL in a dry run) before it is
 * taken and shown to @fn. On failure the caller undoes the records from the count it
 * had before (display_undo()).
 */
int display_release(struct vfk_ctx *ctx, struct journal *j, const struct display_plan *p,
		    bool dry_run, vfk_display_step_fn fn, void *userdata, char **detail);

/* Undoes the display record @i of @j and drops it (kept in a dry run, or when the undo
 * failed); what it did is said in @detail. */
int display_undo(struct vfk_ctx *ctx, struct journal *j, size_t i, bool dry_run, char **detail);
