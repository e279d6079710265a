#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cli lane's persist round trip on each distribution's machine: --apply writes the
# files and (under --root) prints the commands instead of running them; a second run
# finds nothing to change; --undo puts every file under etc/ and boot/ back byte for byte.
#   check-persist-apply.sh VFIOKIT MKROOT
set -eu
vfiokit=$1 mkroot=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
sums() { (cd "$1" && find etc boot -type f -exec sha256sum {} + 2>/dev/null | sort -k2); }
check() {
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
for spec in "amd-desktop --force-boot-vga 01:00.0 01:00.1" "intel-desktop 01:00.0" \
	"vmd-domain 00:14.3" "popos-laptop 01:00.0" "server-switches --by-id 1a:00.0" \
	"arch-desktop --force-boot-vga --acs-override 01:00.0 01:00.1"; do
	set -- $spec
	topo=$1
	shift
	root=$work/$topo
	"$mkroot" "$topo" "$root"
	sums "$root" >"$work/before"
	rc=0
	"$vfiokit" --root "$root" persist --apply "$@" >"$work/out" 2>"$work/err" || rc=$?
	check "$topo: --apply exits 0" [ $rc = 0 ]
	sums "$root" >"$work/applied"
	check "$topo: files changed" sh -c "! cmp -s '$work/applied' '$work/before'"
	check "$topo: commands printed, not run" sh -c "grep -q '^Run these' '$work/out' || ! grep -q '^  ' '$work/out'"
	check "$topo: the state is recorded" [ -f "$root/var/lib/vfiokit/persist/state.json" ]
	"$vfiokit" --root "$root" persist --verify >"$work/verify" 2>&1 || true
	check "$topo: --verify reports each configured device" grep -q "device\." "$work/verify"
	"$vfiokit" --root "$root" persist "$@" >"$work/again" 2>/dev/null
	check "$topo: a second run changes nothing" grep -q "^No file changes" "$work/again"
	"$vfiokit" --root "$root" persist --undo --dry-run >"$work/undo-dry" 2>&1
	check "$topo: --undo --dry-run names the files" grep -q "^would put back /etc/" "$work/undo-dry"
	sums "$root" >"$work/still"
	check "$topo: --undo --dry-run changes nothing" cmp -s "$work/applied" "$work/still"
	"$vfiokit" --root "$root" persist --undo >"$work/undo" 2>&1
	sums "$root" >"$work/after"
	check "$topo: --undo restores every file" cmp -s "$work/before" "$work/after"
	case $topo in
	intel-desktop) check "$topo: --undo takes back grubby's options" \
		grep -qF 'grubby --update-kernel=ALL --remove-args="intel_iommu=on iommu=pt"' "$work/undo" ;;
	popos-laptop) check "$topo: --undo takes back kernelstub's options" \
		grep -q "kernelstub --delete-options intel_iommu=on" "$work/undo" ;;
	esac
	check "$topo: the state is gone" [ ! -f "$root/var/lib/vfiokit/persist/state.json" ]
	[ $failed = 0 ] || { cat "$work/out" "$work/err" "$work/undo"; diff "$work/before" "$work/after"; }
done
exit $failed
