// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "path.h"

static bool is_dot(const char *name)
{
	return name[0] == '.';
}

static int check_active(struct host *h, struct vfk_report *r)
{
	static const char *const on[] = {"DMAR: IOMMU enabled", "AMD-Vi: Found IOMMU",
					 "iommu: Default domain type", NULL};
	static const char *const off[] = {"DMAR: IOMMU disabled", "AMD-Vi: AMD IOMMUv2",
					  "AMD-Vi: disabled",
					  "DMAR: Intel(R) Virtualization "
					  "Technology for Directed I/O disabled",
					  NULL};
	char line[256];
	const char *why, *fix;

	if (h->iommu_active) {
		why = kmsg_find(h, on, line, sizeof(line));
		return report_add(r, "iommu.active", VFK_CHECK_OK, NULL,
				  "%u IOMMU unit%s (%s), %u group%s%s%s%s", h->n_iommu_units,
				  h->n_iommu_units == 1 ? "" : "s", h->iommu_units, h->n_groups,
				  h->n_groups == 1 ? "" : "s", why ? "; kernel log: \"" : "",
				  why ? why : "", why ? "\"" : "");
	}
	why = kmsg_find(h, off, line, sizeof(line));
	if (h->iommu_table == IOMMU_KIND_NONE && h->cpu_vendor != CPU_VENDOR_UNKNOWN)
		fix = "Follow the fix of firmware.iommu-table first.";
	else if (h->cmdline_iommu_off ||
		 (h->iommu_table == IOMMU_KIND_INTEL && !h->cmdline_intel_on))
		fix = "Follow the fix of cmdline.iommu first.";
	else
		fix = "The kernel log says why the IOMMU did not start: "
		      "dmesg | grep -iE 'DMAR|AMD-Vi|IOMMU'";
	if (h->n_iommu_units > 0)
		return report_add(r, "iommu.active", VFK_CHECK_FAIL, fix,
				  "%u IOMMU unit%s (%s) but no groups in /%s: no device is "
				  "attached to an IOMMU",
				  h->n_iommu_units, h->n_iommu_units == 1 ? "" : "s",
				  h->iommu_units, SYS_IOMMU_GROUPS);
	return report_add(r, "iommu.active", VFK_CHECK_FAIL, fix,
			  "no IOMMU in /%s and %u groups in /%s%s%s%s", SYS_CLASS_IOMMU,
			  h->n_groups, SYS_IOMMU_GROUPS, why ? "; kernel log: \"" : "",
			  why ? why : "", why ? "\"" : "");
}

