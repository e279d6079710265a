#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (topology sriov): the nvme PF moved to vfio-pci with its
# enable_sriov parameter on, then VF tokens checked by test-vftoken on a VF it creates;
# the PF goes back to nvme afterwards.
#   check-vftoken.sh VFIOKIT TEST_VFTOKEN BACKEND
set -u
tool=$1 prog=$2 backend=$3
pf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x0010 ] &&
		[ -e "$d/sriov_totalvfs" ]; then
		pf=$(basename "$d")
	fi
done
[ -n "$pf" ] || { echo "FAIL: no SR-IOV nvme" >&2; exit 1; }
# vfio-pci creates VFs only with enable_sriov: a module option, or the built-in's
# parameter file.
if [ -d /sys/module/vfio_pci ]; then
	echo 1 >/sys/module/vfio_pci/parameters/enable_sriov
else
	modprobe vfio-pci enable_sriov=1 || { echo "FAIL: modprobe vfio-pci" >&2; exit 1; }
fi
echo "enable_sriov: $(cat /sys/module/vfio_pci/parameters/enable_sriov)"
"$tool" bind "$pf" || { echo "FAIL: vfiokit bind $pf" >&2; exit 1; }
"$prog" "$backend" "$pf"
rc=$?
"$tool" restore --all || { echo "FAIL: vfiokit restore --all" >&2; rc=1; }
drv=$(basename "$(readlink "/sys/bus/pci/devices/$pf/driver")")
if [ "$drv" = nvme ]; then echo "ok: $pf back on nvme"; else echo "FAIL: $pf on '$drv'" >&2; rc=1; fi
exit $rc
