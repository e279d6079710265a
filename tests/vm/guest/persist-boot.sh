#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One boot of tests/vm/persist-reboot.sh (topology twonic), inside the guest. Whatever
# vfiokit persist wrote is kept in $VM_SCRATCH/out/root for the next boot's /.
#   persist-boot.sh VFIOKIT apply    configure the first NIC
#   persist-boot.sh VFIOKIT check    after the reboot: it is on vfio-pci, its twin on
#                                    e1000e, --verify agrees; then --undo
#   persist-boot.sh VFIOKIT undone   after another reboot: both on e1000e
set -u
tool=$1 step=$2
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
target=${nics[0]} twin=${nics[1]}
# udevd's coldplug loads drivers in the background, and under TCG on a loaded host that
# can take far longer than the boot's fixed pause: wait until both NICs have a driver.
for _ in $(seq 120); do
	[ -n "$(driver_of "$target")" ] && [ -n "$(driver_of "$twin")" ] && break
	sleep 0.5
done
[ -n "$(driver_of "$target")" ] && [ -n "$(driver_of "$twin")" ] ||
	echo "note: after 60 s, $target has driver '$(driver_of "$target")' and $twin '$(driver_of "$twin")'" >&2
keep() {
	mkdir -p "$VM_SCRATCH/out/root"
	for f in etc/udev/rules.d/01-vfiokit.rules etc/modprobe.d/vfiokit.conf var/lib/vfiokit/persist; do
		[ -e "/$f" ] || continue
		mkdir -p "$VM_SCRATCH/out/root/$(dirname "$f")"
		cp -a "/$f" "$VM_SCRATCH/out/root/$f"
	done
}
case $step in
apply)
	"$tool" persist --apply --no-regenerate "$target" >/dev/null 2>&1
	check "persist --apply $target" [ -f /etc/udev/rules.d/01-vfiokit.rules ]
	check "nothing moved before the reboot" [ "$(driver_of "$target")" = e1000e ]
	;;
check)
	check "after the reboot $target is on vfio-pci (now $(driver_of "$target"))" [ "$(driver_of "$target")" = vfio-pci ]
	check "its twin $twin is on e1000e (now $(driver_of "$twin"))" [ "$(driver_of "$twin")" = e1000e ]
	"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
	rc=$?
	cat "$VM_SCRATCH/verify"
	check "persist --verify: everything took effect (exit $rc)" [ $rc = 0 ]
	"$tool" persist --undo --no-regenerate >/dev/null 2>&1
	check "persist --undo removed the rule" [ ! -e /etc/udev/rules.d/01-vfiokit.rules ]
	;;
undone)
	check "after undo and a reboot $target is on e1000e (now $(driver_of "$target"))" [ "$(driver_of "$target")" = e1000e ]
	check "and $twin is on e1000e (now $(driver_of "$twin"))" [ "$(driver_of "$twin")" = e1000e ]
	;;
esac
keep
exit $fail
