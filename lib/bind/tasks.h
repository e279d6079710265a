/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device moves run side by side: the kernel's unbind and probe of one device mostly
 * waits (a NIC's PHY reset sleeps), so 64 NICs probed one after the other take ten times
 * as long as the same probes run together. Two rules bound it: the functions of one
 * slot stay in order on one thread, and only drivers known to take concurrent unbinds
 * and probes run in parallel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct task {
	char bdf[32];
	const char *from, *to; /* drivers before and after; NULL: none */
	void *data;
	bool started; /* the task ran (its device may have changed) */
	int err;
};

/* Whether @driver is on the allow-list of drivers that take concurrent unbinds and
 * probes (NULL, no driver, is). */
bool task_driver_parallel_ok(const char *driver);

/* Runs @fn on each of @tasks. With @parallel, on up to 16 threads, the tasks of one PCI
 * slot (domain:bus:device) in their given order on one thread; otherwise in order. After
 * the first failure no task starts. Returns the first error. */
int tasks_run(struct task *tasks, size_t n, bool parallel, int (*fn)(struct task *t, void *data),
	      void *data);
