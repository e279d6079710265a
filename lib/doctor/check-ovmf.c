// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>

#include "vm/firmware.h"
#include "doctor.h"

int check_ovmf(struct host *h, struct vfk_report *r)
{
	_cleanup_free_ char *fix = NULL;
	struct firmware fw;
	int err;

	err = firmware_find_uefi(h->ctx, FIRMWARE_ANY, &fw);
	if (err == 0 && fw.descriptor[0])
		return report_add(r, "firmware.ovmf", VFK_CHECK_OK, NULL,
				  "UEFI guest firmware %s (described by %s)", fw.code,
				  fw.descriptor);
	if (err == 0)
		return report_add(r, "firmware.ovmf", VFK_CHECK_OK, NULL, "UEFI guest firmware %s",
				  fw.code);
	if (err != -ENOENT)
		return err;
	fix = host_install_command(h, "ovmf", "edk2-ovmf", "edk2-ovmf");
	if (!fix)
		return -ENOMEM;
	return report_add(r, "firmware.ovmf", VFK_CHECK_WARN, fix,
			  "no OVMF (UEFI firmware for guests): GPUs passed to a VM usually "
			  "need a UEFI guest");
}
