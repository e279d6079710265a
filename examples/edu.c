// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A userspace driver for QEMU's "edu" teaching device (1234:11e8), written as a tour of
 * libvfiokit's device-access API: one IOMMU domain, one or more devices in it, BAR access,
 * DMA through the IOMMU, MSI and INTx interrupts, isolation, and a bus reset.
 *
 *   vfk-edu [--backend auto|iommufd|type1v2|type1] [--hot-reset] DEVICE...
 *
 * Bind the devices to vfio-pci first (`vfiokit bind DEVICE`). Each check prints one
 * "ok: ..." line; the first failure prints "FAIL: ..." and the program exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <vfiokit/vfiokit.h>

#include "example.h"

/* edu's registers in BAR0 (QEMU's hw/misc/edu.c). */
enum {
	EDU_ID = 0x00,
	EDU_LIVENESS = 0x04,
	EDU_FACTORIAL = 0x08,
	EDU_STATUS = 0x20,
	EDU_IRQ_RAISE = 0x60,
	EDU_IRQ_ACK = 0x64,
	EDU_DMA_SRC = 0x80,
	EDU_DMA_DST = 0x88,
	EDU_DMA_COUNT = 0x90,
	EDU_DMA_CMD = 0x98,
};
#define EDU_ID_VALUE 0x010000edu
#define EDU_STATUS_COMPUTING 0x1u
#define EDU_DMA_RUN 0x1u
#define EDU_DMA_TO_HOST 0x2u /* device buffer -> IOVA; without it IOVA -> device buffer */
#define EDU_DMA_IRQ 0x4u
#define EDU_IRQ_DMA 0x100u
/*
 * The device's own 4 KiB buffer, reachable only as a DMA source or destination. QEMU 7.2
 * stops the whole machine (hw_error) on a transfer that leaves it, and its bounds check
 * is off by one: a transfer must end before the buffer's last byte. So every transfer here
 * starts at the buffer and moves one byte less than a page.
 */
#define EDU_BUF 0x40000u
#define EDU_DMA_LEN 4095u
#define PAGE 4096u
/* edu's DMA engine drops address bits above its dma_mask, 28 bits unless QEMU was told. */
#define EDU_DMA_LIMIT (UINT64_C(1) << 28)
/* A transfer takes 100 ms of the machine's time; under emulation that can be seconds. */
#define TIMEOUT_MS 10000

struct edu {
	const char *name;
	struct vfk_vfio *vfio;
	void *bar; /* BAR0, mapped */
};

/* Polls a 32-bit register until (value & mask) == 0; the device has no interrupt for it. */
static int wait_clear(struct edu *e, size_t reg, uint32_t mask, const char *what)
{
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) / 1000000 + TIMEOUT_MS;

	while (vfk_mmio_read32(e->bar, reg) & mask) {
		if (now_ns(CLOCK_MONOTONIC) / 1000000 > deadline)
			return fail("%s: %s did not finish within %d ms", e->name, what,
				    TIMEOUT_MS);
		usleep(1000);
	}
	return 0;
}

static int check_registers(struct edu *e, uint32_t x)
{
	uint32_t id = vfk_mmio_read32(e->bar, EDU_ID), got;

	if (id != EDU_ID_VALUE)
		return fail("%s: id register reads %#x, not %#x", e->name, id, EDU_ID_VALUE);
	printf("ok: %s: id %#x\n", e->name, id);

	vfk_mmio_write32(e->bar, EDU_LIVENESS, x);
	got = vfk_mmio_read32(e->bar, EDU_LIVENESS);
	if (got != ~x)
		return fail("%s: liveness: wrote %#x, read %#x, want %#x", e->name, x, got, ~x);
	printf("ok: %s: liveness %#x -> %#x\n", e->name, x, got);

	vfk_mmio_write32(e->bar, EDU_FACTORIAL, 10);
	if (wait_clear(e, EDU_STATUS, EDU_STATUS_COMPUTING, "factorial") < 0)
		return -1;
	got = vfk_mmio_read32(e->bar, EDU_FACTORIAL);
	if (got != 3628800)
		return fail("%s: factorial of 10 reads %u", e->name, got);
	printf("ok: %s: factorial 10! = %u\n", e->name, got);
	return 0;
}

