// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/report.h"
#include "host/cmdline.h"
#include "host/host.h"
#include "path.h"
#include "persist-private.h"

bool persist_rule_value(const char *line, const char *key, char *buf, size_t size)
{
	const char *p = strstr(line, key), *end;

	if (!p)
		return false;
	p += strlen(key);
	p += strspn(p, "=");
	if (*p++ != '"' || !(end = strchr(p, '"')))
		return false;
	snprintf(buf, size, "%.*s", (int)(end - p), p);
	return true;
}

/* Why a device the rule names is not on vfio-pci, as far as the running system shows. */
/* "0x10de": how vfiokit writes a vendor or device id into its rule. */
static bool is_rule_id(const char *s)
{
	return strlen(s) == 6 && startswith(s, "0x") &&
	       strspn(s + 2, "0123456789abcdefABCDEF") == 4;
}

static int verify_device(struct vfk_ctx *ctx, struct vfk_report *r, const char *line,
			 const char *comment)
{
	char bdf[64], vendor[16], device[16], id[96], fix[512];
	char want_serial[32] = "", have_serial[32];
	struct vfk_device *dev = NULL;
	const char *p;
	uint16_t v = 0, d = 0;
	const char *drv, *ov;
	int err;

	/* The lines of a PF given VFs (no subsystem ids) are verify_sriov()'s. */
	if (!strstr(line, "ATTR{subsystem_vendor}") ||
	    !persist_rule_value(line, "KERNEL", bdf, sizeof(bdf)) ||
	    !persist_rule_value(line, "ATTR{vendor}", vendor, sizeof(vendor)) ||
	    !persist_rule_value(line, "ATTR{device}", device, sizeof(device)))
		return 0;
	snprintf(id, sizeof(id), "device.%s", bdf);
	if (!is_rule_id(vendor) || !is_rule_id(device))
		return report_add(
			r, id, VFK_CHECK_FAIL, "run vfiokit persist again to rewrite the rule",
			"the udev rule for %s names vendor \"%.8s\" and device \"%.8s\", not "
			"ids as vfiokit writes them (0xVVVV): it was edited",
			bdf, vendor, device);
	err = vfk_device_new_from_string(ctx, bdf, &dev);
	if (err < 0)
		return report_add(r, id, VFK_CHECK_FAIL,
				  "put the card back in its slot, or run vfiokit persist again for "
				  "its new address",
				  "no device at %s: the card was moved or removed, so the rule "
				  "matches nothing",
				  bdf);
	vfk_device_get_ids(dev, &v, &d);
	drv = vfk_device_get_driver(dev);
	/* "# BDF serial=..." before the rule: the serial the card had when configured. */
	if (comment && startswith(comment, "# ") && startswith(comment + 2, bdf) &&
	    (p = strstr(comment, " serial=")))
		snprintf(want_serial, sizeof(want_serial), "%.23s", p + 8);
	if (!persist_read_serial(ctx, bdf, have_serial, sizeof(have_serial)))
		have_serial[0] = '\0';
	ov = vfk_device_get_driver_override(dev);
	if (v != strtoul(vendor, NULL, 16) || d != strtoul(device, NULL, 16)) {
		err = report_add(
			r, id, VFK_CHECK_FAIL,
			"run vfiokit persist again for the card you want there",
			"%s is now %04x:%04x, not the %s:%s the rule names: another card is "
			"in that slot, and it is left alone",
			bdf, v, d, vendor + 2, device + 2);
	} else if (want_serial[0] && !streq(have_serial, want_serial)) {
		/* Same address and ids, another card: identical cards were swapped. */
		err = report_add(
			r, id, VFK_CHECK_WARN,
			"if that is not the card you meant, run vfiokit persist again",
			"%s is on %s, but it is not the card configured: serial %s, not %s "
			"(an identical card took its place)",
			bdf, drv ? drv : "no driver", *have_serial ? have_serial : "none",
			want_serial);
	} else if (vfk_device_is_vfio_bound(dev)) {
		err = report_add(r, id, VFK_CHECK_OK, NULL, "%s is on %s, as configured", bdf, drv);
	} else if (!ov || !streq(ov, "vfio-pci")) {
		snprintf(fix, sizeof(fix),
			 "make sure /%s is in the initramfs (rebuild it: update-initramfs -u, "
			 "dracut -f or mkinitcpio -P) and that udev runs there",
			 VFIOKIT_UDEV_RULE);
		err = report_add(
			r, id, VFK_CHECK_FAIL, fix,
			"%s is on %s and its driver_override is not vfio-pci: the rule did "
			"not run before the host driver took it",
			bdf, drv ? drv : "no driver");
	} else if (drv) {
		err = report_add(
			r, id, VFK_CHECK_FAIL,
			"a driver built into the kernel probes before udev; use a kernel "
			"with it as a module, or vfio-pci.ids= with vfio-pci built in",
			"%s is reserved for vfio-pci (driver_override) but %s has it: that "
			"driver bound it before the rule ran",
			bdf, drv);
	} else {
		err = report_add(r, id, VFK_CHECK_FAIL,
				 "modprobe vfio-pci (and check /" VFIOKIT_MODPROBE_CONF
				 " is in the initramfs)",
				 "%s is reserved for vfio-pci but has no driver: vfio-pci was not "
				 "loaded",
				 bdf);
	}
	vfk_device_unref(dev);
	return err;
}

