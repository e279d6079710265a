#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (flat), whose / is a writable overlay of the host's:
# Debian's libvirtd, started by hand without systemd, runs vfiokit's hook. A domain with
# the NIC as a managed='no' hostdev starts with the NIC moved to vfio-pci by the hook
# (journaled) and shown on the nested guest's bus; destroy puts it back on e1000e with an
# empty journal. A domain that is not installed is left alone by the hook. The NIC bound
# by hand before the domain starts stays on vfio-pci when it stops.
#   check-hook.sh VFIOKIT
set -u
tool=$1
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
driver_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}
journal_has() {
	grep -q "\"$1\"" /run/vfiokit/journal.json 2>/dev/null
}
journal_lacks() {
	! journal_has "$1"
}
nic=$(for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/class")" in 0x0200*) basename "$d"; break ;; esac
done)
ids="$(cut -c3- "/sys/bus/pci/devices/$nic/vendor"):$(cut -c3- "/sys/bus/pci/devices/$nic/device")"
IFS=':.' read -r dom bus slot fn <<<"$nic"

# libvirt as root in a guest without systemd, cgroups, dbus or virtlogd.
cat >/etc/libvirt/qemu.conf <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
stdio_handler = "file"
EOF
cat >/tmp/libvirtd.conf <<EOF
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$VM_SCRATCH/libvirtd.log"
EOF
rm -f /etc/libvirt/qemu/networks/autostart/*
mkdir -p /run/libvirt /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt

domain_xml() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <hostdev mode='subsystem' type='pci' managed='no'>
      <source><address domain='0x$dom' bus='0x$bus' slot='0x$slot' function='0x$fn'/></source>
      <rom bar='off'/>
    </hostdev>
  </devices>
</domain>
EOF
}

# libvirt looks for hooks when the daemon starts.
check "hook install hooked" "$tool" hook install --tool "$tool" hooked
check "the hook is executable" [ -x /etc/libvirt/hooks/qemu.d/vfiokit ]
ulimit -l unlimited
libvirtd --config /tmp/libvirtd.conf >"$VM_SCRATCH/libvirtd.out" 2>&1 &
daemon=$!
up=0
for _ in $(seq 1 300); do
	if virsh -c qemu:///system version >/dev/null 2>&1; then
		up=1
		break
	fi
	sleep 0.2
done
check "libvirtd answers" [ $up = 1 ]
v() { timeout 240 virsh -c qemu:///system "$@"; }
domain_xml hooked >/tmp/hooked.xml
domain_xml other >/tmp/other.xml
check "define hooked" v define /tmp/hooked.xml
check "define other" v define /tmp/other.xml

# Not installed: the hook leaves it alone, so libvirt cannot give it the NIC.
v start other >"$VM_SCRATCH/other.out" 2>&1
check "other (not installed) does not start: the hook did not move its NIC" \
	[ "$(v domstate other 2>/dev/null | head -1)" != running ]
check "$nic still on e1000e after other" [ "$(driver_of "$nic")" = e1000e ]
check "the journal does not hold $nic after other" journal_lacks "$nic"

check "start hooked" v start hooked
check "$nic on vfio-pci (moved by the hook)" [ "$(driver_of "$nic")" = vfio-pci ]
check "the journal holds $nic" journal_has "$nic"
check "the start recorded $nic as moved" grep -qx "device=$nic" /run/vfiokit/hooks/hooked.moved
v qemu-monitor-command --hmp hooked 'info pci' >"$VM_SCRATCH/info-pci.out" 2>&1
check "the nested guest sees $ids" grep -qi "$ids" "$VM_SCRATCH/info-pci.out"

check "destroy hooked" v destroy hooked
back=0
for _ in $(seq 1 100); do
	[ "$(driver_of "$nic")" = e1000e ] && ! journal_has "$nic" && back=1 && break
	sleep 0.1
done
check "$nic back on e1000e, journal empty" [ $back = 1 ]
check "the start's record is gone" [ ! -e /run/vfiokit/hooks/hooked.moved ]

# Bound by hand before the start: the start moves nothing and records nothing, and the
# stop leaves the NIC where the user put it.
check "bind $nic by hand" "$tool" bind "$nic"
check "start hooked with $nic bound by hand" v start hooked
check "nothing recorded as moved by the start" [ ! -e /run/vfiokit/hooks/hooked.moved ]
check "destroy hooked again" v destroy hooked
sleep 1
check "$nic stays on vfio-pci after the stop" [ "$(driver_of "$nic")" = vfio-pci ]
check "the journal still holds $nic" journal_has "$nic"
check "restore $nic by hand" "$tool" restore "$nic"
check "$nic back on e1000e" [ "$(driver_of "$nic")" = e1000e ]
check "hook uninstall hooked" "$tool" hook uninstall hooked
check "the hook is gone with the last domain" [ ! -e /etc/libvirt/hooks/qemu.d/vfiokit ]

kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
if [ $fail != 0 ]; then
	cat "$VM_SCRATCH/other.out" "$VM_SCRATCH/info-pci.out" >&2
	tail -40 "$VM_SCRATCH/libvirtd.log" "$VM_SCRATCH/libvirtd.out" >&2
	tail -20 /var/log/libvirt/qemu/hooked.log >&2 2>/dev/null
fi
exit $fail
