// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "path.h"

/* os-release(5) values may be quoted with "..." or '...'; shell escapes are not expected. */
static void copy_value(const char *v, char *buf, size_t size)
{
	size_t n = strcspn(v, "\n");

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
}

/*
 * A kernel release names directories (lib/modules/RELEASE, boot/config-RELEASE): only the
 * characters releases are made of, not "." or "..", nothing that could climb out.
 */
static bool release_is_valid(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > 64 || r[0] == '.' || r[0] == '-')
		return false;
	return strspn(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~-") ==
	       n;
}

void host_parse_os_release(struct host *h, const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *next = strchr(line, '\n');

		if (startswith(line, "ID="))
			copy_value(line + 3, h->os_id, sizeof(h->os_id));
		else if (startswith(line, "ID_LIKE="))
			copy_value(line + 8, h->os_id_like, sizeof(h->os_id_like));
		else if (startswith(line, "PRETTY_NAME="))
			copy_value(line + 12, h->os_name, sizeof(h->os_name));
		line = next ? next + 1 : NULL;
	}
}

int host_read_os(struct host *h)
{
	static const char *const files[] = {ETC_OS_RELEASE, USR_LIB_OS_RELEASE};
	char buf[8192];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (path_read(h->ctx, files[i], buf, sizeof(buf)) < 0)
			continue;
		host_parse_os_release(h, buf);
		break;
	}
	if (path_read(h->ctx, PROC_OSRELEASE, buf, sizeof(buf)) >= 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (release_is_valid(buf))
			snprintf(h->osrelease, sizeof(h->osrelease), "%s", buf);
		else
			dbg(h->ctx, "%s: \"%.64s\" is not a kernel release; ignored",
			    PROC_OSRELEASE, buf);
	}
	return 0;
}

static bool os_is(const struct host *h, const char *id)
{
	char like[sizeof(h->os_id_like)];
	char *save = NULL;

	if (streq(h->os_id, id))
		return true;
	memcpy(like, h->os_id_like, sizeof(like));
	for (char *w = strtok_r(like, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (streq(w, id))
			return true;
	return false;
}

bool host_is_debian_like(const struct host *h)
{
	return os_is(h, "debian") || os_is(h, "ubuntu");
}

bool host_is_fedora_like(const struct host *h)
{
	return os_is(h, "fedora") || os_is(h, "rhel") || os_is(h, "centos");
}

bool host_is_arch_like(const struct host *h)
{
	return os_is(h, "arch");
}

char *host_install_command(const struct host *h, const char *debian, const char *fedora,
			   const char *arch)
{
	char *s = NULL;
	int n;

	if (host_is_debian_like(h))
		n = asprintf(&s, "apt-get install %s", debian);
	else if (host_is_fedora_like(h))
		n = asprintf(&s, "dnf install %s", fedora);
	else if (host_is_arch_like(h))
		n = asprintf(&s, "pacman -S %s", arch);
	else
		n = asprintf(&s, "install %s (Debian, Ubuntu), %s (Fedora) or %s (Arch)", debian,
			     fedora, arch);
	return n < 0 ? NULL : s;
}

static bool kconfig_set(const char *text, const char *option)
{
	size_t n = strlen(option);

	for (const char *p = text; (p = strstr(p, option)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '=' &&
		    (p[n + 1] == 'y' || p[n + 1] == 'm'))
			return true;
	return false;
}

int host_read_kconfig(struct host *h)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];

	if (!*h->osrelease)
		return 0;
	snprintf(path, sizeof(path), BOOT_CONFIG_FMT, h->osrelease);
	if (path_read_all(h->ctx, path, 4u << 20, &text) < 0)
		return 0;
	h->kconfig_read = true;
	h->kconfig_intel_default_on = kconfig_set(text, "CONFIG_INTEL_IOMMU_DEFAULT_ON");
	h->kconfig_iommufd = kconfig_set(text, "CONFIG_IOMMUFD");
	h->kconfig_vfio_cdev = kconfig_set(text, "CONFIG_VFIO_DEVICE_CDEV");
	return 0;
}
