// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder until the checks land. */
#include "cmd.h"

static int doctor_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	log_error("doctor: not built yet");
	return EXIT_NOT_READY;
}

const struct vfk_cmd vfk_cmd_doctor = {
	.name = "doctor",
	.run = doctor_run,
	.help = "Check whether this host is ready for passthrough, with fixes",
};
