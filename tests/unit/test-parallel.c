// SPDX-License-Identifier: LGPL-2.1-or-later
/* parallel_for(), and listings read on several threads answering as when read on one. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "parallel.h"
#include <vfiokit/vfiokit.h>

#define MAX_CALLS 5000
#define MAX_THREADS 16

struct calls {
	atomic_int count[MAX_CALLS];
	pthread_mutex_t lock;
	pthread_t threads[MAX_THREADS];
	size_t n_threads;
	useconds_t delay;
};

static void record(void *arg, size_t i)
{
	struct calls *c = arg;
	pthread_t self = pthread_self();
	bool seen = false;

	atomic_fetch_add(&c->count[i], 1);
	pthread_mutex_lock(&c->lock);
	for (size_t t = 0; t < c->n_threads; t++)
		seen = seen || pthread_equal(c->threads[t], self);
	if (!seen && c->n_threads < MAX_THREADS)
		c->threads[c->n_threads++] = self;
	pthread_mutex_unlock(&c->lock);
	if (c->delay)
		usleep(c->delay);
}

static struct calls *calls_new(useconds_t delay)
{
	struct calls *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	pthread_mutex_init(&c->lock, NULL);
	c->delay = delay;
	return c;
}

static void calls_free(struct calls *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static size_t cpus(void)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	return (size_t)CPU_COUNT(&set);
}

/* Runs @fn with this thread allowed on its current CPU only. */
static void on_one_cpu(void (*fn)(void *), void *arg)
{
	cpu_set_t old, one;
	int cpu = sched_getcpu();

	assert_true(cpu >= 0);
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	fn(arg);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

static void test_each_index_once(void **state)
{
	static const size_t sizes[] = {0, 1, 31, 32, 33, 1000, MAX_CALLS};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct calls *c = calls_new(0);

		parallel_for(sizes[s], 1, record, c);
		for (size_t i = 0; i < MAX_CALLS; i++)
			assert_int_equal(atomic_load(&c->count[i]), i < sizes[s] ? 1 : 0);
		calls_free(c);
	}
}

static void test_threads_share_the_work(void **state)
{
	struct calls *c;

	(void)state;
	if (cpus() < 2)
		skip();
	/* Each call sleeps, so the started threads find work left. */
	c = calls_new(200);
	parallel_for(512, 1, record, c);
	assert_true(c->n_threads >= 2);
	assert_true(c->n_threads <= cpus());
	for (size_t i = 0; i < 512; i++)
		assert_int_equal(atomic_load(&c->count[i]), 1);
	calls_free(c);
}

static void caller_only(void *arg)
{
	struct calls *c = arg;

	parallel_for(512, 1, record, c);
}

static void test_one_cpu_one_thread(void **state)
{
	struct calls *c = calls_new(10);

	(void)state;
	on_one_cpu(caller_only, c);
	assert_int_equal(c->n_threads, 1);
	assert_true(pthread_equal(c->threads[0], pthread_self()));
	calls_free(c);

	/* Too few calls to share: the caller makes them all. */
	c = calls_new(10);
	parallel_for(100, 256, record, c);
	assert_int_equal(c->n_threads, 1);
	assert_true(pthread_equal(c->threads[0], pthread_self()));
	calls_free(c);
}

/* A tree large enough that devices and groups are read on several threads. */
#define N_BIG 600

struct big {
	char *root;
	struct fx_dev devs[N_BIG];
	struct fx_group groups[N_BIG];
	char bdf[N_BIG][16];
	struct fx_topology topo;
};

static const char *const drivers[] = {"ixgbe", "vfio-pci", NULL, "nvme"};
static const char *const resets[] = {"flr bus", NULL, "", "pm"};
static const char *const powers[] = {NULL, "D3hot", "D0"};
static const char *const types[] = {"DMA-FQ", "identity", "DMA", NULL};
static const char *const regions[] = {NULL,
				      "0x00000000fee00000 0x00000000feefffff msi\n"
				      "0x0000000000000000 0x0000000000ffffff direct-relaxable\n"};

