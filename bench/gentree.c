// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gentree N DIR: writes a fake root with exactly N PCI functions shaped like an SR-IOV
 * host: root ports, some behind-a-switch slots, dual-port Intel X710 and single-port
 * ConnectX-6 Dx adapters whose virtual functions make up most of the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

#define BDF_LEN 32

struct gen {
	struct fx_dev *devs;
	char (*bdf)[BDF_LEN];
	struct fx_group *groups;
	size_t n, max, n_groups;
	unsigned int domain, next_bus, next_port;
	int next_group;
};

struct adapter {
	uint16_t vendor, pf_device, vf_device, sub_vendor, sub_device;
	const char *pf_driver, *vf_driver;
	unsigned int n_pfs, vfs_per_pf;
	/* Where the first VF sits: PF0's "First VF Offset" in routing-ID units. */
	unsigned int vf_offset;
};

static const struct adapter adapters[] = {
	{0x8086, 0x1572, 0x154c, 0x8086, 0x0001, "i40e", "iavf", 2, 64, 0x10},
	{0x15b3, 0x101d, 0x101e, 0x15b3, 0x0016, "mlx5_core", "mlx5_core", 1, 120, 0x08},
};

static const char *add(struct gen *g, unsigned int bus, unsigned int devfn, const char *parent)
{
	struct fx_dev *d = &g->devs[g->n];
	char *bdf = g->bdf[g->n];

	snprintf(bdf, BDF_LEN, "%04x:%02x:%02x.%x", g->domain, bus, devfn >> 3, devfn & 7);
	memset(d, 0, sizeof(*d));
	d->bdf = bdf;
	d->parent = parent;
	d->group = FX_NO_GROUP;
	d->boot_vga = FX_ABSENT;
	d->numa_node = g->domain & 1;
	g->n++;
	return bdf;
}

static int new_group(struct gen *g)
{
	struct fx_group *grp = &g->groups[g->n_groups++];

	grp->id = g->next_group++;
	grp->type = "DMA-FQ";
	return grp->id;
}

static const char *add_port(struct gen *g, unsigned int bus, unsigned int devfn, const char *parent,
			    uint16_t vendor, uint16_t device)
{
	const char *bdf = add(g, bus, devfn, parent);
	struct fx_dev *d = &g->devs[g->n - 1];

	d->vendor = vendor;
	d->device = device;
	d->sub_vendor = vendor;
	d->class_code = 0x060400;
	d->bridge = true;
	d->driver = "pcieport";
	d->group = new_group(g);
	d->caps = FX_CAP_PM | FX_CAP_EXP | FX_CAP_MSI | FX_CAP_ACS;
	return bdf;
}

/* A new domain with its host bridge, once bus 0 or the bus numbers run out. */
static void new_domain(struct gen *g, bool first)
{
	struct fx_dev *d;

	if (!first)
		g->domain++;
	g->next_bus = 1;
	g->next_port = 1;
	add(g, 0, 0, NULL);
	d = &g->devs[g->n - 1];
	d->vendor = 0x8086;
	d->device = 0x2020;
	d->sub_vendor = 0x8086;
	d->class_code = 0x060000;
	d->group = new_group(g);
}

static unsigned int left(const struct gen *g)
{
	return (unsigned int)(g->max - g->n);
}

static void add_adapter(struct gen *g, const struct adapter *a, unsigned int bus,
			const char *parent)
{
	size_t pf[2] = {0, 0};
	unsigned int p, v, vf = 0, n_pfs = a->n_pfs;
	int group = FX_NO_GROUP;

	if (n_pfs > left(g))
		n_pfs = left(g);
	for (p = 0; p < n_pfs; p++) {
		struct fx_dev *d;

		pf[p] = g->n;
		add(g, bus, p, parent);
		d = &g->devs[pf[p]];
		d->vendor = a->vendor;
		d->device = a->pf_device;
		d->sub_vendor = a->sub_vendor;
		d->sub_device = a->sub_device;
		d->revision = 0x02;
		d->class_code = 0x020000;
		d->driver = a->pf_driver;
		d->multifunction = n_pfs > 1;
		/* The ports of one multi-function adapter without ACS share a group. */
		if (p == 0)
			group = new_group(g);
		d->group = group;
		d->reset_method = "flr bus";
		d->sriov_total = a->vfs_per_pf;
		d->caps = FX_CAP_PM | FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSI | FX_CAP_MSIX |
			  FX_CAP_SRIOV;
	}
	for (p = 0; p < n_pfs; p++) {
		for (v = 0; v < a->vfs_per_pf && left(g) > 0; v++, vf++) {
			struct fx_dev *d;

			add(g, bus, a->vf_offset + vf, parent);
			d = &g->devs[g->n - 1];
			d->vendor = a->vendor;
			d->device = a->vf_device;
			d->sub_vendor = a->sub_vendor;
			d->sub_device = a->sub_device;
			d->revision = 0x02;
			d->class_code = 0x020000;
			d->physfn = g->devs[pf[p]].bdf;
			d->group = new_group(g);
			d->reset_method = "flr";
			d->caps = FX_CAP_EXP | FX_CAP_FLR | FX_CAP_MSIX;
			/* Some VFs already handed to vfio-pci, as on a host running guests. */
			if (vf % 8 == 7) {
				d->driver = "vfio-pci";
				d->driver_override = "vfio-pci";
				d->vfio_dev = true;
			} else {
				d->driver = a->vf_driver;
			}
			g->devs[pf[p]].sriov_num++;
		}
	}
}

