#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Launch-overhead benchmark: the time from invoking `vfiokit qemu` to its exec of QEMU,
# for 1 and for 16 devices, side by side in one hyperfine run, on a synthetic SR-IOV
# host of 1,000 functions (bench/gentree) whose vfio-pci VFs are the passed devices.
# These are --print runs: each ends where QEMU would be exec'd, after every check and the
# argv (raising the locked-memory limit needs privileges a benchmark host may not give).
#
# Usage: bench/qemu/run.sh BUILD_DIR [RUNS]
#   BUILD_DIR  a configured build (best: -Dbuildtype=release, no sanitizers)
# Target (issue 6): at most 10 ms + 0.1 ms per device.
set -euo pipefail
build=$(cd "$1" && pwd)
runs=${2:-200}
vfiokit=$build/tool/vfiokit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bench/gentree" 1000 "$work/root" >/dev/null
mapfile -t vfio < <("$vfiokit" --root "$work/root" --json list |
	jq -r '.devices[] | select(.driver == "vfio-pci") | .bdf' | head -n 16)
[ ${#vfio[@]} = 16 ] || { echo "bench: found ${#vfio[@]} vfio-pci functions, want 16" >&2; exit 1; }
cmd() {
	printf '%q ' "$vfiokit" --root "$work/root" qemu --print --accel kvm --firmware bios "$@"
}
hyperfine -N --output=null --warmup 10 --runs "$runs" --export-json "$work/qemu.json" \
	-n "1 device" "$(cmd "${vfio[0]}")" \
	-n "16 devices" "$(cmd "${vfio[@]}")" >&2
jq -r '.results[] | "\(.command)\t\(.median * 1000 | . * 1000 | round / 1000) ms median\t\(.mean * 1000 | . * 1000 | round / 1000) ms mean"' \
	"$work/qemu.json"
