// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A minimal userspace NVMe driver on libvfiokit: it brings the controller up by hand
 * (admin queues, Identify, one I/O queue pair) and reads blocks through PRPs (usage above
 * main()). It writes NLB blocks from SLBA to stdout; with --reset it first resets the
 * function and brings the controller up again. With --bench it issues 4 KiB reads at
 * queue depth N (default 1) in LBA order for SECONDS and prints "ios: N", "iops: N" and
 * "cpu_ns_per_io: N" (this process's CPU time over the run divided by the reads).
 * Completions are polled unless --irq asks for MSI-X vector 0 with an eventfd. Progress
 * goes to stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <unistd.h>

#include <vfiokit/vfiokit.h>

#include "example.h"
#include "nvme-spec.h"

#define PAGE 4096u
#define ADMIN_ENTRIES 32u
#define IO_ENTRIES 256u
/*
 * The queues, the Identify data and the PRP list share one allocation, page by page: it is
 * contiguous in IOVA space too, so a part's IOVA is the base IOVA plus its offset.
 */
#define MEM_ADMIN_SQ 0
#define MEM_ADMIN_CQ (1 * PAGE)
#define MEM_IO_SQ (2 * PAGE) /* 256 entries of 64 bytes: four pages */
#define MEM_IO_CQ (6 * PAGE)
#define MEM_IDENT (7 * PAGE)
#define MEM_PRP_LIST (8 * PAGE)
#define MEM_SIZE (9 * PAGE)

struct queue {
	uint16_t id, entries, sq_tail, cq_head, phase;
	struct sqe *sq;
	volatile struct cqe *cq;
};

struct nvme {
	struct vfk_iommu *iommu;
	struct vfk_vfio *vfio;
	void *bar;
	unsigned int timeout_ms, dstrd, nsid, max_pages;
	uint32_t lba_size;
	uint64_t nsze;
	int efd; /* MSI-X vector 0's eventfd, or -1 to poll */
	struct queue admin, io;
	/* Freed only once the controller is disabled: a failed wait leaves reads in flight. */
	struct vfk_dma *mem, *buf;
};

static int wait_ready(struct nvme *n, bool ready)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + n->timeout_ms * UINT64_C(1000000);
	uint32_t csts;

	while (((csts = vfk_mmio_read32(n->bar, REG_CSTS)) & CSTS_RDY) != ready) {
		if (csts & CSTS_CFS)
			return fail("controller fatal status (CSTS %#x)", csts);
		if (now_ns(CLOCK_MONOTONIC) > end)
			return fail("CSTS.RDY did not become %d within CAP.TO (%u ms)", ready,
				    n->timeout_ms);
		usleep(1000);
	}
	return 0;
}

/* A part of n->mem (MEM_*) by IOVA, for the controller, and by address, for us. */
#define mem_iova(n, off) (vfk_dma_get_iova((n)->mem) + (off))
#define mem_ptr(n, off) ((void *)((uint8_t *)vfk_dma_get_vaddr((n)->mem) + (off)))

/* A fresh controller starts with empty queues and expects phase tag 1 first. */
static void queue_init(struct nvme *n, struct queue *q, uint16_t id, uint16_t entries,
		       size_t sq_off, size_t cq_off)
{
	*q = (struct queue){.id = id, .entries = entries, .phase = 1};
	q->sq = memset(mem_ptr(n, sq_off), 0, entries * sizeof(struct sqe));
	q->cq = memset(mem_ptr(n, cq_off), 0, entries * sizeof(struct cqe));
}

/* Doorbells are spaced 4 << CAP.DSTRD bytes apart: SQ tail, then CQ head, per queue. */
static void ring(struct nvme *n, const struct queue *q, bool cq, uint16_t value)
{
	vfk_mmio_write32(n->bar, REG_DOORBELLS + (2 * q->id + cq) * (4u << n->dstrd), value);
}

static void submit(struct nvme *n, struct queue *q, const struct sqe *cmd)
{
	q->sq[q->sq_tail] = *cmd;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->entries);
	/* The entry must be in memory before the controller hears of it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ring(n, q, false, q->sq_tail);
}

/* Takes one completion if the controller posted one: its phase tag flips each lap. */
static bool reap(struct nvme *n, struct queue *q, struct cqe *ret)
{
	volatile struct cqe *c = &q->cq[q->cq_head];

	if ((c->status & 1) != q->phase)
		return false;
	/* Only now are the entry's other fields known to be the controller's. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*ret = *(const struct cqe *)c;
	if (++q->cq_head == q->entries) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	/* Telling the controller the slot is free; it may then overwrite it. */
	ring(n, q, true, q->cq_head);
	return true;
}

