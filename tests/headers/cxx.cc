// SPDX-License-Identifier: LGPL-2.1-or-later
// The public headers are usable from C++.
#include <vfiokit/vfiokit.h>

int main()
{
	struct vfk_ctx *ctx = nullptr;

	return vfk_ctx_unref(ctx) == nullptr ? 0 : 1;
}
