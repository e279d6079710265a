// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci/device-private.h"
#include "path.h"
#include "plan-private.h"

/* vfio-pci refuses these (drivers/vfio/pci/vfio_pci.c, vfio_pci_dev_in_denylist()):
 * Intel QuickAssist physical functions, which must stay with their host driver. */
static const struct {
	uint16_t vendor, device;
} denylist[] = {
	{0x8086, 0x0435}, {0x8086, 0x37c8}, {0x8086, 0x19e2}, {0x8086, 0x6f54}, {0x8086, 0x18ee},
	{0x8086, 0x18a0}, {0x8086, 0x4940}, {0x8086, 0x4942}, {0x8086, 0x4944},
};

/* AMD GPUs whose reset is known to leave them unusable until the host reboots, unless
 * the out-of-tree vendor-reset module handles them: Polaris 10/11/12, Vega 10/20,
 * Navi 10/12/14. */
static const uint16_t amd_bad_reset[] = {0x67df, 0x67ef, 0x699f, 0x6863, 0x687f,
					 0x66a0, 0x66af, 0x731f, 0x7360, 0x7340};

/* Intel VMD controllers (drivers/pci/controller/vmd.c); bound to vmd, each puts the NVMe
 * drives behind it into a PCI domain of its own, numbered from 10000. */
static const uint16_t vmd_ids[] = {0x201d, 0x28c0, 0x467f, 0x4c3d, 0x7d0b,
				   0x9a0b, 0xa77f, 0xad0b, 0xb60b};

/*
 * The kernel's rule for a viable group (vfio_group viability with driver_managed_dma):
 * every member is unbound, on a driver that manages DMA itself (pci-stub, vfio-pci and
 * its variants), or a bridge or port left to pcieport.
 */
bool plan_may_stay(struct vfk_device *d, const char **why)
{
	const char *drv = vfk_device_get_driver(d);
	enum vfk_header_type h = vfk_device_get_header_type(d);

	if (h == VFK_HEADER_BRIDGE || h == VFK_HEADER_CARDBUS) {
		if (!drv || streq(drv, "pcieport") || streq(drv, "shpchp")) {
			*why = "bridge or port";
			return true;
		}
		return false;
	}
	if (!drv) {
		*why = "no driver";
		return true;
	}
	if (streq(drv, "pci-stub") || plan_is_vfio(drv)) {
		*why = drv;
		return true;
	}
	return false;
}

static bool in_list(struct vfk_device *const *list, size_t n, struct vfk_device *d)
{
	for (size_t i = 0; i < n; i++)
		if (vfk_addr_cmp(vfk_device_get_addr(list[i]), vfk_device_get_addr(d)) == 0)
			return true;
	return false;
}

static int check_identity(struct vfk_plan *p, struct vfk_device *d, bool target)
{
	const char *bdf = vfk_device_get_bdf(d);
	enum vfk_header_type h = vfk_device_get_header_type(d);
	uint16_t v = 0, dv = 0;
	int err = 0;

	if (target && (h == VFK_HEADER_BRIDGE || h == VFK_HEADER_CARDBUS))
		err = plan_add(p, VFK_FINDING_BLOCKER, "device.bridge", bdf, 0,
			       "is a bridge or port: vfio-pci takes only endpoints (header "
			       "type 0); pass through the devices below it");
	if (err >= 0 && vfk_device_get_ids(d, &v, &dv) == 0)
		for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(denylist); i++)
			if (denylist[i].vendor == v && denylist[i].device == dv)
				err = plan_add(p, VFK_FINDING_BLOCKER, "device.denylisted", bdf, 0,
					       "%04x:%04x is on vfio-pci's denylist: the kernel "
					       "refuses to bind it",
					       v, dv);
	if (err >= 0 && vfk_device_is_boot_vga(d) == 1)
		err = plan_add(p, VFK_FINDING_BLOCKER, "display.boot-vga", bdf, VFK_FORCE_BOOT_VGA,
			       "is the boot display (boot_vga=1): the screen goes dark when it "
			       "moves, and the console with it");
	return err;
}

static int check_reset(struct vfk_ctx *ctx, struct vfk_plan *p, struct vfk_device *d,
		       struct vfk_device *const *all, size_t n_all)
{
	const char *bdf = vfk_device_get_bdf(d);
	const char *methods = vfk_device_get_reset_methods(d);
	uint16_t v = 0, dv = 0;
	struct vfk_addr parent;
	char scope[512] = "";
	size_t len = 0;
	int err = 0;