/*
 * Waits for the next completion and checks its status. With an eventfd we sleep until the
 * controller signals; the check comes first so an interrupt that arrived before the wait
 * is not needed.
 */
static int wait_cqe(struct nvme *n, struct queue *q, const char *what, struct cqe *ret)
{
	struct pollfd p = {.fd = n->efd, .events = POLLIN};
	uint64_t end = now_ns(CLOCK_MONOTONIC) + n->timeout_ms * UINT64_C(1000000), count;
	unsigned int sc, sct;

	while (!reap(n, q, ret)) {
		if (now_ns(CLOCK_MONOTONIC) > end)
			return fail("%s: no completion within %u ms", what, n->timeout_ms);
		if (q == &n->io && n->efd >= 0 && poll(&p, 1, 100) > 0 &&
		    read(n->efd, &count, sizeof(count)) < 0)
			return fail("eventfd: %m");
	}
	sc = (ret->status >> 1) & 0xff;
	sct = (ret->status >> 9) & 0x7;
	if (sc || sct)
		return fail("%s: status code type %#x, status code %#x%s", what, sct, sc,
			    ret->status & 0x8000 ? " (do not retry)" : "");
	return 0;
}

/* One admin command at a time: submit, wait, check. */
static int admin(struct nvme *n, const char *what, struct sqe cmd)
{
	struct cqe c;

	cmd.cid = n->admin.sq_tail;
	submit(n, &n->admin, &cmd);
	return wait_cqe(n, &n->admin, what, &c);
}

static int identify(struct nvme *n)
{
	const uint8_t *id = mem_ptr(n, MEM_IDENT);
	uint64_t iova = mem_iova(n, MEM_IDENT);
	unsigned int lbaf, lbads, nn;

	if (admin(n, "Identify controller",
		  (struct sqe){.opc = OPC_IDENTIFY, .prp1 = iova, .cdw10 = 1 /* controller */}) < 0)
		return -1;
	fprintf(stderr, "nvme: %.40s\n", (const char *)id + 24); /* the model, space-padded */
	/* MDTS caps one command's transfer; one PRP list page caps ours. */
	n->max_pages = id[77] && id[77] < 9 ? 1u << id[77] : 512;
	memcpy(&nn, id + 516, 4);
	if (n->nsid == 0 || n->nsid > nn)
		return fail("namespace %u does not exist (the controller has %u)", n->nsid, nn);

	if (admin(n, "Identify namespace",
		  (struct sqe){.opc = OPC_IDENTIFY, .nsid = n->nsid, .prp1 = iova}) < 0)
		return -1;
	memcpy(&n->nsze, id, 8);
	lbaf = (id[26] & 0xf) | ((id[26] >> 5) & 0x3) << 4; /* FLBAS: the format in use */
	lbads = id[128 + 4 * lbaf + 2];
	if (n->nsze == 0)
		return fail("namespace %u is not active", n->nsid);
	if (lbads < 9 || lbads > 12)
		return fail("namespace %u: LBA size 2^%u is not supported here", n->nsid, lbads);
	n->lba_size = 1u << lbads;
	fprintf(stderr, "nvme: namespace %u: %" PRIu64 " blocks of %u bytes\n", n->nsid, n->nsze,
		n->lba_size);
	return 0;
}

/* Creates the I/O completion queue, then the submission queue that names it. */
static int create_io_queues(struct nvme *n, uint16_t entries)
{
	uint32_t size = (uint32_t)(entries - 1) << 16 | 1 /* queue 1 */;
	struct sqe cq = {.opc = OPC_CREATE_CQ,
			 .prp1 = mem_iova(n, MEM_IO_CQ),
			 .cdw10 = size,
			 .cdw11 = 1 /* contiguous */ | (n->efd >= 0 ? 2 : 0) /* vector 0 */};
	struct sqe sq = {.opc = OPC_CREATE_SQ,
			 .prp1 = mem_iova(n, MEM_IO_SQ),
			 .cdw10 = size,
			 .cdw11 = 1u << 16 /* CQ 1 */ | 1 /* contiguous */};

	queue_init(n, &n->io, 1, entries, MEM_IO_SQ, MEM_IO_CQ);
	/* Ask for one I/O queue pair before creating it (both counts 0-based). */
	if (admin(n, "Set Features (number of queues)",
		  (struct sqe){.opc = OPC_SET_FEATURES, .cdw10 = 0x07}) < 0 ||
	    admin(n, "Create I/O completion queue", cq) < 0 ||
	    admin(n, "Create I/O submission queue", sq) < 0)
		return -1;
	return 0;
}

