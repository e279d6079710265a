#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# vfiokit persist --vfs across real boots of the sandbox (topology sriov, an nvme PF with
# sriov_max_vfs=4): the first boot configures the PF for 2 virtual functions on vfio-pci
# and nothing changes yet; the second boot's coldplug (systemd-udevd running the system's
# rules) must create them when nvme binds the PF and give them to vfio-pci, --verify must
# agree, and that boot undoes it; the third boot must have no virtual functions.
#   persist-vfs-reboot.sh VFIOKIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-persist-vfs-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$here/run-vm.sh" --udev --save-to "$work/boot1" sriov "$here/guest/persist-vfs-boot.sh" "$tool" apply
"$here/run-vm.sh" --udev --root-overlay "$work/boot1/root" --save-to "$work/boot2" sriov \
	"$here/guest/persist-vfs-boot.sh" "$tool" check
mkdir -p "$work/boot2/root"
"$here/run-vm.sh" --udev --root-overlay "$work/boot2/root" sriov \
	"$here/guest/persist-vfs-boot.sh" "$tool" undone
