#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make demo`: prepares the sandbox and walks the passthrough flow inside it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: demo.sh BUILD_DIR}
"$here/prepare.sh"
# The small kernel the demo's own VM boots (cached; about 13 minutes the first time).
"$here/build-kernel.sh" >/dev/null
echo "vm: booting the sandbox (about 15 seconds under emulation)"
exec "$here/run-vm.sh" --timeout 600 flat "$here/guest/demo.sh" "$(realpath "$build")/tool/vfiokit"
