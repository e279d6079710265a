// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The IOVA allocator alone, on the host: nanoseconds per alloc+free pair of one 4 KiB
 * range with 1, 1k and 16k ranges live (packed from the bottom, as a long-running driver
 * leaves them), and with 16k live and 8k holes between them (every other one freed) so
 * that a request for 8 KiB must pass every 4 KiB hole. In the guest each map also traps
 * an IOTLB invalidation under TCG; this is the bookkeeping's own cost.
 *   bench-iova [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu/iova.h"

static const struct vfk_iova_range vtd[] = {
	{0, 0xfedfffffULL},
	{0xfef00000ULL, (1ULL << 39) - 1},
};

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int run(const char *name, unsigned int live, int holes, uint64_t len, long iters)
{
	struct iova_allocator *a;
	uint64_t *keep = calloc(live ? live : 1, sizeof(*keep)), iova;
	double best = 1e30;

	if (!keep || iova_new(vtd, 2, &a) < 0)
		return 1;
	for (unsigned int i = 0; i < live; i++)
		if (iova_alloc(a, 4096, 4096, &keep[i]) < 0)
			return 1;
	if (holes)
		for (unsigned int i = 0; i < live; i += 2)
			iova_release(a, keep[i], 4096);
	/* Best of five runs: the machine is shared. */
	for (int round = 0; round < 5; round++) {
		double t0 = now_ns(), dt;

		for (long i = 0; i < iters; i++) {
			if (iova_alloc(a, len, 4096, &iova) < 0 || iova_release(a, iova, len) < 0)
				return 1;
		}
		dt = (now_ns() - t0) / (double)iters;
		if (dt < best)
			best = dt;
	}
	printf("%-34s %6zu free ranges  %7.1f ns/op\n", name, iova_n_free_ranges(a), best);
	iova_destroy(a);
	free(keep);
	return 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 1000000;
	int r = 0;

	printf("IOVA alloc+free of one range, best of 5 x %ld pairs\n", iters);
	r |= run("4 KiB, 1 live", 1, 0, 4096, iters);
	r |= run("4 KiB, 1k live", 1024, 0, 4096, iters);
	r |= run("4 KiB, 16k live", 16384, 0, 4096, iters);
	r |= run("8 KiB, 16k live, 8k 4 KiB holes", 16384, 1, 8192, iters);
	r |= run("4 KiB, 16k live, 8k holes (reuse)", 16384, 1, 4096, iters);
	return r;
}
