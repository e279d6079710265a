#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Device-access benchmarks in the vm lane: DMA map+unmap (P4), BAR accessors (P5),
# interrupt -> eventfd latency (P6) and NVMe 4 KiB reads against qemu-img's nvme:// driver
# (P7), each the library against raw (or a peer) on the same device in one guest boot per
# kernel (topology devapi; needs tests/vm/prepare.sh and, for iommufd, build-kernel.sh).
#   bench/devapi/run.sh BUILD [OUT_DIR]
# Environment: KERNELS="iommufd" (also: stock, type1v2 only), TIMEOUT=3000 (s per boot),
# and any of guest.sh's settings (ROUNDS, DMA_ITERS, DMA_ITERS_2M, LIVE, MMIO_ITERS, PREAD_ITERS,
# IRQ_SAMPLES, NVME_ROUNDS, NVME_SHORT, NVME_LONG, NVME_QDS, NVME_TIMEOUT, NVME_INIT_TIMEOUT,
# NVME_TRIES, STRACE_K1, STRACE_K2, PARTS).
# Prints markdown tables; the raw lines are in OUT_DIR/KERNEL/results.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD [OUT_DIR]}" && pwd)
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-devapi-bench.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$out/" in "$src"/*) echo "bench: $out is inside the source tree" >&2; exit 1 ;; esac
KERNELS=${KERNELS:-iommufd}
TIMEOUT=${TIMEOUT:-3000}

ninja -C "$build" bench/devapi/bench-dma bench/devapi/bench-mmio bench/devapi/bench-irq \
	bench/devapi/runstat >/dev/null
# Not grep -q: it would close the pipe early, and pipefail would count ninja's SIGPIPE.
if ninja -C "$build" -t targets all | grep -c '^examples/vfk-nvme-read:' >/dev/null; then
	ninja -C "$build" examples/vfk-nvme-read >/dev/null
