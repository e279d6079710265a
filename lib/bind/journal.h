/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record of devices vfiokit moved: for each, its original driver and driver_override,
 * and whether the move finished. Written atomically and fsynced before every change, so a
 * crash at any point leaves a journal that restore can replay.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "internal.h"

struct journal_entry {
	char bdf[VFK_ADDR_STRLEN];
	char *driver;	/* NULL: it had none */
	char *override; /* NULL: unset */
	char *power;	/* power/control ("auto", "on"); NULL: not known */
	bool bound;	/* on vfio-pci; false while moving */
	int numvfs;	/* a PF whose sriov_numvfs vfiokit changed: the old count; -1 otherwise */
};

/* A VFIO file lent to a user (qemu --user) and the owner and mode it had. */
struct journal_lend {
	char node[64]; /* "dev/vfio/N" or "dev/vfio/devices/vfioN" */
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/* A step of a display hand-over (bind --release-display), recorded before it is taken. */
enum journal_display_kind {
	JOURNAL_DISPLAY_MANAGER,     /* @name: the unit stopped, "display-manager.service" */
	JOURNAL_DISPLAY_CONSOLE,     /* @name: the vtconsole unbound, "vtcon1" */
	JOURNAL_DISPLAY_FRAMEBUFFER, /* @name: the platform device, @driver: its driver */
};

struct journal_display {
	enum journal_display_kind kind;
	char bdf[VFK_ADDR_STRLEN]; /* the card it was done for */
	char name[64];
	char driver[64]; /* framebuffer only */
};

struct journal {
	struct vfk_ctx *ctx;
	int lock_fd;
	struct journal_entry *entries;
	size_t n;
	struct journal_lend *lends;
	size_t n_lends;
	struct journal_display *displays;
	size_t n_displays;
};

/*
 * Creates /run/vfiokit (0700), takes the lock (-EBUSY when held) and loads the journal.
 * A journal that is not exactly what vfiokit writes is -EBADMSG, an unreadable one its
 * errno; either way a sentence naming the file, the fault and the fix is added to @why
 * (may be NULL).
 */
int journal_open(struct vfk_ctx *ctx, struct journal **ret, char **why);
/* Loads without the lock, for reading only. */
int journal_read_only(struct vfk_ctx *ctx, struct journal **ret, char **why);
void journal_close(struct journal *j);
/* Fills an empty @j (j->ctx may be NULL) from the @n bytes of @text, as the loader does. */
int journal_parse(struct journal *j, const char *text, size_t n, char **why);
int journal_save(struct journal *j);
struct journal_entry *journal_find(struct journal *j, const char *bdf);
/* The entry of @bdf's move to vfio-pci, not that of its sriov_numvfs. */
struct journal_entry *journal_find_move(struct journal *j, const char *bdf);
/* Appends and saves. */
int journal_add(struct journal *j, const char *bdf, const char *driver, const char *override);
/* Appends a PF's original sriov_numvfs and saves. */
int journal_add_numvfs(struct journal *j, const char *bdf, int numvfs);
/* Removes and saves. */
int journal_remove(struct journal *j, const char *bdf);
/* journal_add() and journal_remove() without the save: several changes, then one
 * journal_save(). */
int journal_stage(struct journal *j, const char *bdf, const char *driver, const char *override);
void journal_unstage(struct journal *j, const char *bdf);

/* "dev/vfio/N" or "dev/vfio/devices/vfioN": the only files vfiokit lends. */
bool journal_valid_lend_node(const char *node);
/* Records @node's owner and mode before it is lent, and saves; a node already recorded
 * keeps its first (the original) owner. */
int journal_add_lend(struct journal *j, const char *node, uid_t uid, gid_t gid, mode_t mode);
/* Forgets @node (given back) and saves. */
int journal_remove_lend(struct journal *j, const char *node);

/* The names each kind of display step may carry, as the loader checks them. */
bool journal_valid_display(const struct journal_display *d);
/* Appends @d and saves; -EINVAL when it is not valid. */
int journal_add_display(struct journal *j, const struct journal_display *d);
/* Forgets the display step at @i and saves. */
int journal_remove_display(struct journal *j, size_t i);
