// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder until the checks land. */
#include "cmd.h"

static int snapshot_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	log_error("snapshot: not built yet");
	return EXIT_NOT_READY;
}

const struct vfk_cmd vfk_cmd_snapshot = {
	.name = "snapshot",
	.run = snapshot_run,
	.help = "Capture this host's PCI and IOMMU state into a directory",
};
