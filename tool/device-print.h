/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <vfiokit/vfiokit.h>

/* All fields of a device as JSON members of the current object. */
void print_device_json(struct vfk_device *dev);

/* "VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80]
 * (rev a1)" as lspci -nn shows it, into @buf. */
void format_device_line(struct vfk_device *dev, char *buf, size_t size);
