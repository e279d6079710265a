/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>

#include <stdbool.h>

#include <vfiokit/ctx.h>

#include "path.h"

struct pci_access;

/* Only ctx.c, path.c and names.c look inside the context. */
struct vfk_ctx {
	int refcount;
	int root_fd;
	char *root;
	bool is_host_root;
	vfk_log_fn log_fn;
	void *log_data;
	int log_priority;
	char *pci_ids_path;
	struct pci_access *pacc;
	unsigned int fault_nth;
	int fault_error;
	/* Every sysfs write is shown to the observer first; with dry_run it is not made. */
	path_write_observer_fn write_observer;
	void *write_observer_data;
	path_write_listener_fn write_listener;
	void *write_listener_data;
	bool dry_run;
	/* vfk_ctx_set_eager_details(). */
	bool eager_details;
	/* Commands the library runs (systemctl) go to this instead, in tests. */
	path_run_observer_fn run_observer;
	void *run_observer_data;
	unsigned int mutations;
	/* vfk_bind() and vfk_restore() write from several threads: the counter, the fault
	 * table and the callbacks above are used under this lock. */
	pthread_mutex_t write_lock;
	/* SYS_DEVICES and SYS_IOMMU_GROUPS, opened on first use by path_cached_dir(): -2
	 * until then, -1 when they could not be opened. */
	int dir_fds[PATH_DIR_MAX];
};
