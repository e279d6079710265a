// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm-private.h"

/* PCI Firmware Specification 3.0, 5.1: an image starts with 0x55 0xAA; the 16-bit word at
 * 0x18 points to the "PCIR" data structure holding the vendor and device the image is
 * for. */
#define ROM_SIG0 0x55
#define ROM_SIG1 0xaa
#define ROM_PCIR_PTR 0x18
#define ROM_MIN 512
#define ROM_MAX (64u << 20)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* An image header at @off whose PCIR structure lies inside the file. */
static bool image_at(const uint8_t *b, size_t n, size_t off, size_t *pcir)
{
	size_t p;

	if (off + ROM_PCIR_PTR + 2 > n || b[off] != ROM_SIG0 || b[off + 1] != ROM_SIG1)
		return false;
	p = off + le16(b + off + ROM_PCIR_PTR);
	if (p + 8 > n || memcmp(b + p, "PCIR", 4) != 0)
		return false;
	*pcir = p;
	return true;
}

int rom_check(const char *file, uint16_t vendor, uint16_t device, char *msg, size_t size,
	      char *warn, size_t wsize)
{
	_cleanup_free_ uint8_t *b = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t n = 0;
	struct stat st;
	ssize_t r = 0;

	warn[0] = '\0';
	/* A FIFO or device given by mistake must not block QEMU's launch forever. */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, size, "ROM file %s: %s", file, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, size, "ROM file %s: not a regular file", file);
		return -EINVAL;
	}
	b = malloc(ROM_MAX);
	if (!b)
		return -ENOMEM;
	while (n < ROM_MAX && (r = read(fd, b + n, ROM_MAX - n)) > 0)
		n += (size_t)r;
	if (r < 0) {
		snprintf(msg, size, "ROM file %s: %s", file, strerror(errno));
		return -EIO;
	}
	return rom_check_image(b, n, file, vendor, device, msg, size, warn, wsize);
}

int rom_check_image(const uint8_t *b, size_t n, const char *file, uint16_t vendor, uint16_t device,
		    char *msg, size_t size, char *warn, size_t wsize)
{
	size_t pcir;

	warn[0] = '\0';
	if (n < ROM_MIN) {
		snprintf(msg, size, "ROM file %s is %zu bytes: too short for an option ROM", file,
			 n);
		return -EINVAL;
	}
	if (!image_at(b, n, 0, &pcir)) {
		/* Dumps made by vendor flash tools carry their own header before the image. */
		for (size_t off = 1; off + ROM_MIN <= n; off++)
			if (image_at(b, n, off, &pcir)) {
				snprintf(msg, size,
					 "ROM file %s has %zu bytes before the option ROM "
					 "(0x55AA at offset 0x%zx), as flash-tool dumps do; strip "
					 "them: dd if=%s of=%s.fixed bs=%zu skip=1",
					 file, off, off, file, file, off);
				return -EINVAL;
			}
		snprintf(msg, size,
			 "ROM file %s is not a PCI option ROM: no 0x55AA signature with a PCIR "
			 "structure",
			 file);
		return -EINVAL;
	}
	if (le16(b + pcir + 4) != vendor || le16(b + pcir + 6) != device)
		snprintf(warn, wsize,
			 "ROM file %s is for device %04x:%04x, not %04x:%04x; the guest may not "
			 "start the card with it",
			 file, le16(b + pcir + 4), le16(b + pcir + 6), vendor, device);
	return 0;
}
