#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A boot's coldplug in the vm lane's guest (run-vm.sh --udev): systemd-udevd runs the
# system's rules for every PCI device, loading drivers by modalias. udevadm's trigger,
# settle and control are ignored in a chroot, so the add events are written to the devices'
# uevent files (what trigger does), and udevd is stopped once every PCI device's driver
# module is loaded and udevd's queue is empty. Under TCG on a loaded host that
# has taken over a minute; a fixed pause ran out with drivers half loaded.
/lib/systemd/systemd-udevd &
udevd=$!
# Events sent before udevd listens are lost: it listens once its control socket exists.
deadline=$((SECONDS + 60))
while [ ! -S /run/udev/control ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
[ -S /run/udev/control ] || echo "vm: systemd-udevd has no control socket after 60 s" >&2
sleep 0.5
for u in /sys/bus/pci/devices/*/uevent; do echo add >"$u"; done

# The modules udev is to load for the PCI devices (not built in), found once: modprobe
# reads its indexes over 9p each time. Loaded, not bound, is the sign: some load and bind
# nothing (intel_agp for the q35 host bridge).
builtin=/lib/modules/$(uname -r)/modules.builtin
wanted=$(for d in /sys/bus/pci/devices/*; do
	modprobe -R "$(cat "$d/modalias")" 2>/dev/null
done | sort -u | while read -r m; do
	grep -q "/$m.ko\$" "$builtin" 2>/dev/null || echo "${m//-/_}"
done)
missing() {
	local m
	for m in $wanted; do grep -q "^$m " /proc/modules || echo "$m"; done
}
deadline=$((SECONDS + 120))
while [ "$SECONDS" -lt "$deadline" ]; do
	[ -z "$(missing)" ] && [ ! -e /run/udev/queue ] && break
	sleep 0.2
done
left=$(missing)
[ -z "$left" ] || echo "vm: after 120 s of coldplug these modules are not loaded:" $left >&2
# A driver that probes asynchronously (nvme) sends its bind event after its module has
# loaded, and rules acting on bind (persist --vfs) queue more events: udevd is stopped only
# once its queue has stayed empty for a second, within 30 s.
quiet=0
deadline=$((SECONDS + 30))
while [ "$quiet" -lt 10 ] && [ "$SECONDS" -lt "$deadline" ]; do
	if [ -e /run/udev/queue ]; then quiet=0; else quiet=$((quiet + 1)); fi
	sleep 0.1
done
[ "$quiet" -ge 10 ] || echo "vm: udevd's queue was still busy after 30 s" >&2
kill "$udevd"
wait "$udevd" 2>/dev/null
true
