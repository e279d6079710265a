// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture-host.h"
#include "fixture.h"

#ifndef FX_DATA_DIR
#error "FX_DATA_DIR must name tests/data"
#endif

static int copy_file(const char *from, const char *root, const char *to)
{
	char buf[65536];
	ssize_t n;
	int fd = open(from, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n == sizeof(buf))
		return n < 0 ? -errno : -EFBIG;
	return fx_write_bin(root, to, buf, (size_t)n);
}

static int copy_modules(const char *root, const char *variant, const char *release)
{
	static const char *const files[] = {
		"modules.dep",	   "modules.dep.bin",		"modules.alias.bin",
		"modules.builtin", "modules.builtin.bin",	"modules.symbols.bin",
		"modules.softdep", "modules.builtin.alias.bin",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char from[PATH_MAX], to[PATH_MAX];
		int err;

		snprintf(from, sizeof(from), "%s/modules/%s/%s", FX_DATA_DIR, variant, files[i]);
		snprintf(to, sizeof(to), "lib/modules/%s/%s", release, files[i]);
		err = copy_file(from, root, to);
		if (err < 0 && err != -ENOENT)
			return err;
	}
	return 0;
}

static int write_cpuinfo(const char *root, const struct fx_host *h)
{
	char buf[4096];
	size_t len = 0;

	/* Two CPUs, as the kernel prints them, so parsers must stop at the first. */
	for (int cpu = 0; cpu < 2; cpu++) {
		int n = snprintf(buf + len, sizeof(buf) - len,
				 "processor\t: %d\n%s%s%s"
				 "model name\t: Fixture CPU\nflags\t\t: %s\n\n",
				 cpu, h->vendor_id ? "vendor_id\t: " : "",
				 h->vendor_id ? h->vendor_id : "", h->vendor_id ? "\n" : "",
				 h->cpu_flags ? h->cpu_flags : "fpu vme de pse");

		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			return -ENOBUFS;
		len += (size_t)n;
	}
	return fx_write_file(root, "proc/cpuinfo", buf);
}

static int write_iommu(const char *root, const struct fx_host *h)
{
	for (size_t i = 0; i < h->n_units; i++) {
		const struct fx_iommu_unit *u = &h->units[i];
		char path[PATH_MAX], target[PATH_MAX], val[32];
		bool intel = strncmp(u->name, "dmar", 4) == 0;
		int err;

		snprintf(path, sizeof(path), "sys/devices/virtual/iommu/%s/%s", u->name,
			 intel ? "intel-iommu/ecap" : "amd-iommu/features");
		snprintf(val, sizeof(val), "%" PRIx64 "\n", u->ecap);
		err = fx_write_file(root, path, val);
		if (err < 0)
			return err;
		snprintf(path, sizeof(path), "sys/class/iommu/%s", u->name);
		snprintf(target, sizeof(target), "../../devices/virtual/iommu/%s", u->name);
		err = fx_symlink(root, path, target);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Writes @content to @prefix<name>@suffix for each name in @list. */
static int write_list(const char *root, const char *const *list, const char *prefix,
		      const char *suffix, const char *content)
{
	for (size_t i = 0; list && list[i]; i++) {
		char path[PATH_MAX];
		int err;

		snprintf(path, sizeof(path), "%s%s%s", prefix, list[i], suffix);
		err = fx_write_file(root, path, content);
		if (err < 0)
			return err;
	}
	return 0;
}

static int write_params(const char *root, const char *const *params)
{
	for (size_t i = 0; params && params[i]; i++) {
		char path[PATH_MAX], name[256];
		const char *eq = strchr(params[i], '=');
		const char *slash = strchr(params[i], '/');
		int err;

		if (!eq || !slash || slash > eq)
			return -EINVAL;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - params[i]), params[i]);
		*strchr(name, '/') = '\0';
		snprintf(path, sizeof(path), "sys/module/%s/parameters/%.*s", name,
			 (int)(eq - slash - 1), slash + 1);
		err = fx_write_file(root, path, eq + 1);
		if (err < 0)
			return err;
	}
	return 0;
}

