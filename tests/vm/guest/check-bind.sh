#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: vfiokit bind and restore against Linux's real vfio-pci.
#   check-bind.sh VFIOKIT flat|gpu
set -u
tool=$1 topo=$2
fail=0
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver") && basename "$l" || echo none
}
group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
by_class() {
	for d in /sys/bus/pci/devices/*; do
		case "$(cat "$d/class")" in "$1"*) basename "$d"; return ;; esac
	done
}

if [ "$topo" = flat ]; then
	nic=$(by_class 0x0200)
	orig=$(driver "$nic")
	"$tool" bind --dry-run "$nic" >"$VM_SCRATCH/dry" 2>&1
	check "dry run changes nothing" [ "$(driver "$nic")" = "$orig" ]
	check "dry run shows the override write" grep -q "driver_override <- \"vfio-pci\"" "$VM_SCRATCH/dry"
	check "bind $nic" "$tool" bind "$nic"
	check "$nic is on vfio-pci" [ "$(driver "$nic")" = vfio-pci ]
	check "/dev/vfio/$(group "$nic") exists" [ -c "/dev/vfio/$(group "$nic")" ]
	check "journal records $nic" grep -q "\"$nic\"" /run/vfiokit/journal.json
	check "journal directory is 0700" [ "$(stat -c %a /run/vfiokit)" = 700 ]
	# A process holding the group open: restore must refuse, not hang.
	sleep 30 </dev/vfio/"$(group "$nic")" &
	holder=$!
	sleep 0.2
	"$tool" restore "$nic" 2>"$VM_SCRATCH/err"
	check "restore refused while pid $holder holds the group" grep -q "$holder (sleep) holds /dev/vfio" "$VM_SCRATCH/err"
	check "$nic still on vfio-pci" [ "$(driver "$nic")" = vfio-pci ]
	kill "$holder"; wait "$holder" 2>/dev/null
	check "restore $nic" "$tool" restore "$nic"
	check "$nic back on $orig" [ "$(driver "$nic")" = "$orig" ]
	check "override cleared" [ "$(cat "/sys/bus/pci/devices/$nic/driver_override")" = "(null)" ]
	check "journal empty" [ "$("$tool" --json restore --all --dry-run | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["journal_before"]))')" = 0 ]

	# The nvme disk mounted: bind refuses and changes nothing.
	nvme=$(by_class 0x0108)
	disk=$(ls "/sys/bus/pci/devices/$nvme/nvme/"*/ | grep -m1 '^nvme[0-9]*n[0-9]*$')
	modprobe ext4; mkfs.ext4 -q -F "/dev/$disk"; mkdir -p /tmp/m; mount "/dev/$disk" /tmp/m
	"$tool" bind "$nvme" 2>"$VM_SCRATCH/err"
	check "bind refused for the mounted disk" grep -q "mounted on /tmp/m" "$VM_SCRATCH/err"
	check "nvme still on nvme" [ "$(driver "$nvme")" = nvme ]
	umount /tmp/m
	check "bind the idle nvme" "$tool" bind "$nvme"
	check "restore --all" "$tool" restore --all
	check "nvme back on nvme" [ "$(driver "$nvme")" = nvme ]
