// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "report-print.h"

static void help(void)
{
	print_help("Usage: vfiokit doctor [--problems]\n\n"
		   "Check whether this host is ready for VFIO passthrough, from the CPU and the\n"
		   "firmware's IOMMU table through the kernel command line, the IOMMU, interrupt\n"
		   "remapping and the vfio modules to device nodes, locked memory, hugepages and\n"
		   "guest firmware. Every finding has a stable id, evidence and, when something\n"
		   "needs changing, the exact fix for this distribution and bootloader.\n"
		   "Nothing is changed.\n\n"
		   "Options:\n"
		   "  -p, --problems  show only warnings and failures\n"
		   "  -J, --json      print JSON\n"
		   "  -h, --help      show this help\n\n"
		   "Exit status: 0 ready, 1 not ready, 2 usage error.");
}

/* Counts the checks by status and names the failed ones, for the closing line. */
static void tally(const struct vfk_report *report, unsigned int *count, char *failed, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < vfk_report_get_n_checks(report); i++) {
		enum vfk_check_status st = vfk_report_get_check_status(report, i);

		count[st]++;
		if (st == VFK_CHECK_FAIL && len < size) {
			int k = snprintf(failed + len, size - len, "%s%s", len ? ", " : "",
					 vfk_report_get_check_id(report, i));

			if (k > 0)
				len += (size_t)k;
		}
	}
}

static void print_report(const struct vfk_report *report, bool problems_only)
{
	unsigned int count[_VFK_CHECK_STATUS_MAX] = {};
	bool ready = vfk_report_is_ready(report);
	char failed[512] = "";

	print_bool(PRINT_JSON, "ready", NULL, ready);
	output_open_array("checks");
	for (size_t i = 0; i < vfk_report_get_n_checks(report); i++) {
		enum vfk_check_status st = vfk_report_get_check_status(report, i);

		if (!problems_only || st == VFK_CHECK_WARN || st == VFK_CHECK_FAIL)
			print_check(report, i, 26, true);
	}
	output_close_array();
	tally(report, count, failed, sizeof(failed));
	if (ready)
		print_text("\nReady for VFIO passthrough (%u ok, %u warning%s, %u skipped).\n",
			   count[VFK_CHECK_OK], count[VFK_CHECK_WARN],
			   count[VFK_CHECK_WARN] == 1 ? "" : "s", count[VFK_CHECK_SKIP]);
	else if (!output_is_json()) {
		char *verdict = NULL;

		if (asprintf(&verdict, "Not ready for VFIO passthrough: %u check%s failed (%s).",
			     count[VFK_CHECK_FAIL], count[VFK_CHECK_FAIL] == 1 ? "" : "s",
			     failed) < 0)
			return;
		print_wrapped("\n", 0, 0, verdict);
		free(verdict);
	}
}

static const struct option opts[] = {
	{"problems", no_argument, NULL, 'p'},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "ph";

static int doctor_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_report *report = NULL;
	bool problems_only = false, ready;
	int c, err;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			problems_only = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("doctor", "unknown option");
		}
	}
	if (optind < argc)
		return usage_error("doctor", "unexpected argument '%s'", argv[optind]);

	err = vfk_doctor_run(ctx, &report);
	if (err < 0) {
		log_error("doctor: cannot examine the host below %s: %s", vfk_ctx_get_root(ctx),
			  strerror(-err));
		return EXIT_NOT_READY;
	}
	print_report(report, problems_only);
	ready = vfk_report_is_ready(report);
	vfk_report_unref(report);
	return ready ? EXIT_OK : EXIT_NOT_READY;
}

const struct vfk_cmd vfk_cmd_doctor = {
	.name = "doctor",
	.run = doctor_run,
	.help = "Check whether this host is ready for passthrough, with fixes",
	.options = opts,
	.shortopts = shortopts,
	.operands = ARG_NONE,
};
