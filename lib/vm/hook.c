// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hook-private.h"
#include "internal.h"
#include "path.h"

#define HOOK_CONF_MAX 4096
#define DOMAIN_NAME_MAX 200
#define HOOK_MARKER "# vfiokit hook: libvirt runs this; it binds the PCI hostdevs of the domains"

bool hook_domain_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > DOMAIN_NAME_MAX || name[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool tool_path_ok(const char *tool)
{
	if (!tool || tool[0] != '/' || strlen(tool) >= PATH_MAX || strstr(tool, "/../") ||
	    strstr(tool, "/./"))
		return false;
	for (const char *p = tool; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._+-", *p)))
			return false;
	return true;
}

static int conf_path(const char *domain, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s.conf", VFIOKIT_HOOKS_DIR, domain);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

const char *hook_value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) == 0 && line[n] == '=' ? line + n + 1 : NULL;
}

static int parse_conf(const char *domain, const char *path, char *text, unsigned int *ret_flags,
		      char **detail)
{
	bool have_format = false, have_domain = false, have_display = false;
	unsigned int flags = 0;
	int lineno = 0;

	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		lineno++;
		if (line[0] == '#')
			continue;
		if ((v = hook_value_of(line, "format"))) {
			if (have_format || !streq(v, "1"))
				goto bad;
			have_format = true;
		} else if ((v = hook_value_of(line, "domain"))) {
			if (have_domain || !streq(v, domain))
				goto bad;
			have_domain = true;
		} else if ((v = hook_value_of(line, "release_display"))) {
			if (have_display || !(streq(v, "yes") || streq(v, "no")))
				goto bad;
			have_display = true;
			if (streq(v, "yes"))
				flags |= VFK_HOOK_RELEASE_DISPLAY;
		} else {
			goto bad;
		}
		continue;
	bad:
		detail_add(detail,
			   "/%s: line %d is not what vfiokit hook install writes (a key twice, "
			   "unknown, or with a wrong value); run vfiokit hook install %s again",
			   path, lineno, domain);
		return -EBADMSG;
	}
	if (!have_format || !have_domain || !have_display) {
		detail_add(detail,
			   "/%s: lacks its format, domain or release_display line; run vfiokit "
			   "hook install %s again",
			   path, domain);
		return -EBADMSG;
	}
	if (ret_flags)
		*ret_flags = flags;
	return 0;
}

int hook_read_text(struct vfk_ctx *ctx, const char *path, size_t max, const char *fix, char **ret,
		   char **detail)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = path_read_all(ctx, path, max, &text);

	if (n == -EFBIG || n == -EINVAL || n == -EISDIR || n == -ELOOP) {
		detail_add(detail, "/%s: not a regular file of at most %zu bytes; %s", path, max,
			   fix);
		return -EBADMSG;
	}
	if (n < 0)
		return (int)n;
	if (strlen(text) != (size_t)n) {
		detail_add(detail, "/%s: holds a NUL byte; %s", path, fix);
		return -EBADMSG;
	}
	*ret = TAKE_PTR(text);
	return 0;
}

VFK_EXPORT int vfk_hook_get(struct vfk_ctx *ctx, const char *domain, unsigned int *ret_flags,
			    char **ret_detail)
{
	char path[PATH_MAX], fix[DOMAIN_NAME_MAX + 64];
	_cleanup_free_ char *text = NULL;
	char *detail = NULL;
	int err;

	assert_return(ctx && domain, -EINVAL);
	if (!hook_domain_name_ok(domain) || conf_path(domain, path, sizeof(path)) < 0)
		return -ENOENT;
	snprintf(fix, sizeof(fix), "run vfiokit hook install %s again", domain);
	err = hook_read_text(ctx, path, HOOK_CONF_MAX, fix, &text, &detail);
	if (err == 0)
		err = parse_conf(domain, path, text, ret_flags, &detail);
	else if (err != -EBADMSG)
		return err;
	if (ret_detail)
		*ret_detail = detail;
	else
		free(detail);
	return err;
}

