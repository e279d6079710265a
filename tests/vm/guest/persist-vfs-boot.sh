#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One boot of tests/vm/persist-reboot.sh (topology sriov), inside the guest. Whatever
# vfiokit persist wrote is kept in $VM_SCRATCH/out/root for the next boot's /.
#   persist-vfs-boot.sh VFIOKIT apply    persist --vfs 2 --bind-vfs for the nvme PF
#   persist-vfs-boot.sh VFIOKIT check    after the reboot: 2 VFs, each on vfio-pci,
#                                        --verify agrees; then --undo
#   persist-vfs-boot.sh VFIOKIT undone   after another reboot: no VFs
set -u
tool=$1 step=$2
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
pf=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/sriov_totalvfs" ] && pf=$(basename "$d") && break
done
[ -n "$pf" ] || { echo "FAIL: no SR-IOV PF in topology sriov" >&2; exit 1; }
numvfs() { cat "/sys/bus/pci/devices/$pf/sriov_numvfs"; }
vfs() { for l in /sys/bus/pci/devices/"$pf"/virtfn*; do [ -e "$l" ] && basename "$(readlink "$l")"; done; }
# coldplug loads nvme in the background: wait for the PF's driver, and in the check boot
# for the VFs the rule creates when it binds, and for vfio-pci to take them.
for _ in $(seq 120); do
	if [ -n "$(driver_of "$pf")" ]; then
		[ "$step" != check ] && break
		ready=1
		[ "$(numvfs)" = 2 ] || ready=0
		for vf in $(vfs); do [ "$(driver_of "$vf")" = vfio-pci ] || ready=0; done
		[ $ready = 1 ] && break
	fi
	sleep 0.5
done
keep() {
	mkdir -p "$VM_SCRATCH/out/root"
	for f in etc/udev/rules.d/01-vfiokit.rules etc/modprobe.d/vfiokit.conf var/lib/vfiokit/persist; do
		[ -e "/$f" ] || continue
		mkdir -p "$VM_SCRATCH/out/root/$(dirname "$f")"
		cp -a "/$f" "$VM_SCRATCH/out/root/$f"
	done
}
# On failure: every VF's driver and driver_override, the PF's autoprobe and count, the
# kernel's PCI and vfio lines, and which modules were loaded, to tell a rule that did not
# run from a probe that failed.
dump() {
	local d
	echo "state of $pf: driver $(driver_of "$pf"), sriov_numvfs $(numvfs)," \
		"sriov_drivers_autoprobe $(cat "/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe")" >&2
	for d in $(vfs); do
		echo "  VF $d: driver '$(driver_of "$d")'," \
			"driver_override '$(cat "/sys/bus/pci/devices/$d/driver_override")'" >&2
	done
	echo "  modules: $(grep -oE '^(vfio_pci|vfio_pci_core|vfio|nvme) ' /proc/modules | tr -d '\n')" >&2
	dmesg | grep -E 'pci|vfio|nvme' | tail -n 30 >&2
}
case $step in
apply)
	"$tool" persist --apply --no-regenerate --vfs 2 --bind-vfs "$pf"
	check "persist --apply --vfs 2 --bind-vfs $pf wrote the rule" [ -f /etc/udev/rules.d/01-vfiokit.rules ]
	cat /etc/udev/rules.d/01-vfiokit.rules /etc/modprobe.d/vfiokit.conf
	check "nothing changed before the reboot: $pf on $(driver_of "$pf") with $(numvfs) VFs" \
		[ "$(numvfs)" = 0 ]
	;;
check)
	check "after the reboot $pf is on nvme (now $(driver_of "$pf"))" [ "$(driver_of "$pf")" = nvme ]
	check "$pf has 2 VFs (now $(numvfs))" [ "$(numvfs)" = 2 ]
	for vf in $(vfs); do
		check "VF $vf is on vfio-pci (now $(driver_of "$vf"))" [ "$(driver_of "$vf")" = vfio-pci ]
	done
	"$tool" persist --verify >"$VM_SCRATCH/verify" 2>&1
	rc=$?
	cat "$VM_SCRATCH/verify"
	check "persist --verify: everything took effect (exit $rc)" [ $rc = 0 ]
	"$tool" persist --undo --no-regenerate
	check "persist --undo removed the rule" [ ! -e /etc/udev/rules.d/01-vfiokit.rules ]
	;;
undone)
	check "after undo and a reboot $pf is on nvme (now $(driver_of "$pf"))" [ "$(driver_of "$pf")" = nvme ]
	check "and has no VFs (now $(numvfs))" [ "$(numvfs)" = 0 ]
	;;
esac
[ $fail = 0 ] || dump
keep
exit $fail
