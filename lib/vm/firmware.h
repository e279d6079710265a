/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UEFI guest firmware (OVMF) for q35 x86_64 guests: QEMU's firmware descriptors
 * (docs/interop/firmware.json) first, then the places distributions put OVMF when they
 * ship no descriptor.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "internal.h"

struct firmware {
	char code[PATH_MAX];	       /* "/usr/share/OVMF/OVMF_CODE_4M.fd" */
	char vars[PATH_MAX];	       /* the NVRAM template; "" when none is known */
	char format[16];	       /* "raw" or "qcow2" */
	char descriptor[PATH_MAX + 8]; /* the descriptor that named them; "" for a known path */
	bool secure_boot, requires_smm;
};

enum firmware_want {
	FIRMWARE_ANY,	     /* the first usable one */
	FIRMWARE_PLAIN,	     /* without Secure Boot */
	FIRMWARE_SECURE_BOOT /* with Secure Boot */
};

/* A QEMU firmware descriptor (docs/interop/firmware.json) in @text: whether it is a split
 * UEFI flash image for x86_64 q35 with the features @want asks for, then with @fw's code,
 * vars, format and features filled (the files are not looked for). */
bool firmware_descriptor_parse(const char *text, enum firmware_want want, struct firmware *fw);

/* Fills @ret; -ENOENT when nothing below the root fits. */
int firmware_find_uefi(struct vfk_ctx *ctx, enum firmware_want want, struct firmware *ret);
