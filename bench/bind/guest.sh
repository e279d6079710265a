#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (sriov64): times moving the same 64 SR-IOV virtual
# functions to vfio-pci and back with vfiokit and with a loop of driverctl, side by side
# in one run. Writes hyperfine's JSON to $VM_SCRATCH/out/bind.json.
# dpdk-devbind.py cannot take part: it accepts only the device classes DPDK drives
# (network, crypto, DMA...) and rejects NVMe functions as "Unknown device", and QEMU 7.2
# emulates no NIC with SR-IOV.
#   guest.sh VFIOKIT RUNS
set -eu
tool=$1 runs=$2
out=$VM_SCRATCH/out
mkdir -p "$out"
modprobe vfio-pci
pf=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/sriov_totalvfs" 2>/dev/null || echo 0)" -gt 0 ] && basename "$d"
done | head -n1)
# Created outside vfiokit, so its restore --all puts back only the binds being timed.
echo 64 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
vfs=$(for v in /sys/bus/pci/devices/"$pf"/virtfn*; do basename "$(readlink -f "$v")"; done | sort)
first=$(echo "$vfs" | head -n1)
orig=$(basename "$(readlink "/sys/bus/pci/devices/$first/driver" 2>/dev/null)" 2>/dev/null || true)
echo "bench: $(echo "$vfs" | wc -l) VFs of $pf, now on ${orig:-no driver}"
list=$(echo $vfs)

# driverctl keeps overrides in /etc/driverctl.d; the guest's /etc is a throwaway overlay.
# Its unset-override exits 1 when a device ends up without a driver, which is where these
# VFs started, so that status is ignored; the state is checked below instead.
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$out/bind.json" \
	-n vfiokit "$tool bind $list >/dev/null && $tool restore --all >/dev/null" \
	-n "driverctl loop" "for v in $list; do driverctl set-override \$v vfio-pci; done; for v in $list; do driverctl unset-override \$v || true; done" \
	>"$out/hyperfine.txt" 2>&1 || { cat "$out/hyperfine.txt"; exit 1; }
# Every method must really have moved them: check once more by hand.
"$tool" bind $list >/dev/null
n=$(for v in $vfs; do basename "$(readlink "/sys/bus/pci/devices/$v/driver")"; done | grep -c '^vfio-pci$')
"$tool" restore --all >/dev/null
echo "bench: vfiokit moved $n of 64 to vfio-pci"
for v in $list; do driverctl set-override "$v" vfio-pci; done
n=$(for v in $vfs; do basename "$(readlink "/sys/bus/pci/devices/$v/driver")"; done | grep -c '^vfio-pci$')
for v in $list; do driverctl unset-override "$v" >/dev/null 2>&1 || true; done
echo "bench: driverctl moved $n of 64 to vfio-pci"
cat "$out/hyperfine.txt"
