#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the vm lane's guest: mounts the host's / read-only over 9p, the scratch
# directory writable, then runs the test script as root in a chroot of the host's files
# against the guest's real kernel, and powers off. The script's exit status goes to
# $scratch/status.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /modules/*.ko; do
	insmod "$m" 2>/dev/null
done
arg() {
	tr ' ' '\n' </proc/cmdline | grep "^vfiokit.$1=" | cut -d= -f2-
}
script=$(arg script)
scratch=$(arg scratch)
# The host's files below, a tmpfs above: the guest may write anywhere without the host
# ever seeing it.
mkdir -p /lower /rw
mount -t 9p -o trans=virtio,version=9p2000.L,ro host /lower || {
	echo "vm-init: cannot mount the host's files"
	poweroff -f
}
mount -t tmpfs rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /host || {
	echo "vm-init: cannot mount the overlay"
	poweroff -f
}
modules=$(arg modules)
release=$(cat /proc/sys/kernel/osrelease)
if [ -n "$modules" ]; then
	mkdir -p /host/usr/lib/modules
	ln -s "$modules/lib/modules/$release" "/host/usr/lib/modules/$release"
fi
mount -o bind /proc /host/proc
mount -o bind /sys /host/sys
mount -o bind /dev /host/dev
mkdir -p "/host$scratch"
mount -t 9p -o trans=virtio,version=9p2000.L scratch "/host$scratch" || {
	echo "vm-init: cannot mount the scratch directory"
	poweroff -f
}
chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp VM_SCRATCH="$scratch" VM_KERNEL_RELEASE="$(cat /proc/sys/kernel/osrelease)" \
	/bin/bash "$script" >"/host$scratch/log" 2>&1
echo $? >"/host$scratch/status"
sync
poweroff -f
