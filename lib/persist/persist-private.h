/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"
#include <vfiokit/persist.h>

/* The lines around vfiokit's block in a file that is not wholly vfiokit's. */
#define PERSIST_BEGIN                                                                              \
	"# >>> vfiokit persist: this block is vfiokit's; change it with vfiokit persist"
#define PERSIST_END "# <<< vfiokit persist"

struct pfile {
	char *path;	 /* below the root: "etc/modprobe.d/vfiokit.conf" */
	char *abs;	 /* as on the system: "/etc/modprobe.d/vfiokit.conf" */
	char *old;	 /* NULL: absent */
	char *updated;	 /* NULL: removed */
	mode_t mode;	 /* of the file written */
	mode_t old_mode; /* of the file as it was (0644 when it did not exist) */
	uid_t uid;	 /* the existing file's owner, kept; (uid_t)-1 when new */
	gid_t gid;
};

/* A physical function that gets virtual functions at every boot. */
struct persist_sriov {
	char pf[20]; /* "" when none */
	unsigned int n_vfs;
	bool bind;	 /* the VFs reserved for vfio-pci */
	char (*vfs)[20]; /* the n_vfs addresses the VFs get */
};

struct vfk_persist {
	int refcount;
	struct vfk_ctx *ctx;
	unsigned int flags;
	bool has_devices;
	struct pfile *files;
	size_t n_files;
	char **warnings;
	size_t n_warnings;
	char ***commands;
	char **expects; /* per command: text its output must hold, or NULL */
	size_t n_commands;
	struct persist_sriov sriov;
};

/* persist-edit.c: @old with vfiokit's block replaced by @body (lines, each ending in
 * '\n'), added at the end when there is none, or removed when @body is NULL. Everything
 * outside the block is kept byte for byte. NULL on allocation failure. */
char *persist_block_edit(const char *old, const char *body);

/* Whether @text holds vfiokit's block. */
bool persist_has_block(const char *text);

/* A 64-bit FNV-1a hash of @s, to notice files changed behind vfiokit's back. */
unsigned long long persist_hash(const char *s);

/* The PCIe Device Serial Number of @bdf as "01-23-45-67-89-ab-cd-ef" (lspci's form), from
 * its extended configuration space; false when it has none or it is unreadable. */
bool persist_read_serial(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size);
/* The same from the first @size_cfg bytes of config space @cfg. */
bool persist_config_serial(const uint8_t *cfg, size_t size_cfg, char *buf, size_t size);

/* The name of the physical slot holding @bdf (sys/bus/pci/slots/NAME/address); false
 * when the platform names none. */
bool persist_read_slot(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size);

struct cmdline;
/* The kernel options the boot entries are rebuilt from (GRUB's variables without
 * vfiokit's block, @kernel_cmdline_file, systemd-boot entries), parsed into @ret. */
int persist_source_options(struct vfk_ctx *ctx, const char *kernel_cmdline_file,
			   struct cmdline *ret);

/* persist.c: the options of every "options vfio-pci ..." line of modprobe.d file @text
 * (changed: continued lines joined, lines cut), "; "-separated into @found. */
void persist_modprobe_vfio_options(char *text, char *found, size_t size);

/* persist-verify.c: the value of KEY=="..." or KEY="..." in udev rule @line, into @buf. */
bool persist_rule_value(const char *line, const char *key, char *buf, size_t size);

/* persist-changes.c: adds the command @argv (NULL-terminated) to @p. */
int persist_add_command(struct vfk_persist *p, const char *const *argv);

/* persist-apply.c: adds the commands recorded at apply time that take back what grubby
 * or kernelstub did to the boot entries (for the computation that removes vfiokit's
 * configuration, before the undo deletes the record). */
int persist_undo_commands(struct vfk_persist *p, char **why);

/* Whether @path (below the root) is one of the files persist writes: its own files, the
 * shared files it keeps a block in, and systemd-boot entries. */
bool persist_path_is_generated(const char *path);

/* The SR-IOV physical function the state records: 0, -ENOENT when there is no state or
 * none in it, -EBADMSG (with @why) for a damaged state. Free ->vfs. */
int persist_state_sriov(struct vfk_ctx *ctx, struct persist_sriov *ret, char **why);

/* Whether @s is a PCI address as the kernel writes it: "0000:af:00.2". */
bool persist_is_bdf(const char *s);

/* Parses a state file's @n bytes as undo would: 0, or -EBADMSG with the fault in @why. */
int persist_state_parse_text(const char *text, size_t n, char **why);
