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

static int build(const struct topology *t, const char *dir)
{
	int err;

	if (mkdir(dir, 0755) < 0)
		return -errno;
	err = fx_build(dir, &t->pci);
	if (err >= 0 && t->host)
		err = fx_build_host(dir, t->host);
	for (size_t i = 0; err >= 0 && i < t->n_damage; i++)
		err = fx_write_file(dir, t->damage[i].path, t->damage[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_files; i++)
		err = fx_write_file(dir, t->files[i].path, t->files[i].content);
	for (size_t i = 0; err >= 0 && i < t->n_links; i++)
		err = fx_symlink(dir, t->links[i].path, t->links[i].content);
	return err;
}

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
	for (size_t i = 0; i < n_topologies; i++)
		if (strcmp(topologies[i].pci.name, argv[1]) == 0) {
			int err = build(&topologies[i], argv[2]);

			if (err < 0) {
				fprintf(stderr, "mkroot: %s: %s\n", argv[2], strerror(-err));
				return 1;
			}
			return 0;
		}
	fprintf(stderr, "mkroot: no topology '%s' (see mkroot --list)\n", argv[1]);
	return 2;
}
