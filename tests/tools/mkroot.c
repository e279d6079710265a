// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mkroot: writes one of the cli lane's machines into a directory, for --root.
 *
 *   mkroot --list
 *   mkroot NAME DIR      (DIR must not exist yet)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "topologies.h"

int main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n_topologies; i++)
			printf("%-16s %s\n", topologies[i].pci.name, topologies[i].pci.description);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: mkroot --list | mkroot NAME DIR\n");
		return 2;
	}
	const struct topology *t = topology_find(argv[1]);

	if (t) {
		int err = mkdir(argv[2], 0755) < 0 ? -errno : topology_build(t, argv[2]);

		if (err < 0) {
			fprintf(stderr, "mkroot: %s: %s\n", argv[2], strerror(-err));
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "mkroot: no topology '%s' (see mkroot --list)\n", argv[1]);
	return 2;
}
