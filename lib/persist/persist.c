// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkmod.h>

#include "host/host.h"
#include "path.h"
#include "persist-private.h"
#include "strv.h"

#define HEADER                                                                                     \
	"# Written by vfiokit persist: devices given to vfio-pci at every boot.\n"                 \
	"# Change with `vfiokit persist`, remove with `vfiokit persist --undo`.\n"

struct target {
	struct vfk_device *dev;
	const char *host_driver; /* NULL: none known */
	uint16_t vendor, device, sub_vendor, sub_device;
};

struct gen {
	struct vfk_persist *p;
	struct host h;
	struct target *t;
	size_t n;
	bool by_id, vfio_builtin;
	struct kmod_ctx *kmod; /* NULL: module state unknown */
	/* vfk_persist_new_vfs(): the PF, its driver and ids. */
	struct vfk_device *pf;
	const char *pf_driver;
	uint16_t pf_vendor, pf_device;
	/* Whether vfio-pci gets anything at boot (devices or VFs), and whether the udev
	 * rule has any line: without devices or a PF, vfiokit's configuration goes. */
	bool any, rule;
};

static int pwarn(struct vfk_persist *p, const char *fmt, ...) _printf_(2, 3);
static int pwarn(struct vfk_persist *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strv_pushv(&p->warnings, &p->n_warnings, fmt, ap);
	va_end(ap);
	return r;
}

