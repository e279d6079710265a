// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "internal.h"
#include "path.h"

/* Bounds on what is read from /dev/kmsg and on the text kept of it. */
#define KMSG_RAW_MAX (16u << 20)
#define KMSG_TEXT_MAX (8u << 20)

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

			if (cap >= KMSG_RAW_MAX)
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

/*
 * Records become one message per line: "6,339,5140900,-;DMAR: IOMMU enabled" keeps what follows ';',
 * continuation lines (" SUBSYSTEM=pci") are dropped, and plain dmesg text stays as it is.
 */
int kmsg_records_append(char **out, size_t *len, const char *rec, size_t n)
{
	for (const char *p = rec, *end = rec + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *msg = p, *semi;
		size_t mlen;
		char *grown;

		if (*p == ' ') {
			p = nl ? nl + 1 : end;
			continue;
		}
		semi = memchr(p, ';', (size_t)(eol - p));
		if (semi && memchr(p, ',', (size_t)(semi - p)))
			msg = semi + 1;
		mlen = (size_t)(eol - msg);
		if (*len + mlen + 2 > KMSG_TEXT_MAX)
			return -EFBIG;
		grown = realloc(*out, *len + mlen + 2);
		if (!grown)
			return -ENOMEM;
		*out = grown;
		memcpy(*out + *len, msg, mlen);
		*len += mlen;
		(*out)[(*len)++] = '\n';
		(*out)[*len] = '\0';
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int host_read_kmsg(struct host *h)
{
	_cleanup_free_ char *raw = NULL, *out = NULL;
	size_t rawlen, len = 0;
	int err;

	err = kmsg_read_raw(h->ctx, &raw, &rawlen);
	if (err < 0) {
		h->kmsg_error = err;
		return 0;
	}
	err = kmsg_records_append(&out, &len, raw, rawlen);
	if (err == -ENOMEM)
		return err;
	h->kmsg = out ? TAKE_PTR(out) : strdup("");
	return h->kmsg ? 0 : -ENOMEM;
}

const char *kmsg_find(const struct host *h, const char *const *needles, char *buf, size_t size)
{
	if (!h->kmsg)
		return NULL;
	for (const char *line = h->kmsg; *line;) {
		const char *nl = strchrnul(line, '\n');
		size_t n = (size_t)(nl - line);

		for (size_t i = 0; needles[i]; i++) {
			const char *hit = memmem(line, n, needles[i], strlen(needles[i]));

			if (hit) {
				if (n >= size)
					n = size - 1;
				memcpy(buf, line, n);
				buf[n] = '\0';
				return buf;
			}
		}
		line = *nl ? nl + 1 : nl;
	}
	return NULL;
}
