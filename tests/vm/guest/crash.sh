#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests run-vm.sh itself: crashes the guest kernel, on the first boot of the run only
# ("once": the retry must pass) or on every boot ("always": the run must fail).
#   crash.sh once|always
set -euo pipefail
marker=$VM_SCRATCH/crashed-once
if [ "$1" = always ] || [ ! -e "$marker" ]; then
	touch "$marker"
	sync
	echo c >/proc/sysrq-trigger
	sleep 30
fi
echo "ok: the guest booted again after a crash and ran the script"