static int add_command(struct vfk_persist *p, ...)
{
	const char *argv[8];
	size_t n = 0;
	va_list ap;

	va_start(ap, p);
	while (n + 1 < ARRAY_SIZE(argv) && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return persist_add_command(p, argv);
}

/* After the image is rebuilt, its listing must show vfio-pci. */
static int add_image_check(struct vfk_persist *p, const char *lister, const char *image)
{
	int err;

	/* Without devices (the configuration removed) there is nothing to look for. */
	if (!p->has_devices && !(p->sriov.pf[0] && p->sriov.bind))
		return 0;
	err = add_command(p, lister, image, NULL);

	if (err >= 0 && !(p->expects[p->n_commands - 1] = strdup("vfio-pci.ko")))
		err = -ENOMEM;
	return err;
}

/* Adds a file with its current content @old (NULL: absent) and the @updated one (NULL:
 * remove it); takes both strings. @mode 0: the existing file's own mode (0644 for a new
 * one), as for the user's files; vfiokit's own files give theirs. */
static int add_file_old(struct vfk_persist *p, const char *path, char *old, char *updated,
			mode_t mode)
{
	struct pfile *grown, *f;
	struct stat st;

	grown = realloc(p->files, (p->n_files + 1) * sizeof(*grown));
	if (!grown) {
		free(old);
		free(updated);
		return -ENOMEM;
	}
	p->files = grown;
	f = &p->files[p->n_files];
	*f = (struct pfile){.old = old,
			    .updated = updated,
			    .mode = mode ? mode : 0644,
			    .uid = (uid_t)-1,
			    .gid = (gid_t)-1,
			    .old_mode = 0644};
	/* A file that exists keeps its owner, and a file of the user's its mode too: a
	 * 0600 root:wheel configuration stays so. */
	if (old && path_stat(p->ctx, path, &st) == 0) {
		f->uid = st.st_uid;
		f->gid = st.st_gid;
		f->old_mode = st.st_mode & 07777;
		if (!mode)
			f->mode = f->old_mode;
	}
	f->path = strdup(path);
	if (f->path && asprintf(&f->abs, "/%s", path) < 0)
		f->abs = NULL;
	p->n_files++;
	return f->path && f->abs ? 0 : -ENOMEM;
}

/* add_file_old() with the content read here. */
static int add_file(struct vfk_persist *p, const char *path, char *updated, mode_t mode)
{
	char *old = NULL;
	ssize_t r = path_read_all(p->ctx, path, 1u << 20, &old);

	if (r < 0 && r != -ENOENT) {
		free(updated);
		return (int)r;
	}
	return add_file_old(p, path, old, updated, mode);
}

/* A file wholly vfiokit's: @text, or removed when there is nothing to bind. */
static int own_file(struct gen *g, const char *path, const char *text, mode_t mode)
{
	bool keep = streq(path, VFIOKIT_UDEV_RULE) ? g->rule : g->any;
	char *updated = NULL;

	if (keep && !(updated = strdup(text)))
		return -ENOMEM;
	if (!updated && path_exists(g->p->ctx, path) < 0)
		return 0;
	return add_file(g->p, path, updated, mode);
}

/* Removes a file of vfiokit's that the chosen mode does not use. */
static int drop_file(struct gen *g, const char *path)
{
	return path_exists(g->p->ctx, path) == 0 ? add_file(g->p, path, NULL, 0644) : 0;
}

/* vfiokit's block in a file of the user's; nothing to do when neither exists. */
static int block_file(struct gen *g, const char *path, const char *body)
{
	_cleanup_free_ char *old = NULL;
	char *updated;

	if (path_read_all(g->p->ctx, path, 1u << 20, &old) < 0 && !(g->any && body))
		return 0;
	if (!(g->any && body) && !persist_has_block(old))
		return 0;
	updated = persist_block_edit(old, g->any ? body : NULL);
	return updated ? add_file_old(g->p, path, TAKE_PTR(old), updated, 0) : -ENOMEM;
}

/* Built in, as libkmod reads the running kernel's module indexes below the root. */
static bool is_builtin(struct gen *g, const char *module)
{
	char file[PATH_MAX];

	return module && g->kmod &&
	       host_module_state(&g->h, g->kmod, module, file, sizeof(file)) == MODULE_BUILTIN;
}

/*
 * The PF's lines. sriov_numvfs can only be written once the PF's driver is bound (it is
 * the driver that creates the VFs), so the rule waits for it: "bind" is the event of the
 * driver binding at boot, "add" with DRIVER set is coldplug replaying the event of a PF
 * whose driver bound before udev ran (in the initramfs, or built in). A plain "add"
 * comes before any driver, when the write fails. Writing the count the PF already has
 * is a no-op, so both events may match.
 *
 * With --bind-vfs everything happens in that one event, in order, and nothing depends on
 * the VFs' own events. sriov_drivers_autoprobe=0 comes first: while it is 0 the PCI core
 * probes a VF only for a driver its driver_override names, so the PF's driver cannot take
 * the VFs as sriov_numvfs creates them. The write of sriov_numvfs returns only when every
 * VF has been added to the bus (pci_iov_add_virtfn() ends in pci_bus_add_device(), which
 * makes it matchable and probes it once), so the lines after it find each VF complete and
 * unbound: they set its driver_override through the PF's own link to it (virtfnI, right
 * whatever the VF's address) and ask the bus to probe it (drivers_probe, a file of the
 * bus that udev's [subsystem/pci] names, taking the address). vfio-pci is normally loaded
 * by then (the softdep on the PF's driver); where the PF's driver loaded without it (an
 * initramfs without vfiokit's files, built in), the kmod load that udev runs after the
 * rules registers vfio-pci, which then takes every VF whose driver_override names it.
 *
 * Each VF line requires sriov_numvfs to hold the count, so a failed write touches no VF.
 * A VF's add event would be too early: udev handles it in parallel with the PF's event,
 * possibly before pci_bus_add_device() has made the VF matchable, and nothing in it loads
 * vfio-pci, so the VF's binding hung on vfio-pci being loaded already and on udev
 * handling every VF's event.
 */
static void sriov_rules(struct gen *g, FILE *f)
{
	const struct persist_sriov *s = &g->p->sriov;
	char match[256];

	snprintf(match, sizeof(match),
		 "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
		 "ATTR{vendor}==\"0x%04x\", ATTR{device}==\"0x%04x\", DRIVER==\"%s\"",
		 s->pf, g->pf_vendor, g->pf_device, g->pf_driver);
	fprintf(f, "# %s comes up with %u virtual functions once %s binds it%s.\n", s->pf, s->n_vfs,
		g->pf_driver, s->bind ? ", each reserved for vfio-pci" : "");
	if (!s->bind) {
		fprintf(f, "%s, ATTR{sriov_numvfs}=\"%u\"\n", match, s->n_vfs);
		return;
	}
	fprintf(f,
		"%s, ATTR{sriov_drivers_autoprobe}=\"0\", ATTR{sriov_numvfs}=\"%u\", "
		"RUN{builtin}+=\"kmod load vfio_pci\"\n",
		match, s->n_vfs);
	for (unsigned int i = 0; i < s->n_vfs; i++)
		fprintf(f,
			"%s, ATTR{sriov_numvfs}==\"%u\", "
			"ATTR{virtfn%u/driver_override}=\"vfio-pci\", "
			"ATTR{[subsystem/pci]drivers_probe}=\"%s\"\n",
			match, s->n_vfs, i, s->vfs[i]);
}

static int gen_udev(struct gen *g)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (g->by_id)
		return drop_file(g, VFIOKIT_UDEV_RULE);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	/* Run before the rule that loads drivers by modalias (80-drivers.rules): the host
	 * driver, when it loads, then finds the device reserved for vfio-pci. Address and
	 * identity must both match, so a card moved to another slot is not taken. */
	fprintf(f, HEADER
		"# udev sets driver_override as each device appears, before its host driver\n"
		"# can load; modprobe.d's softdeps load vfio-pci first.\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct target *t = &g->t[i];
		const char *bdf = vfk_device_get_bdf(t->dev);

		char serial[32], slot[64];

		/* What udev cannot match, kept for --verify to tell the card apart. */
		bool has_serial = persist_read_serial(g->p->ctx, bdf, serial, sizeof(serial));
		bool has_slot = persist_read_slot(g->p->ctx, bdf, slot, sizeof(slot));

		if (has_serial || has_slot)
			fprintf(f, "# %s%s%s%s%s\n", bdf, has_serial ? " serial=" : "",
				has_serial ? serial : "", has_slot ? " slot=" : "",
				has_slot ? slot : "");
		fprintf(f,
			"ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"%s\", "
			"ATTR{vendor}==\"0x%04x\", ATTR{device}==\"0x%04x\", "
			"ATTR{subsystem_vendor}==\"0x%04x\", ATTR{subsystem_device}==\"0x%04x\", "
			"ATTR{driver_override}=\"vfio-pci\"\n",
			bdf, t->vendor, t->device, t->sub_vendor, t->sub_device);
	}
	if (g->pf)
		sriov_rules(g, f);
	err = fclose(f) == 0 ? 0 : -ENOMEM;
	return err < 0 ? err : own_file(g, VFIOKIT_UDEV_RULE, text, 0644);
}

/* "10de:1b80,10de:10f0": the targets' ids, each once. */
static void ids_list(const struct gen *g, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < g->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= g->t[j].vendor == g->t[i].vendor &&
				g->t[j].device == g->t[i].device;
		if (!seen && len + 11 < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%04x:%04x",
						len ? "," : "", g->t[i].vendor, g->t[i].device);
	}
}

