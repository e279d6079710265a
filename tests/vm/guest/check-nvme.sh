#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (flat): the NVMe example driver (examples/nvme-read.c)
# reads the emulated disk, whose backing file holds byte 171 (0xab) everywhere, through
# each backend named: polled and with MSI-X, one page and a PRP list, across a function
# reset, as root and as a user the device was lent to, and a 4 KiB benchmark at QD1 and
# QD32. Afterwards QEMU's own userspace NVMe driver (type1) must still read the device.
#   check-nvme.sh VFIOKIT VFK_NVME_READ BACKEND...
set -u
tool=$1 nvme_read=$2
shift 2
fail=0
check() {
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fail=1; fi
}
dev=$(for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/class")" in 0x010802) basename "$d"; break ;; esac
done)
group=$(basename "$(readlink "/sys/bus/pci/devices/$dev/iommu_group")")
check "bind $dev" "$tool" bind "$dev"
out=$VM_SCRATCH/nvme
# NLB blocks of the pattern, as the backing file holds them.
expect() { head -c "$(($1 * lba))" /dev/zero | tr '\0' '\253' >"$out.want"; }
# read LABEL NLB [OPTIONS...]: read NLB blocks at LBA 0 and compare.
read_check() {
	local what=$1 nlb=$2 rc=0
	shift 2
	"$@" "$dev" 1 0 "$nlb" >"$out.data" 2>"$out.err" || rc=$?
	cat "$out.err" >&2
	expect "$nlb"
	check "$what: $nlb blocks read (exit $rc)" [ $rc = 0 ]
	check "$what: the blocks hold the backing file's bytes" cmp -s "$out.data" "$out.want"
}

for backend in "$@"; do
	"$nvme_read" --backend "$backend" "$dev" 1 0 1 >/dev/null 2>"$out.err"
	lba=$(sed -n 's/.* blocks of \([0-9]*\) bytes$/\1/p' "$out.err")
	check "[$backend] LBA size from Identify (${lba:-?})" [ -n "$lba" ]
	lba=${lba:-512}
	check "[$backend] opened with $backend" grep -q "opened with $backend " "$out.err"
	read_check "[$backend] polled" 8 "$nvme_read" --backend "$backend"
	read_check "[$backend] PRP list" 64 "$nvme_read" --backend "$backend"
	read_check "[$backend] MSI-X" 64 "$nvme_read" --backend "$backend" --irq
	read_check "[$backend] across a function reset" 8 "$nvme_read" --backend "$backend" --reset --irq
	check "[$backend] the reset happened" grep -q "function reset; the controller is up again" "$out.err"
	for qd in 1 32; do
		"$nvme_read" --backend "$backend" --qd $qd --bench 2 "$dev" 1 >"$out.bench" 2>&1
		cat "$out.bench"
		check "[$backend] QD$qd benchmark" grep -q "^cpu_ns_per_io: [0-9]" "$out.bench"
	done

	# Lent to an unprivileged user: its files, and a locked-memory limit it fits in.
	chown nobody "/dev/vfio/$group"
	if [ "$backend" = iommufd ]; then
		chown nobody /dev/iommu "/dev/vfio/devices/$(ls "/sys/bus/pci/devices/$dev/vfio-dev")"
	fi
	as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	read_check "[$backend] as nobody" 8 prlimit --memlock=$((16 << 20)) "${as_nobody[@]}" \
		"$nvme_read" --backend "$backend"
	prlimit --memlock=16384 "${as_nobody[@]}" "$nvme_read" --backend "$backend" "$dev" 1 0 8 \
		>/dev/null 2>"$out.err"
	cat "$out.err" >&2
	check "[$backend] as nobody with 16 KiB of memlock: refused, naming the limit" \
		grep -qi "FAIL: .*lock" "$out.err"
	chown root "/dev/vfio/$group"
done

# QEMU's userspace NVMe driver, a VFIO client that is not ours, after ours has exited.
ulimit -l unlimited
qemu-img bench -c 100 -d 1 -s 4096 -S 4096 --image-opts "driver=nvme,device=$dev,namespace=1" \
	>"$out.qemu" 2>&1
rc=$?
cat "$out.qemu"
check "qemu-img bench on $dev after vfk-nvme-read (exit $rc)" [ $rc = 0 ]
exit $fail