/* Whether the file at @path is vfiokit's hook (or absent). */
static int hook_is_ours(struct vfk_ctx *ctx, const char *path)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = path_read_all(ctx, path, HOOK_CONF_MAX, &text);

	if (n == -ENOENT)
		return 1;
	if (n < 0)
		return n == -EFBIG || n == -EINVAL || n == -EISDIR ? 0 : (int)n;
	return strstr(text, "\n" HOOK_MARKER "\n") != NULL;
}

/* Writes @content to @path with @mode unless it already holds exactly that. */
static int put_file(struct vfk_ctx *ctx, const char *path, const char *content, mode_t mode,
		    unsigned int flags, vfk_file_fn on_file, void *userdata)
{
	_cleanup_free_ char *old = NULL;
	struct stat st;

	if (path_read_all(ctx, path, HOOK_CONF_MAX, &old) >= 0 && streq(old, content) &&
	    path_stat(ctx, path, &st) == 0 && (st.st_mode & 07777) == mode)
		return 0;
	if (on_file)
		on_file(userdata, path, content, mode);
	if (flags & VFK_HOOK_DRY_RUN)
		return 0;
	return path_write_file(ctx, path, content, strlen(content), mode);
}

VFK_EXPORT int vfk_hook_install(struct vfk_ctx *ctx, const char *domain, const char *tool,
				unsigned int flags, vfk_file_fn on_file, void *userdata,
				char **ret_detail)
{
	char path[PATH_MAX];
	_cleanup_free_ char *conf = NULL, *hook = NULL;
	char *detail = NULL;
	int err;

	assert_return(ctx && domain && tool, -EINVAL);
	if (!hook_domain_name_ok(domain)) {
		detail_add(&detail,
			   "'%.64s' is not a domain name vfiokit takes: 1 to %d bytes, no '/', no "
			   "control character, not starting with '.'",
			   domain, DOMAIN_NAME_MAX);
		err = -EINVAL;
		goto out;
	}
	if (!tool_path_ok(tool)) {
		detail_add(&detail,
			   "%.200s: the hook needs vfiokit's absolute path, of letters, digits and "
			   "\"/._+-\" only",
			   tool);
		err = -EINVAL;
		goto out;
	}
	err = conf_path(domain, path, sizeof(path));
	if (err < 0)
		goto out;
	err = hook_is_ours(ctx, LIBVIRT_QEMU_HOOK_VFIOKIT);
	if (err <= 0) {
		detail_add(&detail,
			   "/%s exists and is not vfiokit's hook; move it away, then run vfiokit "
			   "hook install again",
			   LIBVIRT_QEMU_HOOK_VFIOKIT);
		err = err < 0 ? err : -EEXIST;
		goto out;
	}
	if (asprintf(&conf,
		     "# libvirt domain whose PCI hostdevs vfiokit binds at start and restores at "
		     "stop.\n# Written by vfiokit hook install; removed by vfiokit hook "
		     "uninstall.\nformat=1\ndomain=%s\nrelease_display=%s\n",
		     domain, flags & VFK_HOOK_RELEASE_DISPLAY ? "yes" : "no") < 0 ||
	    asprintf(&hook, "#!/bin/sh\n%s\nexec %s hook run -- \"$@\"\n", HOOK_MARKER, tool) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (!(flags & VFK_HOOK_DRY_RUN)) {
		err = path_mkdir_p(ctx, VFIOKIT_HOOKS_DIR, 0755);
		if (err >= 0)
			err = path_mkdir_p(ctx, LIBVIRT_QEMU_HOOKS_DIR, 0755);
		if (err < 0) {
			detail_add(&detail, "cannot create /%s or /%s: %s", VFIOKIT_HOOKS_DIR,
				   LIBVIRT_QEMU_HOOKS_DIR, strerror(-err));
			goto out;
		}
	}
	/* The configuration first: a hook without it does nothing for the domain. */
	err = put_file(ctx, path, conf, 0644, flags, on_file, userdata);
	if (err < 0) {
		detail_add(&detail, "cannot write /%s: %s", path, strerror(-err));
		goto out;
	}
	err = put_file(ctx, LIBVIRT_QEMU_HOOK_VFIOKIT, hook, 0755, flags, on_file, userdata);
	if (err < 0)
		detail_add(&detail, "cannot write /%s: %s", LIBVIRT_QEMU_HOOK_VFIOKIT,
			   strerror(-err));
out:
	if (err < 0 && ret_detail)
		*ret_detail = TAKE_PTR(detail);
	free(detail);
	return err < 0 ? err : 0;
}

/* Whether a domain other than @domain has a configuration. */
static int others_installed(struct vfk_ctx *ctx, const char *domain)
{
	DIR *dir = NULL;
	struct dirent *e;
	char mine[NAME_MAX + 1];
	bool any = false;
	int err = path_opendir(ctx, VFIOKIT_HOOKS_DIR, &dir);

	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	snprintf(mine, sizeof(mine), "%s.conf", domain);
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' || n <= 5 || !streq(e->d_name + n - 5, ".conf") ||
		    streq(e->d_name, mine))
			continue;
		any = true;
	}
	closedir(dir);
	return any;
}