static int gen_modprobe(struct gen *g)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	size_t directives = 0;
	char ids[512];

	fputs(HEADER, f);
	if (g->by_id && !g->vfio_builtin) {
		ids_list(g, ids, sizeof(ids));
		fprintf(f, "options vfio-pci ids=%s\n", ids);
		directives++;
	}
	/* The host driver, when its module loads, brings vfio-pci in first. */
	for (size_t i = 0; i < g->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= streq_ptr(g->t[j].host_driver, g->t[i].host_driver);
		if (!seen && g->t[i].host_driver && !is_builtin(g, g->t[i].host_driver)) {
			fprintf(f, "softdep %s pre: vfio-pci\n", g->t[i].host_driver);
			directives++;
		}
	}
	/* With --bind-vfs vfio-pci must be loaded before the PF's driver creates the VFs. */
	if (g->pf && g->p->sriov.bind && !is_builtin(g, g->pf_driver)) {
		bool seen = false;

		for (size_t j = 0; j < g->n; j++)
			seen |= streq_ptr(g->t[j].host_driver, g->pf_driver);
		if (!seen) {
			fprintf(f, "softdep %s pre: vfio-pci\n", g->pf_driver);
			directives++;
		}
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	return directives ? own_file(g, VFIOKIT_MODPROBE_CONF, text, 0644)
			  : drop_file(g, VFIOKIT_MODPROBE_CONF);
}

/* booster's image has no udev: the modules load there, early binding is up to the
 * host drivers staying out of it (or --by-id, whose modprobe.d option booster honours). */
static int gen_booster(struct gen *g)
{
	_cleanup_free_ char *yaml = NULL;
	int err;

	if (path_read_all(g->p->ctx, BOOSTER_CONF, 1u << 20, &yaml) >= 0 &&
	    !persist_has_block(yaml) && strstr(yaml, "modules_force_load:")) {
		/* A second key would break the file; the user's list gets the modules. */
		return g->any ? pwarn(g->p,
				      "/%s already has modules_force_load: add "
				      "vfio,vfio_iommu_type1,vfio_pci to it",
				      BOOSTER_CONF)
			      : 0;
	}
	err = block_file(g, BOOSTER_CONF, "modules_force_load: vfio,vfio_iommu_type1,vfio_pci\n");
	if (err >= 0 && g->any && !g->by_id)
		err = pwarn(g->p,
			    "booster's image runs no udev rules: a host driver inside it "
			    "takes the device first; keep it out of the image, or use --by-id");
	return err < 0 ? err : add_command(g->p, "/usr/lib/booster/regenerate_images", NULL);
}

static int gen_initramfs(struct gen *g)
{
	struct vfk_ctx *ctx = g->p->ctx;
	char image[PATH_MAX];
	int err = 0;

	if (g->vfio_builtin) {
		if (g->any)
			err = pwarn(g->p,
				    "vfio-pci is built into this kernel (%s): the initramfs "
				    "needs no vfio modules",
				    g->h.osrelease);
		return err;
	}
	if (path_exists(ctx, INITRAMFS_TOOLS_DIR) == 0) {
		err = block_file(g, INITRAMFS_TOOLS_MODULES, "vfio\nvfio_iommu_type1\nvfio_pci\n");
		if (err >= 0 && g->by_id)
			err = drop_file(g, INITRAMFS_TOOLS_HOOK);
		else if (err >= 0)
			err = own_file(
				g, INITRAMFS_TOOLS_HOOK,
				"#!/bin/sh\n" HEADER
				"# Puts the udev rule that reserves the devices for vfio-pci "
				"into the initramfs.\n"
				"PREREQ=\"udev\"\n"
				"prereqs() { echo \"$PREREQ\"; }\n"
				"case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"
				". /usr/share/initramfs-tools/hook-functions\n"
				"copy_file udev-rule /" VFIOKIT_UDEV_RULE
				" /lib/udev/rules.d/01-vfiokit.rules\n",
				0755);
		snprintf(image, sizeof(image), "/boot/initrd.img-%s", g->h.osrelease);
		if (err >= 0)
			err = add_command(g->p, "update-initramfs", "-u", "-k", "all", NULL);
		return err < 0 ? err : add_image_check(g->p, "lsinitramfs", image);
	}
	if (path_exists(ctx, DRACUT_CONF_D) == 0 || path_exists(ctx, DRACUT_BIN) == 0) {
		err = own_file(
			g, DRACUT_VFIOKIT_CONF,
			g->by_id ? HEADER "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"\n"
				 : HEADER "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"\n"
					  "install_items+=\" /" VFIOKIT_UDEV_RULE " \"\n",
			0644);
		snprintf(image, sizeof(image), "/boot/initramfs-%s.img", g->h.osrelease);
		if (err >= 0)
			err = add_command(g->p, "dracut", "--force", "--regenerate-all", NULL);
		return err < 0 ? err : add_image_check(g->p, "lsinitrd", image);
	}
	if (path_exists(ctx, MKINITCPIO_CONF) == 0) {
		const char *body = g->by_id ? "MODULES+=(vfio_pci vfio vfio_iommu_type1)\n"
					      "FILES+=(/" VFIOKIT_MODPROBE_CONF ")\n"
					    : "MODULES+=(vfio_pci vfio vfio_iommu_type1)\n"
					      "FILES+=(/" VFIOKIT_MODPROBE_CONF
					      " /" VFIOKIT_UDEV_RULE ")\n";
		_cleanup_free_ char *text = NULL;

		/* mkinitcpio 36 reads drop-ins; older ones only the one file. */
		if (path_exists(ctx, MKINITCPIO_CONF_D) == 0) {
			if (asprintf(&text, HEADER "%s", body) < 0)
				return -ENOMEM;
			err = own_file(g, MKINITCPIO_VFIOKIT_CONF, text, 0644);
		} else {
			err = block_file(g, MKINITCPIO_CONF, body);
		}
		if (err >= 0)
			err = add_command(g->p, "mkinitcpio", "-P", NULL);
		/* Arch names its images after the kernel package, not the release. */
		return err < 0 ? err
			       : add_image_check(g->p, "lsinitcpio", "/boot/initramfs-linux.img");
	}
	if (path_exists(ctx, BOOSTER_CONF) == 0)
		return gen_booster(g);
	if (g->any)
		err = pwarn(g->p,
			    "no initramfs generator found (initramfs-tools, dracut, "
			    "mkinitcpio): if the host drivers load from an initramfs, vfio-pci "
			    "must be in it too");
	return err;
}

