// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "path.h"

/* Bootloader configuration files hold one line of space-separated words; quoting inside the
 * command line is rare enough there that splitting on spaces is what users expect. */
static char *edit_words(const char *line, const char *add, const char *remove)
{
	size_t cap = strlen(line ? line : "") + (add ? strlen(add) : 0) + 2;
	char *out = malloc(cap), *o = out;
	bool have_add = false;

	if (!out)
		return NULL;
	for (const char *p = line ? line : ""; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (remove && strlen(remove) == n && strncmp(p, remove, n) == 0) {
			p += n;
			continue;
		}
		if (add && strlen(add) == n && strncmp(p, add, n) == 0)
			have_add = true;
		if (o != out)
			*o++ = ' ';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	if (add && !have_add) {
		if (o != out)
			*o++ = ' ';
		strcpy(o, add);
		o += strlen(add);
	}
	*o = '\0';
	return out;
}

static bool has_word(const char *line, const char *word)
{
	_cleanup_free_ char *edited = edit_words(line, NULL, word);

	return line && edited && strlen(edited) != strlen(line);
}

/* Parses NAME="value" from a shell-style defaults file; returns the unquoted value. */
char *shell_var(const char *text, const char *name)
{
	size_t n = strlen(name);
	char *found = NULL;

	for (const char *line = text; line && *line;) {
		const char *next = strchr(line, '\n');
		const char *p = line + strspn(line, " \t");

		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			const char *v = p + n + 1;
			size_t len = next ? (size_t)(next - v) : strlen(v);

			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\r'))
				len--;
			if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
				v++;
				len -= 2;
			}
			/* The last assignment wins, as when the shell sources the file. */
			free(found);
			found = strndup(v, len);
		}
		line = next ? next + 1 : NULL;
	}
	return found;
}

int host_detect_bootloader(struct host *h)
{
	_cleanup_free_ char *grub = NULL;
	char buf[4096];

	if (path_read_all(h->ctx, ETC_DEFAULT_GRUB, 256 * 1024, &grub) >= 0) {
		h->grub_default = shell_var(grub, "GRUB_CMDLINE_LINUX_DEFAULT");
		h->grub_linux = shell_var(grub, "GRUB_CMDLINE_LINUX");
	}
	if (path_read_all(h->ctx, ETC_KERNEL_CMDLINE, 64 * 1024, &h->kernel_cmdline_file) >= 0) {
		/* kernel-install joins the file's lines: so do we, for the options it holds. */
		char *s = h->kernel_cmdline_file;
		size_t n = strlen(s);

		for (char *p = s; *p; p++)
			if (*p == '\n' || *p == '\t' || *p == '\r')
				*p = ' ';
		while (n > 0 && s[n - 1] == ' ')
			s[--n] = '\0';
		memmove(s, s + strspn(s, " "), strlen(s + strspn(s, " ")) + 1);
	}
	snprintf(buf, sizeof(buf), BOOT_VMLINUZ_FMT, h->osrelease);
	h->vmlinuz_in_boot = *h->osrelease && path_exists(h->ctx, buf) == 0;

	if (path_exists(h->ctx, KERNELSTUB_CONFIG) == 0 || path_exists(h->ctx, KERNELSTUB_BIN) == 0)
		h->boot = BOOT_KERNELSTUB;
	else if (h->kernel_cmdline_file)
		h->boot = BOOT_SYSTEMD_BOOT;
	else if (grub &&
		 (path_exists(h->ctx, GRUBBY_BIN) == 0 || path_exists(h->ctx, GRUBBY_BIN_ALT) == 0))
		h->boot = BOOT_GRUB_GRUBBY;
	else if (grub && (path_exists(h->ctx, UPDATE_GRUB_BIN) == 0 || host_is_debian_like(h)))
		h->boot = BOOT_GRUB_DEBIAN;
	else if (grub) {
		h->boot = BOOT_GRUB_MKCONFIG;
		h->grub_mkconfig =
			path_exists(h->ctx, GRUB2_MKCONFIG_BIN) == 0 || host_is_fedora_like(h)
				? "grub2-mkconfig -o /boot/grub2/grub.cfg"
				: "grub-mkconfig -o /boot/grub/grub.cfg";
	} else if (path_exists(h->ctx, BOOT_LOADER_ENTRIES) == 0 ||
		   path_exists(h->ctx, EFI_LOADER_ENTRIES) == 0)
		h->boot = BOOT_SYSTEMD_BOOT_ENTRIES;
	return 0;
}

