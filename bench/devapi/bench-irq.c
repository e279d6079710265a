// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interrupt -> eventfd latency, p50 and p99, on the MSI vector of QEMU's edu device:
 * vfk_vfio_irq_trigger() against the raw VFIO_DEVICE_SET_IRQS (DATA_NONE|ACTION_TRIGGER)
 * ioctl, each followed by the wait on the vector's eventfd.
 *
 *   bench-irq --bdf BDF [--backend B] [--rounds R] [--samples N]
 *
 * Paths, each library against raw in ABBA rounds:
 *   trigger-wake    the trigger on CPU 0, a thread blocked in read() on the eventfd on
 *                   CPU 1; latency = trigger call to that thread's return from read()
 *   trigger-poll    the same with the thread spinning on a non-blocking read(): no
 *                   scheduler wakeup (in this guest a cross-CPU wakeup takes milliseconds)
 *   trigger-inline  trigger and read() in one thread (no wakeup): the call's own cost
 *   device-wake     the device raises the MSI itself (edu register 0x60, written with
 *                   vfk_mmio_write32() against a raw volatile store), same waiting thread
 * and as the floor: an eventfd write() from CPU 0 waking the thread (both sides the same,
 * so its ratio shows the noise alone).
 *
 * Output: "irq path=P round=R lib_p50=.. raw_p50=.. lib_p99=.. raw_p99=.. r50=.. r99=.."
 * and "irq-summary path=P ... r50=MED r50min=.. r50max=.. r99=MED r99min=.. r99max=..", ns.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "uapi-compat.h"

#include "common.h"

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

enum path { TRIGGER_WAKE, TRIGGER_POLL, TRIGGER_INLINE, DEVICE_WAKE, EVENTFD_FLOOR, N_PATHS };
static const char *const path_names[N_PATHS] = {"trigger-wake", "trigger-poll", "trigger-inline",
						"device-wake", "eventfd-floor"};

struct bench {
	struct vfk_vfio *vfio;
	int devfd, efd;
	volatile void *bar0;
	_Atomic uint64_t done;
	_Atomic bool stop;
	bool poll;
	uint64_t t_wake;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *waiter(void *arg)
{
	struct bench *b = arg;
	uint64_t v;

	pin(1);
	for (;;) {
		/* Polling: a non-blocking read in a loop, so no scheduler wakeup is timed. */
		while (read(b->efd, &v, sizeof(v)) != sizeof(v))
			if (!b->poll || errno != EAGAIN)
				die("eventfd read: %s", strerror(errno));
		b->t_wake = now_ns();
		if (atomic_load(&b->stop))
			break;
		atomic_fetch_add_explicit(&b->done, 1, memory_order_release);
	}
	return NULL;
}

static int raw_trigger(int devfd)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX,
		.start = 0,
		.count = 1,
	};

	return ioctl(devfd, VFIO_DEVICE_SET_IRQS, &s);
}

static void fire(struct bench *b, enum path p, bool lib)
{
	uint64_t one = 1;

	switch (p) {
	case TRIGGER_WAKE:
	case TRIGGER_POLL:
	case TRIGGER_INLINE:
		if (lib)
			check_lib(vfk_vfio_irq_trigger(b->vfio, VFK_IRQ_MSI, 0), "trigger");
		else if (raw_trigger(b->devfd) < 0)
			die("VFIO_DEVICE_SET_IRQS trigger: %s", strerror(errno));
		break;
	case DEVICE_WAKE:
		if (lib)
			vfk_mmio_write32((volatile void *)b->bar0, EDU_IRQ_RAISE, 1);
		else
			*(volatile uint32_t *)((volatile char *)b->bar0 + EDU_IRQ_RAISE) = 1;
		break;
	case EVENTFD_FLOOR:
		if (write(b->efd, &one, sizeof(one)) != sizeof(one))
			die("eventfd write: %s", strerror(errno));
		break;
	default:
		break;
	}
}

/* One latency of path @p, in ns. */
static double sample(struct bench *b, enum path p, bool lib)
{
	uint64_t v, t0, seen;
	double d;

	if (p == TRIGGER_INLINE) {
		t0 = now_ns();
		fire(b, p, lib);
		if (read(b->efd, &v, sizeof(v)) != sizeof(v))
			die("eventfd read: %s", strerror(errno));
		return (double)(now_ns() - t0);
	}
	seen = atomic_load_explicit(&b->done, memory_order_acquire);
	t0 = now_ns();
	fire(b, p, lib);
	while (atomic_load_explicit(&b->done, memory_order_acquire) == seen) {
		__builtin_ia32_pause();
		if (now_ns() - t0 > 10000000000ull)
			die("%s: no interrupt within 10 s", path_names[p]);
	}
	d = (double)(b->t_wake - t0);
	if (p == DEVICE_WAKE)
		vfk_mmio_write32((volatile void *)b->bar0, EDU_IRQ_ACK, 1);
	return d;
}

/*
 * A round is @n samples a side, interleaved sample by sample A B B A (odd rounds B A A B):
 * on a machine this noisy, only neighbouring samples see the same conditions.
 */
