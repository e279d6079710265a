#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: the edu example driver (examples/edu.c) against the
# real kernel's VFIO and the emulated VT-d. Every edu device of the topology is bound and
# opened into one domain; each backend named runs every check, and the isolation check
# must leave a DMAR fault at the unmapped IOVA in the kernel log.
#   check-edu.sh VFIOKIT VFK_EDU [--hot-reset] BACKEND...
set -u
tool=$1 edu=$2
shift 2
extra=()
if [ "${1:-}" = --hot-reset ]; then
	extra=(--hot-reset)
	shift
fi
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}

devs=()
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && devs+=("$(basename "$d")")
done
check "found edu devices (${devs[*]})" [ ${#devs[@]} -ge 1 ]
check "bind ${devs[*]}" "$tool" bind "${devs[@]}"

for backend in "$@"; do
	dmesg -C
	out=$VM_SCRATCH/edu-$backend
	"$edu" --backend "$backend" "${devs[@]}" "${extra[@]}" >"$out" 2>&1
	rc=$?
	cat "$out"
	check "[$backend] vfk-edu exits 0 (exit $rc)" [ $rc = 0 ]
	check "[$backend] opened with $backend" grep -q "^ok: opened ${#devs[@]} device(s), backend $backend " "$out"
	nth=0
	for d in "${devs[@]}"; do
		nth=$((nth + 1))
		for what in "id 0x10000ed" "liveness" "factorial 10! = 3628800" "bus master enabled" \
			"DMA by polling" "DMA completion by msi" "DMA completion by intx" "isolation"; do
			check "[$backend] $d: $what" grep -q "^ok: $d: $what" "$out"
		done
		if [ ${#extra[@]} -gt 0 ]; then
			check "[$backend] $d: DMA after hot reset" grep -q "^ok: $d: DMA after hot reset" "$out"
		fi
		# The write to the unmapped IOVA reached the IOMMU, which refused and logged it.
		# Devices run in turn and may get the same IOVA: the nth needs the nth fault.
		iova=$(sed -n "s/^ok: $d: isolation: DMA to unmapped IOVA \(0x[0-9a-f]*\) .*/\1/p" "$out")
		fault=$(dmesg | grep "DMAR: \[DMA Write NO_PASID\] Request device .* fault addr ${iova:-none} " |
			sed -n "${nth}p")
		echo "${fault:-(no DMAR fault number $nth in the kernel log)}"
		check "[$backend] $d: DMAR fault logged at IOVA ${iova:-?}" [ -n "$fault" ]
	done
	if [ ${#extra[@]} -gt 0 ]; then
		check "[$backend] hot reset" grep -q "^ok: hot reset of ${devs[0]}" "$out"
	fi
done
[ $fail = 0 ] || dmesg | tail -n 20 >&2
exit $fail
