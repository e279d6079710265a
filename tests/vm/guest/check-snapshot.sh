#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: `vfiokit snapshot` of the real kernel's tree must show,
# through --root, exactly what the live machine shows: the same groups, devices and
# doctor findings. A second capture without module indexes is left in
# $VM_SCRATCH/out for tests/vm/capture-fixtures.sh.
#   check-snapshot.sh VFIOKIT
set -u
tool=$1
full=$VM_SCRATCH/full
fail=0

# Virtual functions make the capture show physfn and virtfn links as the kernel makes them.
shopt -s nullglob
for total in /sys/bus/pci/devices/*/sriov_totalvfs; do
	[ "$(cat "$total")" -gt 0 ] 2>/dev/null || continue
	echo 2 >"${total%_totalvfs}_numvfs" && echo "enabled 2 VFs on $(basename "$(dirname "$total")")"
done
"$tool" snapshot "$full" || exit 1
for args in "groups --json" "list --json" "doctor --json"; do
	# shellcheck disable=SC2086 # $args is a list of words
	"$tool" $args >"$VM_SCRATCH/live.json"
	"$tool" --root "$full" $args >"$VM_SCRATCH/captured.json"
	if ! diff -u "$VM_SCRATCH/live.json" "$VM_SCRATCH/captured.json"; then
		echo "FAIL: vfiokit $args differs between the machine and its snapshot" >&2
		fail=1
	else
		echo "same: vfiokit $args"
	fi
done
# plan reads what the host uses below each device (interfaces, disks, mounts, routes):
# the capture must give the same plan for every NIC, disk and display controller.
for dev in /sys/bus/pci/devices/*; do
	case "$(cat "$dev/class")" in
	0x0108* | 0x0200* | 0x0300*) ;;
	*) continue ;;
	esac
	bdf=$(basename "$dev")
	"$tool" plan --json "$bdf" >"$VM_SCRATCH/live.json"
	"$tool" --root "$full" plan --json "$bdf" >"$VM_SCRATCH/captured.json"
	if ! diff -u "$VM_SCRATCH/live.json" "$VM_SCRATCH/captured.json"; then
		echo "FAIL: vfiokit plan $bdf differs between the machine and its snapshot" >&2
		fail=1
	else
		echo "same: vfiokit plan $bdf"
	fi
done
# The capture is self-contained: links resolve inside it.
for link in "$full"/sys/bus/pci/devices/*; do
	target=$(readlink -f "$link")
	case "$target" in
	"$full"/*) ;;
	*) echo "FAIL: $link leaves the capture ($target)" >&2; fail=1 ;;
	esac
done
"$tool" snapshot --no-modules "$VM_SCRATCH/out" >/dev/null || fail=1
echo "snapshot: $(find "$full" | wc -l) entries, $(du -sk --apparent-size "$VM_SCRATCH/out" | cut -f1) KiB without modules"
exit $fail