elif [ "$topo" = sriov ]; then
	pf=$(for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/sriov_totalvfs" 2>/dev/null || echo 0)" -gt 0 ] && basename "$d"
	done | head -n1)
	total=$(cat "/sys/bus/pci/devices/$pf/sriov_totalvfs")
	check "dry run changes nothing" "$tool" sriov --dry-run --bind "$pf" --vfs "$total"
	check "no VFs yet" [ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	check "sriov --bind $pf --vfs $total" "$tool" sriov --bind "$pf" --vfs "$total"
	check "$total VFs exist" [ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = "$total" ]
	on_vfio=0
	for vf in "/sys/bus/pci/devices/$pf"/virtfn*; do
		[ "$(driver "$(basename "$(readlink -f "$vf")")")" = vfio-pci ] && on_vfio=$((on_vfio + 1))
	done
	check "all $total VFs on vfio-pci ($on_vfio)" [ "$on_vfio" = "$total" ]
	check "journal records the old count" grep -q '"sriov_numvfs": 0' /run/vfiokit/journal.json
	check "$((total + 1)) VFs refused" bash -c '! "$0" sriov "$1" --vfs "$2"' "$tool" "$pf" $((total + 1))
	# Changing the count would destroy VFs on vfio-pci: refused, naming them, nothing
	# written; moving the PF is blocked for the same reason.
	vf0=$(basename "$(readlink -f "/sys/bus/pci/devices/$pf/virtfn0")")
	"$tool" sriov "$pf" --vfs 1 >"$VM_SCRATCH/out" 2>"$VM_SCRATCH/err"
	check "sriov --vfs 1 refused while the VFs are on vfio-pci" [ $? = 1 ]
	check "the refusal names $vf0 on vfio-pci" grep -q "$vf0 (on vfio-pci) is in use" "$VM_SCRATCH/err"
	check "the VFs it would destroy are listed" grep -q "^  $vf0 (on vfio-pci)" "$VM_SCRATCH/out"
	check "still $total VFs" [ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = "$total" ]
	check "$vf0 still on vfio-pci" [ "$(driver "$vf0")" = vfio-pci ]
	"$tool" plan "$pf" >"$VM_SCRATCH/plan" 2>&1
	check "plan $pf blocked by the VFs in use" grep -q "sriov.vf-in-use: would destroy virtual function $vf0" "$VM_SCRATCH/plan"
	check "plan $pf names no VF as slot sibling" bash -c '! grep -q slot.sibling "$0"' "$VM_SCRATCH/plan"
	"$tool" bind "$pf" 2>"$VM_SCRATCH/err"
	check "bind $pf refused" grep -q "would destroy virtual function $vf0" "$VM_SCRATCH/err"
	check "$pf still on nvme" [ "$(driver "$pf")" = nvme ]
	check "restore --all" "$tool" restore --all
	check "VFs gone again" [ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = 0 ]
	check "$pf still on nvme" [ "$(driver "$pf")" = nvme ]
	check "journal empty" [ "$(python3 -c 'import json; print(len(json.load(open("/run/vfiokit/journal.json"))["devices"]))')" = 0 ]
elif [ "$topo" = switch ]; then
	# Endpoints below the downstream ports of a PCIe switch: each port isolates its own.
	nvme=$(by_class 0x0108)
	orig=$(driver "$nvme")
	check "$nvme sits below a switch" bash -c "readlink -f /sys/bus/pci/devices/$nvme | grep -qE '([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/){3}'"
	check "bind $nvme" "$tool" bind "$nvme"
	check "$nvme on vfio-pci" [ "$(driver "$nvme")" = vfio-pci ]
	ports=0
	up=$(dirname "$(readlink -f "/sys/bus/pci/devices/$nvme")")
	while [ -e "$up/config" ]; do
		[ "$(driver "$(basename "$up")")" = pcieport ] && ports=$((ports + 1))
		up=$(dirname "$up")
	done
	check "the root port and both switch ports above it stay on pcieport ($ports)" [ "$ports" -ge 3 ]
	check "restore --all" "$tool" restore --all
	check "$nvme back on $orig" [ "$(driver "$nvme")" = "$orig" ]
elif [ "$topo" = bridge ]; then
	# Two endpoints behind a PCIe-to-PCI bridge share one group with it. Neither has a
	# driver, so the kernel lets the other and the bridge stay: one moves alone.
	set -- $(for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x00ff00 ] && [ "$(group "$(basename "$d")")" = "$(group "$(basename "$(dirname "$(readlink -f "$d")")")")" ] && basename "$d"
	done)
	one=$1 other=$2
	check "two endpoints share the bridge's group" [ -n "$one" ] && [ -n "$other" ]
	check "bind $one" "$tool" bind "$one"
	check "$one on vfio-pci" [ "$(driver "$one")" = vfio-pci ]
	check "$other left without a driver" [ "$(driver "$other")" = none ]
	check "/dev/vfio/$(group "$one") exists" [ -c "/dev/vfio/$(group "$one")" ]
	check "restore --all" "$tool" restore --all
	check "$one back without a driver" [ "$(driver "$one")" = none ]
else
	# GPU-like card: VGA .0 and audio .1 share a group; one alone is refused.
	vga=$(by_class 0x0300)
	audio=${vga%.0}.1
	# It is also the boot display: refused without --force-boot-vga.
	"$tool" bind --group "$vga" 2>"$VM_SCRATCH/err"
	check "the boot display is refused" grep -q "force-boot-vga" "$VM_SCRATCH/err"
	"$tool" bind --force-boot-vga "$vga" 2>"$VM_SCRATCH/err"
	check "binding one function alone is refused" grep -q "$audio .* must move too" "$VM_SCRATCH/err"
	check "vga unchanged" [ "$(driver "$vga")" != vfio-pci ]
	orig_vga=$(driver "$vga") orig_audio=$(driver "$audio")
	check "bind --group $vga" "$tool" bind --group --force-boot-vga "$vga"
	check "both functions on vfio-pci" [ "$(driver "$vga")/$(driver "$audio")" = vfio-pci/vfio-pci ]
	check "restore --all" "$tool" restore --all
	check "both back" [ "$(driver "$vga")/$(driver "$audio")" = "$orig_vga/$orig_audio" ]
fi
exit $fail