static int check_domain_type(struct host *h, struct vfk_report *r)
{
	static const char *const known[] = {"DMA-FQ", "DMA", "identity", "blocked", "unmanaged"};
	unsigned int count[ARRAY_SIZE(known) + 1] = {}, typed = 0;
	char summary[256] = "";
	struct dirent *de;
	size_t len = 0;
	DIR *d;

	if (!h->iommu_active)
		return report_add(r, "iommu.default-domain", VFK_CHECK_SKIP, NULL,
				  "needs an active IOMMU");
	if (path_opendir(h->ctx, SYS_IOMMU_GROUPS, &d) < 0)
		return report_add(r, "iommu.default-domain", VFK_CHECK_SKIP, NULL,
				  "cannot read /%s", SYS_IOMMU_GROUPS);
	while ((de = readdir(d))) {
		char path[PATH_MAX], buf[64];
		size_t k;

		if (is_dot(de->d_name))
			continue;
		snprintf(path, sizeof(path), SYS_IOMMU_GROUPS "/%s/type", de->d_name);
		if (path_read(h->ctx, path, buf, sizeof(buf)) <= 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		for (k = 0; k < ARRAY_SIZE(known) && !streq(buf, known[k]); k++)
			;
		count[k]++;
		typed++;
	}
	closedir(d);
	if (typed == 0)
		return report_add(r, "iommu.default-domain", VFK_CHECK_SKIP, NULL,
				  "groups have no type attribute (kernel older than 5.11)");
	for (size_t k = 0; k <= ARRAY_SIZE(known); k++) {
		int n;

		if (!count[k])
			continue;
		n = snprintf(summary + len, sizeof(summary) - len, "%s%u %s", len ? ", " : "",
			     count[k], k < ARRAY_SIZE(known) ? known[k] : "other");
		if (n > 0 && (size_t)n < sizeof(summary) - len)
			len += (size_t)n;
	}
	return report_add(r, "iommu.default-domain", VFK_CHECK_OK, NULL,
			  "groups by default domain: %s%s", summary,
			  count[2] ? " (identity: the host's own DMA is not translated; vfio "
				     "still gives assigned devices their own domain)"
				   : "");
}

int check_iommu(struct host *h, struct vfk_report *r)
{
	int err = check_active(h, r);

	return err < 0 ? err : check_domain_type(h, r);
}

static bool param_true(const char *v)
{
	return v && (streq(v, "1") || streq(v, "Y") || streq(v, "y"));
}

static bool module_param_true(struct host *h, const char *module, const char *param)
{
	char path[PATH_MAX], buf[16];

	snprintf(path, sizeof(path), SYS_MODULE "/%s/parameters/%s", module, param);
	if (path_read(h->ctx, path, buf, sizeof(buf)) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return param_true(buf);
}

static int check_ir(struct host *h, struct vfk_report *r)
{
	static const char *const enabled[] = {"Enabled IRQ remapping",
					      "Interrupt remapping enabled", NULL};
	static const char *const disabled[] = {
		"IRQ remapping disabled", "Not enabling interrupt remapping",
		"Failed to enable irq remapping", "Interrupt remapping disabled", NULL};
	static const char *unsafe_fix =
		"Only for trusted guests: let vfio accept it anyway with "
		"\"options vfio_iommu_type1 allow_unsafe_interrupts=1\" in "
		"/etc/modprobe.d/vfio.conf (a device can then forge interrupts to the host).";
	_cleanup_free_ char *interrupts = NULL, *fix = NULL;
	enum vfk_check_status bad = h->unsafe_interrupts ? VFK_CHECK_WARN : VFK_CHECK_FAIL;
	const char *unsafe_note = h->unsafe_interrupts ? "; vfio accepts devices anyway "
							 "(allow_unsafe_interrupts)"
						       : "; vfio refuses devices (EPERM)";
	bool present;
	const char *intremap = cmdline_get(&h->cmdline, "intremap", &present);
	char line[256];
	const char *log;
	ssize_t n;

	if (!h->iommu_active)
		return report_add(r, "iommu.interrupt-remapping", VFK_CHECK_SKIP, NULL,
				  "needs an active IOMMU");

	n = path_read_all(h->ctx, PROC_INTERRUPTS, 32u << 20, &interrupts);
	if (n >= 0 && strstr(interrupts, " IR-"))
		return report_add(r, "iommu.interrupt-remapping", VFK_CHECK_OK, NULL,
				  "on: /%s shows IR- interrupt chips%s", PROC_INTERRUPTS,
				  h->dmar_read && !(h->dmar_flags & 1)
					  ? " (though DMAR does not declare it)"
					  : "");
	log = kmsg_find(h, enabled, line, sizeof(line));
	if (n < 0 && log)
		return report_add(r, "iommu.interrupt-remapping", VFK_CHECK_OK, NULL,
				  "on: kernel log: \"%s\"", log);

	if (present && intremap && cmdline_value_has(intremap, "off")) {
		char token[128];

		snprintf(token, sizeof(token), "intremap=%s", intremap);
		fix = bootloader_fix(h, NULL, token);
		if (!fix)
			return -ENOMEM;
		return report_add(r, "iommu.interrupt-remapping", bad, fix,
				  "off: intremap=%s on the kernel command line%s", intremap,
				  unsafe_note);
	}
	if (h->ir_hw_known && !h->ir_hw_capable)
		return report_add(r, "iommu.interrupt-remapping", bad, unsafe_fix,
				  "off: the IOMMU cannot remap interrupts (VT-d ecap.IR is 0 in "
				  "/%s/*/intel-iommu/ecap)%s",
				  SYS_CLASS_IOMMU, unsafe_note);
	if (h->dmar_read && !(h->dmar_flags & 1))
		return report_add(r, "iommu.interrupt-remapping", bad,
				  "Look for an x2APIC or \"Interrupt Remapping\" option in the "
				  "firmware setup and enable it; otherwise see the "
				  "allow_unsafe_interrupts option of vfio_iommu_type1.",
				  "off: the firmware's DMAR table does not declare interrupt "
				  "remapping%s",
				  unsafe_note);
	log = kmsg_find(h, disabled, line, sizeof(line));
	if (n < 0 && !log)
		return report_add(r, "iommu.interrupt-remapping", VFK_CHECK_WARN, NULL,
				  "unknown: cannot read /%s (%s) and the kernel log says nothing",
				  PROC_INTERRUPTS, strerror((int)-n));
	return report_add(r, "iommu.interrupt-remapping", bad, unsafe_fix,
			  "off: no IR- interrupt chips in /%s%s%s%s%s", PROC_INTERRUPTS,
			  log ? "; kernel log: \"" : "", log ? log : "", log ? "\"" : "",
			  unsafe_note);
}

int check_interrupt_remapping(struct host *h, struct vfk_report *r)
{
	const char *v = cmdline_get(&h->cmdline, "vfio_iommu_type1.allow_unsafe_interrupts", NULL);
	bool noiommu;
	int err;

	h->unsafe_interrupts = param_true(v) ||
			       module_param_true(h, "vfio_iommu_type1", "allow_unsafe_interrupts");
	err = check_ir(h, r);
	if (err < 0)
		return err;
	err = report_add(
		r, "vfio.unsafe-interrupts", h->unsafe_interrupts ? VFK_CHECK_WARN : VFK_CHECK_OK,
		h->unsafe_interrupts
			? "Remove allow_unsafe_interrupts from the kernel command line and "
			  "/etc/modprobe.d/ unless this platform lacks interrupt remapping."
			: NULL,
		"%s",
		h->unsafe_interrupts ? "vfio_iommu_type1.allow_unsafe_interrupts is on: assigned "
				       "devices can forge interrupts (MSI) to the host"
				     : "allow_unsafe_interrupts is off");
	if (err < 0)
		return err;
	v = cmdline_get(&h->cmdline, "vfio.enable_unsafe_noiommu_mode", NULL);
	noiommu = param_true(v) || module_param_true(h, "vfio", "enable_unsafe_noiommu_mode");
	return report_add(r, "vfio.noiommu-mode", noiommu ? VFK_CHECK_WARN : VFK_CHECK_OK,
			  noiommu ? "Turn it off (vfio.enable_unsafe_noiommu_mode=0) unless a "
				    "userspace driver on a host without an IOMMU needs it."
				  : NULL,
			  "%s",
			  noiommu ? "vfio's no-IOMMU mode is on: devices can be opened without "
				    "DMA isolation (/dev/vfio/noiommu-N) and the kernel is tainted"
				  : "no-IOMMU mode is off");
}
