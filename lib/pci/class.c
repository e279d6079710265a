// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>

#include "internal.h"

static const char *const kind_names[_VFK_CLASS_MAX] = {
	[VFK_CLASS_OTHER] = "other",	 [VFK_CLASS_GPU] = "gpu", [VFK_CLASS_NET] = "net",
	[VFK_CLASS_STORAGE] = "storage", [VFK_CLASS_USB] = "usb", [VFK_CLASS_AUDIO] = "audio",
	[VFK_CLASS_BRIDGE] = "bridge",
};

VFK_EXPORT enum vfk_class_kind vfk_class_kind_of(uint32_t class_code)
{
	uint32_t base = class_code >> 16, sub = class_code >> 8 & 0xff;

	switch (base) {
	case 0x01:
		return VFK_CLASS_STORAGE;
	case 0x02:
		return VFK_CLASS_NET;
	case 0x03:
		return VFK_CLASS_GPU;
	case 0x04:
		/* 0x0401 audio, 0x0403 HD audio (a GPU's HDMI function); not video. */
		return sub == 0x01 || sub == 0x03 ? VFK_CLASS_AUDIO : VFK_CLASS_OTHER;
	case 0x06:
		return VFK_CLASS_BRIDGE;
	case 0x0c:
		return sub == 0x03 ? VFK_CLASS_USB : VFK_CLASS_OTHER;
	default:
		return VFK_CLASS_OTHER;
	}
}

VFK_EXPORT int vfk_class_kind_from_string(const char *s)
{
	int i;

	assert_return(s, -EINVAL);
	for (i = 0; i < _VFK_CLASS_MAX; i++)
		if (streq(s, kind_names[i]))
			return i;
	return -EINVAL;
}

VFK_EXPORT const char *vfk_class_kind_to_string(enum vfk_class_kind kind)
{
	if ((unsigned int)kind >= _VFK_CLASS_MAX)
		return NULL;
	return kind_names[kind];
}
