#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the vm lane's guest (topology devapi): the device-access benchmarks, each
# library against raw on the same device in the same boot. Result lines go to stdout and
# to $VM_SCRATCH/out/results.txt; bench/devapi/run.sh turns them into tables.
#   guest.sh BUILD [KEY=VALUE...]
# Keys (defaults below): ROUNDS DMA_ITERS DMA_ITERS_2M LIVE MMIO_ITERS PREAD_ITERS IRQ_SAMPLES
# NVME_ROUNDS NVME_SHORT NVME_LONG NVME_QDS NVME_TIMEOUT NVME_INIT_TIMEOUT NVME_TRIES STRACE_K1
# STRACE_K2 PARTS
set -eu -o pipefail
build=$1
shift
ROUNDS=7 DMA_ITERS=2000 DMA_ITERS_2M=400 LIVE=1,1000,16000 MMIO_ITERS=16777216 PREAD_ITERS=20000
IRQ_SAMPLES=2000 NVME_ROUNDS=3 NVME_SHORT=1 NVME_LONG=6 NVME_QDS="1 32"
STRACE_K1=100 STRACE_K2=1100 PARTS="dma mmio irq nvme" NVME_TIMEOUT=30 NVME_INIT_TIMEOUT=10
NVME_TRIES=10
for kv in "$@"; do
	case "$kv" in
	ROUNDS=* | DMA_ITERS=* | DMA_ITERS_2M=* | LIVE=* | MMIO_ITERS=* | PREAD_ITERS=* | IRQ_SAMPLES=* | \
		NVME_ROUNDS=* | NVME_SHORT=* | NVME_LONG=* | NVME_QDS=* | STRACE_K1=* | \
		STRACE_K2=* | PARTS=* | NVME_TIMEOUT=* | NVME_INIT_TIMEOUT=* | NVME_TRIES=*)
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
			--iters "$DMA_ITERS" --iters-2m "$DMA_ITERS_2M" --live "$LIVE"
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
# in I/Os, so that starting the process and bringing the controller up cancel out.
# ours-irq waits for completions on an MSI-X eventfd as qemu-img does; ours-poll spins.
# qemu-img's driver now and then hangs while it opens the device: it enables the controller
# before MSI-X, so QEMU 7.2's emulated nvme never marks vector 0 used and drops the admin
# queue's interrupts; an admin completion not seen by the driver's check right after
# submitting is then waited for forever (docs/benchmarks.md, P7, has the evidence). Once
# its I/O queue exists the vector is used and every interrupt arrives, so a run that has
# printed "Sending" is sound. A run that has not printed it within NVME_INIT_TIMEOUT
# seconds is stopped, counted as a hang and tried again, up to NVME_TRIES times; any run
# still going after NVME_TIMEOUT seconds is stopped and retried too.
stat_run() { # OUTFILE MARKER COMMAND...: the command's stdout to OUTFILE, "wall user sys"
	# echoed; MARKER, if not empty, must appear in OUTFILE within NVME_INIT_TIMEOUT seconds
	local f=$1 marker=$2 pid ticks=0
	shift 2
	: >"$f"
	timeout "$NVME_TIMEOUT" "$bin/runstat" "$@" >"$f" 2>"$f.err" &
	pid=$!
	while [ -n "$marker" ] && ! grep -q "$marker" "$f" && kill -0 "$pid" 2>/dev/null; do
		if [ "$ticks" -ge $((NVME_INIT_TIMEOUT * 10)) ]; then
			kill "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
		ticks=$((ticks + 1))
	done
	wait "$pid" || return 1
	awk '/^runstat / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["wall_ns"], v["user_ns"], v["sys_ns"] }' "$f.err"
}
one_run() { # TOOL QD SIZE -> "ios wall user sys"; SIZE is seconds (ours) or a count
	local f=$out/$1.out st tries
	for tries in $(seq "$NVME_TRIES"); do
		case "$1" in
		ours-irq) st=$(stat_run "$f" "" "$nvme_read" --irq --qd "$2" --bench "$3" "$nvme" 1) ;;
		ours-poll) st=$(stat_run "$f" "" "$nvme_read" --qd "$2" --bench "$3" "$nvme" 1) ;;
		qemu-img) st=$(stat_run "$f" "^Sending" stdbuf -oL qemu-img bench -c "$3" -d "$2" \
			-s 4096 -S 4096 --image-opts "driver=nvme,device=$nvme,namespace=1") ;;
		esac && break
		say "nvme-hang tool=$1 qd=$2 size=$3 try=$tries started=$(grep -c '^Sending' "$f")" >&2
		st=
	done
	[ -n "$st" ] || return 1
	case "$1" in
	qemu-img) echo "$3 $st" ;;
	*) echo "$(awk '/^ios:/ { print $2 }' "$f") $st" ;;
	esac
}
qemu_rate() { # QD -> I/Os per second of a 500-request qemu-img run
	one_run qemu-img "$1" 500 >/dev/null || return 1
	awk '/^Run completed in/ { printf "%d\n", 500 / $4 }' "$out/qemu-img.out"
}
if has nvme; then
	[ -x "$nvme_read" ] || { echo "guest: $nvme_read missing" >&2; exit 1; }
	tools="ours-irq qemu-img ours-poll"
	rtools="ours-poll qemu-img ours-irq"
	for qd in $NVME_QDS; do
		rate=$(qemu_rate "$qd") || { say "nvme-skip qd=$qd reason=qemu-img-hangs"; continue; }
		n_short=$((rate * NVME_SHORT > 100 ? rate * NVME_SHORT : 100))
		n_long=$((n_short * NVME_LONG / NVME_SHORT))
		for r in $(seq 0 $((NVME_ROUNDS - 1))); do
			order="$tools $rtools"
			[ $((r % 2)) -eq 0 ] || order="$rtools $tools"
			declare -A acc=()
			ok=1
			for tool in $order; do
				if [ "$tool" = qemu-img ]; then s1=$n_short s2=$n_long; else s1=$NVME_SHORT s2=$NVME_LONG; fi
				a=$(one_run "$tool" "$qd" "$s1") && b=$(one_run "$tool" "$qd" "$s2") || { ok=0; break; }
				read -r i1 _ u1 c1 <<<"$a"
				read -r i2 w2 u2 c2 <<<"$b"
				say "nvme-run tool=$tool qd=$qd round=$r short_ios=$i1 short_cpu_ns=$((u1 + c1))" \
					"long_ios=$i2 long_cpu_ns=$((u2 + c2)) long_wall_ns=$w2" \
					"long_user_ns=$u2 long_sys_ns=$c2" \
					"self_cpu_ns_per_io=$(awk '/^cpu_ns_per_io:/ { print $2 }' "$out/$tool.out")"
				acc[$tool.dcpu]=$((${acc[$tool.dcpu]:-0} + u2 + c2 - u1 - c1))
				acc[$tool.dios]=$((${acc[$tool.dios]:-0} + i2 - i1))
				acc[$tool.ios]=$((${acc[$tool.ios]:-0} + i2))
				acc[$tool.wall]=$((${acc[$tool.wall]:-0} + w2))
			done
			if [ "$ok" = 1 ]; then
				line="nvme qd=$qd round=$r"
				for tool in $tools; do
					line+=" $(awk -v t="$tool" -v c="${acc[$tool.dcpu]}" -v d="${acc[$tool.dios]}" \
						-v i="${acc[$tool.ios]}" -v w="${acc[$tool.wall]}" \
						'BEGIN { printf "%s_cpu=%.0f %s_iops=%.0f", t, c / d, t, i / w * 1e9 }')"
				done
				say "$line"
			else
				say "nvme-skip qd=$qd round=$r reason=qemu-img-hangs"
			fi
			unset acc
		done
	done
	say "nvme-hangs count=$(grep -c '^nvme-hang ' "$res" || true)"
fi
say "done"
