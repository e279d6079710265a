// SPDX-License-Identifier: LGPL-2.1-or-later
/* Compiles only if the header is self-contained. */
#include <vfiokit/vfio.h>

int main(void)
{
	return 0;
}
