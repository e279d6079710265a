// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "path.h"

/* The parameters that switch the IOMMU or its interrupt remapping on and off. */
static const char *const iommu_keys[] = {
	"intel_iommu", "amd_iommu", "iommu", "intremap", "iommu.passthrough", "iommu.strict",
};

/*
 * Each occurrence of intel_iommu= is applied in order, so the last "on" or "off" wins.
 * Returns 1 (on), 0 (off) or -1 (not given); *conflict when both were given.
 */
static int last_on_off(const struct cmdline *c, const char *key, const char *on, bool *conflict,
		       const char **token_value)
{
	bool seen_on = false, seen_off = false;
	int state = -1;

	for (size_t i = 0; i < c->n; i++) {
		const char *v = c->params[i].value;

		if (!streq(c->params[i].key, key) || !v)
			continue;
		if (cmdline_value_has(v, "off")) {
			state = 0;
			seen_off = true;
			*token_value = v;
		} else if (on && cmdline_value_has(v, on)) {
			state = 1;
			seen_on = true;
			*token_value = v;
		}
	}
	*conflict = seen_on && seen_off;
	return state;
}

static void join_tokens(const struct cmdline *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(iommu_keys); k++)
			if (streq(c->params[i].key, iommu_keys[k])) {
				int n = snprintf(buf + len, size - len, "%s%s%s%s", len ? " " : "",
						 c->params[i].key, c->params[i].value ? "=" : "",
						 c->params[i].value ? c->params[i].value : "");

				if (n < 0 || (size_t)n >= size - len)
					return;
				len += (size_t)n;
			}
}

/* A common mistake, copied from guides: the kernel knows no amd_iommu=on and ignores it. */
static const char *amd_on_note(const struct cmdline *c)
{
	const char *v = cmdline_get(c, "amd_iommu", NULL);

	return v && cmdline_value_has(v, "on")
		       ? " (amd_iommu=on is not a kernel option and is ignored; AMD-Vi is on by "
			 "default)"
		       : "";
}

static int check_iommu_params(struct host *h, struct vfk_report *r)
{
	const struct cmdline *c = &h->cmdline;
	bool intel = h->iommu_table == IOMMU_KIND_INTEL ||
		     (h->iommu_table == IOMMU_KIND_NONE && h->cpu_vendor == CPU_VENDOR_INTEL);
	bool amd = h->iommu_table == IOMMU_KIND_AMD ||
		   (h->iommu_table == IOMMU_KIND_NONE && h->cpu_vendor == CPU_VENDOR_AMD);
	const char *intel_v = NULL, *amd_v = NULL, *gen_v = NULL;
	bool intel_conflict, amd_conflict, gen_conflict;
	int intel_state, amd_state, gen_state;
	_cleanup_free_ char *fix = NULL;
	char off_token[256] = "", tokens[512];
	const char *pt;

	intel_state = last_on_off(c, "intel_iommu", "on", &intel_conflict, &intel_v);
	amd_state = last_on_off(c, "amd_iommu", "force_enable", &amd_conflict, &amd_v);
	gen_state = last_on_off(c, "iommu", NULL, &gen_conflict, &gen_v);
	join_tokens(c, tokens, sizeof(tokens));
	pt = cmdline_get(c, "iommu", NULL);
	pt = pt && streq(pt, "pt") ? "; iommu=pt: host-owned devices are mapped 1:1, "
				     "devices given to vfio are still isolated"
				   : "";

	if (gen_state == 0)
		snprintf(off_token, sizeof(off_token), "iommu=%s", gen_v);
	else if (intel && intel_state == 0)
		snprintf(off_token, sizeof(off_token), "intel_iommu=%s", intel_v);
	else if (amd && amd_state == 0)
		snprintf(off_token, sizeof(off_token), "amd_iommu=%s", amd_v);

	if (*off_token) {
		h->cmdline_iommu_off = true;
		fix = bootloader_fix(h,
				     intel && h->kconfig_read && h->kconfig_intel_default_on ? NULL
				     : intel ? "intel_iommu=on"
					     : NULL,
				     off_token);
		if (!fix)
			return -ENOMEM;
		return report_add(r, "cmdline.iommu", VFK_CHECK_FAIL, fix,
				  "%s on the kernel command line turns the IOMMU off%s", off_token,
				  intel_conflict || amd_conflict
					  ? " (it is given more than once; the last one wins)"
					  : "");
	}
	h->cmdline_intel_on = intel_state == 1;
	if (h->iommu_active)
		return report_add(
			r, "cmdline.iommu", intel_conflict ? VFK_CHECK_WARN : VFK_CHECK_OK, NULL,
			"%s%s%s%s%s", *tokens ? tokens : "no IOMMU parameters", amd_on_note(c),
			*tokens ? "" : "; the kernel turns the IOMMU on by default", pt,
			intel_conflict ? "; intel_iommu is given both on and off, the "
					 "last (on) wins"
				       : "");
	if (intel && intel_state != 1) {
		bool default_on = h->kconfig_read && h->kconfig_intel_default_on;

		if (default_on)
			return report_add(r, "cmdline.iommu", VFK_CHECK_OK, NULL,
					  "%s; this kernel turns VT-d on by default",
					  *tokens ? tokens : "no IOMMU parameters");
		fix = bootloader_fix(h, "intel_iommu=on", NULL);
		if (!fix)
			return -ENOMEM;
		if (h->iommu_table == IOMMU_KIND_NONE)
			return report_add(r, "cmdline.iommu", VFK_CHECK_WARN, fix,
					  "intel_iommu=on is missing: once VT-d is on in the "
					  "firmware, %s also needs it",
					  h->kconfig_read
						  ? "this kernel (CONFIG_INTEL_IOMMU_DEFAULT_ON "
						    "is not set)"
						  : "the kernel probably");
		return report_add(r, "cmdline.iommu", VFK_CHECK_FAIL, fix,
				  "intel_iommu=on is missing and the kernel left VT-d off%s",
				  h->kconfig_read ? " (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set)"
						  : "");
	}
	return report_add(r, "cmdline.iommu", VFK_CHECK_OK, NULL, "%s%s%s",
			  *tokens ? tokens : "no IOMMU parameters", amd_on_note(c),
			  intel ? ""
			  : amd ? "; AMD-Vi is on by default"
				: "");
}

