// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "persist-private.h"

/* The line starting at @p is exactly @marker. */
static bool line_is(const char *p, const char *marker)
{
	size_t n = strlen(marker);

	return strncmp(p, marker, n) == 0 && (p[n] == '\n' || p[n] == '\0');
}

/* Finds the block: [*begin, *end) covers its marker lines and everything between. */
static bool find_block(const char *text, const char **begin, const char **end)
{
	const char *b = NULL;

	for (const char *p = text; p && *p;) {
		const char *next = strchr(p, '\n');

		/* The last begin line before an end line: a stray begin line above (a
		 * block cut short by hand) stays the user's text, not part of the block. */
		if (line_is(p, PERSIST_BEGIN)) {
			b = p;
		} else if (b && line_is(p, PERSIST_END)) {
			*begin = b;
			*end = next ? next + 1 : p + strlen(p);
			return true;
		}
		p = next ? next + 1 : NULL;
	}
	return false;
}

bool persist_has_block(const char *text)
{
	const char *b, *e;

	return text && find_block(text, &b, &e);
}

char *persist_block_edit(const char *old, const char *body)
{
	const char *b, *e;
	char *block = NULL, *out = NULL;

	if (!old)
		old = "";
	if (body && asprintf(&block, "%s\n%s%s\n", PERSIST_BEGIN, body, PERSIST_END) < 0)
		return NULL;
	if (find_block(old, &b, &e)) {
		if (asprintf(&out, "%.*s%s%s", (int)(b - old), old, block ? block : "", e) < 0)
			out = NULL;
	} else if (!block) {
		out = strdup(old);
	} else {
		size_t n = strlen(old);

		/* A last line without its newline gets one, so the block starts a line. */
		if (asprintf(&out, "%s%s%s", old, n && old[n - 1] != '\n' ? "\n" : "", block) < 0)
			out = NULL;
	}
	free(block);
	return out;
}

unsigned long long persist_hash(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ull;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

#define DSN_CAP_ID 0x0003

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool persist_read_serial(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	uint8_t cfg[4096];
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/config", bdf);
	fd = path_open_file(ctx, path);
	if (fd < 0)
		return false;
	n = read(fd, cfg, sizeof(cfg));
	return n > 0 && persist_config_serial(cfg, (size_t)n, buf, size);
}

bool persist_config_serial(const uint8_t *cfg, size_t size_cfg, char *buf, size_t size)
{
	ssize_t n = (ssize_t)(size_cfg > 4096 ? 4096 : size_cfg);
	unsigned int off = 0x100;

	/* Extended capabilities: a chain of 32-bit headers (id, version, next) from 0x100,
	 * walked at most 64 steps against loops. */
	for (int steps = 0; n >= (ssize_t)off + 12 && off >= 0x100 && steps < 64; steps++) {
		uint32_t h = le32(cfg + off);
		uint64_t serial;

		if (h == 0 || h == 0xffffffffu)
			return false;
		if ((h & 0xffff) == DSN_CAP_ID) {
			serial = (uint64_t)le32(cfg + off + 8) << 32 | le32(cfg + off + 4);
			snprintf(buf, size, "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
				 (unsigned int)(serial >> 56) & 0xff,
				 (unsigned int)(serial >> 48) & 0xff,
				 (unsigned int)(serial >> 40) & 0xff,
				 (unsigned int)(serial >> 32) & 0xff,
				 (unsigned int)(serial >> 24) & 0xff,
				 (unsigned int)(serial >> 16) & 0xff,
				 (unsigned int)(serial >> 8) & 0xff, (unsigned int)serial & 0xff);
			return true;
		}
		off = (h >> 20) & 0xffc;
	}
	return false;
}

bool persist_read_slot(struct vfk_ctx *ctx, const char *bdf, char *buf, size_t size)
{
	const char *dot = strrchr(bdf, '.');
	struct dirent *de;
	bool found = false;
	DIR *dir;

	if (!dot || path_opendir(ctx, "sys/bus/pci/slots", &dir) < 0)
		return false;
	while (!found && (de = readdir(dir))) {
		char path[PATH_MAX], addr[64];

		snprintf(path, sizeof(path), "sys/bus/pci/slots/%.64s/address", de->d_name);
		if (de->d_name[0] == '.' || path_read(ctx, path, addr, sizeof(addr)) <= 0)
			continue;
		addr[strcspn(addr, "\n")] = '\0';
		if (strlen(addr) == (size_t)(dot - bdf) && strncmp(addr, bdf, strlen(addr)) == 0) {
			snprintf(buf, size, "%s", de->d_name);
			found = true;
		}
	}
	closedir(dir);
	return found;
}