VFK_EXPORT int vfk_hook_uninstall(struct vfk_ctx *ctx, const char *domain, unsigned int flags,
				  vfk_file_fn on_file, void *userdata, char **ret_detail)
{
	char path[PATH_MAX];
	struct stat st;
	char *detail = NULL;
	int err;

	assert_return(ctx && domain, -EINVAL);
	if (!hook_domain_name_ok(domain)) {
		detail_add(&detail,
			   "'%.64s' is not a domain name vfiokit takes: 1 to %d bytes, no '/', no "
			   "control character, not starting with '.'",
			   domain, DOMAIN_NAME_MAX);
		err = -EINVAL;
		goto out;
	}
	err = conf_path(domain, path, sizeof(path));
	if (err < 0)
		goto out;
	err = path_stat(ctx, path, &st);
	if (err < 0) {
		if (err == -ENOENT)
			detail_add(&detail,
				   "domain %s: not installed (no /%s); see /%s for the installed "
				   "ones",
				   domain, path, VFIOKIT_HOOKS_DIR);
		else
			detail_add(&detail, "/%s: %s", path, strerror(-err));
		goto out;
	}
	if (on_file)
		on_file(userdata, path, NULL, 0);
	if (!(flags & VFK_HOOK_DRY_RUN)) {
		err = path_unlink(ctx, path);
		if (err < 0) {
			detail_add(&detail, "cannot remove /%s: %s", path, strerror(-err));
			goto out;
		}
	}
	err = others_installed(ctx, domain);
	if (err != 0) {
		if (err < 0)
			detail_add(&detail, "cannot list /%s: %s", VFIOKIT_HOOKS_DIR,
				   strerror(-err));
		goto out;
	}
	/* The last domain is gone: the hook too, when it is vfiokit's and still there. */
	if (hook_is_ours(ctx, LIBVIRT_QEMU_HOOK_VFIOKIT) != 1 ||
	    path_stat(ctx, LIBVIRT_QEMU_HOOK_VFIOKIT, &st) < 0) {
		err = 0;
		goto out;
	}
	if (on_file)
		on_file(userdata, LIBVIRT_QEMU_HOOK_VFIOKIT, NULL, 0);
	err = flags & VFK_HOOK_DRY_RUN ? 0 : path_unlink(ctx, LIBVIRT_QEMU_HOOK_VFIOKIT);
	if (err < 0)
		detail_add(&detail, "cannot remove /%s: %s", LIBVIRT_QEMU_HOOK_VFIOKIT,
			   strerror(-err));
out:
	if (err < 0 && ret_detail)
		*ret_detail = TAKE_PTR(detail);
	free(detail);
	return err < 0 ? err : 0;
}