static int check_acs_override(struct host *h, struct vfk_report *r)
{
	bool present;
	const char *v = cmdline_get(&h->cmdline, "pcie_acs_override", &present);

	if (!present)
		return report_add(r, "cmdline.acs-override", VFK_CHECK_OK, NULL,
				  "pcie_acs_override not set: IOMMU groups reflect real isolation");
	return report_add(r, "cmdline.acs-override", VFK_CHECK_WARN,
			  "Prefer a slot whose group is already isolated (`vfiokit plan` shows "
			  "who shares a group); remove pcie_acs_override when isolation matters.",
			  "pcie_acs_override=%s: a patched kernel splits groups the hardware does "
			  "not isolate, so devices may reach each other by DMA",
			  v ? v : "");
}

static int check_vfio_pci_ids(struct host *h, struct vfk_report *r)
{
	bool present;
	const char *v = cmdline_get(&h->cmdline, "vfio_pci.ids", &present);

	if (!present)
		return report_add(r, "cmdline.vfio-pci-ids", VFK_CHECK_OK, NULL,
				  "vfio-pci.ids not set: devices are moved to vfio-pci at run time "
				  "or by modprobe.d options");
	if (!cmdline_valid_pci_ids(v))
		return report_add(
			r, "cmdline.vfio-pci-ids", VFK_CHECK_WARN,
			"Write vfio-pci.ids as comma-separated vendor:device pairs of "
			"four hex digits each, e.g. vfio-pci.ids=10de:1b80,10de:10f0.",
			"vfio-pci.ids=%s is malformed: vfio-pci skips entries it cannot parse",
			v ? v : "");
	return report_add(r, "cmdline.vfio-pci-ids", VFK_CHECK_OK, NULL,
			  "vfio-pci.ids=%s: vfio-pci claims these devices when it loads", v);
}

int check_cmdline(struct host *h, struct vfk_report *r)
{
	int err;

	if (!h->cmdline_read) {
		err = report_add(r, "cmdline.iommu", VFK_CHECK_SKIP, NULL, "cannot read /%s",
				 PROC_CMDLINE);
		if (err >= 0)
			err = report_add(r, "cmdline.acs-override", VFK_CHECK_SKIP, NULL,
					 "cannot read /%s", PROC_CMDLINE);
		if (err >= 0)
			err = report_add(r, "cmdline.vfio-pci-ids", VFK_CHECK_SKIP, NULL,
					 "cannot read /%s", PROC_CMDLINE);
		return err;
	}
	err = check_iommu_params(h, r);
	if (err >= 0)
		err = check_acs_override(h, r);
	if (err >= 0)
		err = check_vfio_pci_ids(h, r);
	return err;
}
