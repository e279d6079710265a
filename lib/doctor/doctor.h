/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of vfk_doctor_run(): the checks, one file per area, that turn the host's facts
 * (host/host.h) into findings. Checks run in the order of the evidence chain (CPU,
 * firmware, command line, IOMMU, interrupts, modules, device nodes, resources, guest
 * firmware) and may read what earlier checks concluded.
 */
#pragma once

#include "host/host.h"
#include "internal.h"
#include <vfiokit/doctor.h>

/* An empty report with one reference; NULL on allocation failure. */
struct vfk_report *report_new(void);

/* Report construction. @fix may be NULL; the summary is formatted. */
int report_add(struct vfk_report *report, const char *id, enum vfk_check_status status,
	       const char *fix, const char *fmt, ...) _printf_(5, 6);

/* The checks, in the order they run. */
int check_cpu(struct host *h, struct vfk_report *r);
int check_firmware_table(struct host *h, struct vfk_report *r);
int check_cmdline(struct host *h, struct vfk_report *r);
int check_iommu(struct host *h, struct vfk_report *r);
int check_interrupt_remapping(struct host *h, struct vfk_report *r);
int check_modules(struct host *h, struct vfk_report *r);
int check_device_nodes(struct host *h, struct vfk_report *r);
int check_resources(struct host *h, struct vfk_report *r);
int check_ovmf(struct host *h, struct vfk_report *r);