/*
 * Waits for one interrupt on an eventfd. The kernel counts interrupts in it; reading it
 * takes the count and leaves it at zero for the next wait.
 */
static int wait_irq(struct edu *e, int efd, const char *what)
{
	struct pollfd p = {.fd = efd, .events = POLLIN};
	uint64_t count;
	int n;

	n = poll(&p, 1, TIMEOUT_MS);
	if (n == 0)
		return fail("%s: no %s interrupt within %d ms", e->name, what, TIMEOUT_MS);
	if (n < 0 || read(efd, &count, sizeof(count)) != sizeof(count))
		return fail("%s: waiting for the %s interrupt: %m", e->name, what);
	return 0;
}

/*
 * One transfer between an IOVA and the device buffer. With @irq the device raises
 * interrupt 0x100 when done and the caller waits on @efd; without, we poll the command
 * register, whose run bit clears when the transfer is over.
 */
static int edu_dma(struct edu *e, uint64_t iova, bool to_host, size_t len, enum vfk_irq_type irq,
		   int efd)
{
	uint32_t cmd = EDU_DMA_RUN | (to_host ? EDU_DMA_TO_HOST : 0) | (efd >= 0 ? EDU_DMA_IRQ : 0);
	int r;

	if (iova + len > EDU_DMA_LIMIT)
		return fail("%s: IOVA %#" PRIx64 " is beyond edu's 28-bit DMA mask", e->name, iova);
	vfk_mmio_write64(e->bar, EDU_DMA_SRC, to_host ? EDU_BUF : iova);
	vfk_mmio_write64(e->bar, EDU_DMA_DST, to_host ? iova : EDU_BUF);
	vfk_mmio_write64(e->bar, EDU_DMA_COUNT, len);
	vfk_mmio_write64(e->bar, EDU_DMA_CMD, cmd);
	if (efd < 0)
		return wait_clear(e, EDU_DMA_CMD, EDU_DMA_RUN, "DMA");

	if (wait_irq(e, efd, vfk_irq_type_to_string(irq)) < 0)
		return -1;
	/* The device keeps the line up until acknowledged... */
	vfk_mmio_write32(e->bar, EDU_IRQ_ACK, EDU_IRQ_DMA);
	/* ...and the kernel masked INTx when it fired: only now may it fire again. */
	if (irq == VFK_IRQ_INTX) {
		r = vfk_vfio_irq_unmask(e->vfio, VFK_IRQ_INTX, 0);
		if (r < 0)
			return api_fail("unmask INTx", r);
	}
	return wait_clear(e, EDU_DMA_CMD, EDU_DMA_RUN, "DMA");
}

/* Host -> device -> host through two buffers in the domain, and compare. */
static int check_dma(struct edu *e, struct vfk_dma *in, struct vfk_dma *out, uint8_t seed,
		     enum vfk_irq_type irq, int efd, const char *how)
{
	uint8_t *src = vfk_dma_get_vaddr(in), *dst = vfk_dma_get_vaddr(out);
	size_t i;

	for (i = 0; i < EDU_DMA_LEN; i++)
		src[i] = (uint8_t)(seed + i * 7);
	memset(dst, 0, PAGE);
	if (edu_dma(e, vfk_dma_get_iova(in), false, EDU_DMA_LEN, irq, efd) < 0 ||
	    edu_dma(e, vfk_dma_get_iova(out), true, EDU_DMA_LEN, irq, efd) < 0)
		return -1;
	for (i = 0; i < EDU_DMA_LEN; i++)
		if (dst[i] != src[i])
			return fail("%s: DMA %s: byte %zu came back as %#x, sent %#x", e->name, how,
				    i, dst[i], src[i]);
	printf("ok: %s: DMA %s: %u bytes IOVA %#" PRIx64 " -> device -> IOVA %#" PRIx64 "\n",
	       e->name, how, EDU_DMA_LEN, vfk_dma_get_iova(in), vfk_dma_get_iova(out));
	return 0;
}

/*
 * MSI, then INTx: the two exclude each other, so one is turned off before the other is
 * turned on. Passing NULL for the eventfds lets the library create them; we borrow them.
 */