/* The PF recorded at apply time: its VF count, and with --bind-vfs each VF's driver. */
static int verify_sriov(struct vfk_ctx *ctx, struct vfk_report *r, const char *rule)
{
	_cleanup_free_ char *why = NULL;
	struct persist_sriov s;
	struct vfk_device *pf = NULL;
	char id[96], line[64];
	unsigned int total = 0, num = 0;
	int err = persist_state_sriov(ctx, &s, &why);

	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return why ? report_add(r, "persist.state", VFK_CHECK_FAIL,
					"repair or move aside /" VFIOKIT_PERSIST_STATE, "%s", why)
			   : err;
	snprintf(id, sizeof(id), "sriov.%s", s.pf);
	snprintf(line, sizeof(line), "KERNEL==\"%s\"", s.pf);
	if (!rule || !strstr(rule, line) || !strstr(rule, "ATTR{sriov_numvfs}")) {
		err = report_add(r, id, VFK_CHECK_FAIL,
				 "run vfiokit persist --apply --vfs N PF again",
				 "/%s has no line for %s's virtual functions: it was edited",
				 VFIOKIT_UDEV_RULE, s.pf);
		goto out;
	}
	if (vfk_device_new_from_string(ctx, s.pf, &pf) < 0 ||
	    vfk_device_get_sriov(pf, &total, &num) < 0) {
		err = report_add(r, id, VFK_CHECK_FAIL,
				 "put the card back, or run vfiokit persist --vfs for its new "
				 "address",
				 "no SR-IOV physical function at %s: the card was moved or removed",
				 s.pf);
		goto out;
	}
	if (num != s.n_vfs) {
		err = report_add(
			r, id, VFK_CHECK_FAIL,
			"check that the PF's driver binds at boot and takes sriov_numvfs "
			"(journalctl -b -u systemd-udevd; dmesg)",
			"%s has %u virtual functions, not the %u configured: the rule in /%s did "
			"not write sriov_numvfs when %s bound it",
			s.pf, num, s.n_vfs, VFIOKIT_UDEV_RULE,
			vfk_device_get_driver(pf) ?: "its driver");
		goto out;
	}
	err = report_add(r, id, VFK_CHECK_OK, NULL, "%s has %u virtual functions, as configured",
			 s.pf, num);
	for (unsigned int i = 0; err >= 0 && s.bind && i < s.n_vfs; i++) {
		struct vfk_device *vf = NULL;
		const char *drv;

		snprintf(id, sizeof(id), "device.%s", s.vfs[i]);
		if (vfk_device_new_from_string(ctx, s.vfs[i], &vf) < 0) {
			err = report_add(r, id, VFK_CHECK_FAIL,
					 "run vfiokit persist --apply --vfs N --bind-vfs PF again",
					 "no virtual function at %s, where %s's SR-IOV capability "
					 "put it when configured",
					 s.vfs[i], s.pf);
			continue;
		}
		drv = vfk_device_get_driver(vf);
		err = vfk_device_is_vfio_bound(vf)
			      ? report_add(r, id, VFK_CHECK_OK, NULL,
					   "%s (virtual function of %s) is on %s, as configured",
					   s.vfs[i], s.pf, drv)
			      : report_add(r, id, VFK_CHECK_FAIL,
					   "check that vfio-pci loads before the PF's driver "
					   "(/" VFIOKIT_MODPROBE_CONF
					   ") and that udev ran /" VFIOKIT_UDEV_RULE,
					   "%s (virtual function of %s) is on %s, not vfio-pci",
					   s.vfs[i], s.pf, drv ? drv : "no driver");
		vfk_device_unref(vf);
	}
out:
	vfk_device_unref(pf);
	free(s.vfs);
	return err;
}