static char *grub_fix(const struct host *h, const char *add, const char *remove,
		      const char *regenerate)
{
	/* A token to remove may sit in either variable; a new one goes into _DEFAULT. */
	bool in_linux = remove && has_word(h->grub_linux, remove);
	const char *var = in_linux ? "GRUB_CMDLINE_LINUX" : "GRUB_CMDLINE_LINUX_DEFAULT";
	const char *cur = in_linux ? h->grub_linux : h->grub_default;
	_cleanup_free_ char *line = edit_words(cur, in_linux ? NULL : add, remove);
	_cleanup_free_ char *extra = NULL;
	char *s = NULL;

	if (!line)
		return NULL;
	if (in_linux && add && !has_word(h->grub_default, add)) {
		extra = edit_words(h->grub_default, add, NULL);
		if (!extra)
			return NULL;
	}
	if (asprintf(&s, "In /etc/default/grub set\n  %s=\"%s\"\n%s%s%s%sthen run: %s\nand reboot.",
		     var, line, extra ? "  GRUB_CMDLINE_LINUX_DEFAULT=\"" : "", extra ? extra : "",
		     extra ? "\"\n" : "",
		     remove && !in_linux && !has_word(h->grub_default, remove)
			     ? "(the old value is not in /etc/default/grub: look in /etc/grub.d/)\n"
			     : "",
		     regenerate) < 0)
		return NULL;
	return s;
}

char *bootloader_fix(const struct host *h, const char *add, const char *remove)
{
	_cleanup_free_ char *line = NULL;
	char args[256] = "";
	char *s = NULL;
	int n = -1;

	switch (h->boot) {
	case BOOT_GRUB_DEBIAN:
		return grub_fix(h, add, remove, "update-grub");
	case BOOT_GRUB_MKCONFIG:
		return grub_fix(h, add, remove, h->grub_mkconfig);
	case BOOT_GRUB_GRUBBY:
		snprintf(args, sizeof(args), "%s%s%s%s%s%s", remove ? " --remove-args=\"" : "",
			 remove ? remove : "", remove ? "\"" : "", add ? " --args=\"" : "",
			 add ? add : "", add ? "\"" : "");
		n = asprintf(&s, "Run: grubby --update-kernel=ALL%s\nand reboot.", args);
		break;
	case BOOT_KERNELSTUB:
		snprintf(args, sizeof(args), "%s%s%s%s%s%s", remove ? " -d \"" : "",
			 remove ? remove : "", remove ? "\"" : "", add ? " -a \"" : "",
			 add ? add : "", add ? "\"" : "");
		n = asprintf(&s, "Run: kernelstub%s\nand reboot.", args);
		break;
	case BOOT_SYSTEMD_BOOT:
		line = edit_words(h->kernel_cmdline_file, add, remove);
		if (!line)
			return NULL;
		n = asprintf(&s,
			     "Make /etc/kernel/cmdline read\n  %s\nthen run: kernel-install add "
			     "\"$(uname -r)\" %s\nand reboot.",
			     line,
			     h->vmlinuz_in_boot ? "\"/boot/vmlinuz-$(uname -r)\""
						: "\"/lib/modules/$(uname -r)/vmlinuz\"");
		break;
	case BOOT_SYSTEMD_BOOT_ENTRIES:
		n = asprintf(&s,
			     "In the loader entry under /boot/loader/entries/ that boots this "
			     "kernel, %s%s%s%s%s on the `options` line, and reboot.",
			     add ? "add " : "", add ? add : "", add && remove ? " and " : "",
			     remove ? "remove " : "", remove ? remove : "");
		break;
	case BOOT_UNKNOWN:
		n = asprintf(&s,
			     "In your bootloader's configuration, %s%s%s%s%s on the kernel command "
			     "line, and reboot.",
			     add ? "add " : "", add ? add : "", add && remove ? " and " : "",
			     remove ? "remove " : "", remove ? remove : "");
		break;
	}
	return n < 0 ? NULL : s;
}
