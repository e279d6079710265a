#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: moves devices to vfio-pci with vfiokit bind and runs the
# device-access checks (tests/vm/guest/test-vfio.c) on them.
#   check-vfio-api.sh VFIOKIT TEST_VFIO BACKEND flat|bridge
# flat: the edu device and the nvme. bridge: the two edu devices behind one PCIe-to-PCI
# bridge, where a bus reset hits both: refused while only the first is open, done once
# both are.
set -u
tool=$1 prog=$2 backend=$3 topo=$4
find_devs() { # vendor device: sets found=(addresses)
	found=()
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			found+=("$(basename "$d")")
		fi
	done
}
find_devs 0x1234 0x11e8
edu=("${found[@]}")
if [ "$topo" = flat ]; then
	find_devs 0x1b36 0x0010
	nvme=${found[0]:-}
	if [ ${#edu[@]} -ne 1 ] || [ -z "$nvme" ]; then
		echo "FAIL: edu or nvme missing" >&2
		exit 1
	fi
	"$tool" bind "${edu[0]}" "$nvme" || { echo "FAIL: vfiokit bind" >&2; exit 1; }
	exec "$prog" "$backend" "${edu[0]}" "$nvme"
fi
[ ${#edu[@]} -eq 2 ] || { echo "FAIL: want two edu devices, found ${edu[*]}" >&2; exit 1; }
"$tool" bind "${edu[0]}" || { echo "FAIL: vfiokit bind ${edu[0]}" >&2; exit 1; }
"$prog" "$backend" --hot-reset "${edu[0]}" || exit 1
"$tool" bind "${edu[1]}" || { echo "FAIL: vfiokit bind ${edu[1]}" >&2; exit 1; }
exec "$prog" "$backend" --hot-reset "${edu[0]}" "${edu[1]}"