/*
 * Clearing CC.EN resets the controller: its queues are gone and it issues no more DMA, so
 * the memory it wrote to may be freed or used afresh.
 */
static int ctrl_disable(struct nvme *n)
{
	vfk_mmio_write32(n->bar, REG_CC, vfk_mmio_read32(n->bar, REG_CC) & ~CC_EN);
	return wait_ready(n, false);
}

/*
 * Brings the controller from whatever state it is in to one I/O queue pair, as the
 * specification's initialisation sequence (section 3.5.1) says.
 */
static int ctrl_init(struct nvme *n)
{
	uint64_t cap = vfk_mmio_read64(n->bar, REG_CAP);
	uint64_t mqes = (cap & 0xffff) + 1;
	int r;

	/* Waits are bounded by CAP.TO, in units of 500 ms. */
	n->timeout_ms = (unsigned int)(((cap >> 24) & 0xff) ?: 1) * 500;
	n->dstrd = (cap >> 32) & 0xf;
	if (!(cap & (UINT64_C(1) << 37)))
		return fail("the controller lacks the NVM command set (CAP.CSS)");
	if ((cap >> 48) & 0xf)
		return fail("the controller's smallest page (CAP.MPSMIN) exceeds 4 KiB");

	/* Without Bus Master Enable the controller cannot fetch a single command. */
	r = vfk_vfio_set_bus_master(n->vfio, true);
	if (r < 0)
		return api_fail("bus master", r);
	/* Queue addresses can only be set while the controller is disabled. */
	if (ctrl_disable(n) < 0)
		return -1;

	queue_init(n, &n->admin, 0, ADMIN_ENTRIES, MEM_ADMIN_SQ, MEM_ADMIN_CQ);
	vfk_mmio_write32(n->bar, REG_AQA, (ADMIN_ENTRIES - 1) << 16 | (ADMIN_ENTRIES - 1));
	vfk_mmio_write64(n->bar, REG_ASQ, mem_iova(n, MEM_ADMIN_SQ));
	vfk_mmio_write64(n->bar, REG_ACQ, mem_iova(n, MEM_ADMIN_CQ));
	/* NVM command set, 4 KiB pages (MPS 0), round robin, and the entry sizes. */
	vfk_mmio_write32(n->bar, REG_CC, CC_EN | CC_IOSQES | CC_IOCQES);
	if (wait_ready(n, true) < 0 || identify(n) < 0)
		return -1;
	return create_io_queues(n, (uint16_t)(mqes < IO_ENTRIES ? mqes : IO_ENTRIES));
}

/*
 * Submits a read of @nlb blocks into n->buf at @offset. PRP1 names the first page, PRP2
 * the second, or, for more than two, a list of all the others. The buffer is one
 * IOVA-contiguous mapping, so page i is simply at IOVA + i * 4096.
 */
static void submit_read(struct nvme *n, uint16_t cid, uint64_t slba, uint32_t nlb, size_t offset)
{
	uint64_t iova = vfk_dma_get_iova(n->buf) + offset, *list = mem_ptr(n, MEM_PRP_LIST);
	size_t pages = ((size_t)nlb * n->lba_size + PAGE - 1) / PAGE, i;
	struct sqe cmd = {.opc = OPC_READ,
			  .cid = cid,
			  .nsid = n->nsid,
			  .prp1 = iova,
			  .cdw10 = (uint32_t)slba,
			  .cdw11 = (uint32_t)(slba >> 32),
			  .cdw12 = nlb - 1 /* 0-based */};

	if (pages == 2)
		cmd.prp2 = iova + PAGE;
	if (pages > 2) {
		for (i = 1; i < pages; i++)
			list[i - 1] = iova + i * PAGE;
		cmd.prp2 = mem_iova(n, MEM_PRP_LIST);
	}
	submit(n, &n->io, &cmd);
}

