// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "path.h"

/* The value of the first "key\t: value" line, i.e. that of the first CPU. */
static bool cpuinfo_field(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *line = text; *line;) {
		const char *nl = strchrnul(line, '\n');

		if (strncmp(line, key, klen) == 0 &&
		    (line[klen] == '\t' || line[klen] == ' ' || line[klen] == ':')) {
			const char *v = memchr(line, ':', (size_t)(nl - line));
			size_t n;

			if (!v)
				return false;
			v++;
			while (*v == ' ')
				v++;
			n = (size_t)(nl - v);
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		line = *nl ? nl + 1 : nl;
	}
	return false;
}

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

int check_cpu(struct host *h, struct vfk_report *r)
{
	_cleanup_free_ char *text = NULL;
	char flags[8192];
	const char *virt, *kvm_mod;
	ssize_t n;
	int err;

	n = path_read_all(h->ctx, PROC_CPUINFO, 16u << 20, &text);
	if (n < 0) {
		err = report_add(r, "cpu.vendor", VFK_CHECK_SKIP, NULL, "cannot read /%s: %s",
				 PROC_CPUINFO, strerror((int)-n));
		if (err < 0)
			return err;
		return report_add(r, "cpu.virtualization", VFK_CHECK_SKIP, NULL, "cannot read /%s",
				  PROC_CPUINFO);
	}
	h->cpuinfo_read = true;
	if (!cpuinfo_field(text, "vendor_id", h->cpu_vendor_id, sizeof(h->cpu_vendor_id))) {
		err = report_add(r, "cpu.vendor", VFK_CHECK_SKIP, NULL,
				 "no vendor_id in /%s: not an x86 CPU, so the VT-d and AMD-Vi "
				 "checks do not apply",
				 PROC_CPUINFO);
		if (err < 0)
			return err;
		return report_add(r, "cpu.virtualization", VFK_CHECK_SKIP, NULL, "not an x86 CPU");
	}
	if (streq(h->cpu_vendor_id, "GenuineIntel") || streq(h->cpu_vendor_id, "CentaurHauls") ||
	    streq(h->cpu_vendor_id, "  Shanghai  "))
		h->cpu_vendor = CPU_VENDOR_INTEL;
	else if (streq(h->cpu_vendor_id, "AuthenticAMD") || streq(h->cpu_vendor_id, "HygonGenuine"))
		h->cpu_vendor = CPU_VENDOR_AMD;
	else
		h->cpu_vendor = CPU_VENDOR_OTHER;
	err = report_add(r, "cpu.vendor", VFK_CHECK_OK, NULL, "%s (%s)", h->cpu_vendor_id,
			 h->cpu_vendor == CPU_VENDOR_INTEL ? "Intel: the IOMMU is VT-d"
			 : h->cpu_vendor == CPU_VENDOR_AMD ? "AMD: the IOMMU is AMD-Vi"
							   : "unfamiliar vendor");
	if (err < 0)
		return err;

	if (cpuinfo_field(text, "flags", flags, sizeof(flags))) {
		h->cpu_vmx = has_flag(flags, "vmx");
		h->cpu_svm = has_flag(flags, "svm");
	}
	h->have_kvm_dev = path_exists(h->ctx, DEV_KVM) == 0;
	virt = h->cpu_vmx ? "vmx" : "svm";
	kvm_mod = h->cpu_vmx ? "kvm_intel" : "kvm_amd";
	if ((h->cpu_vmx || h->cpu_svm) && h->have_kvm_dev)
		return report_add(r, "cpu.virtualization", VFK_CHECK_OK, NULL,
				  "CPU flag %s set and /%s present", virt, DEV_KVM);
	if (h->cpu_vmx || h->cpu_svm) {
		char fix[128];

		snprintf(fix, sizeof(fix), "Load KVM: modprobe %s", kvm_mod);
		return report_add(r, "cpu.virtualization", VFK_CHECK_WARN, fix,
				  "CPU flag %s set but /%s is missing: VMs would run without KVM",
				  virt, DEV_KVM);
	}
	return report_add(
		r, "cpu.virtualization", VFK_CHECK_WARN,
		h->cpu_vendor == CPU_VENDOR_AMD
			? "Enable \"SVM Mode\" in the firmware setup (BIOS/UEFI)."
			: "Enable \"Intel Virtualization Technology\" (VT-x) in the firmware "
			  "setup (BIOS/UEFI).",
		"no vmx or svm flag in /%s: VMs would run without KVM (userspace "
		"drivers are unaffected)",
		PROC_CPUINFO);
}

int check_firmware_table(struct host *h, struct vfk_report *r)
{
	_cleanup_close_ int fd = -1;
	unsigned char dmar[48];

	if (path_exists(h->ctx, SYS_ACPI_TABLES "/DMAR") == 0)
		h->iommu_table = IOMMU_KIND_INTEL;
	else if (path_exists(h->ctx, SYS_ACPI_TABLES "/IVRS") == 0)
		h->iommu_table = IOMMU_KIND_AMD;

	if (h->iommu_table == IOMMU_KIND_INTEL) {
		fd = path_open_file(h->ctx, SYS_ACPI_TABLES "/DMAR");
		if (fd >= 0 && read(fd, dmar, sizeof(dmar)) >= 38) {
			h->dmar_read = true;
			h->dmar_flags = dmar[37];
		}
		return report_add(r, "firmware.iommu-table", VFK_CHECK_OK, NULL,
				  "ACPI DMAR table present: firmware describes VT-d%s",
				  !h->dmar_read ? ""
				  : h->dmar_flags & 1
					  ? " and declares interrupt remapping"
					  : " but does not declare interrupt remapping");
	}
	if (h->iommu_table == IOMMU_KIND_AMD)
		return report_add(r, "firmware.iommu-table", VFK_CHECK_OK, NULL,
				  "ACPI IVRS table present: firmware describes AMD-Vi");
	if (h->cpu_vendor == CPU_VENDOR_UNKNOWN && h->cpuinfo_read)
		return report_add(r, "firmware.iommu-table", VFK_CHECK_SKIP, NULL,
				  "not an x86 host: no DMAR or IVRS table expected");
	return report_add(
		r, "firmware.iommu-table", VFK_CHECK_FAIL,
		h->cpu_vendor == CPU_VENDOR_AMD
			? "Enable the IOMMU in the firmware setup (BIOS/UEFI): the option is "
			  "called \"IOMMU\" or \"AMD-Vi\", often under Advanced > AMD CBS > NBIO. "
			  "Then reboot."
			: "Enable VT-d in the firmware setup (BIOS/UEFI): the option is called "
			  "\"VT-d\" or \"Intel Virtualization Technology for Directed I/O\". "
			  "Then reboot.",
		"no ACPI DMAR or IVRS table in /%s: the firmware does not offer an IOMMU",
		SYS_ACPI_TABLES);
}
