#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: IOMMU domains on the real kernel with each backend it
# has, the edu device's DMA proving the mappings (tests/vm/guest/test-iommu.c).
#   check-iommu.sh VFIOKIT TEST_IOMMU
set -u
tool=$1 prog=$2
fail=0
by_id() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && basename "$d" && return
	done
}
edu=$(by_id 0x1234:0x11e8)
nic=$(by_id 0x8086:0x10d3)
"$tool" bind "$edu" "$nic" || { echo "FAIL: bind $edu $nic" >&2; exit 1; }
# 2 MiB pages for the hugetlb checks.
echo 8 >/proc/sys/vm/nr_hugepages
run() {
	echo "== $*"
	"$prog" "$@" "$edu" "$nic" "${expect[@]}" || fail=1
}
if [ "$VM_KERNEL" = iommufd ]; then
	[ -e /dev/iommu ] || { echo "FAIL: no /dev/iommu" >&2; exit 1; }
	expect=(iommufd); run auto
	expect=(iommufd); run iommufd
	expect=(type1v2); run type1v2
	expect=(type1); run type1
else
	expect=(type1v2); run auto
	expect=(type1); run type1
	expect=(unavailable); run iommufd
fi
expect=(unavailable); run noiommu
"$tool" restore --all >/dev/null || fail=1
exit $fail