/* The kernel command line options the next boot needs that it does not have. */
/* Appends the options lines of the systemd-boot entries to @f. */
static void entry_options(struct vfk_ctx *ctx, FILE *f)
{
	static const char *const dirs[] = {BOOT_LOADER_ENTRIES, EFI_LOADER_ENTRIES};

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		struct dirent *de;
		DIR *dir;

		if (path_opendir(ctx, dirs[d], &dir) < 0)
			continue;
		while ((de = readdir(dir))) {
			_cleanup_free_ char *text = NULL;
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%.200s", dirs[d], de->d_name);
			if (de->d_name[0] == '.' || path_read_all(ctx, path, 1u << 20, &text) < 0)
				continue;
			for (char *line = text; line && *line;) {
				char *next = strchr(line, '\n');

				if (startswith(line, "options"))
					fprintf(f, " %.*s",
						(int)(next ? next - line : (long)strlen(line)) - 7,
						line + 7);
				line = next ? next + 1 : NULL;
			}
		}
		closedir(dir);
	}
}

int persist_source_options(struct vfk_ctx *ctx, const char *kernel_cmdline_file,
			   struct cmdline *ret)
{
	_cleanup_free_ char *all = NULL, *grub = NULL, *mine_gone = NULL;
	size_t len = 0;
	FILE *f;

	/* GRUB's file without vfiokit's own block, which persist recomputes. */
	f = open_memstream(&all, &len);
	if (!f)
		return -ENOMEM;
	if (path_read_all(ctx, ETC_DEFAULT_GRUB, 256 * 1024, &grub) >= 0 &&
	    (mine_gone = persist_block_edit(grub, NULL))) {
		static const char *const vars[] = {"GRUB_CMDLINE_LINUX_DEFAULT",
						   "GRUB_CMDLINE_LINUX"};

		for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
			_cleanup_free_ char *v = shell_var(mine_gone, vars[i]);

			fprintf(f, " %s", v ? v : "");
		}
	}
	fprintf(f, " %s", kernel_cmdline_file ? kernel_cmdline_file : "");
	entry_options(ctx, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	return cmdline_parse(all, ret);
}

/*
 * An option the running kernel has but the configuration its boot entries are made from
 * lacks was given by hand for this boot (or is left from an old entry): the next
 * update-grub or kernel-install drops it, so it counts as absent and is written.
 */
static int warn_running_only(struct gen *g, const char *key, const char *word)
{
	bool present;
	const char *v = cmdline_get(&g->h.cmdline, key, &present);

	if (!present || (word && !cmdline_value_has(v, word)))
		return 0;
	return pwarn(g->p,
		     "%s%s%s is on the running kernel's command line only, not in the "
		     "configuration the boot entries are rebuilt from: the next regeneration "
		     "would drop it, so it is written there",
		     key, word ? "=" : "", word ? word : "");
}

static int wanted_cmdline(struct gen *g, char *buf, size_t size)
{
	struct cmdline c = {};
	bool present;
	int err;

	buf[0] = '\0';
	if (!g->any)
		return 0;
	err = persist_source_options(g->p->ctx, g->h.kernel_cmdline_file, &c);
	if (err < 0)
		return err;
	if (err >= 0 && g->h.cpu_vendor == CPU_VENDOR_INTEL && !g->h.kconfig_intel_default_on) {
		const char *v = cmdline_get(&c, "intel_iommu", &present);

		if (!present || !cmdline_value_has(v, "on")) {
			snprintf(buf + strlen(buf), size - strlen(buf), "%sintel_iommu=on",
				 *buf ? " " : "");
			err = warn_running_only(g, "intel_iommu", "on");
		}
	}
	if (err >= 0 && g->h.cpu_vendor == CPU_VENDOR_AMD) {
		const char *v = cmdline_get(&c, "amd_iommu", &present);

		if (present && cmdline_value_has(v, "off"))
			err = pwarn(g->p, "amd_iommu=off is on the kernel command line: remove it, "
					  "or nothing gets an IOMMU group");
	}
	if (err >= 0 && g->by_id && g->vfio_builtin) {
		char ids[512];

		/* Built in, vfio-pci takes its options from the command line only. */
		ids_list(g, ids, sizeof(ids));
		cmdline_get(&c, "vfio_pci.ids", &present);
		if (!present) {
			snprintf(buf + strlen(buf), size - strlen(buf), "%svfio-pci.ids=%s",
				 *buf ? " " : "", ids);
			err = warn_running_only(g, "vfio_pci.ids", NULL);
		}
	}
	/* Only when asked by name, and always with what it costs. */
	if (err >= 0 && (g->p->flags & VFK_PERSIST_ACS_OVERRIDE)) {
		cmdline_get(&c, "pcie_acs_override", &present);
		if (!present)
			snprintf(buf + strlen(buf), size - strlen(buf),
				 "%spcie_acs_override=downstream,multifunction", *buf ? " " : "");
		err = pwarn(g->p,
			    "pcie_acs_override splits IOMMU groups the hardware cannot "
			    "isolate: the devices it separates can still reach each other's "
			    "memory by DMA, and only kernels with the out-of-tree ACS override "
			    "patch (linux-zen, Proxmox) know the option");
	}
	if (err >= 0 && (g->p->flags & VFK_PERSIST_UNSAFE_INTERRUPTS)) {
		cmdline_get(&c, "vfio_iommu_type1.allow_unsafe_interrupts", &present);
		if (!present)
			snprintf(buf + strlen(buf), size - strlen(buf),
				 "%svfio_iommu_type1.allow_unsafe_interrupts=1", *buf ? " " : "");
		err = pwarn(g->p,
			    "allow_unsafe_interrupts lets a guest without interrupt "
			    "remapping send interrupts the host did not give it (MSI attacks on "
			    "the host)");
	}
	if (err >= 0) {
		cmdline_get(&c, "iommu", &present);
		if (!present)
			snprintf(buf + strlen(buf), size - strlen(buf), "%siommu=pt",
				 *buf ? " " : "");
	}
	cmdline_free(&c);
	return err;
}

