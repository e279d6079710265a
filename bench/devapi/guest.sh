#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (topology devapi): the device-access benchmarks, each
# library against raw on the same device in the same boot. Result lines go to stdout and
# to $VM_SCRATCH/out/results.txt; bench/devapi/run.sh turns them into tables.
#   guest.sh BUILD [KEY=VALUE...]
# Keys (defaults below): ROUNDS DMA_ITERS LIVE MMIO_ITERS PREAD_ITERS IRQ_SAMPLES
# NVME_ROUNDS NVME_SHORT NVME_LONG NVME_QDS STRACE_K1 STRACE_K2 PARTS
set -eu
build=$1
shift
ROUNDS=7 DMA_ITERS=1000 LIVE=1,1000,16000 MMIO_ITERS=4194304 PREAD_ITERS=20000
IRQ_SAMPLES=2000 NVME_ROUNDS=5 NVME_SHORT=1 NVME_LONG=4 NVME_QDS="1 32"
STRACE_K1=100 STRACE_K2=1100 PARTS="dma mmio irq nvme"
for kv in "$@"; do
	case "$kv" in
	ROUNDS=* | DMA_ITERS=* | LIVE=* | MMIO_ITERS=* | PREAD_ITERS=* | IRQ_SAMPLES=* | \
		NVME_ROUNDS=* | NVME_SHORT=* | NVME_LONG=* | NVME_QDS=* | STRACE_K1=* | \
		STRACE_K2=* | PARTS=*)
		declare "$kv" ;;
	*) echo "guest: unknown setting $kv" >&2; exit 2 ;;
	esac
done
bin=$build/bench/devapi
nvme_read=$build/examples/vfk-nvme-read
out=$VM_SCRATCH/out
mkdir -p "$out"
res=$out/results.txt
: >"$res"
say() { echo "$*" | tee -a "$res"; }
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# Every timestamp must be cheap: with hpet each clock read is an emulated MMIO access.
cs_dir=/sys/devices/system/clocksource/clocksource0
cs=$(cat "$cs_dir/current_clocksource")
if [ "$cs" != tsc ] && grep -qw tsc "$cs_dir/available_clocksource"; then
	echo tsc >"$cs_dir/current_clocksource"
	cs="tsc (switched from $cs)"
fi
say "env kernel=$(uname -r) kind=${VM_KERNEL:-?} clocksource=${cs// /_} cpus=$(nproc)" \
	"mem_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
	"qemu_img=$(qemu-img --version | awk 'NR == 1 { print $3 }')"

by_id() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ]; then
			basename "$d"
			return
		fi
	done
	echo "guest: no device $1" >&2
	exit 1
}
to_vfio() {
	local d=/sys/bus/pci/devices/$1
	echo vfio-pci >"$d/driver_override"
	if [ -e "$d/driver" ]; then echo "$1" >"$d/driver/unbind"; fi
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ] || {
		echo "guest: $1 is not on vfio-pci" >&2
		exit 1
	}
}
modprobe vfio-pci 2>/dev/null || true
edu=$(by_id 0x1234:0x11e8)
ivshmem=$(by_id 0x1af4:0x1110)
nvme=$(by_id 0x1b36:0x0010)
for d in $edu $ivshmem $nvme; do to_vfio "$d"; done
say "devices edu=$edu ivshmem=$ivshmem nvme=$nvme"
if [ -e /dev/iommu ]; then backends="iommufd type1v2"; else backends="type1v2"; fi
first=${backends%% *}
echo 16 >/proc/sys/vm/nr_hugepages
ulimit -l unlimited

run() { # a benchmark program; its lines go to the results
	"$@" | tee -a "$res"
}

if has dma; then
	for b in $backends; do
		run "$bin/bench-dma" --bdf "$edu" --backend "$b" --rounds "$ROUNDS" \
			--iters "$DMA_ITERS" --live "$LIVE"
		# One ioctl per operation: the difference between two runs that differ only
		# in the number of library map+unmap pairs.
		for k in "$STRACE_K1" "$STRACE_K2"; do
			strace -c -f -o "$out/strace-$b-$k.txt" \
				"$bin/bench-dma" --bdf "$edu" --backend "$b" --count-ops "$k"
		done
		count() { awk -v s="$2" '$NF == s { print $4 }' "$1"; }
		i1=$(count "$out/strace-$b-$STRACE_K1.txt" ioctl)
		i2=$(count "$out/strace-$b-$STRACE_K2.txt" ioctl)
		t1=$(count "$out/strace-$b-$STRACE_K1.txt" total)
		t2=$(count "$out/strace-$b-$STRACE_K2.txt" total)
		ops=$((2 * (STRACE_K2 - STRACE_K1)))
		say "strace backend=$b k1=$STRACE_K1 k2=$STRACE_K2 ioctl1=$i1 ioctl2=$i2" \
			"total1=$t1 total2=$t2 ops=$ops" \
			"ioctl_per_op=$(awk -v a="$i1" -v b="$i2" -v n="$ops" 'BEGIN { printf "%.3f", (b - a) / n }')" \
			"syscalls_per_op=$(awk -v a="$t1" -v b="$t2" -v n="$ops" 'BEGIN { printf "%.3f", (b - a) / n }')"
	done