static void run_path(struct bench *b, enum path p, unsigned int rounds, size_t n)
{
	double *lib = calloc(n, sizeof(double)), *raw = calloc(n, sizeof(double));
	double *all_lib = calloc(n * rounds, sizeof(double));
	double *all_raw = calloc(n * rounds, sizeof(double));
	double r50[64], r99[64], m50, m99;
	pthread_t th;
	unsigned int r;

	if (!lib || !raw || !all_lib || !all_raw)
		die("out of memory");
	atomic_store(&b->stop, false);
	b->poll = p == TRIGGER_POLL;
	if (fcntl(b->efd, F_SETFL, b->poll ? O_NONBLOCK : 0) < 0)
		die("fcntl: %s", strerror(errno));
	if (p != TRIGGER_INLINE && pthread_create(&th, NULL, waiter, b) != 0)
		die("pthread_create");
	for (size_t i = 0; i < n / 10 + 2; i++)
		sample(b, p, i % 2);
	for (r = 0; r < rounds; r++) {
		double l50, l99, w50, w99;
		size_t nl = 0, nr = 0;

		for (size_t i = 0; i < 2 * n; i++) {
			bool a = (i % 4 == 0 || i % 4 == 3) == (r % 2 == 0);

			if (a)
				lib[nl++] = sample(b, p, true);
			else
				raw[nr++] = sample(b, p, false);
		}
		memcpy(all_lib + n * r, lib, n * sizeof(double));
		memcpy(all_raw + n * r, raw, n * sizeof(double));
		l50 = quantile(lib, n, 0.5);
		l99 = quantile(lib, n, 0.99);
		w50 = quantile(raw, n, 0.5);
		w99 = quantile(raw, n, 0.99);
		r50[r] = l50 / w50;
		r99[r] = l99 / w99;
		printf("irq path=%s round=%u lib_p50=%.0f raw_p50=%.0f lib_p99=%.0f raw_p99=%.0f "
		       "r50=%.4f r99=%.4f\n",
		       path_names[p], r, l50, w50, l99, w99, r50[r], r99[r]);
	}
	if (p != TRIGGER_INLINE) {
		uint64_t one = 1;

		atomic_store(&b->stop, true);
		if (write(b->efd, &one, sizeof(one)) != sizeof(one))
			die("eventfd write: %s", strerror(errno));
		pthread_join(th, NULL);
	}
	printf("irq-summary path=%s rounds=%u samples=%zu", path_names[p], rounds, n);
	printf(" lib_p50=%.0f", quantile(all_lib, n * rounds, 0.5));
	printf(" lib_p99=%.0f", quantile(all_lib, n * rounds, 0.99));
	printf(" raw_p50=%.0f", quantile(all_raw, n * rounds, 0.5));
	printf(" raw_p99=%.0f", quantile(all_raw, n * rounds, 0.99));
	m50 = quantile(r50, rounds, 0.5);
	printf(" r50=%.4f r50min=%.4f r50max=%.4f", m50, r50[0], r50[rounds - 1]);
	m99 = quantile(r99, rounds, 0.5);
	printf(" r99=%.4f r99min=%.4f r99max=%.4f\n", m99, r99[0], r99[rounds - 1]);
	fflush(stdout);
	free(lib);
	free(raw);
	free(all_lib);
	free(all_raw);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"bdf", required_argument, NULL, 'd'},	  {"backend", required_argument, NULL, 'b'},
		{"rounds", required_argument, NULL, 'r'}, {"samples", required_argument, NULL, 'n'},
		{"paths", required_argument, NULL, 'p'},  {},
	};
	const char *bdf = NULL, *backend = "auto", *paths = NULL;
	unsigned int rounds = 7;
	size_t samples = 2000;
	struct bench b = {0};
	uint32_t count;
	struct opened o;
	void *bar0;
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
			samples = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			paths = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!bdf || rounds == 0 || rounds > 64 || samples == 0)
		die("usage: bench-irq --bdf BDF [--backend B] [--rounds 1..64] [--samples N] "
		    "[--paths P,P]");

	open_device(bdf, backend, &o);
	b.vfio = o.vfio;
	b.devfd = vfk_vfio_get_fd(o.vfio);
	check_lib(vfk_vfio_get_irq_info(o.vfio, VFK_IRQ_MSI, &count, NULL), "MSI info");
	if (count == 0)
		die("%s has no MSI", bdf);
	check_lib(vfk_vfio_irq_enable(o.vfio, VFK_IRQ_MSI, 0, 1, NULL), "enable MSI");
	b.efd = vfk_vfio_irq_get_eventfd(o.vfio, VFK_IRQ_MSI, 0);
	check_lib(b.efd, "MSI eventfd");
	/* The device's own MSI is a DMA write: without bus mastering it is dropped. */
	check_lib(vfk_vfio_set_bus_master(o.vfio, true), "bus master");
	check_lib(vfk_vfio_map_region(o.vfio, 0, &bar0), "map BAR0");
	b.bar0 = bar0;
	printf("irq-info bdf=%s backend=%s msi_vectors=%u cpus=%ld\n", bdf,
	       vfk_iommu_backend_to_string(vfk_iommu_get_backend(o.iommu)), count,
	       sysconf(_SC_NPROCESSORS_ONLN));
	pin(0);
	for (enum path p = TRIGGER_WAKE; p < N_PATHS; p++)
		if (!paths || strstr(paths, path_names[p]))
			run_path(&b, p, rounds, samples);
	vfk_vfio_irq_disable(o.vfio, VFK_IRQ_MSI);
	close_device(&o);
	return 0;
}