	if (vfk_device_get_ids(d, &v, &dv) == 0 && v == 0x1002 &&
	    path_exists(ctx, SYS_MODULE "/vendor_reset") < 0)
		for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(amd_bad_reset); i++)
			if (dv == amd_bad_reset[i])
				err = plan_add(p, VFK_FINDING_NOTE, "reset.known-bad", bdf, 0,
					       "this AMD GPU (1002:%04x) often fails to reset and "
					       "then needs a host reboot; the vendor-reset module "
					       "is not loaded",
					       dv);
	if (err < 0)
		return err;
	if (!methods)
		return plan_add(p, VFK_FINDING_NOTE, "reset.unknown", bdf, 0,
				"the kernel shows no reset_method (older than 5.15, or none)");
	if (!*methods)
		return plan_add(p, VFK_FINDING_NOTE, "reset.none", bdf, 0,
				"the kernel knows no way to reset it: state may leak between "
				"guests");
	if (strstr(methods, "flr") || strstr(methods, "pm") || strstr(methods, "device_specific") ||
	    !strstr(methods, "bus") || vfk_device_get_parent_addr(d, &parent) < 0)
		return plan_add(p, VFK_FINDING_NOTE, "reset.methods", bdf, 0, "resets with: %s",
				methods);
	/* Only a bus reset: everything below the same bridge is reset with it. */
	for (size_t i = 0; i < n_all; i++) {
		struct vfk_addr pa;

		if (all[i] == d || vfk_device_get_parent_addr(all[i], &pa) < 0 ||
		    vfk_addr_cmp(&pa, &parent) != 0 || in_list(p->must, p->n_must, all[i]))
			continue;
		len += (size_t)snprintf(scope + len, sizeof(scope) - len, "%s%s", len ? ", " : "",
					vfk_device_get_bdf(all[i]));
		if (len >= sizeof(scope))
			break;
	}
	if (!len)
		return plan_add(p, VFK_FINDING_NOTE, "reset.methods", bdf, 0,
				"resets with: %s (no device that stays on the host shares its bus)",
				methods);
	return plan_add(p, VFK_FINDING_NOTE, "reset.bus-scope", bdf, 0,
			"resets only with a bus reset, which also resets %s", scope);
}

static bool is_vf(struct vfk_device *d)
{
	struct vfk_addr pf;

	return vfk_device_get_physfn(d, &pf) == 0;
}

static bool is_vf_of(struct vfk_device *vf, struct vfk_device *pf)
{
	struct vfk_addr a;

	return vfk_device_get_physfn(vf, &a) == 0 && vfk_addr_cmp(&a, vfk_device_get_addr(pf)) == 0;
}

/*
 * A VF needs its PF's driver and no card-mate; a PF's VFs come and go with its SR-IOV
 * setting. Neither is a function of the card to pass along, whatever the slot number
 * (VFs often share the PF's).
 */
static int check_siblings(struct vfk_plan *p, struct vfk_device *t, struct vfk_device *const *all,
			  size_t n_all)
{
	int err = 0;

	for (size_t i = 0; err >= 0 && !is_vf(t) && i < n_all; i++) {
		unsigned int g;

		if (all[i] == t || is_vf(all[i]) ||
		    !vfk_addr_same_slot(vfk_device_get_addr(all[i]), vfk_device_get_addr(t)) ||
		    in_list(p->must, p->n_must, all[i]) || in_list(p->stay, p->n_stay, all[i]))
			continue;
		if (vfk_device_get_iommu_group(all[i], &g) == 0)
			err = plan_add(p, VFK_FINDING_NOTE, "slot.sibling", vfk_device_get_bdf(t),
				       0,
				       "%s is another function of the same card, in group %u: "
				       "pass it through too if the guest needs the whole card",
				       vfk_device_get_bdf(all[i]), g);
	}
	return err;
}

static bool is_vmd(struct vfk_device *d)
{
	const char *drv = vfk_device_get_driver(d);
	uint16_t v = 0, dv = 0;

	if (drv && streq(drv, "vmd"))
		return true;
	if (vfk_device_get_ids(d, &v, &dv) < 0 || v != 0x8086)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(vmd_ids); i++)
		if (vmd_ids[i] == dv)
			return true;
	return false;
}

/* Whether @d's sysfs directory lies below that of @host: the kernel puts the devices of a
 * domain that a driver made (VMD's 10000:e1:00.0) below the function that drives it. */
static bool is_beneath(struct vfk_device *d, struct vfk_device *host)
{
	const char *a = vfk_device_get_syspath(d), *b = vfk_device_get_syspath(host);
	size_t n = b ? strlen(b) : 0;

	return a && b && strncmp(a, b, n) == 0 && a[n] == '/';
}

/*
 * A VMD controller leaving the vmd driver takes the domain vmd made with it: its devices
 * are removed from the host, not handed to vfio-pci, so what the host has on them (the
 * disks found the same way as for any device that moves) goes too.
 */
