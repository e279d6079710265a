// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside the vm lane's guest: the device half of the device-access API against the
 * real kernel, with both devices opened in one domain. On QEMU's edu device: BAR0
 * through mmap and through the device file, config space and Bus Master Enable, the
 * software trigger, a real MSI and a real INTx (with the unmask it needs), interrupts
 * that exclude one another, and the resets edu does not have. On the nvme: MSI-X vectors
 * added to enabled ones, the function reset (FLR) with the vectors re-armed after it.
 *
 *   test-vfio BACKEND EDU_BDF [NVME_BDF]
 *   test-vfio BACKEND --hot-reset EDU_BDF [EDU_BDF...]
 *
 * The second form opens the edu devices given and resets their bus: refused, naming the
 * one left out, when a device it hits is not among them; otherwise done, with each
 * device's MSI working again afterwards.
 *
 * Prints "ok: ..." per check and exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vfiokit/iommu.h>
#include <vfiokit/vfio.h>
#include <vfiokit/vfiokit.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

static int failed;

static void check(bool ok, const char *what)
{
	printf("%s: %s", ok ? "ok" : "FAIL", what);
	if (!ok)
		printf(" (last error: %s)", vfk_last_error());
	printf("\n");
	failed |= !ok;
}

/* Whether @fd becomes readable within a few seconds of emulated time; drains it. */
static bool fired(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t n;

	if (poll(&p, 1, 5000) != 1)
		return false;
	return read(fd, &n, sizeof(n)) == sizeof(n) && n > 0;
}

static bool quiet(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 300) == 0;
}

static void check_edu(struct vfk_vfio *v)
{
	const struct vfk_region_info *bar;
	volatile void *base;
	void *again;
	struct vfk_addr *hot = NULL;
	size_t n_hot = 0;
	uint32_t id = 0, u32, count, flags;
	uint16_t ids[2], cmd;
	int efd, efd2, mine[1];

	/* Regions. */
	check(vfk_vfio_get_region(v, 0, &bar) == 0 && bar->size == 1 << 20 &&
		      (bar->flags & VFK_REGION_MMAP) && bar->n_areas >= 1,
	      "BAR0 is 1 MiB and mmap-able");
	check(vfk_vfio_map_region(v, 0, (void **)&base) == 0, "map BAR0");
	check(vfk_mmio_read32(base, EDU_ID) == 0x010000ed, "edu id through mmap");
	check(vfk_vfio_region_read(v, 0, EDU_ID, &id, 4) == 0 && id == 0x010000ed,
	      "edu id through the device file");
	vfk_mmio_write32(base, EDU_LIVENESS, 0x12345678);
	check(vfk_mmio_read32(base, EDU_LIVENESS) == ~UINT32_C(0x12345678),
	      "liveness through mmap");
	u32 = 0xcafe0000;
	check(vfk_vfio_region_write(v, 0, EDU_LIVENESS, &u32, 4) == 0 &&
		      vfk_mmio_read32(base, EDU_LIVENESS) == ~UINT32_C(0xcafe0000),
	      "liveness through the device file");
	check(vfk_vfio_map_region(v, 0, &again) == 0 && again == (void *)base,
	      "a second map returns the same address");
	check(vfk_vfio_region_read(v, 0, (1 << 20) - 2, &u32, 4) == -EINVAL,
	      "a read past the end is refused");
	check(vfk_vfio_map_region(v, 7, &again) == -EOPNOTSUPP, "config space cannot be mapped");

	/* Config space. */
	check(vfk_vfio_config_read(v, 0, ids, 4) == 0 && ids[0] == 0x1234 && ids[1] == 0x11e8,
	      "vendor and device from config space");
	check(vfk_vfio_set_bus_master(v, true) == 0 && vfk_vfio_config_read(v, 4, &cmd, 2) == 0 &&
		      (cmd & 4),
	      "bus master on");

	/* MSI: the software trigger, then the device's own. */
	check(vfk_vfio_get_irq_info(v, VFK_IRQ_MSI, &count, &flags) == 0 && count == 1,
	      "one MSI vector");
	check(vfk_vfio_irq_enable(v, VFK_IRQ_MSI, 0, 1, NULL) == 0, "enable MSI");
	efd = vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSI, 0);
	check(efd >= 0, "MSI eventfd");
	check(vfk_vfio_irq_trigger(v, VFK_IRQ_MSI, 0) == 0 && fired(efd), "software trigger");
	vfk_mmio_write32(base, EDU_IRQ_RAISE, 1);
	check(fired(efd), "edu raises MSI");
	check(vfk_mmio_read32(base, EDU_IRQ_STATUS) == 1, "interrupt status 1");
	vfk_mmio_write32(base, EDU_IRQ_ACK, 1);
	/* Enabling an enabled vector again, with the caller's own eventfd. */
	mine[0] = -1;
	check(vfk_vfio_irq_enable(v, VFK_IRQ_MSI, 0, 1, mine) == 0 && mine[0] >= 0 &&
		      vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSI, 0) == mine[0],
	      "MSI vector set again with a new eventfd");
	vfk_mmio_write32(base, EDU_IRQ_RAISE, 2);
	check(fired(mine[0]), "edu raises MSI on the new eventfd");
	vfk_mmio_write32(base, EDU_IRQ_ACK, 2);
	check(vfk_vfio_irq_enable(v, VFK_IRQ_INTX, 0, 1, NULL) == -EBUSY,
	      "INTx refused while MSI is enabled");
	check(vfk_vfio_irq_disable(v, VFK_IRQ_MSI) == 0, "disable MSI");
	check(vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSI, 0) == -ENOENT, "no MSI eventfd after");

	/* INTx: masked by the kernel when it fires, unmasked after the acknowledge. */
	check(vfk_vfio_irq_enable(v, VFK_IRQ_INTX, 0, 1, NULL) == 0, "enable INTx");
	efd2 = vfk_vfio_irq_get_eventfd(v, VFK_IRQ_INTX, 0);
	vfk_mmio_write32(base, EDU_IRQ_RAISE, 4);
	check(fired(efd2), "edu raises INTx");
	vfk_mmio_write32(base, EDU_IRQ_ACK, 4);
	check(vfk_vfio_irq_unmask(v, VFK_IRQ_INTX, 0) == 0, "unmask INTx");
	vfk_mmio_write32(base, EDU_IRQ_RAISE, 8);
	check(fired(efd2), "edu raises INTx again after the unmask");
	vfk_mmio_write32(base, EDU_IRQ_ACK, 8);
	check(vfk_vfio_irq_unmask(v, VFK_IRQ_INTX, 0) == 0 && quiet(efd2),
	      "no interrupt after the acknowledge");
	check(vfk_vfio_irq_disable(v, VFK_IRQ_INTX) == 0, "disable INTx");

	/* Resets edu does not have (no FLR or PM; alone on the root bus). */
	check(!vfk_vfio_can_reset(v) && vfk_vfio_reset(v) == -EOPNOTSUPP,
	      "no function reset, and it says so");
	check(vfk_vfio_get_hot_reset_devices(v, &hot, &n_hot) == -EOPNOTSUPP,
	      "no hot reset on the root bus");
	check(vfk_vfio_hot_reset(v) == -EOPNOTSUPP, "hot reset refused");

	check(vfk_vfio_set_bus_master(v, false) == 0, "bus master off");
	check(vfk_vfio_unmap_region(v, 0) == 0, "unmap BAR0");
	free(hot);
}

