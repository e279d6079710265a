// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>

#include "doctor.h"

VFK_EXPORT int vfk_doctor_run(struct vfk_ctx *ctx, struct vfk_report **ret)
{
	static int (*const checks[])(struct host *, struct vfk_report *) = {
		check_cpu,	    check_firmware_table,      check_cmdline,
		check_iommu,	    check_interrupt_remapping, check_modules,
		check_device_nodes, check_resources,	       check_ovmf,
	};
	struct host h = {.ctx = ctx};
	struct vfk_report *r;
	int err;

	assert_return(ctx && ret, -EINVAL);

	r = report_new();
	if (!r)
		return -ENOMEM;

	err = host_read_os(&h);
	if (err >= 0)
		err = host_detect_bootloader(&h);
	if (err >= 0)
		err = host_read_cmdline(&h);
	if (err >= 0)
		err = host_read_kmsg(&h);
	if (err >= 0)
		err = host_read_kconfig(&h);
	if (err >= 0)
		err = host_read_iommu(&h);
	for (size_t i = 0; err >= 0 && i < ARRAY_SIZE(checks); i++)
		err = checks[i](&h, r);
	host_free(&h);
	if (err < 0) {
		vfk_report_unref(r);
		return err;
	}
	*ret = r;
	return 0;
}
