#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (twonic): `vfiokit persist --apply` for the first of two
# identical e1000e NICs, then what a boot does to them, for real: e1000e unloaded, both
# devices removed and found again by a rescan while systemd-udevd runs the system's rules
# (vfiokit's rule first, then the modalias loader with modprobe.d's softdeps). The named
# NIC must come up on vfio-pci and its twin on e1000e; after --undo and the same again,
# both on e1000e.
#   check-persist.sh VFIOKIT
set -u
tool=$1
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
nics=()
for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/class")" in 0x0200*) nics+=("$(basename "$d")") ;; esac
done
[ ${#nics[@]} = 2 ] || { echo "FAIL: want two NICs, found ${#nics[@]}" >&2; exit 1; }
target=${nics[0]} twin=${nics[1]}

# A boot's device discovery: no e1000e loaded, the devices appear, udev handles them.
# udevadm's control commands are ignored in a chroot, so each boot gets a fresh udevd,
# which reads the rules as they are now, and stops it by its pid.
boot() {
	local udevd
	modprobe -r e1000e vfio-pci 2>/dev/null
	for n in "${nics[@]}"; do echo 1 >"/sys/bus/pci/devices/$n/remove"; done
	/lib/systemd/systemd-udevd &
	udevd=$!
	sleep 1
	echo 1 >/sys/bus/pci/rescan
	# udevd loads the drivers in the background; under TCG on a loaded host that has taken
	# over 20 s, so the wait is long and says what it saw when it gives up.
	for _ in $(seq 1 600); do
		[ -n "$(driver_of "${nics[0]}")" ] && [ -n "$(driver_of "${nics[1]}")" ] && break
		sleep 0.2
	done
	[ -n "$(driver_of "${nics[0]}")" ] && [ -n "$(driver_of "${nics[1]}")" ] ||
		echo "note: 120 s after the rescan, ${nics[0]} has driver '$(driver_of "${nics[0]}")'" \
			"and ${nics[1]} '$(driver_of "${nics[1]}")' (udevd still loading modules?)" >&2
	kill "$udevd"
	wait "$udevd" 2>/dev/null
}

"$tool" persist --apply --no-regenerate "$target" >"$VM_SCRATCH/apply" 2>&1
check "persist --apply $target" grep -q "01-vfiokit.rules" "$VM_SCRATCH/apply"
check "the rule names $target" grep -q "KERNEL==\"$target\"" /etc/udev/rules.d/01-vfiokit.rules
check "the softdep loads vfio-pci before e1000e" grep -qx "softdep e1000e pre: vfio-pci" /etc/modprobe.d/vfiokit.conf
# Before any boot: configured, but not in effect, and --verify says why.
"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
check "persist --verify before the boot: $target not in effect, and why" \
	grep -q "FAIL  device.$target .*on e1000e and its driver_override is not vfio-pci" "$VM_SCRATCH/verify"
boot
check "$target is on vfio-pci after the boot (now $(driver_of "$target"))" [ "$(driver_of "$target")" = vfio-pci ]
check "its twin $twin stays on e1000e (now $(driver_of "$twin"))" [ "$(driver_of "$twin")" = e1000e ]
check "$target's driver_override came from the rule" grep -qx vfio-pci "/sys/bus/pci/devices/$target/driver_override"
"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
rc=$?
cat "$VM_SCRATCH/verify"
check "persist --verify: everything took effect (exit $rc)" [ $rc = 0 ]
check "persist --verify names $target on vfio-pci" grep -q "ok    device.$target *$target is on vfio-pci" "$VM_SCRATCH/verify"

"$tool" persist --undo --no-regenerate >"$VM_SCRATCH/undo" 2>&1
check "persist --undo" [ ! -e /etc/udev/rules.d/01-vfiokit.rules ]
boot
check "$target is back on e1000e after undo and a boot (now $(driver_of "$target"))" [ "$(driver_of "$target")" = e1000e ]
check "$twin is on e1000e (now $(driver_of "$twin"))" [ "$(driver_of "$twin")" = e1000e ]
"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
check "persist --verify after undo: nothing configured" grep -q "FAIL  persist.configured" "$VM_SCRATCH/verify"
# --by-id: vfio-pci's ids= takes both twins, and says so beforehand.
"$tool" persist --apply --no-regenerate --by-id "$target" >"$VM_SCRATCH/byid" 2>&1
check "--by-id warns that $twin goes too" grep -q "$twin (8086:10d3, on e1000e) has the same ids" "$VM_SCRATCH/byid"
check "--by-id writes ids=" grep -qx "options vfio-pci ids=8086:10d3" /etc/modprobe.d/vfiokit.conf
boot
check "--by-id: $target on vfio-pci (now $(driver_of "$target"))" [ "$(driver_of "$target")" = vfio-pci ]
check "--by-id: $twin on vfio-pci too (now $(driver_of "$twin"))" [ "$(driver_of "$twin")" = vfio-pci ]
"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
check "--by-id: --verify finds both in effect" [ "$(grep -c "ok    device" "$VM_SCRATCH/verify")" = 2 ]
"$tool" persist --undo --no-regenerate >/dev/null 2>&1
boot
check "--by-id undone: both on e1000e" [ "$(driver_of "$target")$(driver_of "$twin")" = e1000ee1000e ]

# The commands --apply runs, and the check of the rebuilt image, with
# stand-ins for initramfs-tools' commands: an image without vfio-pci fails the apply.
mkdir -p /etc/initramfs-tools /tmp/fakebin
printf '#!/bin/sh\necho "update-initramfs $*" >>/tmp/fakebin/log\n' >/tmp/fakebin/update-initramfs
printf '#!/bin/sh\necho usr/lib/modules/6.12/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko\n' \
	>/tmp/fakebin/lsinitramfs
chmod +x /tmp/fakebin/update-initramfs /tmp/fakebin/lsinitramfs
rc=0
PATH=/tmp/fakebin:$PATH "$tool" persist --apply "$target" >"$VM_SCRATCH/regen" 2>&1 || rc=$?
check "--apply ran update-initramfs" grep -qx "update-initramfs -u -k all" /tmp/fakebin/log
check "--apply fails when the new image lacks vfio-pci (exit $rc)" [ $rc = 1 ]
check "and says so" grep -q "does not list vfio-pci.ko" "$VM_SCRATCH/regen"
"$tool" persist --undo --no-regenerate >/dev/null 2>&1
echo 'echo usr/lib/modules/6.12/kernel/drivers/vfio/pci/vfio-pci.ko.zst' >>/tmp/fakebin/lsinitramfs
rc=0
PATH=/tmp/fakebin:$PATH "$tool" persist --apply "$target" >"$VM_SCRATCH/regen2" 2>&1 || rc=$?
check "--apply succeeds once the image lists vfio-pci (exit $rc)" [ $rc = 0 ]
"$tool" persist --undo --no-regenerate >/dev/null 2>&1
[ $fail = 0 ] || cat "$VM_SCRATCH/apply" "$VM_SCRATCH/undo" "$VM_SCRATCH/regen" "$VM_SCRATCH/regen2" >&2
exit $fail