static int verify_iommu(struct vfk_ctx *ctx, struct vfk_report *r)
{
	_cleanup_free_ char *cmdline = NULL, *grub = NULL;
	struct dirent *de;
	size_t groups = 0;
	DIR *dir;

	if (path_opendir(ctx, SYS_IOMMU_GROUPS, &dir) == 0) {
		while ((de = readdir(dir)))
			groups += de->d_name[0] != '.';
		closedir(dir);
	}
	if (groups)
		return report_add(r, "iommu.active", VFK_CHECK_OK, NULL,
				  "the IOMMU is on: %zu groups", groups);
	path_read_all(ctx, PROC_CMDLINE, 64 * 1024, &cmdline);
	path_read_all(ctx, ETC_DEFAULT_GRUB, 256 * 1024, &grub);
	if (persist_has_block(grub) && cmdline && !strstr(cmdline, "intel_iommu=on"))
		return report_add(
			r, "iommu.active", VFK_CHECK_FAIL,
			"regenerate the bootloader configuration (update-grub, or "
			"grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot",
			"the IOMMU is off: the options vfiokit added to /etc/default/grub "
			"are not on the running kernel's command line");
	return report_add(r, "iommu.active", VFK_CHECK_FAIL, "see vfiokit doctor",
			  "the IOMMU is off: no IOMMU groups, so vfio-pci cannot use the devices");
}

/*
 * The IOMMU and vfio options the running kernel has but its boot configuration lacks:
 * typed at the boot prompt, or left from an entry since rebuilt; the next update-grub
 * or kernel-install drops them.
 */
static int verify_running_only(struct vfk_ctx *ctx, struct vfk_report *r)
{
	static const char *const keys[] = {"intel_iommu", "amd_iommu", "iommu", "vfio_pci.ids"};
	struct host h = {.ctx = ctx};
	struct cmdline src = {};
	int err, n = 0;

	err = host_detect_bootloader(&h);
	if (err >= 0)
		err = host_read_cmdline(&h);
	if (err >= 0)
		err = persist_source_options(ctx, h.kernel_cmdline_file, &src);
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(keys); i++) {
		bool running, configured;
		const char *now = cmdline_get(&h.cmdline, keys[i], &running);
		const char *conf = cmdline_get(&src, keys[i], &configured);

		if (!running || (configured && streq_ptr(now, conf)))
			continue;
		n++;
		err = report_add(r, "cmdline.running-only", VFK_CHECK_WARN,
				 "vfiokit persist --apply DEVICE... writes what vfio needs into "
				 "the boot configuration",
				 "%s%s%s is on the running kernel's command line only, not in the "
				 "boot configuration (%s): the next update-grub or kernel-install "
				 "drops it",
				 keys[i], now ? "=" : "", now ? now : "",
				 configured ? "which has another value" : "which lacks it");
	}
	if (err >= 0 && n == 0)
		err = report_add(r, "cmdline.running-only", VFK_CHECK_OK, NULL,
				 "the running kernel's IOMMU and vfio options are all in the boot "
				 "configuration");
	cmdline_free(&src);
	host_free(&h);
	return err;
}

