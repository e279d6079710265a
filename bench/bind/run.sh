#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bind/restore benchmark in the vm lane: 64 devices moved to vfio-pci and back by vfiokit,
# by a driverctl loop and (NICs only) by dpdk-devbind.py, in one guest boot (needs the vm
# lane's assets, tests/vm/prepare.sh, and driverctl and dpdk installed on this machine).
#   bench/bind/run.sh BUILD [RUNS] [vf|nic]
#   vf: the 64 SR-IOV VFs of the emulated nvme; nic: 64 emulated e1000e NICs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD [RUNS]}" && pwd)
runs=${2:-5}
mode=${3:-vf}
topo=$([ "$mode" = nic ] && echo nic64 || echo sriov64)
command -v driverctl >/dev/null || { echo "bench: install driverctl" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-bind-bench.XXXXXX")
"$here/../../tests/vm/run-vm.sh" --timeout 3600 --save-to "$out/guest" "$topo" \
	"$here/guest.sh" "$build/tool/vfiokit" "$runs" "$mode" | grep -v '^driverctl:'
jq -r '.results[] | "\(.command)\t\(.median)"' "$out/guest/bind.json" |
	awk -F'\t' '{ t[NR] = $2; n[NR] = $1 }
	END {
		print "| method | median (bind + restore, 64 devices) | ratio to driverctl |"
		print "|---|---|---|"
		for (i = 1; i <= NR; i++)
			printf "| %s | %.2f s | %.3f |\n", n[i], t[i], t[i] / t[2]
	}'
echo "raw hyperfine JSON: $out/guest/bind.json"
