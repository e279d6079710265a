/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host readiness: one chain of checks from the CPU to the firmware tables, the kernel
 * command line, the IOMMU, interrupt remapping, the vfio modules and device nodes,
 * locked memory, hugepages and guest firmware, each with evidence and a fix.
 */
#ifndef VFIOKIT_DOCTOR_H
#define VFIOKIT_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include <vfiokit/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vfk_check_status - Outcome of one check.
 * @VFK_CHECK_OK: the host is fine in this respect.
 * @VFK_CHECK_WARN: passthrough can work, but something is risky or suboptimal.
 * @VFK_CHECK_FAIL: passthrough cannot work until this is fixed.
 * @VFK_CHECK_SKIP: the check does not apply (e.g. an AMD check on an Intel host) or an
 *                  earlier failure makes it meaningless.
 * @_VFK_CHECK_STATUS_MAX: number of statuses.
 */
enum vfk_check_status {
	VFK_CHECK_OK,
	VFK_CHECK_WARN,
	VFK_CHECK_FAIL,
	VFK_CHECK_SKIP,
	_VFK_CHECK_STATUS_MAX,
};

/**
 * vfk_check_status_to_string() - "ok", "warn", "fail" or "skip".
 * @status: a status.
 *
 * Return: a static string, or NULL for a value out of range.
 *
 * Since: 0.1
 */
const char *vfk_check_status_to_string(enum vfk_check_status status);

/** struct vfk_report - Opaque, reference-counted result of vfk_doctor_run(). */
struct vfk_report;

/**
 * vfk_doctor_run() - Examine the host below the context's root.
 * @ctx: the context.
 * @ret: on success, a new report with a reference count of one.
 *
 * Reads only; changes nothing. Missing files make the checks that need them fail or
 * skip with evidence saying so; they never make the run itself fail.
 *
 * Return: 0 on success; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_doctor_run(struct vfk_ctx *ctx, struct vfk_report **ret);

/**
 * vfk_report_ref() - Take a reference.
 * @report: the report, or NULL.
 *
 * Return: @report.
 *
 * Since: 0.1
 */
struct vfk_report *vfk_report_ref(struct vfk_report *report);

/**
 * vfk_report_unref() - Drop a reference.
 * @report: the report, or NULL.
 *
 * Return: NULL.
 *
 * Since: 0.1
 */
struct vfk_report *vfk_report_unref(struct vfk_report *report);

/**
 * vfk_report_is_ready() - Whether the host can do VFIO passthrough now.
 * @report: the report.
 *
 * Return: true when no check failed.
 *
 * Since: 0.1
 */
bool vfk_report_is_ready(const struct vfk_report *report);

/**
 * vfk_report_get_n_checks() - Number of checks in the report.
 * @report: the report.
 *
 * Return: the count.
 *
 * Since: 0.1
 */
size_t vfk_report_get_n_checks(const struct vfk_report *report);

/**
 * vfk_report_get_check_id() - Stable identifier of check @i, e.g. "iommu.interrupt-remapping".
 * @report: the report.
 * @i: index below vfk_report_get_n_checks().
 *
 * Identifiers never change meaning between releases; scripts may match on them.
 *
 * Return: borrowed string, or NULL when @i is out of range.
 *
 * Since: 0.1
 */
const char *vfk_report_get_check_id(const struct vfk_report *report, size_t i);

/**
 * vfk_report_get_check_status() - Outcome of check @i.
 * @report: the report.
 * @i: index below vfk_report_get_n_checks().
 *
 * Return: the status; %VFK_CHECK_SKIP when @i is out of range.
 *
 * Since: 0.1
 */
enum vfk_check_status vfk_report_get_check_status(const struct vfk_report *report, size_t i);

/**
 * vfk_report_get_check_summary() - One line that says what was found and the evidence.
 * @report: the report.
 * @i: index below vfk_report_get_n_checks().
 *
 * Return: borrowed string, or NULL when @i is out of range.
 *
 * Since: 0.1
 */
const char *vfk_report_get_check_summary(const struct vfk_report *report, size_t i);

/**
 * vfk_report_get_check_fix() - What to do, for this host's distribution and bootloader.
 * @report: the report.
 * @i: index below vfk_report_get_n_checks().
 *
 * Return: borrowed string, possibly several lines; NULL when nothing needs fixing.
 *
 * Since: 0.1
 */
const char *vfk_report_get_check_fix(const struct vfk_report *report, size_t i);

#ifdef __cplusplus
}
#endif

#endif
