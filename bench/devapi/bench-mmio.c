// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * BAR access: loops through vfk_mmio_read32()/write32() against the same loops through a
 * raw volatile pointer, on a region mapped with vfk_vfio_map_region() (ivshmem-plain's
 * BAR2, plain RAM, so QEMU's MMIO dispatch does not hide the difference). The loops are
 * tests/unit/mmio-loops.c, whose -O2 instructions the unit test compares. Also the
 * read-through-the-file path: vfk_vfio_region_read() against pread() on the device fd.
 *
 *   bench-mmio --bdf BDF [--backend B] [--region 2] [--rounds R] [--iters N]
 *              [--window BYTES] [--pread-iters N] [--chunk C]
 *
 * A round is N accesses on each side in chunks of C, interleaved A B B A.
 *
 * Output: "mmio op=OP round=R lib_ns=X raw_ns=Y ratio=X/Y" per round and
 * "mmio-summary op=OP ... ratio=MED min=MIN max=MAX" per operation; ns per access.
 */
#include <getopt.h>

#include "common.h"
#include "mmio-loops.h"

enum op { READ32, WRITE32, READ64, WRITE64, PREAD32, N_OPS };
static const char *const op_names[N_OPS] = {"read32", "write32", "read64", "write64", "pread32"};

struct target {
	struct vfk_vfio *vfio;
	unsigned int region;
	volatile void *base;
	int fd;
	uint64_t file_offset;
	size_t mask32, mask64;
};

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t block(const struct target *t, enum op op, bool lib,
						size_t n)
{
	uint64_t t0 = now_ns();
	uint32_t v;

	switch (op) {
	case READ32:
		sink += lib ? mmio_read32_lib(t->base, n, t->mask32)
			    : mmio_read32_raw(t->base, n, t->mask32);
		break;
	case WRITE32:
		if (lib)
			mmio_write32_lib((volatile void *)t->base, n, t->mask32);
		else
			mmio_write32_raw((volatile void *)t->base, n, t->mask32);
		break;
	case READ64:
		sink += lib ? mmio_read64_lib(t->base, n, t->mask64)
			    : mmio_read64_raw(t->base, n, t->mask64);
		break;
	case WRITE64:
		if (lib)
			mmio_write64_lib((volatile void *)t->base, n, t->mask64);
		else
			mmio_write64_raw((volatile void *)t->base, n, t->mask64);
		break;
	case PREAD32:
		for (size_t i = 0; i < n; i++) {
			uint64_t off = (i & t->mask32) * 4;

			if (lib) {
				check_lib(vfk_vfio_region_read(t->vfio, t->region, off, &v, 4),
					  "region read");
			} else if (pread(t->fd, &v, 4, (off_t)(t->file_offset + off)) != 4) {
				die("pread: %s", strerror(errno));
			}
			sink += v;
		}
		break;
	default:
		break;
	}
	return now_ns() - t0;
}

/* As bench-dma: @n accesses a side per round, in chunks ordered A B B A (B A A B). */
static void run_op(const struct target *t, enum op op, unsigned int rounds, size_t n, size_t chunk)
{
	double ratios[64], libs[64], raws[64], med;
	size_t done = 0;
	unsigned int r;

	if (n < 2)
		n = 2;
	if (chunk == 0 || 2 * chunk > n)
		chunk = n / 2;
	block(t, op, true, chunk);
	block(t, op, false, chunk);
	for (r = 0; r < rounds; r++) {
		uint64_t a = 0, b = 0;

		for (done = 0; done + 2 * chunk <= n; done += 2 * chunk) {
			if (r % 2 == 0) {
				a += block(t, op, true, chunk);
				b += block(t, op, false, chunk);
				b += block(t, op, false, chunk);
				a += block(t, op, true, chunk);
			} else {
				b += block(t, op, false, chunk);
				a += block(t, op, true, chunk);
				a += block(t, op, true, chunk);
				b += block(t, op, false, chunk);
			}
		}
		libs[r] = (double)a / (double)done;
		raws[r] = (double)b / (double)done;
		ratios[r] = libs[r] / raws[r];
		printf("mmio op=%s round=%u lib_ns=%.3f raw_ns=%.3f ratio=%.4f\n", op_names[op], r,
		       libs[r], raws[r], ratios[r]);
	}
	med = quantile(ratios, rounds, 0.5);
	printf("mmio-summary op=%s rounds=%u accesses=%zu chunk=%zu", op_names[op], rounds, done,
	       chunk);
	printf(" lib_ns=%.3f", quantile(libs, rounds, 0.5));
	printf(" raw_ns=%.3f", quantile(raws, rounds, 0.5));
	printf(" ratio=%.4f min=%.4f max=%.4f\n", med, ratios[0], ratios[rounds - 1]);
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"bdf", required_argument, NULL, 'd'},
		{"backend", required_argument, NULL, 'b'},
		{"region", required_argument, NULL, 'g'},
		{"rounds", required_argument, NULL, 'r'},
		{"iters", required_argument, NULL, 'n'},
		{"window", required_argument, NULL, 'w'},
		{"pread-iters", required_argument, NULL, 'p'},
		{"chunk", required_argument, NULL, 'k'},
		{},
	};
	const char *bdf = NULL, *backend = "auto";
	unsigned int rounds = 7;
	size_t iters = 1u << 24, window = 64 * 1024, pread_iters = 20000, chunk = 1u << 16;
	const struct vfk_region_info *info;
	struct target t = {.region = 2};
	struct opened o;
	void *base;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			bdf = optarg;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'g':
			t.region = (unsigned int)atoi(optarg);
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'n':
			iters = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			window = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			pread_iters = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			chunk = strtoull(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (!bdf || rounds == 0 || rounds > 64 || iters == 0 || window < 8 ||
	    (window & (window - 1)))
		die("usage: bench-mmio --bdf BDF [--backend B] [--region N] [--rounds 1..64] "
		    "[--iters N] [--window POWER-OF-2 BYTES] [--pread-iters N] [--chunk C]");

	open_device(bdf, backend, &o);
	t.vfio = o.vfio;
	check_lib(vfk_vfio_get_region(o.vfio, t.region, &info), "region");
	if (info->size < window)
		die("region %u is %llu bytes, smaller than the window", t.region,
		    (unsigned long long)info->size);
	check_lib(vfk_vfio_map_region(o.vfio, t.region, &base), "map region");
	t.base = base;
	t.fd = vfk_vfio_get_fd(o.vfio);
	t.file_offset = info->offset;
	t.mask32 = window / 4 - 1;
	t.mask64 = window / 8 - 1;
	printf("mmio-info bdf=%s region=%s size=%llu window=%zu backend=%s\n", bdf, info->name,
	       (unsigned long long)info->size, window,
	       vfk_iommu_backend_to_string(vfk_iommu_get_backend(o.iommu)));

	for (enum op op = READ32; op < PREAD32; op++)
		run_op(&t, op, rounds, iters, chunk);
	run_op(&t, PREAD32, rounds, pread_iters, 100);
	close_device(&o);
	return 0;
}
