#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: IOMMU domains on the real kernel with each backend it
# has, the edu device's DMA proving the mappings (tests/vm/guest/test-iommu.c), and the
# refusals a user meets: a group held by another process, files not lent, a group whose
# other member is on a host driver.
#   check-iommu.sh VFIOKIT TEST_IOMMU
set -u
tool=$1 prog=$2
fail=0
by_id() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && basename "$d" && return
	done
}
group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
run() { # backend, then what test-iommu must see
	echo "== $1 ${2:-}"
	"$prog" "$1" "$edu" "$other" "${@:2}" || fail=1
}

if [ "$VM_TOPOLOGY" = gpu ]; then
	# Only the audio function moves to vfio-pci (by hand: vfiokit would move the whole
	# group); the VGA function stays on its host driver, so the group is not viable.
	vga=$(by_id 0x1234:0x1111)
	hda=$(by_id 0x8086:0x293e)
	modprobe vfio-pci
	echo vfio-pci >"/sys/bus/pci/devices/$hda/driver_override"
	[ -e "/sys/bus/pci/devices/$hda/driver" ] && echo "$hda" >"/sys/bus/pci/devices/$hda/driver/unbind"
	echo "$hda" >/sys/bus/pci/drivers_probe
	echo "$vga on $(basename "$(readlink /sys/bus/pci/devices/$vga/driver)"), $hda on $(basename "$(readlink /sys/bus/pci/devices/$hda/driver)")"
	edu=$vga other=$hda
	run type1v2 "-EINVAL:IOMMU group $(group "$hda") is not viable: a member of it ($vga on bochs-drm)"
	exit $fail
fi

edu=$(by_id 0x1234:0x11e8)
other=$(by_id 0x8086:0x10d3)
if [ "$VM_TOPOLOGY" = noiommu ]; then
	# No IOMMU at all: VFIO's no-IOMMU mode, switched on at run time, gives vfio-pci
	# devices groups of their own (/dev/vfio/noiommu-N); bound by hand, as vfiokit wants
	# an IOMMU.
	modprobe vfio-pci 2>/dev/null
	echo Y >/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
	for d in "$edu" "$other"; do
		echo vfio-pci >"/sys/bus/pci/devices/$d/driver_override"
		[ -e "/sys/bus/pci/devices/$d/driver" ] && echo "$d" >"/sys/bus/pci/devices/$d/driver/unbind"
		echo "$d" >/sys/bus/pci/drivers_probe
	done
	ls /dev/vfio
	run auto "-EOPNOTSUPP:has no IOMMU: its group is /dev/vfio/noiommu-"
	run noiommu noiommu
	exit $fail
fi
"$tool" bind "$edu" "$other" || { echo "FAIL: bind $edu $other" >&2; exit 1; }
# 2 MiB pages for the hugetlb checks.
echo 8 >/proc/sys/vm/nr_hugepages
if [ "$VM_KERNEL" = iommufd ]; then
	[ -e /dev/iommu ] || { echo "FAIL: no /dev/iommu" >&2; exit 1; }
	run auto iommufd
	run iommufd iommufd
	run type1v2 type1v2
	run type1 type1
	run auto "-EACCES:/dev/iommu"
else
	run auto type1v2
	run type1 type1
	run iommufd "-EOPNOTSUPP:CONFIG_IOMMUFD"
	run auto "-EACCES:/dev/vfio/$(group "$other")"
fi
run type1v2 "-EACCES:vfiokit qemu --user"
run noiommu "-EOPNOTSUPP:enable_unsafe_noiommu_mode"
# Another process holding the group: the container refuses it, and so does iommufd's bind.
# The kernel may still be letting go of the group after the last run: retry the holder.
for try in 1 2 3 4 5 6 7 8 9 10; do
	sleep 60 <"/dev/vfio/$(group "$other")" &
	holder=$!
	sleep 0.5
	kill -0 "$holder" 2>/dev/null && break
done
run type1v2 "-EBUSY:held elsewhere"
[ "$VM_KERNEL" = iommufd ] && run iommufd "-EBUSY:held elsewhere"
kill "$holder"
wait "$holder" 2>/dev/null
"$tool" restore --all >/dev/null || fail=1
exit $fail
