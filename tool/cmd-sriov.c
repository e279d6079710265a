// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "transaction.h"

static void help(void)
{
	print_help("Usage: vfiokit sriov [--bind] [--dry-run] DEVICE --vfs N\n\n"
		   "Set the number of SR-IOV virtual functions of the physical function DEVICE,\n"
		   "recording the old number in the journal so `vfiokit restore` puts it back.\n"
		   "With --bind, the new virtual functions are moved to vfio-pci in one\n"
		   "transaction: all or none. Changing a non-zero number destroys every virtual\n"
		   "function there is now, and is refused when one is in use: on vfio-pci, or\n"
		   "with a mounted disk, swap, the default route, this SSH session or a network\n"
		   "interface that is up.\n\n"
		   "Options:\n"
		   "  --vfs N        the number of virtual functions (0 removes them)\n"
		   "  --bind         move the virtual functions to vfio-pci\n"
		   "  -n, --dry-run  print the writes and change nothing\n"
		   "  -J, --json     print JSON\n"
		   "  -h, --help     show this help\n\n"
		   "Exit status: 0 done, 1 refused or failed, 2 usage error.");
}

struct progress {
	bool json, dry;
	size_t total, done;
};

static void on_write(void *userdata, const char *path, const char *value)
{
	struct progress *p = userdata;

	if (p->dry)
		print_write(path, value);
	/* Bulk binds report every 16 devices, so a long run is visibly alive. */
	if (!p->dry && streq(path, "sys/bus/pci/drivers_probe") && ++p->done % 16 == 0 &&
	    p->total >= 64 && !p->json)
		fprintf(stderr, "vfiokit: bound %zu of %zu virtual functions\n", p->done, p->total);
}