VFK_EXPORT int vfk_persist_verify(struct vfk_ctx *ctx, struct vfk_report **ret)
{
	_cleanup_free_ char *rule = NULL, *conf = NULL;
	struct vfk_report *r;
	int err;

	assert_return(ctx && ret, -EINVAL);
	r = report_new();
	if (!r)
		return -ENOMEM;
	path_read_all(ctx, VFIOKIT_UDEV_RULE, 1u << 20, &rule);
	path_read_all(ctx, VFIOKIT_MODPROBE_CONF, 1u << 20, &conf);
	if (!rule && !conf) {
		err = report_add(r, "persist.configured", VFK_CHECK_FAIL,
				 "vfiokit persist --apply DEVICE...",
				 "nothing is configured: no /%s and no /%s", VFIOKIT_UDEV_RULE,
				 VFIOKIT_MODPROBE_CONF);
		goto out;
	}
	err = verify_iommu(ctx, r);
	if (err >= 0)
		err = verify_running_only(ctx, r);
	for (const char *line = rule, *comment = NULL; err >= 0 && line && *line;) {
		const char *next = strchr(line, '\n');
		_cleanup_free_ char *one =
			strndup(line, next ? (size_t)(next - line) : strlen(line));

		if (!one)
			err = -ENOMEM;
		else if (one[0] != '#')
			err = verify_device(ctx, r, one, comment);
		comment = line[0] == '#' ? line : NULL;
		line = next ? next + 1 : NULL;
	}
	if (err >= 0)
		err = verify_sriov(ctx, r, rule);
	/* --by-id: every device with the ids must be on vfio-pci. */
	if (err >= 0 && conf && strstr(conf, "options vfio-pci ids=")) {
		struct vfk_device **all = NULL;
		size_t n = 0;
		const char *ids =
			strstr(conf, "options vfio-pci ids=") + strlen("options vfio-pci ids=");

		err = vfk_ctx_get_devices(ctx, &all, &n);
		for (size_t i = 0; err >= 0 && i < n; i++) {
			uint16_t v = 0, d = 0;
			char want[16], id[96];
			const char *drv = vfk_device_get_driver(all[i]);

			vfk_device_get_ids(all[i], &v, &d);
			snprintf(want, sizeof(want), "%04x:%04x", v, d);
			if (!strstr(ids, want) ||
			    strcspn(ids, "\n") < (size_t)(strstr(ids, want) - ids))
				continue;
			snprintf(id, sizeof(id), "device.%s", vfk_device_get_bdf(all[i]));
			err = vfk_device_is_vfio_bound(all[i])
				      ? report_add(r, id, VFK_CHECK_OK, NULL,
						   "%s (%s) is on %s, as configured",
						   vfk_device_get_bdf(all[i]), want, drv)
				      : report_add(r, id, VFK_CHECK_FAIL,
						   "check that /" VFIOKIT_MODPROBE_CONF
						   " is in the initramfs and the host driver is a "
						   "module (softdep)",
						   "%s (%s) is on %s, not vfio-pci: its host "
						   "driver took it first",
						   vfk_device_get_bdf(all[i]), want,
						   drv ? drv : "no driver");
		}
		vfk_device_list_free(all, n);
	}
out:
	if (err < 0) {
		vfk_report_unref(r);
		return err;
	}
	*ret = r;
	return 0;
}
