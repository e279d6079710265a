// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "kmsg.h"
#include "path.h"

#define KMSG_MAX (16u << 20)

int kmsg_read_raw(struct vfk_ctx *ctx, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = path_open(ctx, DEV_KMSG, O_RDONLY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		/* /dev/kmsg returns one record per read() and needs room for a whole one. */
		if (cap - len < 8192 + 1) {
			char *p;

			if (cap >= KMSG_MAX)
				break;
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: records overwritten while reading */
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}
