/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cli lane's machines; see topologies.c. */
#pragma once

#include <stddef.h>

#include "fixture-host.h"
#include "fixture.h"

/* After the build, @content replaces the file at @path (following links). */
struct fx_damage {
	const char *path;
	const char *content;
};

struct topology {
	struct fx_topology pci;
	const struct fx_host *host;
	const struct fx_damage *damage;
	size_t n_damage;
	/* What the host uses below devices (net, block, drm children) and its mount and swap
	 * tables: files as in @damage, then links (content = link target). */
	const struct fx_damage *files;
	size_t n_files;
	const struct fx_damage *links;
	size_t n_links;
	/* More of both, on top of a machine's files and links (a variant of it). */
	const struct fx_damage *more_files;
	size_t n_more_files;
	const struct fx_damage *more_links;
	size_t n_more_links;
};

extern const struct topology topologies[];
extern const size_t n_topologies;

/* The machine called @name, or NULL. */
const struct topology *topology_find(const char *name);

/* Writes machine @t into the existing directory @dir: PCI tree, host files, damage, the
 * host's use of devices. Returns 0 or -errno. */
int topology_build(const struct topology *t, const char *dir);
