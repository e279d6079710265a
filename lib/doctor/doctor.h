/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of vfk_doctor_run(): the checks, one file per area, that turn the host's facts
 * (host/host.h) into findings. Checks run in the order of the evidence chain (CPU,
 * firmware, command line, IOMMU, interrupts, modules, device nodes, resources, guest
 * firmware) and may read what earlier checks concluded.
 */
#pragma once

#include <stdint.h>

#include "host/host.h"
#include "internal.h"
#include "report.h"
#include <vfiokit/doctor.h>

/* The checks, in the order they run. */
int check_cpu(struct host *h, struct vfk_report *r);
int check_firmware_table(struct host *h, struct vfk_report *r);
int check_cmdline(struct host *h, struct vfk_report *r);
int check_iommu(struct host *h, struct vfk_report *r);
int check_interrupt_remapping(struct host *h, struct vfk_report *r);
int check_modules(struct host *h, struct vfk_report *r);
int check_device_nodes(struct host *h, struct vfk_report *r);
int check_resources(struct host *h, struct vfk_report *r);
/* The soft "Max locked memory" limit in /proc/self/limits @text: its word into @soft, the
 * bytes into @ret (UINT64_MAX: unlimited); -ENOENT without that line, -EINVAL when the
 * word is no number. */
#define LIMITS_WORD_MAX 32
int limits_parse_memlock(const char *text, char soft[LIMITS_WORD_MAX], uint64_t *ret);
int check_ovmf(struct host *h, struct vfk_report *r);
