#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (flat): a VFIO client that is not ours, QEMU, uses a
# device that vfiokit bound. While QEMU holds the group, restore must refuse and name
# it; once QEMU is gone, restore must bring the NIC back.
#   check-client.sh VFIOKIT
set -u
tool=$1
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
nic=$(for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/class")" in 0x0200*) basename "$d"; break ;; esac
done)
ids="$(cut -c3- "/sys/bus/pci/devices/$nic/vendor"):$(cut -c3- "/sys/bus/pci/devices/$nic/device")"
group=$(basename "$(readlink "/sys/bus/pci/devices/$nic/iommu_group")")

check "bind $nic" "$tool" bind "$nic"
ulimit -l unlimited
# QEMU's monitor reads its commands slowly from a pipe, so it holds the device meanwhile.
{
	for _ in $(seq 1 300); do
		[ -e "$VM_SCRATCH/quit" ] && break
		sleep 0.1
	done
	echo "info pci"
	sleep 1
	echo quit
} | qemu-system-x86_64 -accel tcg -M q35 -m 128M -nodefaults -display none -S \
	-monitor stdio -device "vfio-pci,host=$nic" >"$VM_SCRATCH/qemu.out" 2>&1 &
qemu=$!
held=0
for _ in $(seq 1 200); do
	if ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q "/dev/vfio/$group\$"; then
		held=1
		break
	fi
	sleep 0.1
done
check "QEMU opened /dev/vfio/$group" [ $held = 1 ]
"$tool" restore "$nic" 2>"$VM_SCRATCH/err"
check "restore refused while QEMU holds the group" grep -q "(qemu-system-x86) holds /dev/vfio/$group" "$VM_SCRATCH/err"
check "$nic still on vfio-pci" [ "$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = vfio-pci ]
touch "$VM_SCRATCH/quit"
wait "$qemu"
check "QEMU's guest saw the device ($ids)" grep -qi "$ids\|Ethernet controller" "$VM_SCRATCH/qemu.out"
check "restore $nic" "$tool" restore "$nic"
check "$nic back on e1000e" [ "$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = e1000e ]
[ $fail = 0 ] || cat "$VM_SCRATCH/qemu.out" >&2
exit $fail
