// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside the vm lane's guest as root: an IOMMU domain on the real kernel, with the
 * edu device (1234:11e8) and a second device on vfio-pci, through iommu_attach_device()
 * alone (the device layer above it is not needed). The edu's DMA engine proves that the
 * mappings are real: a pattern goes out of one buffer and back into another, a device that
 * joins later uses mappings made before it, and an unmapped IOVA is not written.
 *   test-iommu BACKEND EDU_BDF OTHER_BDF [EXPECT_BACKEND]
 * BACKEND is auto, iommufd, type1v2, type1 or noiommu. EXPECT_BACKEND is the backend the
 * domain must choose, or "-ENAME:text": the first device must be refused with that errno
 * and vfk_last_error() must hold the text (for -EACCES the program first becomes nobody).
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vfiokit/ctx.h>
#include <vfiokit/iommu.h>
#include <vfiokit/pci.h>

#include "iommu/iommu-private.h"
#include "uapi-compat.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			printf("FAIL: ");                                                          \
			failures++;                                                                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUF 0x40000
/* QEMU 7.2's edu takes a transfer's end as inside its 4 KiB buffer only when it is below
 * 0x41000, and kills the whole emulator otherwise: half the buffer is enough. */
#define EDU_LEN 2048

struct edu {
	int fd;
	volatile uint8_t *bar0;
};

