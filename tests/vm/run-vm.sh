#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boots the guest with a topology and runs a script in it as root against the real kernel.
#   tests/vm/run-vm.sh [--kernel stock|iommufd] [--timeout S] [--shell] [--save-to DIR]
#                      [--root-overlay DIR] [--udev]
#                      TOPOLOGY SCRIPT [ARGS...]
# stock is Debian's 6.12 kernel (vfio as modules, no iommufd); iommufd is the kernel
# build-kernel.sh makes (IOMMUFD and the VFIO cdev built in).
# Prints the script's output and exits with its status (124 on timeout). --shell gives an
# interactive shell in the guest instead of running the script (for debugging).
# Scripts may write results below "$VM_SCRATCH/out"; --save-to copies that to DIR.
# --root-overlay DIR copies DIR's tree over / before drivers load (files a previous boot
# wrote); --udev makes systemd-udevd do the coldplug with the system's rules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/topologies.sh"

timeout=300
shell=
save_to=
overlay=
udev=
kernel_kind=${VM_KERNEL:-stock}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel_kind=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--save-to) save_to=$2; shift 2 ;;
	--root-overlay) overlay=$(realpath "$2"); shift 2 ;;
	--udev) udev=1; shift ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || vm_die "usage: run-vm.sh [--timeout S] [--shell] TOPOLOGY [SCRIPT [ARGS...]]"
topo=$1
shift
declare -F "topo_$topo" >/dev/null || vm_die "unknown topology '$topo' (known: $VM_TOPOLOGIES)"

release=$(vm_stock_release) || true
[ -n "${release:-}" ] && [ -f "$VM_CACHE/initrd-$release.gz" ] ||
	vm_die "assets missing: run tests/vm/prepare.sh"
case "$kernel_kind" in
stock)
	kernel=$(vm_stock_dir)/boot/vmlinuz-$release
	modules_arg="vfiokit.modules=$(vm_stock_dir)"
	;;
iommufd)
	kernel=$(vm_iommufd_dir)/bzImage
	[ -f "$kernel" ] || vm_die "iommufd kernel missing: run tests/vm/build-kernel.sh"
	modules_arg=
	;;
*) vm_die "--kernel takes stock or iommufd" ;;
esac

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-vm-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
if [ -n "$shell" ]; then
	printf '#!/bin/bash\ncd %q\nexec /bin/bash -i </dev/console >/dev/console 2>&1\n' "$PWD" >"$scratch/run.sh"
else
	[ $# -ge 1 ] || vm_die "no script given"
	script=$(realpath "$1")
	shift
	{
		printf '#!/bin/bash\ncd %q || exit 1\nexport VM_TOPOLOGY=%q VM_KERNEL=%q\n' "$PWD" "$topo" "$kernel_kind"
		# A small kernel for guests the tests start inside this one (build-kernel.sh).
		printf 'export VM_NESTED_KERNEL=%q\n' "$(vm_iommufd_dir)/bzImage"
		# Files a previous boot left on "disk" (--root-overlay), in place before any
		# driver loads, as a boot finds them.
		[ -z "$overlay" ] || printf 'cp -a %q/. /\n' "$overlay"
		if [ -n "$udev" ]; then
			printf '%q\n' "$here/guest/coldplug.sh"
		else
			# What udev's coldplug does on a real host: load each device's driver.
			printf 'for m in /sys/bus/pci/devices/*/modalias; do modprobe -q "$(cat "$m")"; done\n'
			printf 'sleep 1\n'
		fi
		printf 'exec %q' "$script"
		printf ' %q' "$@"
		printf '\n'
	} >"$scratch/run.sh"
fi
# no_timer_check: on a loaded host the emulated timer can be slow enough through the
# remapped IO-APIC that the kernel's boot-time check panics ("timer doesn't work").
vm_command() {
	mapfile -t devices < <("topo_$topo" "$scratch")
	cmd=(qemu-system-x86_64 -M q35,kernel-irqchip=split -accel tcg -m 2G -smp 2
		-nographic -no-reboot -nodefaults -serial mon:stdio
		-kernel "$kernel" -initrd "$VM_CACHE/initrd-$release.gz"
		-append "console=ttyS0 intel_iommu=on iommu=pt panic=-1 no_timer_check quiet vfiokit.script=$scratch/run.sh vfiokit.scratch=$scratch $modules_arg"
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap
		-virtfs "local,path=$scratch,mount_tag=scratch,security_model=none,multidevs=remap"
		"${devices[@]}")
}
vm_command
if [ -n "$shell" ]; then
	exec "${cmd[@]}"
fi
# Under TCG the guest kernel now and then oopses while it patches its own code (an int3
# left by text patching, seen early in boot and, more rarely, later): QEMU's
# multi-threaded TCG races with the kernel's cross-modifying code. QEMU itself may also die
# of a signal. A run that ended that way without the script's status is tried once more
# on fresh disks, after its console is shown; a crash that recurs fails the test, so one
# the test itself causes is still caught. Anything else counts at once.
crashed() {
	grep -qE 'Oops|Kernel panic|BUG: |general protection fault|invalid opcode' "$scratch/console" ||
		{ [ "$rc" -gt 128 ] && [ "$rc" -ne 124 ]; }
}
for attempt in 1 2; do
	rc=0
	timeout "$timeout" "${cmd[@]}" >"$scratch/console" 2>&1 </dev/null || rc=$?
	if [ -f "$scratch/status" ] || [ $rc -eq 124 ] || ! crashed; then
		break
	fi
	[ $attempt -eq 1 ] || break
	echo "vm: the guest crashed (qemu exit $rc, attempt $attempt); console:" >&2
	grep -m5 -E 'Oops|RIP|Kernel panic|BUG: |general protection|invalid opcode' "$scratch/console" >&2 ||
		tail -n 5 "$scratch/console" >&2
	if [ -f "$scratch/log" ]; then
		echo "vm: what the test had printed before the crash:" >&2
		cat "$scratch/log" >&2
	fi
	echo "vm: trying once more on fresh disks" >&2
	rm -rf "$scratch/log" "$scratch/out" "$scratch"/*.img
	vm_command
done
if [ -f "$scratch/log" ]; then
	cat "$scratch/log"
fi
if [ $rc -eq 124 ]; then
	echo "vm: timed out after ${timeout}s; console:" >&2
	tail -n 30 "$scratch/console" >&2
	exit 124
fi
if [ ! -f "$scratch/status" ]; then
	echo "vm: the guest did not run the script (qemu exit $rc); console:" >&2
	tail -n 30 "$scratch/console" >&2
	exit 1
fi
if [ -n "$save_to" ] && [ -d "$scratch/out" ]; then
	rm -rf "$save_to"
	mkdir -p "$(dirname "$save_to")"
	cp -a "$scratch/out" "$save_to"
fi
exit "$(cat "$scratch/status")"
