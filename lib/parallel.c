// SPDX-License-Identifier: LGPL-2.1-or-later
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>

#include "parallel.h"

/*
 * Listing a large host is thousands of file reads, nearly all of it kernel time in path
 * walks and opens, which scales across CPUs. More threads than this stop paying on the
 * hosts measured (docs/benchmarks.md).
 */
#define THREADS_MAX 8
/* Indexes taken at a time from the shared counter: the threads rarely contend for it,
 * and still finish within a chunk of one another. */
#define CHUNK 32

struct job {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	atomic_size_t next;
};

static void *worker(void *p)
{
	struct job *job = p;

	for (;;) {
		size_t i = atomic_fetch_add(&job->next, CHUNK), end;

		if (i >= job->n)
			return NULL;
		end = i + CHUNK < job->n ? i + CHUNK : job->n;
		for (; i < end; i++)
			job->fn(job->arg, i);
	}
}

static size_t threads_for(size_t n, size_t per_thread)
{
	size_t want = per_thread ? n / per_thread : 1, cpus = 1;
	cpu_set_t set;

	/* The CPUs this process may use: under taskset or a cpuset of one CPU it makes the
	 * calls one after another. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		cpus = (size_t)CPU_COUNT(&set);
	if (want > cpus)
		want = cpus;
	if (want > THREADS_MAX)
		want = THREADS_MAX;
	return want ? want : 1;
}

void parallel_for(size_t n, size_t per_thread, void (*fn)(void *arg, size_t i), void *arg)
{
	struct job job = {.fn = fn, .arg = arg, .n = n};
	pthread_t threads[THREADS_MAX - 1];
	size_t started = 0, want = threads_for(n, per_thread);
	sigset_t all, old;

	if (want > 1) {
		/* The caller's signals stay with the caller's threads. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (; started + 1 < want; started++)
			if (pthread_create(&threads[started], NULL, worker, &job) != 0)
				break;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	worker(&job);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}
