/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMIO loops through the accessors (_lib) and through raw volatile pointers (_raw). */
#pragma once

#include <stddef.h>
#include <stdint.h>

uint32_t mmio_read32_lib(const volatile void *base, size_t n, size_t mask);
uint32_t mmio_read32_raw(const volatile void *base, size_t n, size_t mask);
void mmio_write32_lib(volatile void *base, size_t n, size_t mask);
void mmio_write32_raw(volatile void *base, size_t n, size_t mask);
uint64_t mmio_read64_lib(const volatile void *base, size_t n, size_t mask);
uint64_t mmio_read64_raw(const volatile void *base, size_t n, size_t mask);
void mmio_write64_lib(volatile void *base, size_t n, size_t mask);
void mmio_write64_raw(volatile void *base, size_t n, size_t mask);
uint16_t mmio_read16_lib(const volatile void *base, size_t n, size_t mask);
uint16_t mmio_read16_raw(const volatile void *base, size_t n, size_t mask);
void mmio_write8_lib(volatile void *base, size_t n, size_t mask);
void mmio_write8_raw(volatile void *base, size_t n, size_t mask);
