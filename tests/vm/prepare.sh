#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prepares the vm lane's assets in $VFIOKIT_VM_CACHE (default ~/.cache/vfiokit/vm),
# idempotently: Debian's 6.12 kernel unpacked (never installed on this machine), and a
# busybox initramfs whose init mounts the host read-only over 9p and runs a test script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for tool in qemu-system-x86_64 cpio apt-get dpkg-deb modprobe depmod xz strace; do
	command -v "$tool" >/dev/null 2>&1 ||
		vm_die "missing $tool: run scripts/install-deps.sh --vm"
done
[ -x /bin/busybox ] || vm_die "missing static busybox: run scripts/install-deps.sh --vm"

mkdir -p "$VM_CACHE"
stock=$(vm_stock_dir)
pkg=$(vm_kernel_pkg)
[ -n "$pkg" ] || vm_die "cannot resolve $VM_KERNEL_PKG_META (apt-get update?)"

if [ ! -f "$stock/.pkg" ] || [ "$(cat "$stock/.pkg")" != "$pkg" ]; then
	echo "vm: fetching $pkg (unpacked into $stock, not installed)"
	rm -rf "$stock" "$VM_CACHE/dl"
	mkdir -p "$VM_CACHE/dl"
	(cd "$VM_CACHE/dl" && apt-get download -q "$pkg" >/dev/null)
	dpkg-deb -x "$VM_CACHE"/dl/*.deb "$stock"
	release=$(vm_stock_release)
	depmod -b "$stock" "$release"
	echo "$pkg" >"$stock/.pkg"
	rm -rf "$VM_CACHE/dl"
fi
release=$(vm_stock_release)

# The initramfs carries only what is needed to reach the host's files: 9p over virtio.
initrd="$VM_CACHE/initrd-$release.gz"
stamp=$(cat "$here/init.sh" "$here/prepare.sh" | sha256sum | cut -c1-16)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "vm: building initramfs for $release"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work"/{bin,proc,sys,dev,host,tmp,modules}
	cp /bin/busybox "$work/bin/busybox"
	for app in sh mount umount insmod mkdir cat echo sleep poweroff chroot grep cut tr \
		ls ln mknod sync seq; do
		ln -s busybox "$work/bin/$app"
	done
	n=0
	for m in $(modprobe -a -d "$stock" -S "$release" --show-depends 9p 9pnet_virtio virtio_pci \
		overlay 2>/dev/null | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'); do
		n=$((n + 1))
		out=$(printf '%s/modules/%02d-%s' "$work" "$n" "$(basename "${m%.xz}")")
		case "$m" in
		*.xz) xz -dc "$m" >"$out" ;;
		*.zst) zstd -dc "$m" >"$out" ;;
		*) cp "$m" "$out" ;;
		esac
	done
	cp "$here/init.sh" "$work/init"
	chmod +x "$work/init"
	(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	echo "$stamp" >"$initrd.stamp"
fi
echo "vm: ready: kernel $release in $VM_CACHE"