static int check_domain(struct plan_usage *usage, struct vfk_plan *p, struct vfk_device *d,
			struct vfk_device *const *all, size_t n_all)
{
	const char *drv = vfk_device_get_driver(d);
	char devices[1024] = "", lives[1024] = "";
	size_t n_dev = 0, dlen = 0, llen = 0;
	uint32_t domain = 0;
	int err = 0;

	for (size_t i = 0; err >= 0 && i < n_all; i++) {
		const char *sub = vfk_device_get_driver(all[i]);

		if (!is_beneath(all[i], d))
			continue;
		n_dev++;
		domain = vfk_device_get_addr(all[i])->domain;
		plan_append(devices, sizeof(devices), &dlen, ", ", "%s (%s)",
			    vfk_device_get_bdf(all[i]), sub ? sub : "no driver");
		if (!in_list(p->must, p->n_must, all[i]))
			err = plan_usage_check(usage, p, all[i]);
	}
	if (err < 0 || !is_vmd(d) || (!n_dev && !(drv && streq(drv, "vmd"))))
		return err;
	for (size_t f = 0; f < p->n_findings; f++) {
		const struct finding *fd = &p->findings[f];

		if (fd->kind == VFK_FINDING_NOTE || streq(fd->id, PLAN_ID_GROUP_MEMBER))
			continue;
		for (size_t i = 0; i < n_all; i++)
			if (streq(fd->device, vfk_device_get_bdf(all[i])) &&
			    is_beneath(all[i], d)) {
				plan_append(lives, sizeof(lives), &llen, "; ", "%s", fd->message);
				break;
			}
	}
	if (!n_dev)
		return plan_add(p, VFK_FINDING_BLOCKER, "vmd.domain", vfk_device_get_bdf(d),
				VFK_FORCE_VMD_DOMAIN,
				"is an Intel VMD controller on vmd: moving it removes the PCI "
				"domain vmd made behind it, with any disk in it");
	return plan_add(p, VFK_FINDING_BLOCKER, "vmd.domain", vfk_device_get_bdf(d),
			VFK_FORCE_VMD_DOMAIN,
			"is an Intel VMD controller%s%s: moving it removes PCI domain %04x behind "
			"it and every device in it: %s%s%s",
			drv ? " on " : "", drv ? drv : "", domain, devices,
			llen ? "; the host loses with them: " : "", lives);
}

/* A VF passed through leaves its PF, and the PF's driver, on the host. */
static int check_physfn(struct vfk_plan *p, struct vfk_device *vf, struct vfk_device *const *all,
			size_t n_all)
{
	for (size_t i = 0; i < n_all; i++)
		if (is_vf_of(vf, all[i])) {
			const char *drv = vfk_device_get_driver(all[i]);

			return plan_add(p, VFK_FINDING_NOTE, "sriov.physfn", vfk_device_get_bdf(vf),
					0,
					"is a virtual function of %s (on %s), which stays on the "
					"host: the VF lives only as long as the PF keeps its "
					"driver and its SR-IOV setting",
					vfk_device_get_bdf(all[i]), drv ? drv : "no driver");
		}
	return 0;
}

/*
 * A PF leaving its driver loses its VFs: drivers disable SR-IOV when they let go
 * (pci_iov_remove() warns when one does not), and vfio-pci refuses a PF whose VFs are
 * enabled. Every VF goes, whoever uses it; one in use blocks with no override, as
 * `vfiokit sriov` refuses to destroy it.
 */
static int check_vfs(struct plan_usage *usage, struct vfk_plan *p, struct vfk_device *pf,
		     struct vfk_device *const *all, size_t n_all)
{
	const char *bdf = vfk_device_get_bdf(pf);
	int err = 0;

	if (plan_is_vfio(vfk_device_get_driver(pf)))
		return 0;
	for (size_t i = 0; err >= 0 && i < n_all; i++) {
		const char *drv = vfk_device_get_driver(all[i]);
		char why[1024], lives[512];
		int busy;

		if (!is_vf_of(all[i], pf))
			continue;
		busy = plan_usage_vf(usage, all[i], why, sizeof(why), lives, sizeof(lives));
		if (busy < 0)
			return busy;
		err = plan_add(p, VFK_FINDING_HOST_LOSES, "sriov.vf", bdf, 0,
			       "virtual function %s (%s%s) is destroyed when the PF leaves its "
			       "driver%s%s",
			       vfk_device_get_bdf(all[i]), drv ? "on " : "",
			       drv ? drv : "no driver", *lives ? ", with " : "", lives);
		if (err >= 0 && busy)
			err = plan_add(p, VFK_FINDING_BLOCKER, "sriov.vf-in-use", bdf, 0,
				       "would destroy virtual function %s (%s%s), which is in use: "
				       "%s",
				       vfk_device_get_bdf(all[i]), drv ? "on " : "",
				       drv ? drv : "no driver", why);
	}
	return err;
}