static int check_irqs(struct edu *e, struct vfk_dma *in, struct vfk_dma *out)
{
	static const enum vfk_irq_type types[] = {VFK_IRQ_MSI, VFK_IRQ_INTX};
	size_t i;
	int r, efd;

	for (i = 0; i < 2; i++) {
		const char *name = vfk_irq_type_to_string(types[i]);
		char how[32];

		r = vfk_vfio_irq_enable(e->vfio, types[i], 0, 1, NULL);
		if (r < 0)
			return api_fail(name, r);
		efd = vfk_vfio_irq_get_eventfd(e->vfio, types[i], 0);
		if (efd < 0)
			return api_fail(name, efd);
		snprintf(how, sizeof(how), "completion by %s", name);
		if (check_dma(e, in, out, (uint8_t)(0x40 + i), types[i], efd, how) < 0)
			return -1;
		r = vfk_vfio_irq_disable(e->vfio, types[i]);
		if (r < 0)
			return api_fail(name, r);
	}
	return 0;
}

/*
 * The IOMMU's promise: once unmapped, memory is out of the device's reach. The memory is
 * our own (mmap), so it outlives the mapping and can be inspected afterwards; the kernel
 * logs the blocked write as a DMAR fault at that IOVA.
 */
static int check_isolation(struct edu *e, struct vfk_iommu *iommu)
{
	uint8_t *mem;
	uint64_t iova;
	size_t i;
	int r;

	mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap: %m");
	r = vfk_iommu_map_alloc(iommu, mem, PAGE, VFK_DMA_FROM_DEVICE, &iova);
	if (r < 0) {
		munmap(mem, PAGE);
		return api_fail("map for the isolation check", r);
	}
	/* Mapped, the device reaches it: this proves the later write aims at the right IOVA. */
	memset(mem, 0x5a, PAGE);
	r = edu_dma(e, iova, true, EDU_DMA_LEN, VFK_IRQ_MSI, -1);
	if (r == 0 && mem[0] == 0x5a)
		r = fail("%s: DMA to mapped IOVA %#" PRIx64 " changed nothing", e->name, iova);
	if (r < 0)
		goto out;

	memset(mem, 0x5a, PAGE);
	r = vfk_iommu_unmap(iommu, iova, PAGE);
	if (r < 0) {
		api_fail("unmap", r);
		goto out;
	}
	/* The device still completes the transfer; the IOMMU drops the writes. */
	r = edu_dma(e, iova, true, EDU_DMA_LEN, VFK_IRQ_MSI, -1);
	if (r < 0)
		goto out;
	for (i = 0; i < PAGE; i++)
		if (mem[i] != 0x5a) {
			r = fail("%s: DMA to unmapped IOVA %#" PRIx64 " reached memory (byte %zu)",
				 e->name, iova, i);
			goto out;
		}
	printf("ok: %s: isolation: DMA to unmapped IOVA %#" PRIx64 " left memory unchanged\n",
	       e->name, iova);
out:
	munmap(mem, PAGE);
	return r;
}

/*
 * A bus reset reaches every device below the bridge: the library proves to the kernel that
 * we own all of them (they must all be open in this domain), then re-arms interrupts.
 */
static int hot_reset(struct edu *devs, size_t n, struct vfk_dma *in, struct vfk_dma *out)
{
	struct vfk_addr *affected;
	size_t n_affected, i;
	int r;

	r = vfk_vfio_get_hot_reset_devices(devs[0].vfio, &affected, &n_affected);
	if (r < 0)
		return api_fail("hot reset devices", r);
	free(affected);
	r = vfk_vfio_hot_reset(devs[0].vfio);
	if (r < 0)
		return api_fail("hot reset", r);
	printf("ok: hot reset of %s (%zu device(s) reset)\n", devs[0].name, n_affected);
	for (i = 0; i < n; i++) {
		/* A reset clears the command register; without Bus Master the DMA is dropped. */
		r = vfk_vfio_set_bus_master(devs[i].vfio, true);
		if (r < 0)
			return api_fail("bus master after reset", r);
		if (check_registers(&devs[i], 0xc0ffee) < 0 ||
		    check_dma(&devs[i], in, out, 0x77, VFK_IRQ_MSI, -1, "after hot reset") < 0)
			return -1;
	}
	return 0;
}