static void squeeze_spaces(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		char c = *r == '\t' ? ' ' : *r;

		if (c != ' ' || (w > s && w[-1] != ' '))
			*w++ = c;
	}
	*w = '\0';
}

void persist_modprobe_vfio_options(char *text, char *found, size_t size)
{
	found[0] = '\0';
	/* Join continued lines, then look at each "options vfio[-_]pci". */
	for (char *c = text; (c = strstr(c, "\\\n"));)
		c[0] = c[1] = ' ';
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n'), *p = line + strspn(line, " \t");

		if (next)
			*next = '\0';
		if (startswith(p, "options") &&
		    (startswith(p + 7 + strspn(p + 7, " \t"), "vfio-pci") ||
		     startswith(p + 7 + strspn(p + 7, " \t"), "vfio_pci"))) {
			char *opts = p + 7 + strspn(p + 7, " \t") + 8;

			opts += strspn(opts, " \t");
			snprintf(found + strlen(found), size - strlen(found), "%s%s",
				 *found ? "; " : "", opts);
		}
		line = next ? next + 1 : NULL;
	}
	/* A continued line leaves its indentation: one space is enough. */
	squeeze_spaces(found);
}

/* Other modprobe.d files that already give vfio-pci options, read with
 * kmod's rules (a trailing backslash continues the line; '-' and '_' in module names are
 * one), so the user learns what the kernel will really get. */
static int scan_modprobe_d(struct gen *g)
{
	static const char *const dirs[] = {ETC_MODPROBE_D, RUN_MODPROBE_D, LIB_MODPROBE_D};
	int err = 0;

	for (size_t d = 0; d < ARRAY_SIZE(dirs) && err >= 0; d++) {
		struct dirent *de;
		DIR *dir;

		if (path_opendir(g->p->ctx, dirs[d], &dir) < 0)
			continue;
		while (err >= 0 && (de = readdir(dir))) {
			_cleanup_free_ char *text = NULL;
			char path[PATH_MAX], found[512] = "";
			size_t l = strlen(de->d_name);

			snprintf(path, sizeof(path), "%s/%.200s", dirs[d], de->d_name);
			if (l < 6 || !streq(de->d_name + l - 5, ".conf") ||
			    streq(path, VFIOKIT_MODPROBE_CONF) ||
			    path_read_all(g->p->ctx, path, 1u << 20, &text) < 0)
				continue;
			persist_modprobe_vfio_options(text, found, sizeof(found));
			if (*found)
				err = pwarn(
					g->p,
					"/%s already gives vfio-pci options (%s): they stay in "
					"force, and where ids= is given more than once the kernel "
					"takes the last",
					path, found);
		}
		closedir(dir);
	}
	return err;
}

static int read_cpu(struct gen *g)
{
	_cleanup_free_ char *text = NULL;

	if (path_read_all(g->p->ctx, PROC_CPUINFO, 4u << 20, &text) < 0)
		return 0;
	if (strstr(text, "GenuineIntel"))
		g->h.cpu_vendor = CPU_VENDOR_INTEL;
	else if (strstr(text, "AuthenticAMD") || strstr(text, "HygonGenuine"))
		g->h.cpu_vendor = CPU_VENDOR_AMD;
	return 0;
}

/* systemd-boot entries written by hand (Arch): each entry's options line gets the
 * options at its end; undo puts the files back. */