static int write_hugepages(const char *root, const struct fx_host *h)
{
	char buf[32];
	int err;

	if (h->no_hugetlbfs)
		return 0;
	/* A pool nobody uses yet: every reserved page is free. */
	snprintf(buf, sizeof(buf), "%u\n", h->hugepages_2m);
	err = fx_write_file(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", buf);
	if (err >= 0)
		err = fx_write_file(root, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
				    buf);
	if (err < 0)
		return err;
	snprintf(buf, sizeof(buf), "%u\n", h->hugepages_1g);
	err = fx_write_file(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", buf);
	if (err >= 0)
		err = fx_write_file(
			root, "sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", buf);
	return err;
}

int fx_build_host(const char *root, const struct fx_host *h)
{
	const char *release = h->osrelease ? h->osrelease : "6.1.0-fixture";
	char path[PATH_MAX], buf[1024];
	int err = 0;

	if (!h->no_cpuinfo)
		err = write_cpuinfo(root, h);
	if (err >= 0 && h->cmdline) {
		snprintf(buf, sizeof(buf), "%s\n", h->cmdline);
		err = fx_write_file(root, "proc/cmdline", buf);
	}
	if (err >= 0) {
		snprintf(buf, sizeof(buf), "%s\n", release);
		err = fx_write_file(root, "proc/sys/kernel/osrelease", buf);
	}
	if (err >= 0 && h->acpi_table) {
		uint8_t t[48] = {0};

		memcpy(t, h->acpi_table, 4);
		t[4] = sizeof(t);
		t[37] = h->dmar_flags;
		snprintf(path, sizeof(path), "sys/firmware/acpi/tables/%s", h->acpi_table);
		err = fx_write_bin(root, path, t, sizeof(t));
	}
	if (err >= 0)
		err = fx_mkdir_p(root, "sys/class/iommu");
	if (err >= 0)
		err = write_iommu(root, h);
	if (err >= 0)
		err = fx_write_file(
			root, "proc/interrupts",
			h->ir_interrupts
				? "           CPU0       CPU1\n"
				  "  0:         37          0  IR-IO-APIC    2-edge      timer\n"
				  " 24:          0          0  DMAR-MSI    0-edge      dmar0\n"
				  " 25:       1210          0  IR-PCI-MSIX-0000:00:02.0    0-edge  "
				  "    "
				  "eth0\n"
				: "           CPU0       CPU1\n"
				  "  0:         37          0   IO-APIC    2-edge      timer\n"
				  " 24:          0          0  DMAR-MSI    0-edge      dmar0\n"
				  " 25:       1210          0  PCI-MSIX-0000:00:02.0    0-edge     "
				  " "
				  "eth0\n");
	if (err >= 0 && h->kmsg)
		err = fx_write_file(root, "dev/kmsg", h->kmsg);
	if (err >= 0 && h->os_release)
		err = fx_write_file(root, "etc/os-release", h->os_release);
	if (err >= 0 && h->grub)
		err = fx_write_file(root, "etc/default/grub", h->grub);
	if (err >= 0 && h->kernel_cmdline_file)
		err = fx_write_file(root, "etc/kernel/cmdline", h->kernel_cmdline_file);
	if (err >= 0 && h->kconfig) {
		snprintf(path, sizeof(path), "boot/config-%s", release);
		err = fx_write_file(root, path, h->kconfig);
	}
	if (err >= 0 && h->modules)
		err = copy_modules(root, h->modules, release);
	if (err >= 0)
		err = write_list(root, h->loaded, "sys/module/", "/initstate", "live\n");
	if (err >= 0)
		err = write_list(root, h->files, "", "", "");
	if (err >= 0)
		err = write_params(root, h->module_params);
	if (err >= 0 && h->memlock) {
		snprintf(buf, sizeof(buf),
			 "Limit                     Soft Limit           Hard Limit           "
			 "Units\n"
			 "Max open files            1024                 524288               "
			 "files\n"
			 "Max locked memory         %-20s %-20s bytes\n",
			 h->memlock, h->memlock);
		err = fx_write_file(root, "proc/self/limits", buf);
	}
	if (err >= 0)
		err = write_hugepages(root, h);
	if (err >= 0 && h->ovmf_descriptor)
		err = fx_write_file(root, "usr/share/qemu/firmware/60-edk2-x86_64.json",
				    h->ovmf_descriptor);
	return err;
}