static int big_setup(void **state)
{
	struct big *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	for (size_t i = 0; i < N_BIG; i++) {
		struct fx_dev *d = &b->devs[i];

		snprintf(b->bdf[i], sizeof(b->bdf[i]), "0000:%02zx:%02zx.%zx", 0x10 + i / 256,
			 (i / 8) % 32, i % 8);
		d->bdf = b->bdf[i];
		d->vendor = 0x8086;
		d->device = (uint16_t)(0x1000 + i);
		d->class_code = i % 5 ? 0x020000 : 0x010802;
		d->multifunction = true;
		d->group = (int)i;
		d->driver = drivers[i % 4];
		d->driver_override = i % 7 == 0 ? "vfio-pci" : NULL;
		d->numa_node = (int)(i % 3) - 1;
		d->boot_vga = FX_ABSENT;
		d->reset_method = resets[i % 4];
		d->power_state = powers[i % 3];
		d->vfio_dev = i % 4 == 1;
		d->caps = FX_CAP_PM | FX_CAP_EXP;
		b->groups[i].id = (int)i;
		b->groups[i].type = types[i % 4];
		b->groups[i].reserved_regions = regions[i % 2];
	}
	b->topo.name = "big";
	b->topo.devs = b->devs;
	b->topo.n_devs = N_BIG;
	b->topo.groups = b->groups;
	b->topo.n_groups = N_BIG;
	assert_int_equal(fx_mkdtemp(&b->root), 0);
	assert_int_equal(fx_build(b->root, &b->topo), 0);
	*state = b;
	return 0;
}

static int big_teardown(void **state)
{
	struct big *b = *state;

	fx_rmtree(b->root);
	free(b->root);
	free(b);
	return 0;
}

struct listing {
	struct vfk_ctx *ctx;
	struct vfk_device **devs;
	size_t n_devs;
	struct vfk_group **groups;
	size_t n_groups;
};

static void list_all(void *arg)
{
	struct listing *l = arg;

	assert_int_equal(vfk_ctx_get_devices(l->ctx, &l->devs, &l->n_devs), 0);
	assert_int_equal(
		vfk_ctx_group_devices(l->ctx, l->devs, l->n_devs, &l->groups, &l->n_groups), 0);
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_device(struct vfk_device *a, struct vfk_device *b)
{
	uint16_t va = 0, da = 0, vb = 0, db = 0;
	uint32_t ca = 0, cb = 0;
	unsigned int ga = 0, gb = 0;
	int ia = 0, ib = 0;

	assert_string_equal(vfk_device_get_bdf(a), vfk_device_get_bdf(b));
	assert_string_equal(vfk_device_get_syspath(a), vfk_device_get_syspath(b));
	assert_int_equal(vfk_device_get_ids(a, &va, &da), vfk_device_get_ids(b, &vb, &db));
	assert_int_equal(va, vb);
	assert_int_equal(da, db);
	assert_int_equal(vfk_device_get_class(a, &ca), vfk_device_get_class(b, &cb));
	assert_int_equal(ca, cb);
	assert_int_equal(vfk_device_get_iommu_group(a, &ga), vfk_device_get_iommu_group(b, &gb));
	assert_int_equal(ga, gb);
	assert_same_str(vfk_device_get_driver(a), vfk_device_get_driver(b));
	assert_same_str(vfk_device_get_driver_override(a), vfk_device_get_driver_override(b));
	assert_same_str(vfk_device_get_reset_methods(a), vfk_device_get_reset_methods(b));
	assert_same_str(vfk_device_get_power_state(a), vfk_device_get_power_state(b));
	assert_int_equal(vfk_device_get_numa_node(a, &ia), vfk_device_get_numa_node(b, &ib));
	assert_int_equal(ia, ib);
	assert_int_equal(vfk_device_is_vfio_bound(a), vfk_device_is_vfio_bound(b));
}

static void assert_same_group(struct vfk_group *a, struct vfk_group *b)
{
	const struct vfk_resv_region *ra = NULL, *rb = NULL;
	size_t na = 0, nb = 0;

	assert_int_equal(vfk_group_get_id(a), vfk_group_get_id(b));
	assert_same_str(vfk_group_get_type(a), vfk_group_get_type(b));
	assert_int_equal(vfk_group_get_reserved_regions(a, &ra, &na),
			 vfk_group_get_reserved_regions(b, &rb, &nb));
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ra[i].start, rb[i].start);
		assert_int_equal(ra[i].end, rb[i].end);
		assert_int_equal(ra[i].type, rb[i].type);
	}
	assert_int_equal(vfk_group_get_n_devices(a), vfk_group_get_n_devices(b));
	for (size_t i = 0; i < vfk_group_get_n_devices(a); i++)
		assert_string_equal(vfk_device_get_bdf(vfk_group_get_device(a, i)),
				    vfk_device_get_bdf(vfk_group_get_device(b, i)));
}