static void check_nvme(struct vfk_vfio *v)
{
	int efds[8], caller = eventfd(0, EFD_CLOEXEC);
	uint32_t count, flags, i;

	check(vfk_vfio_get_irq_info(v, VFK_IRQ_MSIX, &count, &flags) == 0 && count == 65,
	      "nvme: 65 MSI-X vectors");
	printf("nvme: MSI-X flags 0x%x%s\n", flags,
	       flags & VFK_IRQ_NORESIZE ? " (noresize: vectors are added by setting all again)"
					: "");
	check(vfk_vfio_irq_enable(v, VFK_IRQ_MSIX, 0, 2, NULL) == 0, "nvme: enable vectors 0-1");
	efds[0] = vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 0);
	efds[1] = vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 1);
	efds[2] = caller;
	check(vfk_vfio_irq_enable(v, VFK_IRQ_MSIX, 40, 1, &efds[2]) == 0 && efds[2] == caller,
	      "nvme: add vector 40 with the caller's eventfd");
	check(vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 0) == efds[0] &&
		      vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 1) == efds[1],
	      "nvme: vectors 0-1 keep their eventfds");
	check(vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 2) == -ENOENT,
	      "nvme: vector 2 is not enabled");
	for (i = 0; i < 3; i++) {
		uint32_t vec = i == 2 ? 40 : i;
		char what[64];

		snprintf(what, sizeof(what), "nvme: software trigger of vector %u", vec);
		check(vfk_vfio_irq_trigger(v, VFK_IRQ_MSIX, vec) == 0 && fired(efds[i]), what);
	}
	check(vfk_vfio_irq_trigger(v, VFK_IRQ_MSIX, 2) == -EINVAL,
	      "nvme: trigger of a vector not enabled is refused");
	check(vfk_vfio_can_reset(v), "nvme: has a function reset");
	check(vfk_vfio_reset(v) == 0, "nvme: reset");
	check(vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 40) == caller,
	      "nvme: vector 40 keeps its eventfd over the reset");
	check(vfk_vfio_irq_trigger(v, VFK_IRQ_MSIX, 40) == 0 && fired(caller),
	      "nvme: vector 40 fires after the reset");
	check(vfk_vfio_irq_trigger(v, VFK_IRQ_MSIX, 1) == 0 && fired(efds[1]),
	      "nvme: vector 1 fires after the reset");
	check(vfk_vfio_irq_disable(v, VFK_IRQ_MSIX) == 0, "nvme: disable MSI-X");
	check(fcntl(caller, F_GETFD) >= 0, "nvme: the caller's eventfd stays open");
	close(caller);
}

