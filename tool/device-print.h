/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <vfiokit/vfiokit.h>

/* All fields of a device as JSON members of the current object; nothing in text. */
void print_device_fields(struct vfk_device *dev);

/* Text only: "  BDF LINE" as format_device_line() has it, and "      driver: DRIVER". */
void print_device_entry(struct vfk_device *dev);

/* "VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80]
 * (rev a1)" as lspci -nn shows it, into @buf. */
void format_device_line(struct vfk_device *dev, char *buf, size_t size);
