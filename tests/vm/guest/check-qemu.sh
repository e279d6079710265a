#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: `vfiokit qemu --bind` starts a nested QEMU (TCG) that
# owns the devices; the nested guest, a small kernel with a busybox initramfs, prints
# the vendor:device of every PCI function it sees and powers off. Then the devices must
# be back on their host drivers.
#   check-qemu.sh VFIOKIT nic      the e1000e, QEMU running as nobody; then a QEMU crash
#                                  and a second guest asking for the same NIC; then
#                                  vfiokit killed while the NIC's group file is lent
#   check-qemu.sh VFIOKIT gpu      the GPU-like pair (VGA + HDA in one slot)
set -u
tool=$1 what=$2
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null; }
holds_file() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q "$2\$"; }
ids_of() { echo "$(cat "/sys/bus/pci/devices/$1/vendor"):$(cat "/sys/bus/pci/devices/$1/device")"; }
first_of_class() {
	for d in /sys/bus/pci/devices/*; do
		case "$(cat "$d/class")" in "$1"*) basename "$d"; return ;; esac
	done
}

. "$(dirname "$0")/nested.sh"

case $what in
nic)
	nic=$(first_of_class 0x0200)
	ids=$(ids_of "$nic")
	group=$(basename "$(readlink "/sys/bus/pci/devices/$nic/iommu_group")")
	# While the guest runs: QEMU is nobody's, /dev/vfio/N is lent to nobody and stays 0600.
	(
		for _ in $(seq 1 600); do
			pid=$(pgrep -f "qemu-system-x86_64 -name vfiokit-" | head -n 1)
			[ -n "$pid" ] && [ -e "/dev/vfio/$group" ] && break
			sleep 0.1
		done
		{
			echo "user=$(ps -o user= -p "$pid")"
			echo "node=$(stat -c '%U %a' "/dev/vfio/$group")"
			echo "memlock=$(awk '/Max locked memory/ { print $4 }' "/proc/$pid/limits")"
		} >"$nest/seen"
	) &
	watcher=$!
	rc=0
	"$tool" qemu --bind --user nobody --firmware bios --memory 128M "$nic" -- "${nested[@]}" \
		>"$nest/out" 2>&1 || rc=$?
	wait "$watcher"
	cat "$nest/seen"
	check "vfiokit qemu --bind exited 0 (got $rc)" [ $rc = 0 ]
	# qemu launches only on the host: / here is an overlay whose root inode is not the
	# 2 of ext4, so this launch shows the host is told by device and inode, not by 2.
	ino=$(stat -c %i /)
	echo "root inode: $ino"
	check "/ (inode $ino) was taken for the host: QEMU launched" grep -q "nested-pci:" "$nest/out"
	check "QEMU ran as nobody" grep -qx "user=nobody" "$nest/seen"
	check "/dev/vfio/$group was lent to nobody, mode 600" grep -qx "node=nobody 600" "$nest/seen"
	check "QEMU's locked-memory limit was raised to 128 MiB + 1 GiB" \
		grep -qx "memlock=$(((128 + 1024) * 1024 * 1024))" "$nest/seen"
	check "$nic back on e1000e" [ "$(driver_of "$nic")" = e1000e ]
	check "journal empty" [ -z "$("$tool" restore --all --dry-run 2>/dev/null | grep "$nic")" ]

	# QEMU crashes; the device still comes back. This QEMU gets the host's
	# OVMF (the default), so real QEMU also takes the pflash pair and the guest's own
	# copy of the variables is made.
	vars=/var/lib/vfiokit/vars/vfiokit-${nic//:/-}_VARS.fd
	rm -f "$vars"
	"$tool" qemu --bind --memory 64M "$nic" -- -S -display none -nodefaults \
		-monitor none >"$nest/crash" 2>&1 &
	vfk=$!
	qemu=
	for _ in $(seq 1 300); do
		qemu=$(pgrep -f "qemu-system-x86_64 -name vfiokit-" | head -n 1)
		[ -n "$qemu" ] && ls -l "/proc/$qemu/fd" 2>/dev/null | grep -q "/dev/vfio/$group\$" && break
		sleep 0.1
	done
	check "QEMU holds /dev/vfio/$group" [ -n "$qemu" ]
	check "QEMU runs OVMF" grep -q "if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/OVMF/" "/proc/$qemu/cmdline"
	check "the guest's variables were made from the template" [ -s "$vars" ]
	# A second guest for the same device is refused, naming the first.
	"$tool" qemu --print "$nic" >/dev/null 2>"$nest/second"
	check "a second guest is refused, naming QEMU" grep -q "(qemu-system-x86) holds /dev/vfio/$group" "$nest/second"
	kill -SEGV "$qemu"
	rc=0
	wait "$vfk" || rc=$?
	cat "$nest/crash"
	check "vfiokit reported the crash (exit $rc = 128 + SIGSEGV)" [ $rc = 139 ]
	check "vfiokit said so" grep -q "killed by signal 11" "$nest/crash"
	check "$nic back on e1000e after the crash" [ "$(driver_of "$nic")" = e1000e ]

	# vfiokit itself is killed while QEMU runs as nobody: the lent group file stays
	# nobody's, and restore --all gives it back from the journal. The NIC is moved by
	# hand, so the journal holds only the lent file and the group's file outlives restore.
	echo vfio-pci >"/sys/bus/pci/devices/$nic/driver_override"
	echo "$nic" >"/sys/bus/pci/devices/$nic/driver/unbind"
	echo "$nic" >/sys/bus/pci/drivers_probe
	check "$nic on vfio-pci by hand" [ "$(driver_of "$nic")" = vfio-pci ]
	# With OVMF (the default): nobody's QEMU must also open the guest's variables.
	"$tool" qemu --user nobody --memory 64M "$nic" -- -S -display none \
		-nodefaults -monitor none >"$nest/killed" 2>&1 &
	vfk=$!
	qemu=
	for _ in $(seq 1 300); do
		qemu=$(pgrep -f "qemu-system-x86_64 -name vfiokit-" | head -n 1)
		[ -n "$qemu" ] && ls -l "/proc/$qemu/fd" 2>/dev/null | grep -q "/dev/vfio/$group\$" && break
		sleep 0.1
	done
	check "QEMU (nobody) holds /dev/vfio/$group" [ -n "$qemu" ]
	check "the guest's variables are nobody's, mode 600" [ "$(stat -c '%U %a' "$vars")" = "nobody 600" ]
	check "QEMU (nobody) opened them" holds_file "$qemu" "$vars"
	kill -KILL "$vfk"
	wait "$vfk" 2>/dev/null
	kill -KILL "$qemu"
	while kill -0 "$qemu" 2>/dev/null; do sleep 0.1; done
	check "after SIGKILL /dev/vfio/$group is still nobody's" \
		[ "$(stat -c '%U %a' "/dev/vfio/$group")" = "nobody 600" ]
	check "the journal records it" grep -q "\"node\": \"dev/vfio/$group\"" /run/vfiokit/journal.json
	cat "$nest/killed"
	"$tool" restore --all --json >"$nest/restore.json" 2>"$nest/restore"
	rc=$?
	cat "$nest/restore" "$nest/restore.json"
	check "restore --all exited 0 (got $rc)" [ $rc = 0 ]
	check "restore said it gave /dev/vfio/$group back" grep -q "/dev/vfio/$group: given back to owner 0:0, mode 0600" "$nest/restore"
	check "its JSON lists /dev/vfio/$group as lent before and given back" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["lent_before"] == [sys.argv[2]] and r["given_back"] == [sys.argv[2]] else 1)
' "$nest/restore.json" "/dev/vfio/$group"
	check "/dev/vfio/$group is root's again, mode 600" \
		[ "$(stat -c '%U %a' "/dev/vfio/$group")" = "root 600" ]
	check "the journal no longer lists it" \
		[ "$(grep -c "dev/vfio/$group" /run/vfiokit/journal.json)" = 0 ]
	echo "" >"/sys/bus/pci/devices/$nic/driver_override"
	echo "$nic" >/sys/bus/pci/drivers/vfio-pci/unbind
	echo "$nic" >/sys/bus/pci/drivers_probe
	check "$nic back on e1000e by hand" [ "$(driver_of "$nic")" = e1000e ]
	;;
gpu)
	vga=$(first_of_class 0x0300)
	hda=$(first_of_class 0x0403)
	vga_ids=$(ids_of "$vga") hda_ids=$(ids_of "$hda")
	was_vga=$(driver_of "$vga") was_hda=$(driver_of "$hda")
	rc=0
	"$tool" qemu --bind --force-boot-vga --firmware bios --memory 128M "$vga" "$hda" -- \
		"${nested[@]}" >"$nest/out" 2>&1 || rc=$?
	check "vfiokit qemu --bind exited 0 (got $rc)" [ $rc = 0 ]
	check "the nested guest saw the VGA function ($vga_ids)" grep -q "nested-pci: $vga_ids" "$nest/out"
	check "the nested guest saw the audio function ($hda_ids)" grep -q "nested-pci: $hda_ids" "$nest/out"
	check "$vga back on $was_vga" [ "$(driver_of "$vga")" = "$was_vga" ]
	check "$hda back on $was_hda" [ "$(driver_of "$hda")" = "$was_hda" ]
	;;
*)
	echo "usage: check-qemu.sh VFIOKIT nic|gpu" >&2
	exit 2
	;;
esac
[ $fail = 0 ] || { echo "--- vfiokit qemu output"; cat "$nest/out"; } >&2
exit $fail