static void listing_free(struct listing *l)
{
	vfk_group_list_free(l->groups, l->n_groups);
	vfk_device_list_free(l->devs, l->n_devs);
	vfk_ctx_unref(l->ctx);
}

/* What was written, read back: the comparison below would also pass if both listings
 * read the same wrong thing. */
static void assert_as_built(const struct big *b, const struct listing *l, size_t gone)
{
	size_t k = 0;

	for (size_t i = 0; i < N_BIG; i++) {
		struct vfk_device *d;
		const struct vfk_resv_region *r;
		size_t nr;
		int numa;

		if (i == gone)
			continue;
		d = l->devs[k++];
		assert_string_equal(vfk_device_get_bdf(d), b->bdf[i]);
		assert_same_str(vfk_device_get_driver(d), drivers[i % 4]);
		assert_same_str(vfk_device_get_reset_methods(d), resets[i % 4]);
		assert_string_equal(vfk_device_get_power_state(d),
				    powers[i % 3] ? powers[i % 3] : "D0");
		assert_int_equal(vfk_device_get_numa_node(d, &numa), 0);
		assert_int_equal(numa, (int)(i % 3) - 1);
		assert_int_equal(vfk_group_get_id(l->groups[i]), i);
		assert_same_str(vfk_group_get_type(l->groups[i]), types[i % 4]);
		assert_int_equal(vfk_group_get_reserved_regions(l->groups[i], &r, &nr), 0);
		assert_int_equal(nr, i % 2 ? 2 : 1);
	}
	assert_int_equal(k, l->n_devs);
}

static void check_listings(struct big *b, bool eager, size_t gone)
{
	struct listing many = {0}, one = {0};

	assert_int_equal(vfk_ctx_new(b->root, &many.ctx), 0);
	assert_int_equal(vfk_ctx_new(b->root, &one.ctx), 0);
	vfk_ctx_set_eager_details(many.ctx, eager);
	vfk_ctx_set_eager_details(one.ctx, eager);
	list_all(&many);
	on_one_cpu(list_all, &one);

	assert_int_equal(many.n_devs, N_BIG - (gone < N_BIG));
	assert_int_equal(many.n_devs, one.n_devs);
	for (size_t i = 0; i < many.n_devs; i++)
		assert_same_device(many.devs[i], one.devs[i]);
	assert_int_equal(many.n_groups, N_BIG);
	assert_int_equal(many.n_groups, one.n_groups);
	for (size_t i = 0; i < many.n_groups; i++)
		assert_same_group(many.groups[i], one.groups[i]);
	assert_as_built(b, &many, gone);
	listing_free(&many);
	listing_free(&one);
}

static void test_listing_same_on_threads(void **state)
{
	struct big *b = *state;

	check_listings(b, true, N_BIG);
	check_listings(b, false, N_BIG);
}

/* A function removed between the directory's read and its own is left out, wherever in
 * the shares of the threads it falls. */
static void test_listing_vanished(void **state)
{
	struct big *b = *state;
	char *dir, path[8192];
	size_t gone = N_BIG / 2 + 3;

	assert_int_equal(fx_device_path(&b->topo, b->bdf[gone], &dir), 0);
	snprintf(path, sizeof(path), "%s/%s", b->root, dir);
	free(dir);
	assert_int_equal(fx_rmtree(path), 0);
	check_listings(b, true, gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_index_once),
		cmocka_unit_test(test_threads_share_the_work),
		cmocka_unit_test(test_one_cpu_one_thread),
		/* In this order: the second removes a function from the tree. */
		cmocka_unit_test(test_listing_same_on_threads),
		cmocka_unit_test(test_listing_vanished),
	};

	/* One tree for both listings: it takes thousands of files. */
	return cmocka_run_group_tests(tests, big_setup, big_teardown);
}