static int push(struct vfk_device ***list, size_t *n, size_t *cap, struct vfk_device *d)
{
	if (in_list(*list, *n, d))
		return 0;
	return vfk_device_list_append(list, n, cap, vfk_device_ref(d));
}

static int build(struct vfk_ctx *ctx, struct vfk_plan *p, struct vfk_device *const *targets,
		 size_t n_targets, struct vfk_device *const *all, size_t n_all)
{
	struct plan_usage *usage = NULL;
	int err = 0;

	for (size_t t = 0; err >= 0 && t < n_targets; t++) {
		unsigned int group;

		err = push(&p->must, &p->n_must, &p->cap_must, targets[t]);
		if (err < 0)
			break;
		if (vfk_device_get_iommu_group(targets[t], &group) < 0) {
			err = plan_add(p, VFK_FINDING_BLOCKER, PLAN_ID_NO_GROUP,
				       vfk_device_get_bdf(targets[t]), 0,
				       "has no IOMMU group: the IOMMU is off or absent (vfiokit "
				       "doctor says why)");
			continue;
		}
		for (size_t i = 0; err >= 0 && i < n_all; i++) {
			const char *why = NULL;
			unsigned int g;

			if (all[i] == targets[t] || vfk_device_get_iommu_group(all[i], &g) < 0 ||
			    g != group || in_list(targets, n_targets, all[i]))
				continue;
			if (plan_may_stay(all[i], &why))
				err = push(&p->stay, &p->n_stay, &p->cap_stay, all[i]);
			else if (!in_list(p->must, p->n_must, all[i])) {
				const char *drv = vfk_device_get_driver(all[i]);

				err = push(&p->must, &p->n_must, &p->cap_must, all[i]);
				if (err >= 0)
					err = plan_add(
						p, VFK_FINDING_HOST_LOSES, PLAN_ID_GROUP_MEMBER,
						vfk_device_get_bdf(all[i]), 0,
						"moves too: it shares IOMMU group %u with %s "
						"(now on %s)",
						group, vfk_device_get_bdf(targets[t]),
						drv ? drv : "no driver");
			}
		}
	}
	if (err < 0)
		return err;
	vfk_device_list_sort(p->must, p->n_must);
	vfk_device_list_sort(p->stay, p->n_stay);

	err = plan_usage_new(ctx, &usage);
	for (size_t i = 0; err >= 0 && i < p->n_must; i++) {
		struct vfk_device *d = p->must[i];
		const char *drv = vfk_device_get_driver(d);
		bool target = in_list(targets, n_targets, d);

		if (target && plan_is_vfio(drv))
			err = plan_add(p, VFK_FINDING_NOTE, "device.already-vfio",
				       vfk_device_get_bdf(d), 0, "is already on %s", drv);
		if (err >= 0)
			err = check_identity(p, d, target);
		if (err >= 0)
			err = plan_usage_check(usage, p, d);
		if (err >= 0)
			err = plan_usage_framebuffer(usage, p, d);
		if (err >= 0)
			err = plan_usage_console(usage, p, d);
		if (err >= 0)
			err = check_vfs(usage, p, d, all, n_all);
		if (err >= 0 && target)
			err = check_physfn(p, d, all, n_all);
		if (err >= 0)
			err = check_reset(ctx, p, d, all, n_all);
	}
	/* After every device that moves has been looked at: the domain's own findings name
	 * what the host has on it. */
	for (size_t i = 0; err >= 0 && i < p->n_must; i++)
		err = check_domain(usage, p, p->must[i], all, n_all);
	for (size_t t = 0; err >= 0 && t < n_targets; t++)
		err = check_siblings(p, targets[t], all, n_all);
	plan_usage_free(usage);
	return err;
}

VFK_EXPORT int vfk_plan_new(struct vfk_ctx *ctx, struct vfk_device *const *targets,
			    size_t n_targets, struct vfk_plan **ret)
{
	struct vfk_device **all = NULL;
	struct vfk_plan *p;
	size_t n_all = 0;
	int err;

	assert_return(ctx && targets && n_targets && ret, -EINVAL);
	for (size_t i = 0; i < n_targets; i++)
		assert_return(targets[i], -EINVAL);

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->refcount = 1;
	err = vfk_ctx_get_devices(ctx, &all, &n_all);
	if (err >= 0)
		err = build(ctx, p, targets, n_targets, all, n_all);
	vfk_device_list_free(all, n_all);
	if (err < 0) {
		vfk_plan_unref(p);
		return err;
	}
	*ret = p;
	return 0;
}
