# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared settings of the vm lane; sourced by prepare.sh and run-vm.sh.

VM_CACHE=${VFIOKIT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfiokit/vm}
VM_KERNEL_PKG_META=linux-image-6.12-amd64

vm_die() {
	echo "vm: $*" >&2
	exit 1
}

# The versioned image package the meta-package points at, e.g. linux-image-6.12.117+deb12-amd64.
vm_kernel_pkg() {
	apt-cache depends "$VM_KERNEL_PKG_META" 2>/dev/null |
		awk '/Depends: linux-image-6\.12\./ { print $2; exit }'
}

vm_stock_dir() {
	echo "$VM_CACHE/stock"
}

# Kernel release of the unpacked stock kernel, from its modules directory.
vm_stock_release() {
	local d
	d=$(ls -1 "$(vm_stock_dir)/lib/modules" 2>/dev/null | head -n 1)
	[ -n "$d" ] && echo "$d"
}

# Where build-kernel.sh puts the iommufd kernel for the current fragment and source.
vm_iommufd_dir() {
	local here version
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || return 1
	echo "$VM_CACHE/iommufd-$( (cat "$here/kernel.config"; echo "$version") | sha256sum | cut -c1-16)"
}
