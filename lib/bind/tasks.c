// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tasks.h"

#define MAX_WORKERS 16

/* No concurrency bug is known for these, and each probes its devices asynchronously
 * itself at boot; ioatdma (kernel bug 209041) and anything not listed run in order. */
static const char *const parallel_ok[] = {
	"vfio-pci", "nvme", "e1000e", "igb", "igbvf",	  "ixgbe",
	"ixgbevf",  "i40e", "iavf",   "ice", "mlx5_core", "virtio-pci",
};

bool task_driver_parallel_ok(const char *driver)
{
	if (!driver)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(parallel_ok); i++)
		if (streq(driver, parallel_ok[i]))
			return true;
	return false;
}

struct pool {
	pthread_mutex_t lock;
	struct task *tasks;
	size_t n, *order, *slot_start, n_slots, next_slot;
	bool stop;
	int err;
	int (*fn)(struct task *t, void *data);
	void *data;
};

static size_t slot_len(const char *bdf)
{
	const char *dot = strrchr(bdf, '.');

	return dot ? (size_t)(dot - bdf) : strlen(bdf);
}

static bool same_slot(const char *a, const char *b)
{
	size_t n = slot_len(a);

	return n == slot_len(b) && strncmp(a, b, n) == 0;
}

/* Runs one task unless the pool has stopped; false when it has. */
static bool run_one(struct pool *p, struct task *t)
{
	int err;

	pthread_mutex_lock(&p->lock);
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	t->started = true;
	pthread_mutex_unlock(&p->lock);
	err = p->fn(t, p->data);
	t->err = err;
	if (err < 0) {
		pthread_mutex_lock(&p->lock);
		if (!p->err)
			p->err = err;
		p->stop = true;
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	return true;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t s;

		pthread_mutex_lock(&p->lock);
		if (p->stop || p->next_slot >= p->n_slots) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		s = p->next_slot++;
		pthread_mutex_unlock(&p->lock);
		for (size_t k = p->slot_start[s]; k < p->slot_start[s + 1]; k++)
			if (!run_one(p, &p->tasks[p->order[k]]))
				break;
	}
}

int tasks_run(struct task *tasks, size_t n, bool parallel, int (*fn)(struct task *t, void *data),
	      void *data)
{
	struct pool p = {.tasks = tasks, .n = n, .fn = fn, .data = data};
	pthread_t threads[MAX_WORKERS];
	size_t n_threads = 0, k = 0;
	bool *placed;

	pthread_mutex_init(&p.lock, NULL);
	if (!parallel || n < 2) {
		for (size_t i = 0; i < n; i++)
			if (!run_one(&p, &tasks[i]))
				break;
		pthread_mutex_destroy(&p.lock);
		return p.err;
	}
	p.order = calloc(n, sizeof(*p.order));
	p.slot_start = calloc(n + 1, sizeof(*p.slot_start));
	placed = calloc(n, sizeof(*placed));
	if (!p.order || !p.slot_start || !placed) {
		pthread_mutex_destroy(&p.lock);
		free(p.order);
		free(p.slot_start);
		free(placed);
		return -ENOMEM;
	}
	/* Slots in the order of their first task; a slot's tasks in their given order. */
	for (size_t i = 0; i < n; i++) {
		if (placed[i])
			continue;
		p.slot_start[p.n_slots++] = k;
		for (size_t j = i; j < n; j++)
			if (!placed[j] && same_slot(tasks[i].bdf, tasks[j].bdf)) {
				placed[j] = true;
				p.order[k++] = j;
			}
	}
	p.slot_start[p.n_slots] = k;
	free(placed);
	for (; n_threads < MAX_WORKERS && n_threads < p.n_slots; n_threads++)
		if (pthread_create(&threads[n_threads], NULL, worker, &p) != 0)
			break;
	/* Without any thread, this one does the work. */
	if (n_threads == 0)
		worker(&p);
	for (size_t i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&p.lock);
	free(p.order);
	free(p.slot_start);
	return p.err;
}
