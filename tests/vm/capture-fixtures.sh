#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boots every topology, captures the guest with `vfiokit snapshot --no-modules` and keeps
# the tree as tests/data/roots/vm-TOPOLOGY, so the cli lane's fixtures stay true to the
# real kernel. Rerun after changing a topology or what snapshot captures, then
# `make golden-update` and review the diff.
#   tests/vm/capture-fixtures.sh BUILD [TOPOLOGY...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/topologies.sh"
build=$(cd "${1:?usage: capture-fixtures.sh BUILD [TOPOLOGY...]}" && pwd)
shift
roots=$here/../data/roots
[ $# -gt 0 ] || set -- $VM_TOPOLOGIES
for topo in "$@"; do
	echo "== $topo"
	"$here/run-vm.sh" --save-to "$roots/vm-$topo" "$topo" "$here/guest/check-snapshot.sh" \
		"$build/tool/vfiokit"
	# The boot command line names this run's temporary directory; keep the fixture stable.
	sed -i 's|/tmp/vfiokit-vm-[A-Za-z0-9]*|/tmp/vfiokit-vm|g' "$roots/vm-$topo/proc/cmdline" \
		"$roots/vm-$topo/dev/kmsg"
done
du -sh --apparent-size "$roots"/vm-*
