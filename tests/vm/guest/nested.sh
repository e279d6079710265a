# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced inside the vm lane's guest: builds the guest that tests start inside it, a small
# kernel ($VM_NESTED_KERNEL, from tests/vm/build-kernel.sh) with a busybox initramfs whose
# init prints "nested-pci: VENDOR:DEVICE" for every PCI function it sees and powers off.
# Sets $nest (its directory, readable by unprivileged users) and the QEMU arguments that
# boot it, ${nested[@]}.
[ -f "$VM_NESTED_KERNEL" ] || {
	echo "no nested kernel $VM_NESTED_KERNEL: run tests/vm/build-kernel.sh" >&2
	exit 1
}
nest=/tmp/nested
mkdir -p "$nest/ird/bin" "$nest/ird/proc" "$nest/ird/sys"
chmod 755 "$nest"
cp "$VM_NESTED_KERNEL" "$nest/bzImage"
cp /usr/bin/busybox "$nest/ird/bin/busybox"
cat >"$nest/ird/init" <<'EOT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
for d in /sys/bus/pci/devices/*; do
	echo "nested-pci: $(/bin/busybox cat $d/vendor):$(/bin/busybox cat $d/device)"
done
/bin/busybox poweroff -f
EOT
chmod 755 "$nest/ird/init"
(cd "$nest/ird" && find . | cpio -o -H newc --quiet >"$nest/initrd.cpio")
chmod 644 "$nest/bzImage" "$nest/initrd.cpio"
nested=(-kernel "$nest/bzImage" -initrd "$nest/initrd.cpio" -append "console=ttyS0 quiet panic=-1"
	-nographic -no-reboot -nodefaults -serial stdio)