static int open_edu(struct vfk_ctx *ctx, struct vfk_iommu *iommu, const char *name, struct edu *e)
{
	struct vfk_device *dev;
	uint16_t vendor, device;
	int r;

	r = vfk_device_new_from_string(ctx, name, &dev);
	if (r < 0)
		return fail("%s: %s", name, strerror(-r));
	if (vfk_device_get_ids(dev, &vendor, &device) < 0 || vendor != 0x1234 || device != 0x11e8) {
		vfk_device_unref(dev);
		return fail("%s is not an edu device (1234:11e8)", name);
	}
	/* The first device decides the backend; the others join the same container or IOAS. */
	r = vfk_vfio_open(iommu, dev, NULL, &e->vfio);
	vfk_device_unref(dev); /* the open device holds its own reference */
	if (r < 0)
		return api_fail(name, r);
	e->name = vfk_device_get_bdf(vfk_vfio_get_device(e->vfio));
	/* BAR0 is 1 MiB of MMIO that vfio-pci lets us mmap: registers become plain loads. */
	r = vfk_vfio_map_region(e->vfio, 0, &e->bar);
	if (r < 0)
		return api_fail("map BAR0", r);
	/* Nothing left over from a previous user may fire once interrupts are on. */
	vfk_mmio_write32(e->bar, EDU_IRQ_ACK, 0xffffffff);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: vfk-edu [--backend auto|iommufd|type1v2|type1] [--hot-reset] DEVICE...\n", f);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {{"backend", required_argument, NULL, 'b'},
					     {"hot-reset", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	enum vfk_iommu_backend backend = VFK_IOMMU_AUTO;
	struct vfk_dma *in = NULL, *out = NULL;
	struct vfk_iommu *iommu = NULL;
	struct vfk_ctx *ctx = NULL;
	struct edu *devs = NULL;
	bool reset = false;
	size_t n = 0, n_args = 0, i;
	int c, r = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			r = vfk_iommu_backend_from_string(optarg);
			if (r < 0 || r == VFK_IOMMU_NOIOMMU) {
				fprintf(stderr, "vfk-edu: unknown backend '%s'\n", optarg);
				return 2;
			}
			backend = r;
			break;
		case 'r':
			reset = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	r = vfk_ctx_new(NULL, &ctx);
	if (r < 0) {
		fprintf(stderr, "FAIL: context: %s\n", strerror(-r));
		return 1;
	}
	/* One domain for all devices: a mapping made once is seen by every device in it. */
	r = vfk_iommu_new(ctx, backend, &iommu);
	if (r < 0) {
		api_fail("domain", r);
		goto out;
	}
	n_args = (size_t)(argc - optind);
	devs = calloc(n_args, sizeof(*devs));
	if (!devs) {
		r = fail("out of memory");
		goto out;
	}
	for (n = 0; n < n_args; n++) {
		r = open_edu(ctx, iommu, argv[optind + n], &devs[n]);
		if (r < 0)
			goto out;
	}
	printf("ok: opened %zu device(s), backend %s (%s)\n", n,
	       vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)),
	       vfk_iommu_get_backend_reason(iommu));

	/* DMA memory is allocated once, in the domain, and shared by all its devices. */
	r = vfk_dma_alloc(iommu, PAGE, VFK_DMA_TO_DEVICE, &in);
	if (r >= 0)
		r = vfk_dma_alloc(iommu, PAGE, VFK_DMA_FROM_DEVICE, &out);
	if (r < 0) {
		api_fail("DMA memory", r);
		goto out;
	}

	for (i = 0; i < n; i++) {
		struct edu *e = &devs[i];

		r = check_registers(e, 0x12345678);
		if (r < 0)
			goto out;
		r = vfk_vfio_set_bus_master(e->vfio, true);
		if (r < 0) {
			api_fail("bus master", r);
			goto out;
		}
		printf("ok: %s: bus master enabled\n", e->name);
		r = check_dma(e, in, out, (uint8_t)(0x10 * (i + 1)), VFK_IRQ_MSI, -1, "by polling");
		if (r < 0)
			goto out;
		r = check_irqs(e, in, out);
		if (r < 0)
			goto out;
		r = check_isolation(e, iommu);
		if (r < 0)
			goto out;
	}
	if (reset) {
		r = hot_reset(devs, n, in, out);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	vfk_dma_free(in);
	vfk_dma_free(out);
	for (i = 0; devs && i < n_args; i++)
		vfk_vfio_unref(devs[i].vfio);
	free(devs);
	vfk_iommu_unref(iommu);
	vfk_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}