else
	echo "bench: this build has no examples/vfk-nvme-read: the NVMe comparison (P7) is skipped" >&2
	PARTS=${PARTS:-dma mmio irq}
	PARTS=${PARTS//nvme/}
fi
buildtype=$(meson introspect --buildoptions "$build" |
	jq -r '.[] | select(.name == "buildtype") | .value')
sanitize=$(meson introspect --buildoptions "$build" |
	jq -r '.[] | select(.name == "b_sanitize") | .value')
if [ "$buildtype" != release ] || [ "$sanitize" != none ]; then
	echo "bench: warning: $build is buildtype=$buildtype b_sanitize=$sanitize;" \
		"use -Dbuildtype=release without sanitizers for published numbers" >&2
fi

settings=()
for k in ROUNDS DMA_ITERS DMA_ITERS_2M LIVE MMIO_ITERS PREAD_ITERS IRQ_SAMPLES NVME_ROUNDS NVME_SHORT \
	NVME_LONG NVME_QDS NVME_TIMEOUT NVME_INIT_TIMEOUT NVME_TRIES STRACE_K1 STRACE_K2 PARTS; do
	[ -z "${!k:-}" ] || settings+=("$k=${!k}")
done

for k in $KERNELS; do
	echo "bench: booting the $k kernel (topology devapi)" >&2
	"$src/tests/vm/run-vm.sh" --kernel "$k" --timeout "$TIMEOUT" --save-to "$out/$k" \
		devapi "$here/guest.sh" "$build" "${settings[@]}" >"$out/$k.log" 2>&1 || {
		tail -n 30 "$out/$k.log" >&2
		echo "bench: the $k run failed (log: $out/$k.log)" >&2
		exit 1
	}
done

# "key=value" fields of a result line as awk variables f[key].
fields='function parse(   i, kv) { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }'
verdict() { awk -v r="$1" -v t="$2" -v dir="$3" 'BEGIN {
	ok = dir == "le" ? r <= t : r >= t; print ok ? "met" : "**missed**" }'; }

echo "# Device-access benchmarks"
echo
echo "build: buildtype=$buildtype b_sanitize=$sanitize; raw lines: $out/KERNEL/results.txt"
for k in $KERNELS; do
	res=$out/$k/results.txt
	echo
	echo "## Kernel: $k"
	echo
	awk "$fields"' /^env / { parse(); printf "guest: Linux %s, clocksource %s, %s vCPUs, %d MiB, qemu-img %s\n", f["kernel"], f["clocksource"], f["cpus"], f["mem_kb"] / 1024, f["qemu_img"] }' "$res"

	if grep -q '^dma-summary ' "$res"; then
		echo
		echo "### P4: DMA map+unmap pair, library / raw ioctls (target <= 1.1)"
		echo
		echo "| backend | page | live mappings | library ns/pair | raw ns/pair | ratio (median) | min | max | target |"
		echo "|---|---|---|---|---|---|---|---|---|"
		awk "$fields"' /^dma-summary / { parse(); print f["backend"], f["page"], f["live"], f["lib_ns"], f["raw_ns"], f["ratio"], f["min"], f["max"] }' "$res" |
			while read -r b p l a r m lo hi; do
				printf '| %s | %s | %s | %.0f | %.0f | %.3f | %.3f | %.3f | %s |\n' \
					"$b" "$p" "$l" "$a" "$r" "$m" "$lo" "$hi" "$(verdict "$m" 1.1 le)"
			done
		grep '^dma-skip ' "$res" || true
		echo
		echo "strace -c -f, two runs differing only in the number of library map+unmap pairs:"
		echo
		echo "| backend | pairs (run 1 / run 2) | ioctl calls | all system calls | ioctls per operation | system calls per operation |"
		echo "|---|---|---|---|---|---|"
		awk "$fields"' /^strace / { parse(); printf "| %s | %s / %s | %s / %s | %s / %s | %s | %s |\n", f["backend"], f["k1"], f["k2"], f["ioctl1"], f["ioctl2"], f["total1"], f["total2"], f["ioctl_per_op"], f["syscalls_per_op"] }' "$res"
	fi

	if grep -q '^mmio-summary ' "$res"; then
		echo
		echo "### P5: BAR access on ivshmem-plain BAR2 (RAM), library / raw volatile (target <= 1.05)"
		echo
		echo "| access | library ns | raw ns | ratio (median) | min | max | target |"
		echo "|---|---|---|---|---|---|---|"
		awk "$fields"' /^mmio-summary / { parse(); print f["op"], f["lib_ns"], f["raw_ns"], f["ratio"], f["min"], f["max"] }' "$res" |
			while read -r o a r m lo hi; do
				t=$(verdict "$m" 1.05 le)
				[ "$o" != pread32 ] || t="(file path: vfk_vfio_region_read / pread)"
				printf '| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %s |\n' "$o" "$a" "$r" "$m" "$lo" "$hi" "$t"
			done
	fi

	if grep -q '^irq-summary ' "$res"; then
		echo
		echo "### P6: interrupt -> eventfd latency on edu's MSI, library / raw (target <= 1.2)"
		echo
		echo "| path | library p50 | raw p50 | p50 ratio (median, min-max) | library p99 | raw p99 | p99 ratio (median, min-max) | target |"
		echo "|---|---|---|---|---|---|---|---|"
		awk "$fields"' /^irq-summary / { parse(); print f["path"], f["lib_p50"], f["raw_p50"], f["r50"], f["r50min"], f["r50max"], f["lib_p99"], f["raw_p99"], f["r99"], f["r99min"], f["r99max"] }' "$res" |
			while read -r p l50 w50 r50 a50 b50 l99 w99 r99 a99 b99; do
				t=$(verdict "$r50" 1.2 le)
				[ "$(verdict "$r99" 1.2 le)" = met ] || t="$t (p99 **missed**)"
				[ "$p" != eventfd-floor ] || t="floor: eventfd write on both sides, the ratio is noise"
				printf '| %s | %.1f µs | %.1f µs | %.3f (%.3f-%.3f) | %.1f µs | %.1f µs | %.3f (%.3f-%.3f) | %s |\n' \
					"$p" "$(awk -v x="$l50" 'BEGIN { print x / 1000 }')" \
					"$(awk -v x="$w50" 'BEGIN { print x / 1000 }')" "$r50" "$a50" "$b50" \
					"$(awk -v x="$l99" 'BEGIN { print x / 1000 }')" \
					"$(awk -v x="$w99" 'BEGIN { print x / 1000 }')" "$r99" "$a99" "$b99" "$t"
			done
	fi

	if grep -q '^nvme ' "$res"; then
		echo
		echo "### P7: NVMe 4 KiB reads, vfk-nvme-read --bench against qemu-img bench (nvme://)"
		echo
		echo "Guest CPU time per I/O (user + system from wait4, marginal: a long run minus a short run, over the difference in I/Os). Ratio = qemu-img / ours: target >= 1.0 (ours costs no more CPU per I/O). ours-irq waits on an MSI-X eventfd as qemu-img does; ours-poll spins on the completion queue. IOPS are those of an emulated device under TCG, for the record only."
		echo
		echo "| QD | ours-irq CPU ns/I/O | qemu-img CPU ns/I/O | ratio (median) | min | max | target | ours-poll CPU ns/I/O | ratio | ours-irq IOPS | ours-poll IOPS | qemu-img IOPS |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for qd in $(awk "$fields"' /^nvme / { parse(); print f["qd"] }' "$res" | sort -nu); do
			col() { # one field of this QD's nvme lines, sorted
				awk "$fields"' /^nvme / { parse(); if (f["qd"] == qd) print (k == "r1" ? f["qemu-img_cpu"] / f["ours-irq_cpu"] : k == "r2" ? f["qemu-img_cpu"] / f["ours-poll_cpu"] : f[k]) }' qd="$qd" k="$1" "$res" | sort -g
			}
			med() { awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
			m=$(col r1 | med)
			printf '| %s | %.0f | %.0f | %.3f | %.3f | %.3f | %s | %.0f | %.3f | %.0f | %.0f | %.0f |\n' "$qd" \
				"$(col ours-irq_cpu | med)" "$(col qemu-img_cpu | med)" "$m" \
				"$(col r1 | head -n1)" "$(col r1 | tail -n1)" "$(verdict "$m" 1.0 ge)" \
				"$(col ours-poll_cpu | med)" "$(col r2 | med)" \
				"$(col ours-irq_iops | med)" "$(col ours-poll_iops | med)" "$(col qemu-img_iops | med)"
		done
		echo
		echo "qemu-img runs stopped after NVME_TIMEOUT s without completing (each tried up to twice more):"
		grep -E '^nvme-(hangs|skip|hang) ' "$res" | sed 's/^/    /' || true
	fi
done