/* Submits the next 4 KiB read for bench slot @slot, wrapping at the namespace's end. */
static void bench_read(struct nvme *n, uint16_t slot, uint64_t *next)
{
	uint32_t nlb = PAGE / n->lba_size;

	submit_read(n, slot, *next, nlb, (size_t)slot * PAGE);
	*next = *next + 2 * nlb > n->nsze ? 0 : *next + nlb;
}

/*
 * Keeps @qd 4 KiB reads in flight for @seconds, each slot resubmitted as soon as it
 * completes. A slot's command ID is its index, so a completion names the slot to refill.
 */
static int bench(struct nvme *n, unsigned int qd, unsigned int seconds)
{
	uint64_t next = 0, ios = 0, wall, cpu, end;
	unsigned int inflight;
	struct cqe c;
	int r;

	if (qd >= n->io.entries)
		return fail("--qd %u: the I/O queue has %u entries", qd, n->io.entries);
	r = vfk_dma_alloc(n->iommu, (size_t)qd * PAGE, 0, &n->buf);
	if (r < 0)
		return api_fail("bench buffers", r);
	wall = now_ns(CLOCK_MONOTONIC);
	cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	end = wall + seconds * UINT64_C(1000000000);
	for (inflight = 0; inflight < qd; inflight++)
		bench_read(n, (uint16_t)inflight, &next);
	while (inflight > 0) {
		if (wait_cqe(n, &n->io, "Read", &c) < 0)
			return -1;
		ios++;
		if (now_ns(CLOCK_MONOTONIC) < end)
			bench_read(n, c.cid, &next);
		else
			inflight--;
	}
	wall = now_ns(CLOCK_MONOTONIC) - wall;
	cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	printf("ios: %" PRIu64 "\niops: %" PRIu64 "\ncpu_ns_per_io: %" PRIu64 "\n", ios,
	       ios * 1000000000 / wall, cpu / ios);
	return 0;
}

/*
 * Opens @name with @backend: one IOMMU domain, the device in it, BAR0 mapped, MSI-X vector
 * 0 on an eventfd if @irq, and the DMA memory the queues live in.
 */
static int nvme_open(struct nvme *n, struct vfk_ctx *ctx, const char *name,
		     enum vfk_iommu_backend backend, bool irq)
{
	struct vfk_device *dev;
	int r;

	r = vfk_device_new_from_string(ctx, name, &dev);
	if (r < 0)
		return fail("%s: %s", name, strerror(-r));
	r = vfk_iommu_new(ctx, backend, &n->iommu);
	if (r >= 0)
		r = vfk_vfio_open(n->iommu, dev, NULL, &n->vfio);
	vfk_device_unref(dev);
	if (r < 0)
		return api_fail(name, r);
	fprintf(stderr, "nvme: %s opened with %s (%s)\n", name,
		vfk_iommu_backend_to_string(vfk_iommu_get_backend(n->iommu)),
		vfk_iommu_get_backend_reason(n->iommu));
	/* BAR0 holds the registers and the doorbells; the MSI-X table may be left out. */
	r = vfk_vfio_map_region(n->vfio, 0, &n->bar);
	if (r < 0)
		return api_fail("map BAR0", r);
	if (irq) {
		r = vfk_vfio_irq_enable(n->vfio, VFK_IRQ_MSIX, 0, 1, NULL);
		if (r >= 0)
			r = n->efd = vfk_vfio_irq_get_eventfd(n->vfio, VFK_IRQ_MSIX, 0);
		if (r < 0)
			return api_fail("MSI-X vector 0", r);
	}
	r = vfk_dma_alloc(n->iommu, MEM_SIZE, 0, &n->mem);
	if (r < 0)
		return api_fail("DMA memory", r);
	return ctrl_init(n);
}

static void nvme_close(struct nvme *n)
{
	if (n->bar && (vfk_mmio_read32(n->bar, REG_CSTS) & CSTS_RDY))
		ctrl_disable(n);
	vfk_dma_free(n->buf);
	vfk_dma_free(n->mem);
	vfk_vfio_unref(n->vfio);
	vfk_iommu_unref(n->iommu);
}

/*
 * Reads NLB blocks at SLBA to stdout, as many per command as MDTS and one PRP list page
 * allow. With @reset, first a function reset: it wipes the controller's state (the library
 * re-arms MSI-X), so the controller is brought up again.
 */