fi

if has mmio; then
	run "$bin/bench-mmio" --bdf "$ivshmem" --backend "$first" --rounds "$ROUNDS" \
		--iters "$MMIO_ITERS" --pread-iters "$PREAD_ITERS"
fi

if has irq; then
	run "$bin/bench-irq" --bdf "$edu" --backend "$first" --rounds "$ROUNDS" \
		--samples "$IRQ_SAMPLES"
fi

# 4 KiB reads: vfk-nvme-read --bench against qemu-img bench's nvme:// driver (type1), the
# same device, each run a fresh process. CPU per I/O is the marginal cost: the CPU time
# (user + system, from wait4) of a long run minus that of a short run, over the difference
# in I/Os, so that opening the device and bringing the controller up cancel out.
stat_run() { # OUTFILE COMMAND...: the command's stdout to OUTFILE, "wall user sys" echoed
	local f=$1
	shift
	timeout 300 "$bin/runstat" "$@" >"$f" 2>"$f.err" || {
		cat "$f.err" >&2
		echo "guest: $* failed" >&2
		exit 1
	}
	awk '/^runstat / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["wall_ns"], v["user_ns"], v["sys_ns"] }' "$f.err"
}
ours() { # QD SECONDS -> "ios wall user sys self_cpu_ns_per_io"
	local f=$out/ours.out w u s
	read -r w u s < <(stat_run "$f" "$nvme_read" --qd "$1" --bench "$2" "$nvme" 1)
	echo "$(awk '/^ios:/ { print $2 }' "$f") $w $u $s $(awk '/^cpu_ns_per_io:/ { print $2 }' "$f")"
}
qimg() { # QD COUNT -> "ios wall user sys"
	local f=$out/qemu-img.out w u s
	read -r w u s < <(stat_run "$f" qemu-img bench -c "$2" -d "$1" -s 4096 -S 4096 \
		--image-opts "driver=nvme,device=$nvme,namespace=1")
	echo "$2 $w $u $s"
}
if has nvme; then
	[ -x "$nvme_read" ] || { echo "guest: $nvme_read missing" >&2; exit 1; }
	for qd in $NVME_QDS; do
		# qemu-img takes a count, ours a duration: size qemu-img's runs from ours.
		read -r ios _ < <(ours "$qd" "$NVME_SHORT")
		[ -n "$ios" ] || exit 1
		n_short=$((ios > 100 ? ios : 100))
		n_long=$((n_short * NVME_LONG / NVME_SHORT))
		for r in $(seq 0 $((NVME_ROUNDS - 1))); do
			order="ours qemu-img qemu-img ours"
			[ $((r % 2)) -eq 0 ] || order="qemu-img ours ours qemu-img"
			declare -A acc=()
			for tool in $order; do
				if [ "$tool" = ours ]; then
					read -r i1 _ u1 s1 _ < <(ours "$qd" "$NVME_SHORT")
					read -r i2 w2 u2 s2 self < <(ours "$qd" "$NVME_LONG")
				else
					read -r i1 _ u1 s1 < <(qimg "$qd" "$n_short")
					read -r i2 w2 u2 s2 < <(qimg "$qd" "$n_long")
					self=
				fi
				[ -n "${i1:-}" ] && [ -n "${i2:-}" ] || exit 1
				say "nvme-run tool=$tool qd=$qd round=$r short_ios=$i1 short_cpu_ns=$((u1 + s1))" \
					"long_ios=$i2 long_cpu_ns=$((u2 + s2)) long_wall_ns=$w2" \
					"long_user_ns=$u2 long_sys_ns=$s2 self_cpu_ns_per_io=${self:-}"
				acc[$tool.dcpu]=$((${acc[$tool.dcpu]:-0} + u2 + s2 - u1 - s1))
				acc[$tool.dios]=$((${acc[$tool.dios]:-0} + i2 - i1))
				acc[$tool.ios]=$((${acc[$tool.ios]:-0} + i2))
				acc[$tool.wall]=$((${acc[$tool.wall]:-0} + w2))
			done
			say "nvme qd=$qd round=$r" \
				"$(awk -v a="${acc[ours.dcpu]}" -v b="${acc[ours.dios]}" \
					-v c="${acc[qemu-img.dcpu]}" -v d="${acc[qemu-img.dios]}" \
					-v e="${acc[ours.ios]}" -v f="${acc[ours.wall]}" \
					-v g="${acc[qemu-img.ios]}" -v h="${acc[qemu-img.wall]}" 'BEGIN {
					o = a / b; q = c / d
					printf "ours_cpu_ns_per_io=%.0f qemu_cpu_ns_per_io=%.0f cpu_ratio=%.4f", o, q, q / o
					printf " ours_iops=%.0f qemu_iops=%.0f iops_ratio=%.4f", e / f * 1e9, g / h * 1e9, (e / f) / (g / h)
				}')"
			unset acc
		done
	done
fi
say "done"
