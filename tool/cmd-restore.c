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
	print_help("Usage: vfiokit restore [--dry-run] --all | DEVICE...\n\n"
		   "Put devices that vfiokit moved back where they were, newest first, from the\n"
		   "journal in /run/vfiokit: the old driver_override, off vfio-pci, the original\n"
		   "driver probed again (a device that had none stays unbound). A device whose\n"
		   "VFIO group or device file a process holds open is refused, naming the\n"
		   "process. Works after a crash of vfiokit.\n\n"
		   "Options:\n"
		   "  --all          every device in the journal\n"
		   "  -n, --dry-run  print the writes and change nothing\n"
		   "  -J, --json     print JSON\n"
		   "  -h, --help     show this help\n\n"
		   "Exit status: 0 restored, 1 refused or failed, 2 usage error.");
}

static void show_write(void *userdata, const char *path, const char *value)
{
	print_write(path, value);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* The devices named on the command line as journal entries: "0000:01:00.0". Returns 0 or
 * an exit status. */
static int journal_names(struct vfk_ctx *ctx, int argc, char *argv[], char ***ret)
{
	char **bdfs = calloc((size_t)argc + 1, sizeof(*bdfs));

	if (!bdfs)
		return EXIT_NOT_READY;
	for (int i = 0; i < argc; i++) {
		struct vfk_device *d;
		struct vfk_addr a;

		if (vfk_device_new_from_string(ctx, argv[i], &d) == 0) {
			bdfs[i] = strdup(vfk_device_get_bdf(d));
			vfk_device_unref(d);
			continue;
		}
		/* A device gone from the bus can still be in the journal. */
		if (vfk_addr_parse(argv[i], &a, NULL) < 0) {
			free_names(bdfs, (size_t)i);
			return usage_error("restore", "%s: not a PCI address", argv[i]);
		}
		bdfs[i] = malloc(VFK_ADDR_STRLEN);
		if (bdfs[i])
			vfk_addr_format(&a, bdfs[i]);
	}
	*ret = bdfs;
	return 0;
}

static int restore_names(struct vfk_ctx *ctx, char **bdfs, size_t n, bool dry)
{
	char *detail = NULL;
	sigset_t old;
	int err;

	/* A refused dry run shows nothing of what it would have done. */
	if (dry) {
		output_hold_text();
		print_text("Would write (dry run, nothing changes):\n");
	}
	transaction_begin(&old);
	err = vfk_restore(ctx, (const char *const *)bdfs, n, dry ? VFK_BIND_DRY_RUN : 0,
			  dry || vfk_ctx_get_log_priority(ctx) >= 6 ? show_write : NULL, NULL,
			  &detail);
	transaction_end(&old);
	if (dry)
		output_release_text(err >= 0);
	if (detail)
		(err < 0 ? log_error : log_warn)("%s", detail);
	if (err < 0)
		log_error("restore: %s", err == -EBUSY	   ? "refused: a device is in use"
					 : err == -EBADMSG ? "refused: the journal is damaged"
							   : strerror(-err));
	free(detail);
	return err;
}

/* Text: where each device asked for is now. */
static void print_now_on(struct vfk_ctx *ctx, char **before, size_t n_before, char **bdfs, size_t n,
			 bool all)
{
	for (size_t i = 0; i < n_before; i++) {
		struct vfk_device *d;
		bool asked = all;

		for (size_t k = 0; k < n; k++)
			asked |= bdfs[k] && streq(bdfs[k], before[i]);
		if (!asked || vfk_device_new_from_string(ctx, before[i], &d) < 0)
			continue;
		print_text("%s: now on %s\n", before[i], vfk_device_get_driver(d) ?: "no driver");
		vfk_device_unref(d);
	}
}

/* The files that were lent before and are not any more. */
static size_t given_back(char **before, size_t n_before, char **after, size_t n_after,
			 const char **ret)
{
	size_t n = 0;

	for (size_t i = 0; i < n_before; i++) {
		bool still = false;

		for (size_t k = 0; k < n_after; k++)
			still |= streq(before[i], after[k]);
		if (!still)
			ret[n++] = before[i];
	}
	return n;
}

static const struct option opts[] = {
	{"all", no_argument, NULL, 'a'},
	{"dry-run", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "anh";

static int restore_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	bool all = false, dry = false, journal_bad = false;
	char **before = NULL, **bdfs = NULL, **lent = NULL, **lent_after = NULL, **display = NULL;
	size_t n_before = 0, n = 0, n_lent = 0, n_lent_after = 0, n_back = 0, n_display = 0;
	const char **back = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("restore", "unknown option");
		}
	}
	if (all == (optind < argc))
		return usage_error("restore", "give --all or devices, not both or neither");
	if (!all) {
		n = (size_t)(argc - optind);
		err = journal_names(ctx, argc - optind, argv + optind, &bdfs);
		if (err)
			return err;
	}
	/* A journal that cannot be read is no empty journal: restore then fails and says why. */
	if (vfk_journal_get_devices(ctx, &before, &n_before) < 0 ||
	    vfk_journal_get_lent(ctx, &lent, &n_lent) < 0 ||
	    vfk_journal_get_display(ctx, &display, &n_display) < 0)
		journal_bad = true;
	/* JSON always records the attempt; text says there is nothing to do. Files a killed
	 * `qemu --user` left lent are something to do for --all; display steps a bind killed
	 * before it recorded any device took are something to do too. */
	if (n_before == 0 && !(all && n_lent) && !n_display && !journal_bad && !output_is_json()) {
		print_text("Nothing to restore: the journal is empty.\n");
		free_names(bdfs, n);
		free(before);
		free_names(lent, n_lent);
		free_names(display, n_display);
		return all ? EXIT_OK : EXIT_NOT_READY;
	}
	err = restore_names(ctx, bdfs, n, dry);
	/* What restore gave back (the text named each file as it went): those no longer
	 * lent afterwards. */
	back = calloc(n_lent + 1, sizeof(*back));
	if (!dry && !journal_bad && back &&
	    vfk_journal_get_lent(ctx, &lent_after, &n_lent_after) >= 0)
		n_back = given_back(lent, n_lent, lent_after, n_lent_after, back);
	print_bool(PRINT_JSON, "dry_run", NULL, dry);
	print_bool(PRINT_JSON, "ok", NULL, err >= 0);
	print_string_array(PRINT_JSON, "journal_before", NULL, (const char *const *)before,
			   n_before);
	print_string_array(PRINT_JSON, "lent_before", NULL, (const char *const *)lent, n_lent);
	print_string_array(PRINT_JSON, "display_before", NULL, (const char *const *)display,
			   n_display);
	print_string_array(PRINT_JSON, "given_back", NULL, back, n_back);
	if (err >= 0 && !dry)
		print_now_on(ctx, before, n_before, bdfs, n, all);
	free(back);
	free_names(lent_after, n_lent_after);
	free_names(lent, n_lent);
	free_names(display, n_display);
	free_names(before, n_before);
	free_names(bdfs, n);
	return err < 0 ? EXIT_NOT_READY : EXIT_OK;
}

const struct vfk_cmd vfk_cmd_restore = {
	.name = "restore",
	.run = restore_run,
	.help = "Put devices moved by bind back where they were",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_DEVICE,
};
