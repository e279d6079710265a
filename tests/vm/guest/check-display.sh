#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (topology gpu): bind --release-display against the real
# kernel's fbcon and the stock bochs DRM driver. The console drawn on the card's
# framebuffer is unbound before the card leaves bochs (seen with the driver's unbind held
# back by strace), bound again after restore; a process holding the card's DRM node
# refuses the hand-over. The guest has no systemd, so the display manager's step is
# reported as not taken.
#   check-display.sh VFIOKIT
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
by_class() {
	for d in /sys/bus/pci/devices/*; do
		case "$(cat "$d/class")" in "$1"*) basename "$d"; return ;; esac
	done
}
show() { sed 's/^/  | /' "$@"; }
# The vtconsole fbcon registered, and its bind state.
fbcon() {
	local v
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q "frame buffer device" "$v/name" && { basename "$v"; return; }
	done
}

vga=$(by_class 0x0300)
hda=$(by_class 0x0403)
modprobe vfio-pci
modprobe bochs || echo "modprobe bochs failed"
modprobe snd-hda-intel 2>/dev/null
for _ in $(seq 50); do
	[ -n "$(fbcon)" ] && break
	sleep 0.1
done
con=$(fbcon)
card=$(ls "/sys/bus/pci/devices/$vga/drm" | grep -m1 '^card[0-9]*$')
echo "VGA $vga on $(driver "$vga"), audio $hda on $(driver "$hda"), console ${con:-none}, ${card:-no card}"
for v in /sys/class/vtconsole/vtcon*; do echo "  $(basename "$v"): $(cat "$v/name"), bind $(cat "$v/bind")"; done
vga_was=$(driver "$vga")
check "$vga is on the bochs DRM driver" [ "$vga_was" = bochs-drm ]
check "fbcon registered a vtconsole" [ -n "$con" ]
check "fbcon is bound before (bind = 1)" [ "$(cat "/sys/class/vtconsole/$con/bind")" = 1 ]
check "the card's framebuffer belongs to $vga" [ -e "/sys/bus/pci/devices/$vga/graphics/fb0" ]
hda_was=$(driver "$hda")

# Without --release-display: refused as before, naming --force-boot-vga.
"$tool" bind "$vga" "$hda" >"$out/o" 2>"$out/e"
rc=$?
echo "bind without --release-display (exit $rc):"; show "$out/e"
check "refused with exit 1" [ "$rc" = 1 ]
check "the refusal names the console" grep -q "carries the text console" "$out/e"

# A process holding the card: refused, naming it; nothing changes.
sleep 60 <"/dev/dri/$card" &
holder=$!
sleep 0.3
"$tool" bind --release-display "$vga" "$hda" >"$out/o" 2>"$out/e"
rc=$?
echo "bind --release-display while pid $holder holds /dev/dri/$card (exit $rc):"; show "$out/o" "$out/e"
check "refused with exit 1" [ "$rc" = 1 ]
check "the refusal names pid $holder (sleep) and /dev/dri/$card" \
	grep -qF "process $holder (sleep) holds /dev/dri/$card open" "$out/e"
check "$vga still on $vga_was" [ "$(driver "$vga")" = "$vga_was" ]
check "console still bound" [ "$(cat "/sys/class/vtconsole/$con/bind")" = 1 ]
check "nothing in the journal" bash -c '! grep -qs "display" /run/vfiokit/journal.json'
kill "$holder"; wait "$holder" 2>/dev/null

"$tool" bind --release-display --dry-run "$vga" "$hda" >"$out/dry" 2>&1
echo "bind --release-display --dry-run:"; show "$out/dry"
check "dry run says the display manager is not stopped (no systemd)" \
	grep -q "not stopped: display-manager.service: systemd does not run here" "$out/dry"
check "dry run shows the console unbind" grep -qF "/sys/class/vtconsole/$con/bind <- \"0\"" "$out/dry"
check "dry run changed nothing" [ "$(driver "$vga"):$(cat "/sys/class/vtconsole/$con/bind")" = "$vga_was:1" ]

# Once the card leaves $vga_was, fbcon unregisters its vtconsole whoever unbound it, so
# the console step is checked in between: strace holds the write to $vga_was's unbind back
# for some seconds, and the vtconsole is read once the journal records the devices (the
# hand-over is done by then) while the card is still on $vga_was.
unbind=/sys/bus/pci/drivers/$vga_was/unbind
strace -f -qq -o /dev/null -P "$unbind" -e trace=write -e inject=write:delay_enter=10000000 \
	"$tool" --json bind --release-display "$vga" "$hda" >"$out/o" 2>"$out/e" &
bind_pid=$!
during=unseen
for _ in $(seq 300); do
	if grep -qs '"state"' /run/vfiokit/journal.json; then
		on=$(driver "$vga")
		bind=$(cat "/sys/class/vtconsole/$con/bind" 2>/dev/null)
		during="bind = ${bind:-gone}, on $on"
		break
	fi
	sleep 0.1
done
wait "$bind_pid"
rc=$?
echo "bind --release-display (exit $rc), with $unbind held back; console $con: $during"
show "$out/o" "$out/e"
check "bind --release-display exited 0" [ "$rc" = 0 ]
check "$vga on vfio-pci" [ "$(driver "$vga")" = vfio-pci ]
check "$hda on vfio-pci" [ "$(driver "$hda")" = vfio-pci ]
check "console unbound (bind = 0) while $vga was still on $vga_was" \
	[ "$during" = "bind = 0, on $vga_was" ]
check "no vtconsole drawn by fbcon is bound during" \
	bash -c '! grep -l "frame buffer" /sys/class/vtconsole/*/name 2>/dev/null | while read -r n; do cat "${n%name}bind"; done | grep -q 1' 
check "JSON reports the console step" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
steps = [(s["action"], s["target"]) for s in d["display"]]
assert ("unbind-console", sys.argv[2]) in steps, steps
assert steps[0][0] == "skip-display-manager", steps' "$out/o" "$con"
check "the journal records the console step" grep -q "\"$con\"" /run/vfiokit/journal.json
echo "journal:"; show /run/vfiokit/journal.json

"$tool" restore --all >"$out/o" 2>"$out/e"
rc=$?
echo "restore --all (exit $rc):"; show "$out/o" "$out/e"
check "restore exited 0" [ "$rc" = 0 ]
check "$vga back on $vga_was" [ "$(driver "$vga")" = "$vga_was" ]
check "$hda back on $hda_was" [ "$(driver "$hda")" = "$hda_was" ]
check "console bound again (bind = 1)" [ "$(cat "/sys/class/vtconsole/$con/bind")" = 1 ]
check "restore said so" grep -q "$con (framebuffer console) bound again" "$out/e"
check "journal has no display steps left" bash -c '! grep -qs "\"display\"" /run/vfiokit/journal.json'
exit $fail
