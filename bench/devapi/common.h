/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the device-access benchmarks (bench-dma, bench-mmio, bench-irq): a clock,
 * order statistics, opening a device through the library, and finding the descriptors
 * the library opened so that a raw ioctl loop can run on the very same domain.
 *
 * Every benchmark prints one line per measured round, "KIND key=value ...", which
 * bench/devapi/run.sh turns into tables. The pairs run interleaved ABBA: within a round
 * the library block, two raw blocks, the library block again (odd rounds start with the
 * raw block), so a slow drift of the machine hits both sides alike.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vfiokit/vfiokit.h>
#include <vfiokit/iommu.h>
#include <vfiokit/vfio.h>

__attribute__((format(printf, 1, 2), noreturn)) static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Dies with the library's own sentence when @r is an error. */
static inline void check_lib(int r, const char *what)
{
	if (r < 0)
		die("%s: %s (%s)", what, strerror(-r), vfk_last_error());
}

/* CLOCK_MONOTONIC; the guest's clocksource (tsc, not hpet) is checked by the runner. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of @v[0..n), nearest rank; sorts @v. */
static inline double quantile(double *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	k = (size_t)(q * (double)n);
	if (k >= n)
		k = n - 1;
	return v[k];
}

/* A device on vfio-pci opened through the library into a fresh domain. */
struct opened {
	struct vfk_ctx *ctx;
	struct vfk_device *dev;
	struct vfk_iommu *iommu;
	struct vfk_vfio *vfio;
};

static inline void open_device(const char *bdf, const char *backend, struct opened *o)
{
	int b = vfk_iommu_backend_from_string(backend);

	if (b < 0)
		die("unknown backend '%s'", backend);
	memset(o, 0, sizeof(*o));
	check_lib(vfk_ctx_new(NULL, &o->ctx), "context");
	check_lib(vfk_device_new_from_string(o->ctx, bdf, &o->dev), bdf);
	check_lib(vfk_iommu_new(o->ctx, (enum vfk_iommu_backend)b, &o->iommu), "domain");
	check_lib(vfk_vfio_open(o->iommu, o->dev, NULL, &o->vfio), bdf);
}

static inline void close_device(struct opened *o)
{
	vfk_vfio_unref(o->vfio);
	vfk_iommu_unref(o->iommu);
	vfk_device_unref(o->dev);
	vfk_ctx_unref(o->ctx);
}

/*
 * The descriptor of this process whose target is @path ("/dev/iommu", "/dev/vfio/vfio"):
 * the library keeps its container or iommufd to itself, so the raw loops borrow it from
 * /proc/self/fd to work on exactly the domain (and the live mappings) the library uses.
 */
static inline int find_fd_to(const char *path)
{
	char target[256];
	struct dirent *de;
	int found = -1;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		die("/proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0) {
			if (found >= 0)
				die("more than one descriptor of %s", path);
			found = atoi(de->d_name);
		}
	}
	closedir(d);
	return found;
}