static int read_command(struct nvme *n, uint64_t slba, uint64_t nlb, bool reset)
{
	uint64_t per_cmd;
	struct cqe c;
	int r;

	if (nlb == 0 || slba + nlb > n->nsze || slba + nlb < slba)
		return fail("blocks %" PRIu64 "+%" PRIu64 " lie outside the namespace (%" PRIu64
			    " blocks)",
			    slba, nlb, n->nsze);
	if (reset) {
		r = vfk_vfio_reset(n->vfio);
		if (r < 0)
			return api_fail("function reset", r);
		if (ctrl_init(n) < 0)
			return -1;
		fprintf(stderr, "nvme: function reset; the controller is up again\n");
	}
	r = vfk_dma_alloc(n->iommu, (size_t)n->max_pages * PAGE, 0, &n->buf);
	if (r < 0)
		return api_fail("read buffer", r);
	per_cmd = (uint64_t)n->max_pages * PAGE / n->lba_size;
	while (nlb > 0) {
		uint32_t count = (uint32_t)(nlb < per_cmd ? nlb : per_cmd);
		size_t bytes = (size_t)count * n->lba_size;

		submit_read(n, 0, slba, count, 0);
		if (wait_cqe(n, &n->io, "Read", &c) < 0)
			return -1;
		if (fwrite(vfk_dma_get_vaddr(n->buf), 1, bytes, stdout) != bytes)
			return fail("writing the blocks: %m");
		slba += count;
		nlb -= count;
	}
	return fflush(stdout) == 0 ? 0 : fail("writing the blocks: %m");
}

/* A number from the command line that must lie between @min and @max. */
static int parse_num(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *ret)
{
	if (parse_u64(s, what, ret) < 0)
		return -1;
	if (*ret < min || *ret > max)
		return fail("%s: %s is not between %" PRIu64 " and %" PRIu64, what, s, min, max);
	return 0;
}

static const char usage[] =
	"usage: vfk-nvme-read [--backend B] [--irq] [--reset] DEVICE NSID SLBA NLB\n"
	"       vfk-nvme-read [--backend B] [--irq] [--qd N] --bench SECONDS DEVICE NSID\n";

int main(int argc, char *argv[])
{
	static const struct option opts[] = {{"backend", required_argument, NULL, 'b'},
					     {"qd", required_argument, NULL, 'q'},
					     {"bench", required_argument, NULL, 's'},
					     {"irq", no_argument, NULL, 'i'},
					     {"reset", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	enum vfk_iommu_backend backend = VFK_IOMMU_AUTO;
	uint64_t nsid, slba = 0, nlb = 0, qd = 1, seconds = 0;
	struct nvme n = {.efd = -1};
	bool irq = false, reset = false;
	struct vfk_ctx *ctx;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			r = vfk_iommu_backend_from_string(optarg);
			if (r < 0 || r == VFK_IOMMU_NOIOMMU)
				return fail("unknown backend '%s'", optarg), 2;
			backend = r;
			break;
		case 'q':
			if (parse_num(optarg, "--qd", 1, UINT32_MAX, &qd) < 0)
				return 2;
			break;
		case 's':
			if (parse_num(optarg, "--bench", 1, UINT32_MAX, &seconds) < 0)
				return 2;
			break;
		case 'i':
			irq = true;
			break;
		case 'r':
			reset = true;
			break;
		case 'h':
			return fputs(usage, stdout), 0;
		default:
			return fputs(usage, stderr), 2;
		}
	}
	if (argc - optind != (seconds ? 2 : 4))
		return fputs(usage, stderr), 2;
	if (parse_num(argv[optind + 1], "NSID", 0, UINT32_MAX, &nsid) < 0 ||
	    (!seconds && (parse_u64(argv[optind + 2], "SLBA", &slba) < 0 ||
			  parse_u64(argv[optind + 3], "NLB", &nlb) < 0)))
		return 2;
	n.nsid = (unsigned int)nsid;

	r = vfk_ctx_new(NULL, &ctx);
	if (r < 0)
		return fail("context: %s", strerror(-r)), 1;
	r = nvme_open(&n, ctx, argv[optind], backend, irq);
	if (r >= 0 && seconds)
		r = bench(&n, (unsigned int)qd, (unsigned int)seconds);
	else if (r >= 0)
		r = read_command(&n, slba, nlb, reset);
	nvme_close(&n);
	vfk_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}