static int edu_open(struct edu *e)
{
	struct vfio_region_info bar = {.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX};
	struct vfio_region_info cfg = {.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX};
	uint16_t cmd;
	void *p;

	if (ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &bar) < 0 ||
	    ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0)
		return -errno;
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, (off_t)bar.offset);
	if (p == MAP_FAILED)
		return -errno;
	e->bar0 = p;
	/* Memory space and bus master: without the latter DMA is silently dropped. */
	if (pread(e->fd, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		return -EIO;
	cmd |= 0x6;
	if (pwrite(e->fd, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		return -EIO;
	return 0;
}

/* One edu transfer; false when it did not finish within 10 s. */
static bool edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint64_t len, bool to_ram)
{
	struct timespec start, now;

	*(volatile uint64_t *)(e->bar0 + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(e->bar0 + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(e->bar0 + EDU_DMA_CNT) = len;
	*(volatile uint64_t *)(e->bar0 + EDU_DMA_CMD) = 1 | (to_ram ? 2 : 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (*(volatile uint64_t *)(e->bar0 + EDU_DMA_CMD) & 1) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10)
			return false;
		usleep(1000);
	}
	return true;
}

static void set_ipc_lock(bool on)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	syscall(SYS_capget, &hdr, data);
	if (on)
		data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective |= CAP_TO_MASK(CAP_IPC_LOCK);
	else
		data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	syscall(SYS_capset, &hdr, data);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	struct vfk_ctx *ctx;
	struct vfk_device *edu_dev, *other_dev;
	struct vfk_iommu *iommu;
	const struct vfk_iova_range *ranges;
	struct vfk_dma *a, *b, *huge, *strict = NULL;
	struct edu edu = {.fd = -1};
	size_t n_ranges;
	uint64_t pgsizes, iova, first_iova = 0;
	int other_fd = -1, r, want;
	uint32_t devid;
	bool reused = true, msi_free = true;
	double pair_us = 0;
	uint8_t *page;

	if (argc < 4) {
		fprintf(stderr, "usage: test-iommu BACKEND EDU_BDF OTHER_BDF [EXPECT]\n");
		return 2;
	}
	want = vfk_iommu_backend_from_string(argv[1]);
	if (want < 0 || vfk_ctx_new("/", &ctx) < 0 ||
	    vfk_device_new_from_string(ctx, argv[2], &edu_dev) < 0 ||
	    vfk_device_new_from_string(ctx, argv[3], &other_dev) < 0) {
		fprintf(stderr, "test-iommu: bad arguments\n");
		return 2;
	}
	CHECK(vfk_iommu_new(ctx, want, &iommu) == 0, "domain for %s", argv[1]);

	if (argc > 4 && argv[4][0] == '-') {
		static const struct {
			const char *name;
			int err;
		} names[] = {{"EOPNOTSUPP", EOPNOTSUPP},
			     {"EBUSY", EBUSY},
			     {"EACCES", EACCES},
			     {"EINVAL", EINVAL}};
		const char *text = strchr(argv[4], ':');
		int err = 0;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strncmp(argv[4] + 1, names[i].name, strlen(names[i].name)) == 0)
				err = names[i].err;
		if (err == EACCES &&
		    (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0))
			return 2;
		r = iommu_attach_device(iommu, other_dev, NULL, &other_fd, &devid);
		CHECK(r == -err && (!text || strstr(vfk_last_error(), text + 1)),
		      "%s refused with %d: %s", argv[1], r, vfk_last_error());
		vfk_iommu_unref(iommu);
		vfk_device_unref(edu_dev);
		vfk_device_unref(other_dev);
		vfk_ctx_unref(ctx);
		return failures ? 1 : 0;
	}
	/* The second device first: edu joins later and must see the mappings made before. */
	r = iommu_attach_device(iommu, other_dev, NULL, &other_fd, &devid);
	CHECK(r == 0, "attach %s: %d %s", argv[3], r, r ? vfk_last_error() : "");
	if (r < 0)
		return 1;
	printf("backend %s: %s\n", vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)),
	       vfk_iommu_get_backend_reason(iommu));
	if (argc > 4)
		CHECK(strcmp(vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)), argv[4]) ==
			      0,
		      "backend is %s", argv[4]);

	if (vfk_iommu_get_backend(iommu) == VFK_IOMMU_NOIOMMU) {
		void *buf =
			mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		/* No IOMMU: nothing to map through, and the reason says what that means. */
		CHECK(strstr(vfk_iommu_get_backend_reason(iommu), "no isolation") != NULL,
		      "the reason warns of no isolation");
		CHECK(vfk_iommu_get_iova_ranges(iommu, &ranges, &n_ranges) == 0 && n_ranges == 0,
		      "no IOVA ranges");
		r = vfk_iommu_map(iommu, buf, 4096, 0x100000, VFK_DMA_BIDIRECTIONAL);
		CHECK(r == -EOPNOTSUPP, "map refused: %s", vfk_last_error());
		r = vfk_dma_alloc(iommu, 4096, 0, &a);
		CHECK(r == -EOPNOTSUPP, "dma alloc refused: %d", r);
		r = iommu_attach_device(iommu, edu_dev, NULL, &edu.fd, &devid);
		CHECK(r == 0, "second device into the no-IOMMU container: %s",
		      r ? vfk_last_error() : "");
		if (r == 0)
			iommu_detach_device(iommu, edu_dev, edu.fd);
		iommu_detach_device(iommu, other_dev, other_fd);
		vfk_iommu_unref(iommu);
		vfk_device_unref(edu_dev);
		vfk_device_unref(other_dev);
		vfk_ctx_unref(ctx);
		munmap(buf, 4096);
		printf("%s: %d failure(s)\n", argv[1], failures);
		return failures ? 1 : 0;
	}
	CHECK(vfk_iommu_get_iova_ranges(iommu, &ranges, &n_ranges) == 0 && n_ranges > 0,
	      "%zu IOVA ranges", n_ranges);
	for (size_t i = 0; i < n_ranges; i++) {
		printf("  range 0x%" PRIx64 "-0x%" PRIx64 "\n", ranges[i].start, ranges[i].last);
		if (ranges[i].start <= 0xfee00000ULL && ranges[i].last >= 0xfee00000ULL)
			msi_free = false;
	}
	CHECK(msi_free, "the MSI window 0xfee00000 is in no usable range");
	CHECK(n_ranges > 0 && ranges[n_ranges - 1].last < (1ULL << 48),
	      "the IOMMU's address width limits the last range");
	CHECK(vfk_iommu_get_page_sizes(iommu, &pgsizes) == 0 && (pgsizes & 0x1000),
	      "page sizes 0x%" PRIx64 " include 4 KiB", pgsizes);

	/* Two DMA buffers mapped while only the other device is in the domain. */
	CHECK(vfk_dma_alloc(iommu, 4096, 0, &a) == 0, "dma alloc a: %s", vfk_last_error());
	CHECK(vfk_dma_alloc(iommu, 4096, VFK_DMA_FROM_DEVICE, &b) == 0, "dma alloc b: %s",
	      vfk_last_error());
	CHECK(vfk_dma_get_iova(a) != 0 && vfk_dma_get_iova(b) != 0 &&
		      vfk_dma_get_iova(a) != vfk_dma_get_iova(b),
	      "IOVAs 0x%" PRIx64 " and 0x%" PRIx64, vfk_dma_get_iova(a), vfk_dma_get_iova(b));
	page = vfk_dma_get_vaddr(a);
	CHECK(page[0] == 0 && page[4095] == 0, "dma memory is zeroed");
	CHECK(vfk_iommu_translate(iommu, page + 100, &iova) == 0 &&
		      iova == vfk_dma_get_iova(a) + 100,
	      "translate inside a");
	CHECK(vfk_iommu_translate(iommu, &iova, &iova) == -ENOENT, "translate of the stack");

	/* edu joins now. */
	r = iommu_attach_device(iommu, edu_dev, NULL, &edu.fd, &devid);
	CHECK(r == 0, "attach edu %s later: %s", argv[2], r ? vfk_last_error() : "");
	if (r < 0)
		return 1;
	if (vfk_iommu_get_backend(iommu) != VFK_IOMMU_IOMMUFD) {
		int *fds;
		size_t n;

		CHECK(iommu_get_group_fds(iommu, &fds, &n) == 0 && n == 2, "two groups' fds");
		free(fds);
	}
	CHECK(edu_open(&edu) == 0, "edu BAR0 mapped, bus master on");
	CHECK(*(volatile uint32_t *)edu.bar0 == 0x010000ed, "edu id 0x%08x",
	      *(volatile uint32_t *)edu.bar0);
	for (int i = 0; i < 4096; i++)
		page[i] = (uint8_t)(i * 7 + 3);
	CHECK(edu_dma(&edu, vfk_dma_get_iova(a), EDU_BUF, EDU_LEN, false) &&
		      edu_dma(&edu, EDU_BUF, vfk_dma_get_iova(b), EDU_LEN, true),
	      "DMA a -> edu -> b");
	CHECK(memcmp(vfk_dma_get_vaddr(a), vfk_dma_get_vaddr(b), EDU_LEN) == 0,
	      "b holds a's pattern: the device used mappings made before it joined");

	/* After unmap the device no longer reaches the memory. */
	{
		uint64_t old = vfk_dma_get_iova(b);
		uint8_t *bp = vfk_dma_get_vaddr(b);
		uint8_t *keep =
			mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		memset(bp, 0, 4096);
		CHECK(vfk_iommu_unmap(iommu, old, 4096) == 0, "unmap b");
		CHECK(vfk_iommu_unmap(iommu, old, 4096) == -ENOENT, "unmap b again: -ENOENT");
		edu_dma(&edu, EDU_BUF, old, EDU_LEN, true);
		CHECK(bp[0] == 0 && bp[EDU_LEN - 1] == 0,
		      "DMA to the unmapped IOVA did not arrive");
		/* Map it again (fixed IOVA) for vfk_dma_free(). */
		CHECK(vfk_iommu_map(iommu, bp, 4096, old, VFK_DMA_BIDIRECTIONAL) == 0,
		      "map b again at 0x%" PRIx64, old);
		CHECK(vfk_iommu_map(iommu, keep, 4096, old, VFK_DMA_BIDIRECTIONAL) == -EEXIST,
		      "overlapping fixed map: -EEXIST");
		CHECK(vfk_iommu_map(iommu, keep, 4096, 0xfee00000ULL, VFK_DMA_BIDIRECTIONAL) ==
			      -ERANGE,
		      "map in the MSI window: -ERANGE");
		munmap(keep, 4096);
	}

	/* 1000 map/unmap pairs: one IOVA, reused each time. The time per pair is the best of
	 * ten batches: the guest shares a loaded host, and a stall would swamp an average. */
	{
		void *buf =
			mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		pair_us = 1e30;
		r = 0;
		for (int batch = 0; batch < 10 && r == 0; batch++) {
			double t0 = now_ns(), us;

			for (int i = 0; i < 100; i++) {
				r = vfk_iommu_map_alloc(iommu, buf, 4096, VFK_DMA_BIDIRECTIONAL,
							&iova);
				if (r < 0)
					break;
				if (batch == 0 && i == 0)
					first_iova = iova;
				else if (iova != first_iova)
					reused = false;
				r = vfk_iommu_unmap(iommu, iova, 4096);
				if (r < 0)
					break;
			}
			us = (now_ns() - t0) / 100 / 1000;
			if (us < pair_us)
				pair_us = us;
		}
		CHECK(r == 0, "1000 map/unmap pairs (best batch %.1f us per pair): %s", pair_us,
		      r ? vfk_last_error() : "");
		CHECK(reused, "each pair reused IOVA 0x%" PRIx64, first_iova);
		munmap(buf, 4096);
	}

	/* 1000 live mappings of one buffer's pages, then all unmapped. */
	{
		size_t len = 1000 * 4096;
		uint8_t *buf =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		uint64_t *iovas = calloc(1000, sizeof(*iovas));
		bool ok = true;

		for (int i = 0; i < 1000 && ok; i++)
			ok = vfk_iommu_map_alloc(iommu, buf + (size_t)i * 4096, 4096,
						 VFK_DMA_TO_DEVICE, &iovas[i]) == 0;
		CHECK(ok, "1000 live mappings");
		CHECK(vfk_iommu_translate(iommu, buf + 555 * 4096 + 9, &iova) == 0 &&
			      iova == iovas[555] + 9,
		      "translate among 1000 mappings");
		for (int i = 0; i < 1000 && ok; i++)
			ok = vfk_iommu_unmap(iommu, iovas[i], 4096) == 0;
		CHECK(ok, "1000 unmapped");
		free(iovas);
		munmap(buf, len);
	}

	/* 16k live mappings must not make a map/unmap pair much slower (the kernel's own
	 * trees grow too, and each map traps an IOTLB invalidation under TCG, so the bound is
	 * loose: a search through the mappings one by one would cost milliseconds here). */
	{
		enum { LIVE = 16384, PAIRS = 300 };
		size_t len = (size_t)LIVE * 4096;
		uint8_t *buf = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		uint64_t *iovas = calloc(LIVE, sizeof(*iovas));
		double t0, live_us, tr_ns;
		bool ok = true;

		for (int i = 0; i < LIVE && ok; i++)
			ok = vfk_iommu_map_alloc(iommu, buf + (size_t)i * 4096, 4096,
						 VFK_DMA_TO_DEVICE, &iovas[i]) == 0;
		CHECK(ok, "16k live mappings: %s", ok ? "" : vfk_last_error());
		live_us = 1e30;
		for (int batch = 0; batch < 6 && ok; batch++) {
			double us;

			t0 = now_ns();
			for (int i = 0; i < PAIRS / 6 && ok; i++)
				ok = vfk_iommu_map_alloc(iommu, buf + len, 4096,
							 VFK_DMA_BIDIRECTIONAL, &iova) == 0 &&
				     vfk_iommu_unmap(iommu, iova, 4096) == 0;
			us = (now_ns() - t0) / (PAIRS / 6) / 1000;
			if (us < live_us)
				live_us = us;
		}
		t0 = now_ns();
		for (int i = 0; i < LIVE && ok; i++)
			ok = vfk_iommu_translate(iommu, buf + (size_t)i * 4096 + 8, &iova) == 0 &&
			     iova == iovas[i] + 8;
		tr_ns = (now_ns() - t0) / LIVE;
		CHECK(ok && live_us < 10 * pair_us,
		      "map/unmap pair with 16k live: %.1f us (%.1f us with none); translate "
		      "%.0f ns",
		      live_us, pair_us, tr_ns);
		for (int i = 0; i < LIVE && ok; i++)
			ok = vfk_iommu_unmap(iommu, iovas[i], 4096) == 0;
		CHECK(ok, "16k unmapped");
		free(iovas);
		munmap(buf, len + 4096);
	}

	/* Hugetlb memory (the script reserved 2 MiB pages): IOVA aligned to 2 MiB. */
	r = vfk_dma_alloc(iommu, 4096, VFK_DMA_ALLOC_HUGE_2M, &huge);
	CHECK(r == 0 && vfk_dma_get_page_size(huge) == 2u << 20 && !vfk_dma_get_fallback(huge) &&
		      vfk_dma_get_iova(huge) % (2u << 20) == 0,
	      "2 MiB hugetlb DMA memory at IOVA 0x%" PRIx64, r ? 0 : vfk_dma_get_iova(huge));
	if (r == 0) {
		uint64_t *p = vfk_dma_get_vaddr(huge);

		p[0] = 0x1122334455667788ULL;
		CHECK(edu_dma(&edu, vfk_dma_get_iova(huge), EDU_BUF, 8, false) &&
			      edu_dma(&edu, EDU_BUF, vfk_dma_get_iova(huge) + 4096, 8, true) &&
			      p[512] == 0x1122334455667788ULL,
		      "DMA within the 2 MiB page");
		vfk_dma_free(huge);
	}
	/* No 1 GiB page in a 2 GiB guest: STRICT fails, otherwise it falls back. */
	r = vfk_dma_alloc(iommu, 4096, VFK_DMA_ALLOC_HUGE_1G | VFK_DMA_ALLOC_STRICT, &strict);
	CHECK(r == -ENOMEM && strstr(vfk_last_error(), "1 GiB"), "1 GiB strict: %s",
	      vfk_last_error());
	r = vfk_dma_alloc(iommu, 4096, VFK_DMA_ALLOC_HUGE_1G, &huge);
	CHECK(r == 0 && vfk_dma_get_page_size(huge) == 2u << 20 && vfk_dma_get_fallback(huge),
	      "1 GiB falls back to 2 MiB: %s", r ? vfk_last_error() : vfk_dma_get_fallback(huge));
	if (r == 0)
		vfk_dma_free(huge);

	/* RLIMIT_MEMLOCK without CAP_IPC_LOCK: refused before the ioctl, with the fix. */
	{
		struct rlimit old, low = {.rlim_cur = 64 * 1024};
		void *buf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);

		getrlimit(RLIMIT_MEMLOCK, &old);
		low.rlim_max = old.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &low);
		set_ipc_lock(false);
		r = vfk_iommu_map_alloc(iommu, buf, 1 << 20, VFK_DMA_BIDIRECTIONAL, &iova);
		CHECK(r == -ENOMEM && strstr(vfk_last_error(), "ulimit -l"), "memlock: %s",
		      vfk_last_error());
		set_ipc_lock(true);
		setrlimit(RLIMIT_MEMLOCK, &old);
		munmap(buf, 1 << 20);
	}

	vfk_dma_free(a);
	vfk_dma_free(b);
	munmap((void *)edu.bar0, 1 << 20);
	iommu_detach_device(iommu, edu_dev, edu.fd);
	iommu_detach_device(iommu, other_dev, other_fd);
	vfk_iommu_unref(iommu);
	vfk_device_unref(edu_dev);
	vfk_device_unref(other_dev);
	vfk_ctx_unref(ctx);
	printf("%s: %d failure(s)\n", argv[1], failures);
	return failures ? 1 : 0;
}
