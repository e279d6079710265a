// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DMA map+unmap pairs: vfk_iommu_map()/vfk_iommu_unmap() against the raw ioctls
 * (VFIO_IOMMU_MAP_DMA/UNMAP_DMA on a type1 container, IOMMU_IOAS_MAP/UNMAP on an iommufd)
 * replaying the same IOVAs on the same domain, with 1, 1k or 16k other mappings live.
 *
 *   bench-dma --bdf BDF --backend iommufd|type1v2 [--rounds R] [--iters N] [--iters-2m N]
 *             [--chunk C] [--live 1,1000,16000] [--pages 4k,2m]
 *   bench-dma --bdf BDF --backend B --count-ops K
 *
 * The second form only opens the device, makes one live mapping and does K library pairs
 * of 4 KiB: run under `strace -c -f` with two values of K, the difference in ioctl calls
 * over the difference in operations is the number of ioctls per operation.
 *
 * A round is N pairs on each side (N for 4 KiB, --iters-2m for 2 MiB) in chunks of C pairs
 * (C / 5 for 2 MiB), interleaved A B B A.
 *
 * Output, one line per round and one summary per case:
 *   dma backend=B page=4k live=L round=R lib_ns=X raw_ns=Y ratio=X/Y
 *   dma-summary backend=B page=4k live=L rounds=R ... lib_ns=MED raw_ns=MED ratio=MED min=MIN max=MAX
 */
#include <getopt.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "uapi-compat.h"

#include "common.h"

#define LIVE_BASE 0x40000000ull /* 1 GiB; live mapping i at LIVE_BASE + 8 KiB * i */
#define LIVE_STRIDE 0x2000ull
#define MEAS_IOVA 0x100000000ull /* 4 GiB, 2 MiB-aligned: the pairs measured */
#define SZ_2M (2u << 20)

struct raw {
	enum vfk_iommu_backend backend;
	int fd;
	uint32_t ioas;
};

/* The iommufd object whose id answers IOAS_IOVA_RANGES is the library's IOAS. */
static uint32_t find_ioas(int fd)
{
	uint32_t id, found = 0;

	for (id = 1; id < 256; id++) {
		struct iommu_ioas_iova_ranges q = {.size = sizeof(q), .ioas_id = id};

		if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q) == 0 || errno == EMSGSIZE) {
			if (found)
				die("more than one IOAS in the library's iommufd (%u, %u)", found,
				    id);
			found = id;
		}
	}
	if (!found)
		die("no IOAS found in the library's iommufd");
	return found;
}

static void raw_init(struct raw *r, struct vfk_iommu *iommu)
{
	r->backend = vfk_iommu_get_backend(iommu);
	switch (r->backend) {
	case VFK_IOMMU_IOMMUFD:
		r->fd = find_fd_to("/dev/iommu");
		if (r->fd < 0)
			die("the library's /dev/iommu descriptor was not found");
		r->ioas = find_ioas(r->fd);
		break;
	case VFK_IOMMU_TYPE1V2:
	case VFK_IOMMU_TYPE1:
		r->fd = find_fd_to("/dev/vfio/vfio");
		if (r->fd < 0)
			die("the library's /dev/vfio/vfio descriptor was not found");
		break;
	default:
		die("backend %s has no raw loop", vfk_iommu_backend_to_string(r->backend));
	}
}

static int raw_map(const struct raw *r, void *va, size_t len, uint64_t iova)
{
	if (r->backend == VFK_IOMMU_IOMMUFD) {
		struct iommu_ioas_map m = {
			.size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = r->ioas,
			.user_va = (uintptr_t)va,
			.length = len,
			.iova = iova,
		};
		return ioctl(r->fd, IOMMU_IOAS_MAP, &m);
	} else {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va,
			.iova = iova,
			.size = len,
		};
		return ioctl(r->fd, VFIO_IOMMU_MAP_DMA, &m);
	}
}

static int raw_unmap(const struct raw *r, uint64_t iova, size_t len)
{
	if (r->backend == VFK_IOMMU_IOMMUFD) {
		struct iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = r->ioas, .iova = iova, .length = len};
		return ioctl(r->fd, IOMMU_IOAS_UNMAP, &u);
	} else {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .iova = iova, .size = len};
		return ioctl(r->fd, VFIO_IOMMU_UNMAP_DMA, &u);
	}
}