static struct vfk_vfio *open_one(struct vfk_ctx *ctx, struct vfk_iommu *iommu, const char *bdf)
{
	struct vfk_device *dev;
	struct vfk_vfio *v = NULL;

	if (vfk_device_new_from_string(ctx, bdf, &dev) < 0) {
		fprintf(stderr, "FAIL: no device %s\n", bdf);
		exit(1);
	}
	if (vfk_vfio_open(iommu, dev, NULL, &v) < 0) {
		fprintf(stderr, "FAIL: open %s: %s\n", bdf, vfk_last_error());
		exit(1);
	}
	vfk_device_unref(dev);
	printf("opened %s with %s (%s)\n", bdf,
	       vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)),
	       vfk_iommu_get_backend_reason(iommu));
	return v;
}

static int hot_reset(struct vfk_ctx *ctx, struct vfk_iommu *iommu, int n, char **bdfs)
{
	struct vfk_vfio *v[8];
	struct vfk_addr *hit = NULL;
	size_t n_hit = 0, i;
	char missing[VFK_ADDR_STRLEN] = "";
	int k, r;

	for (k = 0; k < n && k < 8; k++)
		v[k] = open_one(ctx, iommu, bdfs[k]);
	check(vfk_vfio_get_hot_reset_devices(v[0], &hit, &n_hit) == 0 && n_hit >= 1,
	      "hot reset devices listed");
	for (i = 0; i < n_hit; i++) {
		char bdf[VFK_ADDR_STRLEN];
		bool given = false;

		vfk_addr_format(&hit[i], bdf);
		printf("a hot reset hits %s\n", bdf);
		for (k = 0; k < n; k++)
			given |= strcmp(bdf, bdfs[k]) == 0;
		if (!given)
			snprintf(missing, sizeof(missing), "%s", bdf);
	}
	for (k = 0; k < n; k++) {
		volatile void *base;

		check(vfk_vfio_map_region(v[k], 0, (void **)&base) == 0 &&
			      vfk_vfio_set_bus_master(v[k], true) == 0 &&
			      vfk_vfio_irq_enable(v[k], VFK_IRQ_MSI, 0, 1, NULL) == 0,
		      "map BAR0, bus master, MSI");
	}
	r = vfk_vfio_hot_reset(v[0]);
	if (missing[0]) {
		printf("refused: %s\n", vfk_last_error());
		check(r == -EPERM && strstr(vfk_last_error(), missing),
		      "hot reset refused, naming the device not opened");
	} else {
		check(r == 0, "hot reset");
		for (k = 0; k < n; k++) {
			volatile void *base;
			int efd = vfk_vfio_irq_get_eventfd(v[k], VFK_IRQ_MSI, 0);

			vfk_vfio_map_region(v[k], 0, (void **)&base);
			check(vfk_mmio_read32(base, EDU_ID) == 0x010000ed,
			      "BAR0 reads after the reset");
			check(vfk_vfio_irq_trigger(v[k], VFK_IRQ_MSI, 0) == 0 && fired(efd),
			      "software trigger after the reset");
			vfk_vfio_set_bus_master(v[k], true);
			vfk_mmio_write32(base, EDU_IRQ_RAISE, 1);
			check(fired(efd), "edu raises MSI after the reset");
			vfk_mmio_write32(base, EDU_IRQ_ACK, 1);
		}
	}
	for (k = 0; k < n; k++)
		vfk_vfio_unref(v[k]);
	free(hit);
	return failed;
}

int main(int argc, char *argv[])
{
	struct vfk_ctx *ctx;
	struct vfk_iommu *iommu;
	struct vfk_vfio *edu, *nvme = NULL;
	int backend;

	if (argc < 3 || (argc > 4 && strcmp(argv[2], "--hot-reset") != 0)) {
		fprintf(stderr, "usage: test-vfio BACKEND EDU_BDF [NVME_BDF]\n"
				"       test-vfio BACKEND --hot-reset EDU_BDF...\n");
		return 2;
	}
	backend = vfk_iommu_backend_from_string(argv[1]);
	if (backend < 0 || vfk_ctx_new(NULL, &ctx) < 0 ||
	    vfk_iommu_new(ctx, (enum vfk_iommu_backend)backend, &iommu) < 0) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	if (strcmp(argv[2], "--hot-reset") == 0) {
		int r = argc > 3 ? hot_reset(ctx, iommu, argc - 3, argv + 3) : 2;

		vfk_iommu_unref(iommu);
		vfk_ctx_unref(ctx);
		return r;
	}
	edu = open_one(ctx, iommu, argv[2]);
	if (argc == 4)
		nvme = open_one(ctx, iommu, argv[3]);
	check(vfk_vfio_get_iommu(edu) == iommu && vfk_vfio_get_fd(edu) >= 0, "getters");
	check_edu(edu);
	if (nvme)
		check_nvme(nvme);
	vfk_vfio_unref(nvme);
	vfk_vfio_unref(edu);
	vfk_iommu_unref(iommu);
	vfk_ctx_unref(ctx);
	return failed;
}