static int edit_loader_entries(struct gen *g, const char *add)
{
	static const char *const dirs[] = {BOOT_LOADER_ENTRIES, EFI_LOADER_ENTRIES};
	int err = 0, n = 0;

	for (size_t d = 0; d < ARRAY_SIZE(dirs) && err >= 0; d++) {
		struct dirent *de;
		DIR *dir;

		if (path_opendir(g->p->ctx, dirs[d], &dir) < 0)
			continue;
		while (err >= 0 && (de = readdir(dir))) {
			_cleanup_free_ char *old = NULL;
			char path[PATH_MAX], *updated = NULL, *opt;
			size_t l = strlen(de->d_name);

			if (l < 6 || !streq(de->d_name + l - 5, ".conf"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			if (path_read_all(g->p->ctx, path, 1u << 20, &old) < 0)
				continue;
			opt = NULL;
			for (char *line = old; line && *line && !opt;) {
				if (startswith(line, "options"))
					opt = line;
				line = strchr(line, '\n');
				line = line ? line + 1 : NULL;
			}
			if (opt) {
				size_t end = (size_t)(opt - old) + strcspn(opt, "\n");

				if (asprintf(&updated, "%.*s %s%s", (int)end, old, add, old + end) <
				    0)
					updated = NULL;
			} else if (asprintf(&updated, "%s%soptions %s\n", old,
					    *old && old[strlen(old) - 1] != '\n' ? "\n" : "",
					    add) < 0) {
				updated = NULL;
			}
			err = updated ? add_file_old(g->p, path, TAKE_PTR(old), updated, 0)
				      : -ENOMEM;
			n++;
		}
		closedir(dir);
	}
	if (err >= 0 && n == 0)
		err = pwarn(g->p,
			    "add \"%s\" to the kernel command line: no systemd-boot entry "
			    "found to edit",
			    add);
	return err;
}

/*
 * /etc/kernel/cmdline with @add at the end of its last line that holds anything:
 * kernel-install joins the lines, so every line and every byte around stays (an
 * encrypted system's rd.luks.name= may sit on the second line). NULL on allocation
 * failure.
 */
static char *cmdline_file_append(struct gen *g, const char *add)
{
	_cleanup_free_ char *old = NULL;
	size_t end;
	char *s;

	if (path_read_all(g->p->ctx, ETC_KERNEL_CMDLINE, 64 * 1024, &old) < 0 &&
	    !(old = strdup("")))
		return NULL;
	end = strlen(old);
	while (end > 0 && strchr(" \t\r\n", old[end - 1]))
		end--;
	if (asprintf(&s, "%.*s%s%s%s", (int)end, old, end ? " " : "", add,
		     old[end] ? old + end : "\n") < 0)
		return NULL;
	return s;
}

static int gen_cmdline(struct gen *g)
{
	char add[1024], body[2048];
	int err;

	err = wanted_cmdline(g, add, sizeof(add));
	if (err < 0)
		return err;
	switch (g->h.boot) {
	case BOOT_GRUB_DEBIAN:
	case BOOT_GRUB_MKCONFIG:
	case BOOT_GRUB_GRUBBY:
		/* An assignment of its own after the user's keeps their line untouched.
		 * Debian's entries take _DEFAULT; BLS systems build from GRUB_CMDLINE_LINUX. */
		{
			const char *var = g->h.boot == BOOT_GRUB_DEBIAN
						  ? "GRUB_CMDLINE_LINUX_DEFAULT"
						  : "GRUB_CMDLINE_LINUX";

			snprintf(body, sizeof(body), "%s=\"${%s:+$%s }%s\"\n", var, var, var, add);
		}
		err = block_file(g, ETC_DEFAULT_GRUB, *add ? body : NULL);
		/* With the configuration gone, GRUB's files are rebuilt from the user's own. */
		if (err < 0 || (!*add && (g->any || g->h.boot == BOOT_GRUB_GRUBBY)))
			return err;
		if (g->h.boot == BOOT_GRUB_DEBIAN)
			return add_command(g->p, "update-grub", NULL);
		if (g->h.boot == BOOT_GRUB_MKCONFIG)
			return add_command(
				g->p,
				g->h.grub_mkconfig[1] == 'r' ? "grub2-mkconfig" : "grub-mkconfig",
				"-o",
				strstr(g->h.grub_mkconfig, "grub2") ? "/boot/grub2/grub.cfg"
								    : "/boot/grub/grub.cfg",
				NULL);
		snprintf(body, sizeof(body), "--args=%s", add);
		return add_command(g->p, "grubby", "--update-kernel=ALL", body, NULL);
	case BOOT_SYSTEMD_BOOT: {
		char *updated;

		if (!*add)
			return g->any ? 0 : add_command(g->p, "kernel-install", "add-all", NULL);
		updated = cmdline_file_append(g, add);
		if (!updated)
			return -ENOMEM;
		err = add_file(g->p, ETC_KERNEL_CMDLINE, updated, 0);
		return err < 0 ? err : add_command(g->p, "kernel-install", "add-all", NULL);
	}
	case BOOT_KERNELSTUB:
		if (!*add)
			return 0;
		for (char *tok = strtok(add, " "); tok && err >= 0; tok = strtok(NULL, " "))
			err = add_command(g->p, "kernelstub", "--add-options", tok, NULL);
		return err;
	case BOOT_SYSTEMD_BOOT_ENTRIES:
		return *add ? edit_loader_entries(g, add) : 0;
	case BOOT_UNKNOWN:
	default:
		if (*add)
			return pwarn(g->p,
				     "add \"%s\" to the kernel command line of your bootloader "
				     "(vfiokit found none it can edit: %s)",
				     add,
				     g->h.boot == BOOT_SYSTEMD_BOOT_ENTRIES
					     ? "systemd-boot entries without /etc/kernel/cmdline"
					     : "no GRUB, /etc/kernel/cmdline or kernelstub");
		return 0;
	}
}

static int check_targets(struct gen *g, char **detail)
{
	struct vfk_device **all = NULL;
	size_t n_all = 0;
	int err = 0;

	for (size_t i = 0; i < g->n && err >= 0; i++) {
		struct target *t = &g->t[i];
		const char *drv = vfk_device_get_driver(t->dev);
		enum vfk_header_type h = vfk_device_get_header_type(t->dev);
		unsigned int group;

		vfk_device_get_ids(t->dev, &t->vendor, &t->device);
		vfk_device_get_subsystem_ids(t->dev, &t->sub_vendor, &t->sub_device);
		if (h == VFK_HEADER_BRIDGE || h == VFK_HEADER_CARDBUS) {
			if (detail && asprintf(detail, "%s is a bridge: bridges stay with the host",
					       vfk_device_get_bdf(t->dev)) < 0)
				*detail = NULL;
			return -EINVAL;
		}
		t->host_driver = drv && !vfk_device_is_vfio_bound(t->dev) ? drv : NULL;
		if (!drv || vfk_device_is_vfio_bound(t->dev))
			err = pwarn(
				g->p,
				"%s is on %s now, so its host driver is unknown: no softdep for it",
				vfk_device_get_bdf(t->dev), drv ? drv : "no driver");
		else if (is_builtin(g, drv))
			err = pwarn(
				g->p,
				"%s: its host driver %s is built into the kernel and probes before "
				"udev or modprobe.d act, so early binding cannot win; "
				"vfio-pci.ids= "
				"with vfio-pci also built in, or a kernel with %s as a module, can",
				vfk_device_get_bdf(t->dev), drv, drv);
		if (err >= 0 && vfk_device_get_iommu_group(t->dev, &group) < 0)
			err = pwarn(g->p,
				    "%s has no IOMMU group now: until the IOMMU is on (see "
				    "vfiokit doctor) vfio-pci cannot use it",
				    vfk_device_get_bdf(t->dev));
	}
	if (err < 0 || !g->by_id || !g->n)
		return err;
	/* ids= takes every device with those ids, not just the ones named. */
	err = vfk_ctx_get_devices(g->p->ctx, &all, &n_all);
	for (size_t i = 0; err >= 0 && i < n_all; i++) {
		uint16_t v = 0, d = 0;
		bool named = false, same = false;

		vfk_device_get_ids(all[i], &v, &d);
		for (size_t k = 0; k < g->n; k++) {
			named |= vfk_addr_cmp(vfk_device_get_addr(all[i]),
					      vfk_device_get_addr(g->t[k].dev)) == 0;
			same |= g->t[k].vendor == v && g->t[k].device == d;
		}
		if (same && !named)
			err = pwarn(g->p,
				    "%s (%04x:%04x, on %s) has the same ids and goes to vfio-pci "
				    "too with --by-id",
				    vfk_device_get_bdf(all[i]), v, d,
				    vfk_device_get_driver(all[i]) ?: "no driver");
	}
	vfk_device_list_free(all, n_all);
	return err;
}

/* A number in sysfs attribute @name of @bdf, in [@min, @max]. */
static int read_pf_attr(struct vfk_ctx *ctx, const char *bdf, const char *name, long min, long max,
			long *ret)
{
	char path[PATH_MAX], buf[32], *end;
	long v;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/%s", bdf, name);
	if (path_read(ctx, path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

_printf_(2, 3) static int refuse(char **detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	detail_addv(detail, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The PF must have SR-IOV, a driver to create the VFs and room for @n_vfs; the VFs'
 * addresses follow from its capability's offset and stride. */
static int check_pf(struct gen *g, unsigned int n_vfs, bool bind, char **detail)
{
	struct persist_sriov *s = &g->p->sriov;
	struct vfk_ctx *ctx = g->p->ctx;
	const char *bdf = vfk_device_get_bdf(g->pf);
	const struct vfk_addr *a = vfk_device_get_addr(g->pf);
	long total, offset, stride;
	uint16_t v = 0, d = 0;
	struct vfk_addr phys;
	char phys_bdf[VFK_ADDR_STRLEN];

	if (vfk_device_get_physfn(g->pf, &phys) == 0)
		return refuse(detail,
			      "%s is a virtual function of %s (/sys/bus/pci/devices/%s/physfn): "
			      "give --vfs its physical function, %s; nothing was changed",
			      bdf, vfk_addr_format(&phys, phys_bdf), bdf, phys_bdf);
	if (read_pf_attr(ctx, bdf, "sriov_totalvfs", 0, 65535, &total) < 0 || total == 0)
		return refuse(detail,
			      "%s has no SR-IOV (no /sys/bus/pci/devices/%s/sriov_totalvfs): "
			      "name a physical function that has virtual functions; nothing was "
			      "changed",
			      bdf, bdf);
	if (n_vfs < 1 || n_vfs > (unsigned long)total)
		return refuse(detail,
			      "%s supports 1 to %ld virtual functions (sriov_totalvfs), not %u: "
			      "give --vfs a number in that range; nothing was changed",
			      bdf, total, n_vfs);
	g->pf_driver = vfk_device_get_driver(g->pf);
	if (!g->pf_driver || vfk_device_is_vfio_bound(g->pf))
		return refuse(detail,
			      "%s is on %s: the rule writes sriov_numvfs when its host driver "
			      "binds it, so that driver must be known; bind it to its host "
			      "driver (vfiokit restore %s), then run persist again; nothing was "
			      "changed",
			      bdf, g->pf_driver ? g->pf_driver : "no driver", bdf);
	if (read_pf_attr(ctx, bdf, "sriov_offset", 1, 65535, &offset) < 0 ||
	    read_pf_attr(ctx, bdf, "sriov_stride", 0, 65535, &stride) < 0 ||
	    (stride == 0 && n_vfs > 1))
		return refuse(detail,
			      "%s: cannot read its SR-IOV capability's VF offset and stride "
			      "(/sys/bus/pci/devices/%s/sriov_offset, sriov_stride), which give "
			      "the virtual functions' addresses; nothing was changed",
			      bdf, bdf);
	vfk_device_get_ids(g->pf, &v, &d);
	g->pf_vendor = v;
	g->pf_device = d;
	snprintf(s->pf, sizeof(s->pf), "%s", bdf);
	s->bind = bind;
	s->vfs = calloc(n_vfs, sizeof(*s->vfs));
	if (!s->vfs)
		return -ENOMEM;
	s->n_vfs = n_vfs;
	for (unsigned int i = 0; i < n_vfs; i++) {
		/* Routing ID: bus in the high byte, device and function in the low one. */
		unsigned long rid =
			((unsigned long)a->bus << 8 | (unsigned long)a->dev << 3 | a->fn) +
			(unsigned long)offset + (unsigned long)stride * i;
		struct vfk_addr vf = {.domain = a->domain,
				      .bus = (uint8_t)(rid >> 8),
				      .dev = (uint8_t)((rid >> 3) & 0x1f),
				      .fn = (uint8_t)(rid & 7)};

		if (rid > 0xffff)
			return refuse(detail,
				      "%s: its virtual function %u would be beyond bus ff "
				      "(offset %ld, stride %ld); nothing was changed",
				      bdf, i, offset, stride);
		vfk_addr_format(&vf, s->vfs[i]);
	}
	return 0;
}

VFK_EXPORT int vfk_persist_new(struct vfk_ctx *ctx, struct vfk_device *const *devices,
			       size_t n_devices, unsigned int flags, struct vfk_persist **ret,
			       char **ret_detail)
{
	assert_return(!(flags & VFK_PERSIST_BIND_VFS), -EINVAL);
	return vfk_persist_new_vfs(ctx, devices, n_devices, NULL, 0, flags, ret, ret_detail);
}

VFK_EXPORT int vfk_persist_new_vfs(struct vfk_ctx *ctx, struct vfk_device *const *devices,
				   size_t n_devices, struct vfk_device *pf, unsigned int n_vfs,
				   unsigned int flags, struct vfk_persist **ret, char **ret_detail)
{
	struct gen g = {.by_id = flags & VFK_PERSIST_BY_ID, .pf = pf};
	int err;

	assert_return(ctx && ret && (devices || !n_devices), -EINVAL);
	assert_return(
		!(flags & ~(unsigned int)(VFK_PERSIST_BY_ID | VFK_PERSIST_ACS_OVERRIDE |
					  VFK_PERSIST_UNSAFE_INTERRUPTS | VFK_PERSIST_BIND_VFS)),
		-EINVAL);
	assert_return(pf || !(flags & VFK_PERSIST_BIND_VFS), -EINVAL);
	if (ret_detail)
		*ret_detail = NULL;
	if (pf && g.by_id) {
		detail_add(ret_detail,
			   "--by-id writes no udev rule, and the virtual functions of "
			   "%s are set up by one: leave out --by-id",
			   vfk_device_get_bdf(pf));
		return -EINVAL;
	}
	g.p = calloc(1, sizeof(*g.p));
	g.t = calloc(n_devices ? n_devices : 1, sizeof(*g.t));
	if (!g.p || !g.t) {
		free(g.p);
		free(g.t);
		return -ENOMEM;
	}
	g.p->refcount = 1;
	g.p->ctx = vfk_ctx_ref(ctx);
	g.p->has_devices = n_devices > 0;
	g.p->flags = flags & ~(unsigned int)VFK_PERSIST_BIND_VFS;
	g.rule = n_devices > 0 || pf;
	g.any = n_devices > 0 || (flags & VFK_PERSIST_BIND_VFS);
	g.h.ctx = ctx;
	for (size_t i = 0; i < n_devices; i++)
		g.t[g.n++].dev = devices[i];
	err = host_read_os(&g.h);
	if (err >= 0)
		err = host_read_cmdline(&g.h);
	if (err >= 0)
		err = host_detect_bootloader(&g.h);
	if (err >= 0)
		err = host_read_kconfig(&g.h);
	if (err >= 0)
		err = read_cpu(&g);
	if (err >= 0) {
		g.kmod = host_kmod_open(&g.h);
		g.vfio_builtin = is_builtin(&g, "vfio_pci");
	}
	if (err >= 0 && pf)
		err = check_pf(&g, n_vfs, flags & VFK_PERSIST_BIND_VFS, ret_detail);
	if (err >= 0)
		err = check_targets(&g, ret_detail);
	if (err >= 0 && g.any)
		err = scan_modprobe_d(&g);
	if (err >= 0)
		err = gen_udev(&g);
	if (err >= 0)
		err = gen_modprobe(&g);
	if (err >= 0)
		err = gen_initramfs(&g);
	if (err >= 0)
		err = gen_cmdline(&g);
	if (err >= 0 && !g.any)
		err = persist_undo_commands(g.p, ret_detail);
	if (err >= 0 && g.by_id && g.vfio_builtin && g.n)
		err = pwarn(g.p, "vfio-pci is built in: modprobe.d options do not reach it, so the "
				 "ids go on the kernel command line (vfio-pci.ids=)");
	host_free(&g.h);
	kmod_unref(g.kmod);
	free(g.t);
	if (err < 0) {
		vfk_persist_unref(g.p);
		return err;
	}
	*ret = g.p;
	return 0;
}
