#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bind/restore benchmark: 64 SR-IOV VFs of the vm lane's emulated nvme moved to vfio-pci
# and back by vfiokit and by a driverctl loop, in one guest boot (needs the vm lane's
# assets: tests/vm/prepare.sh, and driverctl installed on this machine).
#   bench/bind/run.sh BUILD [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD [RUNS]}" && pwd)
runs=${2:-5}
command -v driverctl >/dev/null || { echo "bench: install driverctl" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-bind-bench.XXXXXX")
"$here/../../tests/vm/run-vm.sh" --timeout 1800 --save-to "$out/guest" sriov64 \
	"$here/guest.sh" "$build/tool/vfiokit" "$runs" | grep -v '^driverctl:'
jq -r '.results[] | "\(.command)\t\(.median)"' "$out/guest/bind.json" |
	awk -F'\t' '{ t[NR] = $2; n[NR] = $1 }
	END {
		print "| method | median (bind + restore, 64 VFs) | ratio to driverctl |"
		print "|---|---|---|"
		for (i = 1; i <= NR; i++)
			printf "| %s | %.2f s | %.3f |\n", n[i], t[i], t[i] / t[2]
	}'
echo "raw hyperfine JSON: $out/guest/bind.json"