/* Functions one adapter slot needs beyond its VFs: the ports above it and its PFs. */
static unsigned int slot_overhead(bool switched, const struct adapter *a)
{
	return (switched ? 3 : 1) + a->n_pfs;
}

static int generate(struct gen *g)
{
	unsigned int slot = 0;

	new_domain(g, true);
	while (left(g) > 0) {
		const struct adapter *a = &adapters[slot % 2];
		/* Every third root port leads to a two-port switch with an adapter on each port. */
		bool switched = slot % 3 == 2 && left(g) >= 2 * slot_overhead(true, a);
		unsigned int need_buses = switched ? 4 : 1;
		const char *rp;
		unsigned int bus;

		if (g->next_port > 31 || g->next_bus + need_buses > 255) {
			if (left(g) < 2)
				break;
			new_domain(g, false);
		}
		/* Sky Lake-E root ports A-D, repeating. */
		rp = add_port(g, 0, g->next_port << 3, NULL, 0x8086,
			      (uint16_t)(0x2030 + (g->next_port - 1) % 4));
		g->next_port++;
		bus = g->next_bus++;
		if (!switched) {
			add_adapter(g, a, bus, rp);
		} else {
			const char *up = add_port(g, bus, 0, rp, 0x10b5, 0x8747);
			unsigned int port;

			for (port = 0; port < 2 && left(g) > 0; port++) {
				const char *ds = add_port(g, g->next_bus, (8 + port) << 3, up,
							  0x10b5, 0x8747);

				add_adapter(g, &adapters[port], g->next_bus + 1 + port, ds);
			}
			g->next_bus += 3;
		}
		slot++;
	}
	return g->n == g->max ? 0 : -ERANGE;
}

/* The tree must not mix with older files, which would make the counts wrong. */
static int empty_dir(const char *path)
{
	struct dirent *de;
	DIR *dir;
	int r = 0;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			r = -ENOTEMPTY;
			break;
		}
	closedir(dir);
	return r;
}

int main(int argc, char *argv[])
{
	struct gen g = {0};
	struct fx_topology topo = {0};
	char *end;
	unsigned long n;
	int r, ret = 1;

	if (argc != 3) {
		fprintf(stderr,
			"Usage: %s N DIR\n"
			"Write a synthetic root with N PCI functions (mostly SR-IOV VFs) "
			"into DIR, which must be new or empty.\n",
			argv[0]);
		return 2;
	}
	n = strtoul(argv[1], &end, 10);
	if (!*argv[1] || *end || n < 1 || n > 1000000) {
		fprintf(stderr, "gentree: %s: expected a count from 1 to 1000000\n", argv[1]);
		return 2;
	}
	r = empty_dir(argv[2]);
	if (r < 0) {
		fprintf(stderr, "gentree: %s: %s\n", argv[2], strerror(-r));
		return 1;
	}

	g.max = n;
	g.devs = calloc(n, sizeof(*g.devs));
	g.bdf = calloc(n, sizeof(*g.bdf));
	g.groups = calloc(n, sizeof(*g.groups));
	if (!g.devs || !g.bdf || !g.groups) {
		fprintf(stderr, "gentree: out of memory\n");
		goto out;
	}
	if (generate(&g) < 0) {
		fprintf(stderr, "gentree: could not lay out %lu functions\n", n);
		goto out;
	}

	topo.name = "sriov-host";
	topo.description = "synthetic SR-IOV host for the listing benchmark";
	topo.devs = g.devs;
	topo.n_devs = g.n;
	topo.groups = g.groups;
	topo.n_groups = g.n_groups;
	r = fx_build(argv[2], &topo);
	if (r < 0) {
		fprintf(stderr, "gentree: building %s: %s\n", argv[2], strerror(-r));
		goto out;
	}
	printf("%zu functions, %zu IOMMU groups, %u PCI domain%s\n", g.n, g.n_groups, g.domain + 1,
	       g.domain ? "s" : "");
	ret = 0;
out:
	free(g.devs);
	free(g.bdf);
	free(g.groups);
	return ret;
}
