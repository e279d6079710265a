#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest: vfiokit release against Linux's real vfio-pci, for
# devices put there by hand as persist's udev rule or another tool does (no journal).
#   check-release.sh VFIOKIT
set -u
tool=$1
fail=0
out=$VM_SCRATCH
check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver") && basename "$l" || echo none
}
override() { cat "/sys/bus/pci/devices/$1/driver_override"; }
group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
by_id() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && { basename "$d"; return; }
	done
}
# What a udev rule or `driverctl set-override` does, without vfiokit.
reserve() {
	local from
	from=$(driver "$1")
	echo vfio-pci >"/sys/bus/pci/devices/$1/driver_override"
	[ "$from" = none ] || echo "$1" >"/sys/bus/pci/drivers/$from/unbind"
	echo "$1" >/sys/bus/pci/drivers_probe
}
show() { sed 's/^/  | /' "$@"; }

modprobe vfio-pci
nic=$(by_id 0x8086:0x10d3)
g=$(group "$nic")
check "$nic starts on e1000e" [ "$(driver "$nic")" = e1000e ]
reserve "$nic"
check "$nic on vfio-pci by hand, override vfio-pci" \
	[ "$(driver "$nic"):$(override "$nic")" = vfio-pci:vfio-pci ]
check "$nic is not in the journal" bash -c '! grep -qs "\"$0\"" /run/vfiokit/journal.json' "$nic"

"$tool" release --dry-run "$nic" >"$out/dry" 2>&1
echo "release --dry-run $nic:"; show "$out/dry"
check "dry run changes nothing" [ "$(driver "$nic"):$(override "$nic")" = vfio-pci:vfio-pci ]
check "dry run shows the override cleared" grep -qF 'driver_override <- "\n"' "$out/dry"
check "dry run shows the unbind" grep -qF "drivers/vfio-pci/unbind <- \"$nic\"" "$out/dry"
check "dry run shows drivers_probe" grep -qF "drivers_probe <- \"$nic\"" "$out/dry"

# A process holding the group open: refused, naming it, nothing changed.
sleep 60 </dev/vfio/"$g" &
holder=$!
sleep 0.2
"$tool" release "$nic" >"$out/o" 2>"$out/e"
rc=$?
echo "release $nic while pid $holder holds /dev/vfio/$g (exit $rc):"; show "$out/e"
check "refused with exit 1" [ "$rc" = 1 ]
check "the refusal names pid $holder (sleep) and /dev/vfio/$g" \
	grep -qF "process $holder (sleep) holds /dev/vfio/$g open" "$out/e"
check "$nic still on vfio-pci, override kept" \
	[ "$(driver "$nic"):$(override "$nic")" = vfio-pci:vfio-pci ]
kill "$holder"
wait "$holder" 2>/dev/null

"$tool" release "$nic" >"$out/o" 2>"$out/e"
rc=$?
echo "release $nic (exit $rc):"; show "$out/o" "$out/e"
check "release exit 0" [ "$rc" = 0 ]
check "$nic back on e1000e" [ "$(driver "$nic")" = e1000e ]
check "override cleared" [ "$(override "$nic")" = "(null)" ]
check "it says vfio-pci -> e1000e" grep -qF "$nic: vfio-pci -> e1000e" "$out/o"
check "$nic has its interface again" [ -d "/sys/bus/pci/devices/$nic/net" ]

"$tool" release "$nic" >"$out/o" 2>"$out/e"
rc=$?
echo "release $nic again (exit $rc):"; show "$out/e"
check "again: nothing to do, exit 0" [ "$rc" = 0 ]
check "again: says already released" grep -q "already released" "$out/e"

# edu has no driver in this kernel: released, said, still a success.
edu=$(by_id 0x1234:0x11e8)
reserve "$edu"
check "$edu on vfio-pci by hand" [ "$(driver "$edu")" = vfio-pci ]
"$tool" --json release "$edu" >"$out/j" 2>"$out/e"
rc=$?
echo "--json release $edu (exit $rc):"; show "$out/j" "$out/e"
check "edu: exit 0" [ "$rc" = 0 ]
check "edu: unbound, override cleared" [ "$(driver "$edu"):$(override "$edu")" = "none:(null)" ]
check "edu: says no driver claimed it" grep -q "no driver claimed it" "$out/e"
check "edu: JSON says released, driver null" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
sys.exit(not (d["released"] and d["driver"] is None and d["was"] == "vfio-pci"))' "$out/j"

# A device vfiokit moved belongs to restore.
check "bind $nic" "$tool" bind "$nic"
"$tool" release "$nic" >"$out/o" 2>"$out/e"
rc=$?
echo "release $nic after vfiokit bind (exit $rc):"; show "$out/e"
check "refused with exit 1" [ "$rc" = 1 ]
check "the refusal points at vfiokit restore $nic" grep -qF "vfiokit restore $nic" "$out/e"
check "$nic still on vfio-pci" [ "$(driver "$nic")" = vfio-pci ]
check "restore $nic" "$tool" restore "$nic"
check "$nic back on e1000e" [ "$(driver "$nic")" = e1000e ]
exit $fail
