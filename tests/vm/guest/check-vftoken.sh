#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (topology sriov): the nvme PF moved to vfio-pci with its
# enable_sriov parameter on, then VF tokens checked by test-vftoken on a VF it creates; the
# kernel's log must give its own VF-token reason for each refusal. Afterwards the PF is
# back on nvme with no VFs and the parameter as it was.
#   check-vftoken.sh VFIOKIT TEST_VFTOKEN BACKEND
set -euo pipefail
tool=$1 prog=$2 backend=$3
param=/sys/module/vfio_pci/parameters/enable_sriov
fail=0
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver() {
	local l
	if l=$(readlink "/sys/bus/pci/devices/$1/driver"); then basename "$l"; else echo none; fi
}
# grep -q on a pipe would end dmesg early, and pipefail would count that against it.
logged() { grep -qF "$1" "$VM_SCRATCH/dmesg"; }

pf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x0010 ] &&
		[ -e "$d/sriov_totalvfs" ]; then
		pf=$(basename "$d")
	fi
done
[ -n "$pf" ] || { echo "FAIL: no SR-IOV nvme" >&2; exit 1; }
sysfs=/sys/bus/pci/devices/$pf
orig=$(driver "$pf")

# vfio-pci creates VFs only with enable_sriov: a module option where it is a module not yet
# loaded (the stock kernel), its parameter file where it is built in (the iommufd kernel).
if [ -e "$param" ]; then
	was=$(cat "$param")
	echo Y >"$param"
else
	was=N
	modprobe vfio-pci enable_sriov=1
fi
check "vfio-pci's enable_sriov is on" [ "$(cat "$param")" = Y ]
check "bind $pf" "$tool" bind "$pf"
check "$pf is on vfio-pci" [ "$(driver "$pf")" = vfio-pci ]

rc=0
"$prog" "$backend" "$pf" | tee "$VM_SCRATCH/out" || rc=$?
check "test-vftoken passed" [ "$rc" = 0 ]
vf=$(sed -n '/^VF [0-9a-f:.]*$/{s/^VF //p;q}' "$VM_SCRATCH/out")
dmesg >"$VM_SCRATCH/dmesg"
# The refusals came from vfio-pci's VF-token check, not from a file's mode or a busy group.
if [ -n "$vf" ]; then
	check "the kernel logged: $vf: VF token required" logged "$vf: VF token required to access device"
	check "the kernel logged: $vf: Incorrect VF token" logged "$vf: Incorrect VF token provided for device"
	check "the kernel logged: $pf: VF token required" logged "$pf: VF token required to access device"
fi

# Left as it was, even after a test that stopped half-way.
if [ "$(cat "$sysfs/sriov_numvfs")" != 0 ]; then
	echo "VFs left behind: removing them"
	echo 0 >"$sysfs/sriov_numvfs"
fi
check "restore --all" "$tool" restore --all
check "no VFs left" [ "$(cat "$sysfs/sriov_numvfs")" = 0 ]
check "$pf back on $orig" [ "$(driver "$pf")" = "$orig" ]
check "$pf's driver_override cleared" [ "$(cat "$sysfs/driver_override")" = "(null)" ]
echo "$was" >"$param"
check "enable_sriov back to $was" [ "$(cat "$param")" = "$was" ]
exit $fail
