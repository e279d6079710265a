// SPDX-License-Identifier: LGPL-2.1-or-later
/* struct vfk_persist lives here because persist.c and persist-apply.c both add to it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "persist-private.h"
#include "strv.h"

int persist_add_command(struct vfk_persist *p, const char *const *argv)
{
	char **copy = NULL, ***grown, **expects;
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; argv[i] && err >= 0; i++)
		err = strv_push(&copy, &n, strdup(argv[i]));
	grown = err < 0 ? NULL : realloc(p->commands, (p->n_commands + 1) * sizeof(*grown));
	if (grown)
		p->commands = grown;
	expects = err < 0 ? NULL : realloc(p->expects, (p->n_commands + 1) * sizeof(*expects));
	if (expects)
		p->expects = expects;
	if (!grown || !expects) {
		strv_free(copy);
		return -ENOMEM;
	}
	p->expects[p->n_commands] = NULL;
	p->commands[p->n_commands++] = copy;
	return 0;
}

VFK_EXPORT struct vfk_persist *vfk_persist_ref(struct vfk_persist *p)
{
	if (p)
		p->refcount++;
	return p;
}

VFK_EXPORT struct vfk_persist *vfk_persist_unref(struct vfk_persist *p)
{
	if (!p || --p->refcount > 0)
		return NULL;
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].abs);
		free(p->files[i].old);
		free(p->files[i].updated);
	}
	free(p->files);
	free(p->sriov.vfs);
	strv_free(p->warnings);
	for (size_t i = 0; i < p->n_commands; i++) {
		strv_free(p->commands[i]);
		free(p->expects[i]);
	}
	free(p->commands);
	free(p->expects);
	vfk_ctx_unref(p->ctx);
	free(p);
	return NULL;
}

VFK_EXPORT size_t vfk_persist_get_n_files(const struct vfk_persist *p)
{
	return p ? p->n_files : 0;
}

VFK_EXPORT const char *vfk_persist_get_file(const struct vfk_persist *p, size_t i,
					    const char **ret_old, const char **ret_new)
{
	assert_return(p && i < p->n_files, NULL);
	if (ret_old)
		*ret_old = p->files[i].old;
	if (ret_new)
		*ret_new = p->files[i].updated;
	return p->files[i].abs;
}

VFK_EXPORT size_t vfk_persist_get_n_warnings(const struct vfk_persist *p)
{
	return p ? p->n_warnings : 0;
}

VFK_EXPORT const char *vfk_persist_get_warning(const struct vfk_persist *p, size_t i)
{
	assert_return(p && i < p->n_warnings, NULL);
	return p->warnings[i];
}

VFK_EXPORT size_t vfk_persist_get_n_commands(const struct vfk_persist *p)
{
	return p ? p->n_commands : 0;
}

VFK_EXPORT const char *const *vfk_persist_get_command(const struct vfk_persist *p, size_t i)
{
	assert_return(p && i < p->n_commands, NULL);
	return (const char *const *)p->commands[i];
}

VFK_EXPORT const char *vfk_persist_get_command_expect(const struct vfk_persist *p, size_t i)
{
	assert_return(p && i < p->n_commands, NULL);
	return p->expects[i];
}

VFK_EXPORT const char *vfk_persist_get_vfs(const struct vfk_persist *p, unsigned int *ret_n_vfs,
					   bool *ret_bind)
{
	assert_return(p, NULL);
	if (ret_n_vfs)
		*ret_n_vfs = p->sriov.n_vfs;
	if (ret_bind)
		*ret_bind = p->sriov.bind;
	return p->sriov.pf[0] ? p->sriov.pf : NULL;
}

VFK_EXPORT const char *vfk_persist_get_vf(const struct vfk_persist *p, unsigned int i)
{
	assert_return(p && i < p->sriov.n_vfs, NULL);
	return p->sriov.vfs[i];
}
