#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sandbox walk-through, run inside the vm lane's guest by `make demo`: each step prints
# the command and its real output against the guest's real kernel and emulated VT-d.
tool=$1
nic=

failed=0
out=$(mktemp)

# A step that prints nothing shows nothing of what it announces: the demo fails then.
step() {
	local rc=0
	printf '\n\033[1m== %s\033[0m\n' "$1"
	shift
	printf '$ %s\n' "${show:-$*}"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "(exit status $rc)"
	if [ ! -s "$out" ]; then
		echo "demo: FAILED: this step printed nothing"
		failed=$((failed + 1))
	fi
}

# The kernel log: dmesg, or busybox's when util-linux's cannot read it.
kernel_log() {
	dmesg 2>/dev/null || busybox dmesg
}
iommu_boot_messages() {
	kernel_log | grep -E 'DMAR: IOMMU enabled|DMAR-IR|Default domain type|Adding to iommu group' | head -n 8
}
vfio_messages() {
	kernel_log | grep -iE 'vfio' | grep -iv 'command line' | tail -n 4
}

echo "This is a throwaway VM: $(uname -r) under QEMU with an emulated Intel VT-d,"
echo "an edu device, an e1000e NIC and an nvme disk. Nothing here touches the real host."

show="dmesg | grep -E 'DMAR: IOMMU enabled|DMAR-IR|Default domain type|Adding to iommu group' | head -n 8" \
	step "What the kernel said about the IOMMU at boot" iommu_boot_messages
step "Is this host ready for VFIO passthrough?" "$tool" doctor
step "Which devices must travel together?" "$tool" groups
step "The network cards, and who drives them" "$tool" list --class net
nic=$("$tool" list --class net --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["bdf"])')
step "The NIC's driver link in sysfs" readlink "/sys/bus/pci/devices/$nic/driver"
step "Group devices VFIO has opened so far" \
	bash -c "ls /dev/vfio/ 2>/dev/null || echo '(none: no /dev/vfio until vfio is loaded)'"

step "What passing the NIC through takes (nothing changes yet)" "$tool" plan "$nic"

group=$(basename "$(readlink "/sys/bus/pci/devices/$nic/iommu_group")")
step "Move it to vfio-pci: what would be written" "$tool" bind --dry-run "$nic"
step "Move it for real (journaled, all or none)" "$tool" bind "$nic"
step "The driver link now" readlink "/sys/bus/pci/devices/$nic/driver"
step "Its group's VFIO device node has appeared" ls -l "/dev/vfio/$group"
show="dmesg | grep -iE vfio | grep -iv 'command line' | tail -n 4" step "What the kernel logged" vfio_messages
step "The journal that makes it undoable" cat /run/vfiokit/journal.json
step "vfiokit sees the change" "$tool" groups "$group"
step "Back to the host driver" "$tool" restore --all
step "The driver link again" readlink "/sys/bus/pci/devices/$nic/driver"

. "$(dirname "$0")/nested.sh"
step "A VM for the NIC: QEMU's arguments (nothing runs)" "$tool" qemu --print --bind --memory 128M "$nic"
step "Start it: bind, boot a small guest that lists its PCI devices, restore on exit" \
	"$tool" qemu --bind --firmware bios --memory 128M "$nic" -- "${nested[@]}"
step "The NIC is back on its host driver" readlink "/sys/bus/pci/devices/$nic/driver"
step "And the journal is empty" "$tool" restore --all
rm -f "$out"
if [ "$failed" != 0 ]; then
	echo "demo: $failed steps printed nothing"
	exit 1
fi
echo "demo: every step showed what it announced"
