// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "iommu-internal.h"

/* Both type1 and iommufd skip the accounting for a process with CAP_IPC_LOCK. */
static bool has_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective & CAP_TO_MASK(CAP_IPC_LOCK);
}

/* The capability and the limit are read again only when a mapping would not fit what
 * was last read, so a map costs its one ioctl; a lowered limit is still enforced by the
 * kernel, whose ENOMEM the map path reports. */
static uint64_t read_fits(void)
{
	struct rlimit rl;

	if (has_ipc_lock())
		return UINT64_MAX;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur;
}

int memlock_check_locked(struct vfk_iommu *iommu, uint64_t bytes)
{
	uint64_t need;

	if (iommu->backend == VFK_IOMMU_NOIOMMU)
		return 0;
	need = iommu->pinned + bytes;
	if (need < iommu->pinned)
		need = UINT64_MAX;
	if (need <= iommu->memlock_fits)
		return 0;
	iommu->memlock_fits = read_fits();
	if (need <= iommu->memlock_fits)
		return 0;
	return vfk_set_error(-ENOMEM,
			     "locked-memory limit: mapping %" PRIu64 " KiB more would pin %" PRIu64
			     " KiB in this domain, over RLIMIT_MEMLOCK of %" PRIu64
			     " KiB; raise it with `ulimit -l %" PRIu64 "` (or unlimited), a "
			     "memlock line in /etc/security/limits.conf, or LimitMEMLOCK= for a "
			     "systemd service",
			     bytes >> 10, need >> 10, iommu->memlock_fits >> 10,
			     (need + 1023) >> 10);
}

VFK_EXPORT int vfk_iommu_check_memlock(struct vfk_iommu *iommu, uint64_t bytes)
{
	int r;

	if (!iommu)
		return vfk_set_error(-EINVAL, "vfk_iommu_check_memlock: no domain");
	pthread_mutex_lock(&iommu->lock);
	r = memlock_check_locked(iommu, bytes);
	pthread_mutex_unlock(&iommu->lock);
	return r;
}
