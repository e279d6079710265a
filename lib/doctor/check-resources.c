// SPDX-License-Identifier: LGPL-2.1-or-later
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "path.h"

static void format_bytes(uint64_t v, char *buf, size_t size)
{
	if (v >= (1ull << 30) && v % (1ull << 30) == 0)
		snprintf(buf, size, "%" PRIu64 " GiB", v >> 30);
	else if (v >= (1ull << 20))
		snprintf(buf, size, "%" PRIu64 " MiB", v >> 20);
	else
		snprintf(buf, size, "%" PRIu64 " KiB", v >> 10);
}

int limits_parse_memlock(const char *text, char soft[LIMITS_WORD_MAX], uint64_t *ret)
{
	const char *line = strstr(text, "Max locked memory");
	unsigned long long v;
	char *end;

	static_assert(LIMITS_WORD_MAX == 32, "the sscanf width below");
	if (!line || sscanf(line + strlen("Max locked memory"), "%31s", soft) != 1)
		return -ENOENT;
	if (streq(soft, "unlimited")) {
		*ret = UINT64_MAX;
		return 0;
	}
	errno = 0;
	v = strtoull(soft, &end, 10);
	if (errno || end == soft || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int check_memlock(struct host *h, struct vfk_report *r)
{
	char text[8192], soft[LIMITS_WORD_MAX], size[32];
	uint64_t v;
	int err;

	err = path_read(h->ctx, PROC_SELF_LIMITS, text, sizeof(text)) < 0
		      ? -ENOENT
		      : limits_parse_memlock(text, soft, &v);
	if (err == -ENOENT)
		return report_add(r, "limits.memlock", VFK_CHECK_SKIP, NULL,
				  "cannot read the locked-memory limit from /%s", PROC_SELF_LIMITS);
	if (err < 0)
		return report_add(r, "limits.memlock", VFK_CHECK_SKIP, NULL,
				  "cannot parse the locked-memory limit \"%s\" in /%s", soft,
				  PROC_SELF_LIMITS);
	if (v == UINT64_MAX)
		return report_add(r, "limits.memlock", VFK_CHECK_OK, NULL,
				  "RLIMIT_MEMLOCK is unlimited");
	format_bytes(v, size, sizeof(size));
	/* vfio pins all guest memory; root's CAP_IPC_LOCK lifts the limit, users need it. */
	return report_add(r, "limits.memlock", VFK_CHECK_WARN,
			  "For QEMU run by a user, raise the limit to at least the guest's RAM: "
			  "\"@kvm hard memlock unlimited\" and \"@kvm soft memlock unlimited\" in "
			  "/etc/security/limits.d/vfio.conf, or LimitMEMLOCK=infinity in the "
			  "service's systemd unit.",
			  "RLIMIT_MEMLOCK is %s: enough for root (CAP_IPC_LOCK), too small for an "
			  "unprivileged QEMU, which must lock all guest RAM",
			  size);
}

static int check_hugepages(struct host *h, struct vfk_report *r)
{
	char summary[256] = "";
	struct dirent *de;
	size_t len = 0;
	DIR *d;

	if (path_opendir(h->ctx, SYS_HUGEPAGES, &d) < 0)
		return report_add(r, "memory.hugepages", VFK_CHECK_SKIP, NULL,
				  "no /%s: the kernel has no hugetlbfs", SYS_HUGEPAGES);
	while ((de = readdir(d))) {
		char path[PATH_MAX], buf[32], sz[32];
		unsigned long kb, nr;
		int n;

		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), SYS_HUGEPAGES "/%s/nr_hugepages", de->d_name);
		if (path_read(h->ctx, path, buf, sizeof(buf)) <= 0)
			continue;
		nr = strtoul(buf, NULL, 10);
		if (nr == 0)
			continue;
		format_bytes((uint64_t)kb << 10, sz, sizeof(sz));
		n = snprintf(summary + len, sizeof(summary) - len, "%s%lu x %s", len ? ", " : "",
			     nr, sz);
		if (n > 0 && (size_t)n < sizeof(summary) - len)
			len += (size_t)n;
	}
	closedir(d);
	if (len)
		return report_add(r, "memory.hugepages", VFK_CHECK_OK, NULL, "reserved: %s",
				  summary);
	return report_add(r, "memory.hugepages", VFK_CHECK_OK, NULL,
			  "none reserved (optional: they speed up guest memory and userspace "
			  "drivers; reserve with hugepages=N on the kernel command line or "
			  "/proc/sys/vm/nr_hugepages)");
}

int check_resources(struct host *h, struct vfk_report *r)
{
	int err = check_memlock(h, r);

	return err < 0 ? err : check_hugepages(h, r);
}
