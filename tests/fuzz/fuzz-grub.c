// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fix(const struct host *h, const char *add, const char *remove)
{
	char *fix = bootloader_fix(h, add, remove);

	if (!fix)
		abort();
	free(fix);
}

/* /etc/default/grub (and /etc/kernel/cmdline): the shell-variable reader yields one line
 * at most, and the fixes built by editing GRUB_CMDLINE_LINUX{,_DEFAULT} or the
 * kernel-install file are always produced, whatever the variables hold. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const words[][2] = {
		{"intel_iommu=on", NULL}, {NULL, "iommu=off"}, {"amd_iommu=on", "amd_iommu=off"},
		{"iommu=pt", "iommu=pt"}, {"quiet", "quiet"},
	};
	static const enum bootloader_kind kinds[] = {BOOT_GRUB_DEBIAN, BOOT_GRUB_MKCONFIG,
						     BOOT_SYSTEMD_BOOT};
	struct host h = {.grub_mkconfig = "grub-mkconfig -o /boot/grub/grub.cfg"};
	char *text;

	if (size > 16384)
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	h.grub_default = shell_var(text, "GRUB_CMDLINE_LINUX_DEFAULT");
	h.grub_linux = shell_var(text, "GRUB_CMDLINE_LINUX");
	h.kernel_cmdline_file = text;
	if ((h.grub_default && strchr(h.grub_default, '\n')) ||
	    (h.grub_linux && strchr(h.grub_linux, '\n')))
		abort();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		h.boot = kinds[k];
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			check_fix(&h, words[w][0], words[w][1]);
	}
	free(h.grub_default);
	free(h.grub_linux);
	free(text);
	return 0;
}
