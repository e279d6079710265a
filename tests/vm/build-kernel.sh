#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the vm lane's iommufd kernel from Debian's linux-source-6.12 with kernel.config,
# into $VFIOKIT_VM_CACHE/iommufd-<hash>/bzImage. Rebuilt only when the fragment or the
# source version changes (about 10-15 minutes on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || vm_die "missing /usr/src/linux-source-6.12.tar.*: run scripts/install-deps.sh --vm"
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
out=$(vm_iommufd_dir)
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi
mkdir -p "$VM_CACHE"
src="$VM_CACHE/src-$version"
if [ ! -f "$src/.unpacked" ]; then
	echo "vm: unpacking $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi
echo "vm: building the iommufd kernel (this takes a while; cached afterwards)" >&2
make -C "$src" -s tinyconfig >&2
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$here/kernel.config" >/dev/null)
make -C "$src" -s olddefconfig >&2
# A fragment option that did not survive olddefconfig means a wrong name or a missing
# dependency: fail loudly rather than boot a kernel without it.
missing=$(grep -E '^CONFIG_(IOMMUFD|VFIO_DEVICE_CDEV|VFIO_PCI|INTEL_IOMMU|IRQ_REMAP|9P_FS|OVERLAY_FS)=y' \
	"$here/kernel.config" | while read -r l; do grep -qx "$l" "$src/.config" || echo "$l"; done)
[ -z "$missing" ] || vm_die "kernel config lacks: $missing"
nice -n 10 make -C "$src" -s -j"$(nproc)" bzImage >&2
mkdir -p "$out.tmp"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/bzImage"
