// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook-private.h"
#include "internal.h"
#include "path.h"

#define MOVED_MAX (64 * 1024)
#define MOVED_DEVICES_MAX 256
#define FIX "remove it, then give the domain's devices back with vfiokit restore"

static int moved_path(const char *domain, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s.moved", VFIOKIT_HOOK_STATE_DIR, domain);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool full_bdf(const char *s)
{
	struct vfk_addr a;
	unsigned int flags;
	char back[VFK_ADDR_STRLEN];

	if (vfk_addr_parse(s, &a, &flags) < 0 || !(flags & VFK_ADDR_HAS_DOMAIN))
		return false;
	/* Only the form vfiokit writes, so that two spellings of one device cannot both pass. */
	vfk_addr_format(&a, back);
	return streq(back, s);
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

static int parse_moved(const char *domain, const char *path, char *text, char ***ret, size_t *ret_n,
		       char **detail)
{
	bool have_format = false, have_domain = false;
	char **list = NULL;
	size_t n = 0;
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
		} else if ((v = hook_value_of(line, "device"))) {
			char **p;

			if (!full_bdf(v) || n >= MOVED_DEVICES_MAX)
				goto bad;
			for (size_t i = 0; i < n; i++)
				if (streq(list[i], v))
					goto bad;
			p = realloc(list, (n + 2) * sizeof(*p));
			if (!p)
				goto nomem;
			list = p;
			list[n] = strdup(v);
			if (!list[n])
				goto nomem;
			list[++n] = NULL;
		} else {
			goto bad;
		}
		continue;
	bad:
		detail_add(detail,
			   "/%s: line %d is not what vfiokit's hook writes (a key twice, unknown, "
			   "a wrong value or address, or more than %d devices); " FIX,
			   path, lineno, MOVED_DEVICES_MAX);
		free_list(list, n);
		return -EBADMSG;
	}
	if (!have_format || !have_domain) {
		detail_add(detail, "/%s: lacks its format or domain line; " FIX, path);
		free_list(list, n);
		return -EBADMSG;
	}
	*ret = list;
	*ret_n = n;
	return 0;
nomem:
	free_list(list, n);
	return -ENOMEM;
}

VFK_EXPORT int vfk_hook_get_moved(struct vfk_ctx *ctx, const char *domain, char ***ret,
				  size_t *ret_n, char **ret_detail)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	char *detail = NULL;
	int err;

	assert_return(ctx && domain && ret && ret_n, -EINVAL);
	if (!hook_domain_name_ok(domain) || moved_path(domain, path, sizeof(path)) < 0)
		return -ENOENT;
	err = hook_read_text(ctx, path, MOVED_MAX, FIX, &text, &detail);
	if (err == 0)
		err = parse_moved(domain, path, text, ret, ret_n, &detail);
	else if (err != -EBADMSG)
		return err;
	if (ret_detail)
		*ret_detail = detail;
	else
		free(detail);
	return err;
}

VFK_EXPORT int vfk_hook_set_moved(struct vfk_ctx *ctx, const char *domain, const char *const *bdfs,
				  size_t n, char **ret_detail)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	char *detail = NULL;
	size_t len = 0, cap;
	int err;

	assert_return(ctx && domain && (bdfs || !n), -EINVAL);
	if (!hook_domain_name_ok(domain) || n > MOVED_DEVICES_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!full_bdf(bdfs[i]))
			return -EINVAL;
	err = moved_path(domain, path, sizeof(path));
	if (err < 0)
		return err;
	if (n == 0) {
		err = path_unlink(ctx, path);
		if (err < 0 && err != -ENOENT) {
			detail_add(&detail, "cannot remove /%s: %s", path, strerror(-err));
			goto out;
		}
		err = 0;
		goto out;
	}
	cap = 256 + strlen(domain) + n * (sizeof("device=\n") + VFK_ADDR_STRLEN);
	text = malloc(cap);
	if (!text)
		return -ENOMEM;
	len += (size_t)snprintf(text + len, cap - len,
				"# The domain's PCI hostdevs that vfiokit's hook moved to vfio-pci "
				"when it started;\n# its stop gives back these only.\nformat=1\n"
				"domain=%s\n",
				domain);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "device=%s\n", bdfs[i]);
	err = path_mkdir_p(ctx, VFIOKIT_HOOK_STATE_DIR, 0700);
	if (err >= 0)
		err = path_write_file(ctx, path, text, len, 0600);
	if (err < 0)
		detail_add(&detail, "cannot write /%s: %s", path, strerror(-err));
out:
	if (err < 0 && ret_detail)
		*ret_detail = TAKE_PTR(detail);
	free(detail);
	return err;
}
