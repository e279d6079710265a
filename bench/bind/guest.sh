#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: times moving the same 64 devices to vfio-pci and back
# with vfiokit, with a loop of driverctl and, for NICs, with dpdk-devbind.py, side by
# side in one run. Writes hyperfine's JSON to $VM_SCRATCH/out/bind.json.
#   guest.sh VFIOKIT RUNS vf    the 64 SR-IOV VFs of the nvme (topology sriov64)
#   guest.sh VFIOKIT RUNS nic   64 e1000e NICs (topology nic64): dpdk-devbind.py takes
#                               only the device classes DPDK drives and rejects NVMe
#                               functions, and this QEMU emulates no NIC with SR-IOV
set -eu
tool=$1 runs=$2 mode=${3:-vf}
out=$VM_SCRATCH/out
mkdir -p "$out"
modprobe vfio-pci
if [ "$mode" = vf ]; then
	pf=$(for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/sriov_totalvfs" 2>/dev/null || echo 0)" -gt 0 ] && basename "$d"
	done | head -n1)
	# Created outside vfiokit, so its restore --all puts back only the binds being timed.
	echo 64 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
	vfs=$(for v in /sys/bus/pci/devices/"$pf"/virtfn*; do basename "$(readlink -f "$v")"; done | sort)
else
	vfs=$(for d in /sys/bus/pci/devices/*; do
		case "$(cat "$d/class")" in 0x0200*) basename "$d" ;; esac
	done | sort)
fi
first=$(echo "$vfs" | head -n1)
orig=$(basename "$(readlink "/sys/bus/pci/devices/$first/driver" 2>/dev/null)" 2>/dev/null || true)
echo "bench: $(echo "$vfs" | wc -l) devices ($mode), now on ${orig:-no driver}"
list=$(echo $vfs)
methods=(-n vfiokit "$tool bind $list >/dev/null && $tool restore --all >/dev/null"
	-n "driverctl loop" "for v in $list; do driverctl set-override \$v vfio-pci; done; for v in $list; do driverctl unset-override \$v || true; done")
if [ "$mode" = nic ]; then
	methods+=(-n dpdk-devbind "dpdk-devbind.py -b vfio-pci $list && dpdk-devbind.py -b $orig $list")
fi

# driverctl keeps overrides in /etc/driverctl.d; the guest's /etc is a throwaway overlay.
# Its unset-override exits 1 when a device ends up without a driver, which is where these
# VFs started, so that status is ignored; the state is checked below instead.
hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$out/bind.json" \
	"${methods[@]}" >"$out/hyperfine.txt" 2>&1 || { cat "$out/hyperfine.txt"; exit 1; }
# Every method must really have moved them: check once more by hand.
"$tool" bind $list >/dev/null
n=$(for v in $vfs; do basename "$(readlink "/sys/bus/pci/devices/$v/driver")"; done | grep -c '^vfio-pci$')
"$tool" restore --all >/dev/null
echo "bench: vfiokit moved $n of 64 to vfio-pci"
for v in $list; do driverctl set-override "$v" vfio-pci; done
n=$(for v in $vfs; do basename "$(readlink "/sys/bus/pci/devices/$v/driver")"; done | grep -c '^vfio-pci$')
for v in $list; do driverctl unset-override "$v" >/dev/null 2>&1 || true; done
echo "bench: driverctl moved $n of 64 to vfio-pci"
if [ "$mode" = nic ]; then
	dpdk-devbind.py -b vfio-pci $list
	n=$(for v in $vfs; do basename "$(readlink "/sys/bus/pci/devices/$v/driver")"; done | grep -c '^vfio-pci$')
	dpdk-devbind.py -b "$orig" $list
	echo "bench: dpdk-devbind moved $n of 64 to vfio-pci"
fi
cat "$out/hyperfine.txt"
