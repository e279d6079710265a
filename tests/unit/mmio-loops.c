// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The same MMIO loops written with the library's accessors and with raw volatile
 * pointers. check-mmio-asm.sh compiles this file with -O2 and requires each pair to be
 * the same instructions; bench/devapi/bench-mmio times the very same functions on a
 * mapped BAR. Each loop walks a window of @mask + 1 elements.
 */
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/vfio.h>

#include "mmio-loops.h"

uint32_t mmio_read32_lib(const volatile void *base, size_t n, size_t mask)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += vfk_mmio_read32(base, (i & mask) * 4);
	return sum;
}

uint32_t mmio_read32_raw(const volatile void *base, size_t n, size_t mask)
{
	const volatile uint32_t *p = base;
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i & mask];
	return sum;
}

void mmio_write32_lib(volatile void *base, size_t n, size_t mask)
{
	for (size_t i = 0; i < n; i++)
		vfk_mmio_write32(base, (i & mask) * 4, (uint32_t)i);
}

void mmio_write32_raw(volatile void *base, size_t n, size_t mask)
{
	volatile uint32_t *p = base;

	for (size_t i = 0; i < n; i++)
		p[i & mask] = (uint32_t)i;
}

uint64_t mmio_read64_lib(const volatile void *base, size_t n, size_t mask)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += vfk_mmio_read64(base, (i & mask) * 8);
	return sum;
}

uint64_t mmio_read64_raw(const volatile void *base, size_t n, size_t mask)
{
	const volatile uint64_t *p = base;
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i & mask];
	return sum;
}

void mmio_write64_lib(volatile void *base, size_t n, size_t mask)
{
	for (size_t i = 0; i < n; i++)
		vfk_mmio_write64(base, (i & mask) * 8, i);
}

void mmio_write64_raw(volatile void *base, size_t n, size_t mask)
{
	volatile uint64_t *p = base;

	for (size_t i = 0; i < n; i++)
		p[i & mask] = i;
}

uint16_t mmio_read16_lib(const volatile void *base, size_t n, size_t mask)
{
	uint16_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += vfk_mmio_read16(base, (i & mask) * 2);
	return sum;
}

uint16_t mmio_read16_raw(const volatile void *base, size_t n, size_t mask)
{
	const volatile uint16_t *p = base;
	uint16_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i & mask];
	return sum;
}

void mmio_write8_lib(volatile void *base, size_t n, size_t mask)
{
	for (size_t i = 0; i < n; i++)
		vfk_mmio_write8(base, i & mask, (uint8_t)i);
}

void mmio_write8_raw(volatile void *base, size_t n, size_t mask)
{
	volatile uint8_t *p = base;

	for (size_t i = 0; i < n; i++)
		p[i & mask] = (uint8_t)i;
}
