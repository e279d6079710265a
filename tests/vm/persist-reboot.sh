#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vfiokit persist across real boots of the sandbox: the first boot runs GUEST apply, which
# writes the configuration; the files it wrote are on "disk" for the second boot, whose
# coldplug is systemd-udevd running the system's rules, and GUEST check verifies what came
# up and undoes it; the third boot's GUEST undone verifies that nothing is left.
#   persist-reboot.sh VFIOKIT TOPOLOGY GUEST
#   (twonic with guest/persist-boot.sh: one of two identical NICs on vfio-pci from boot;
#    sriov with guest/persist-vfs-boot.sh: the nvme PF's VFs created and on vfio-pci)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$1 topo=$2 guest=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-persist-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$here/run-vm.sh" --udev --save-to "$work/boot1" "$topo" "$guest" "$tool" apply
"$here/run-vm.sh" --udev --root-overlay "$work/boot1/root" --save-to "$work/boot2" "$topo" \
	"$guest" "$tool" check
mkdir -p "$work/boot2/root"
"$here/run-vm.sh" --udev --root-overlay "$work/boot2/root" "$topo" "$guest" "$tool" undone