__attribute__((noinline)) static uint64_t block_lib(struct vfk_iommu *iommu, void *buf, size_t len,
						    unsigned int iters)
{
	uint64_t t0 = now_ns();
	unsigned int i;

	for (i = 0; i < iters; i++) {
		check_lib(vfk_iommu_map(iommu, buf, len, MEAS_IOVA, VFK_DMA_BIDIRECTIONAL), "map");
		check_lib(vfk_iommu_unmap(iommu, MEAS_IOVA, len), "unmap");
	}
	return now_ns() - t0;
}

__attribute__((noinline)) static uint64_t block_raw(const struct raw *r, void *buf, size_t len,
						    unsigned int iters)
{
	uint64_t t0 = now_ns();
	unsigned int i;

	for (i = 0; i < iters; i++) {
		if (raw_map(r, buf, len, MEAS_IOVA) < 0)
			die("raw map: %s", strerror(errno));
		if (raw_unmap(r, MEAS_IOVA, len) < 0)
			die("raw unmap: %s", strerror(errno));
	}
	return now_ns() - t0;
}

static void check_iova(struct vfk_iommu *iommu, uint64_t start, uint64_t len)
{
	const struct vfk_iova_range *ranges;
	size_t n, i;

	check_lib(vfk_iommu_get_iova_ranges(iommu, &ranges, &n), "IOVA ranges");
	for (i = 0; i < n; i++)
		if (ranges[i].start <= start && start + len - 1 <= ranges[i].last)
			return;
	die("IOVA 0x%llx+0x%llx is in no usable range", (unsigned long long)start,
	    (unsigned long long)len);
}

static void *alloc_pages(size_t len, bool huge)
{
	void *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | (huge ? MAP_HUGETLB : 0), -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, len);
	return p;
}

/*
 * One round: @iters pairs on each side, in chunks of @chunk pairs ordered A B B A (odd
 * rounds B A A B), so that the machine's ups and downs land on both sides alike.
 */