static int vfs_of(struct vfk_ctx *ctx, struct vfk_device *pf, struct vfk_device ***ret,
		  size_t *ret_n)
{
	struct vfk_device **all = NULL, **vfs;
	size_t n_all = 0, n = 0;
	int err = vfk_ctx_get_devices(ctx, &all, &n_all);

	if (err < 0)
		return err;
	vfs = calloc(n_all + 1, sizeof(*vfs));
	if (!vfs) {
		vfk_device_list_free(all, n_all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_all; i++) {
		struct vfk_addr pa;

		if (vfk_device_get_physfn(all[i], &pa) == 0 &&
		    vfk_addr_cmp(&pa, vfk_device_get_addr(pf)) == 0)
			vfs[n++] = vfk_device_ref(all[i]);
	}
	vfk_device_list_free(all, n_all);
	*ret = vfs;
	*ret_n = n;
	return 0;
}

/* Any change of a non-zero count goes through 0: every VF there is now goes, whatever
 * the new count. The library refuses when one of them is in use. */
static void print_destroyed(struct vfk_ctx *ctx, struct vfk_device *pf, long want)
{
	struct vfk_device **vfs = NULL;
	unsigned int total = 0, num = 0;
	size_t n = 0;

	output_open_array("destroys");
	if (vfk_device_get_sriov(pf, &total, &num) == 0 && num && (long)num != want &&
	    want <= (long)total && vfs_of(ctx, pf, &vfs, &n) == 0 && n) {
		print_text("%s has %zu virtual function%s; changing the number destroys %s:\n",
			   vfk_device_get_bdf(pf), n, n == 1 ? "" : "s",
			   n == 1 ? "it" : "them all");
		for (size_t i = 0; i < n; i++) {
			const char *drv = vfk_device_get_driver(vfs[i]);

			output_open_object(NULL);
			print_string(PRINT_ANY, "bdf", "  %s", vfk_device_get_bdf(vfs[i]));
			print_string(PRINT_JSON, "driver", NULL, drv);
			print_text(" (%s%s)\n", drv ? "on " : "", drv ? drv : "no driver");
			output_close_object();
		}
	}
	output_close_array();
	vfk_device_list_free(vfs, n);
}

static const struct option opts[] = {
	{"vfs", required_argument, NULL, 'v'},
	{"bind", no_argument, NULL, 'b'},
	{"dry-run", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "nh";

static int sriov_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct progress prog = {.json = output_is_json()};
	struct vfk_device **pfs = NULL, **vfs = NULL;
	struct vfk_plan *plan = NULL;
	size_t n_pfs = 0, n_vfs = 0;
	bool bind = false;
	long want = -1;
	char *detail = NULL, *end;
	sigset_t old;
	int c, err;

	/* Options may follow the device here: "sriov 0000:01:00.0 --vfs 4" reads well. */
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			errno = 0;
			want = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || want < 0 || want > 65535)
				return usage_error("sriov", "--vfs %s: not a number of functions",
						   optarg);
			break;
		case 'b':
			bind = true;
			break;
		case 'n':
			prog.dry = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("sriov", "unknown option");
		}
	}
	if (want < 0 || optind != argc - 1)
		return usage_error("sriov", "give one physical function and --vfs N");
	err = resolve_devices(ctx, 1, argv + optind, &pfs, &n_pfs);
	if (err)
		return err;
	print_string(PRINT_JSON, "device", NULL, vfk_device_get_bdf(pfs[0]));
	print_uint(PRINT_JSON, "vfs", NULL, (uint64_t)want);
	print_destroyed(ctx, pfs[0], want);
	/* A refused dry run shows nothing of what it would have done. */
	if (prog.dry) {
		output_hold_text();
		print_text("Would write (dry run, nothing changes):\n");
	}
	transaction_begin(&old);
	err = vfk_sriov_set(ctx, pfs[0], (unsigned int)want, prog.dry ? VFK_BIND_DRY_RUN : 0,
			    on_write, &prog, &detail);
	if (prog.dry)
		output_release_text(err >= 0);
	if (err < 0 && detail)
		log_lines("sriov: ", detail);
	else if (err < 0)
		log_error("sriov: %s", strerror(-err));
	if (err >= 0 && bind && !prog.dry) {
		err = vfs_of(ctx, pfs[0], &vfs, &n_vfs);
		free(detail);
		detail = NULL;
		/* The rule bind follows, without its overrides: nothing the plan blocks, and no
		 * group member (the physical function, say) moved along unasked. */
		if (err >= 0 && n_vfs) {
			err = vfk_plan_new(ctx, vfs, n_vfs, &plan);
			if (err < 0)
				log_error("sriov: cannot plan: %s", strerror(-err));
			else if ((err = vfk_plan_check(plan, 0, 0, &detail)) < 0) {
				log_lines("sriov: ", detail);
				log_error("sriov: refused to bind the virtual functions (see "
					  "vfiokit plan); vfiokit restore removes them");
			}
		}
		if (err >= 0) {
			prog.total = n_vfs;
			err = vfk_bind(ctx, vfs, n_vfs, 0, on_write, &prog, &detail);
			if (err < 0)
				log_error("sriov: binding the virtual functions failed, none was "
					  "left on vfio-pci: %s",
					  detail ? detail : strerror(-err));
		}
	}
	transaction_end(&old);
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_uint(PRINT_JSON, "bound", NULL, bind && err >= 0 ? n_vfs : 0);
	if (err >= 0 && !prog.dry)
		print_text("%s: %ld virtual function%s%s\n", vfk_device_get_bdf(pfs[0]), want,
			   want == 1 ? "" : "s", bind ? ", all on vfio-pci" : "");
	vfk_plan_unref(plan);
	vfk_device_list_free(vfs, n_vfs);
	vfk_device_list_free(pfs, n_pfs);
	free(detail);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

const struct vfk_cmd vfk_cmd_sriov = {
	.name = "sriov",
	.run = sriov_run,
	.help = "Set a device's SR-IOV virtual functions, optionally on vfio-pci",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