static void run_case(struct vfk_iommu *iommu, const struct raw *raw, const char *backend,
		     const char *page, void *buf, size_t len, unsigned int live,
		     unsigned int rounds, unsigned int iters, unsigned int chunk)
{
	double *ratios = calloc(rounds, sizeof(double));
	double *libs = calloc(rounds, sizeof(double));
	double *raws = calloc(rounds, sizeof(double));
	double med;
	unsigned int r, done = 0;

	if (!ratios || !libs || !raws)
		die("out of memory");
	if (iters < 2)
		iters = 2;
	if (chunk == 0 || 2 * chunk > iters)
		chunk = iters / 2;
	/* Warm-up: fault in both paths and the kernel's caches. */
	block_lib(iommu, buf, len, chunk);
	block_raw(raw, buf, len, chunk);
	for (r = 0; r < rounds; r++) {
		uint64_t a = 0, b = 0;

		for (done = 0; done + 2 * chunk <= iters; done += 2 * chunk) {
			if (r % 2 == 0) {
				a += block_lib(iommu, buf, len, chunk);
				b += block_raw(raw, buf, len, chunk);
				b += block_raw(raw, buf, len, chunk);
				a += block_lib(iommu, buf, len, chunk);
			} else {
				b += block_raw(raw, buf, len, chunk);
				a += block_lib(iommu, buf, len, chunk);
				a += block_lib(iommu, buf, len, chunk);
				b += block_raw(raw, buf, len, chunk);
			}
		}
		libs[r] = (double)a / (double)done;
		raws[r] = (double)b / (double)done;
		ratios[r] = libs[r] / raws[r];
		printf("dma backend=%s page=%s live=%u round=%u lib_ns=%.1f raw_ns=%.1f "
		       "ratio=%.4f\n",
		       backend, page, live, r, libs[r], raws[r], ratios[r]);
	}
	med = quantile(ratios, rounds, 0.5);
	printf("dma-summary backend=%s page=%s live=%u rounds=%u pairs=%u chunk=%u", backend, page,
	       live, rounds, done, chunk);
	printf(" lib_ns=%.1f", quantile(libs, rounds, 0.5));
	printf(" raw_ns=%.1f", quantile(raws, rounds, 0.5));
	printf(" ratio=%.4f min=%.4f max=%.4f\n", med, ratios[0], ratios[rounds - 1]);
	fflush(stdout);
	free(ratios);
	free(libs);
	free(raws);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"bdf", required_argument, NULL, 'd'},
		{"backend", required_argument, NULL, 'b'},
		{"rounds", required_argument, NULL, 'r'},
		{"iters", required_argument, NULL, 'n'},
		{"live", required_argument, NULL, 'l'},
		{"pages", required_argument, NULL, 'p'},
		{"count-ops", required_argument, NULL, 'c'},
		{"iters-2m", required_argument, NULL, 'N'},
		{"chunk", required_argument, NULL, 'k'},
		{},
	};
	const char *bdf = NULL, *backend = NULL, *pages = "4k,2m";
	char live_list[128] = "1,1000,16000";
	unsigned int rounds = 7, iters = 2000, iters_2m = 400, chunk = 10, count_ops = 0;
	unsigned int made = 0, max_live = 0;
	void *small, *huge, *live_buf;
	struct opened o;
	struct raw raw;
	char *tok, *save;
	uint64_t sizes;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			bdf = optarg;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'n':
			iters = (unsigned int)atoi(optarg);
			break;
		case 'l':
			snprintf(live_list, sizeof(live_list), "%s", optarg);
			break;
		case 'p':
			pages = optarg;
			break;
		case 'c':
			count_ops = (unsigned int)atoi(optarg);
			break;
		case 'N':
			iters_2m = (unsigned int)atoi(optarg);
			break;
		case 'k':
			chunk = (unsigned int)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!bdf || !backend || rounds == 0 || iters == 0)
		die("usage: bench-dma --bdf BDF --backend iommufd|type1v2 [--rounds R] "
		    "[--iters N] [--iters-2m N] [--chunk C] [--live L,L,...] [--pages 4k,2m] | "
		    "--count-ops K");

	open_device(bdf, backend, &o);
	small = alloc_pages(4096, false);
	if (!small)
		die("4 KiB buffer: %s", strerror(errno));
	check_iova(o.iommu, MEAS_IOVA, SZ_2M);

	if (count_ops) {
		check_lib(vfk_iommu_map(o.iommu, small, 4096, LIVE_BASE, VFK_DMA_BIDIRECTIONAL),
			  "live map");
		block_lib(o.iommu, small, 4096, count_ops);
		close_device(&o);
		return 0;
	}

	raw_init(&raw, o.iommu);
	check_lib(vfk_iommu_get_page_sizes(o.iommu, &sizes), "page sizes");
	printf("dma-info backend=%s bdf=%s page_sizes=0x%llx raw_fd=%d ioas=%u\n",
	       vfk_iommu_backend_to_string(vfk_iommu_get_backend(o.iommu)), bdf,
	       (unsigned long long)sizes, raw.fd, raw.ioas);

	for (tok = live_list; tok; tok = strchr(tok, ',')) {
		if (*tok == ',')
			tok++;
		if ((unsigned int)atoi(tok) > max_live)
			max_live = (unsigned int)atoi(tok);
	}
	check_iova(o.iommu, LIVE_BASE, (uint64_t)max_live * LIVE_STRIDE);
	live_buf = alloc_pages((size_t)max_live * 4096, false);
	if (!live_buf)
		die("buffer for %u live mappings: %s", max_live, strerror(errno));
	huge = strstr(pages, "2m") ? alloc_pages(SZ_2M, true) : NULL;
	if (strstr(pages, "2m") && !huge)
		printf("dma-skip page=2m reason=no-hugetlb-page (%s)\n", strerror(errno));

	for (tok = strtok_r(live_list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int live = (unsigned int)atoi(tok);

		/* The live set only grows, so one list such as 1,1000,16000 is cumulative. */
		for (; made < live; made++)
			check_lib(vfk_iommu_map(o.iommu, (char *)live_buf + (size_t)made * 4096,
						4096, LIVE_BASE + made * LIVE_STRIDE,
						VFK_DMA_BIDIRECTIONAL),
				  "live map");
		if (strstr(pages, "4k"))
			run_case(o.iommu, &raw, backend, "4k", small, 4096, live, rounds, iters,
				 chunk);
		if (huge)
			run_case(o.iommu, &raw, backend, "2m", huge, SZ_2M, live, rounds, iters_2m,
				 chunk / 5 ? chunk / 5 : 1);
	}
	close_device(&o);
	return 0;
}
