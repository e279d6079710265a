#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Listing benchmark: `vfiokit groups` against the popular per-device lspci loop and one
# `lspci -nnk` (and `-nnvk`), on synthetic SR-IOV trees of 1,000 and 4,000 functions, in
# one run.
#
# Usage: bench/run.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR  a configured build (best: -Dbuildtype=release, no sanitizers)
#   OUT_DIR    where the hyperfine JSON and summary.md go (default: a new temp dir)
# Environment:
#   SIZES="1000 4000"  tree sizes       RUNS=50, WARMUP=3  for ours and one-process lspci
#   LOOP_RUNS=3, LOOP_WARMUP=1          for the per-device loop
#   LOOP_MAX_SECONDS=180                skip the loop on a size whose estimated single run
#                                       (from the previous size) is longer than this
#   BASELINE=PATH                       another vfiokit binary (e.g. the previous release)
#                                       timed in the same hyperfine runs, for before/after
set -euo pipefail

die() {
	echo "bench: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: $0 BUILD_DIR [OUT_DIR]"
fi
build=$(cd "$1" && pwd) || die "$1: no such build directory"
src=$(cd "$(dirname "$0")/.." && pwd)

SIZES=${SIZES:-"1000 4000"}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-3}
LOOP_RUNS=${LOOP_RUNS:-3}
LOOP_WARMUP=${LOOP_WARMUP:-1}
LOOP_MAX_SECONDS=${LOOP_MAX_SECONDS:-180}
BASELINE=${BASELINE:-}
if [ -n "$BASELINE" ]; then
	BASELINE=$(realpath "$BASELINE")
	[ -x "$BASELINE" ] || die "BASELINE: $BASELINE is not a program"
fi

for tool in hyperfine lspci strace jq ninja taskset; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

ninja -C "$build" tool/vfiokit bench/gentree >/dev/null ||
	die "could not build vfiokit and bench/gentree in $build (are tests enabled?)"
vfiokit=$build/tool/vfiokit
gentree=$build/bench/gentree

work=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ $# -ge 2 ]; then
	out=$(realpath -m "$2")
	case "$out/" in
	"$src"/*) die "$out is inside the source tree; give another OUT_DIR" ;;
	esac
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/vfiokit-bench-results.XXXXXX")
fi

# Build options matter for the absolute numbers; say what was measured.
buildtype=$(meson introspect --buildoptions "$build" 2>/dev/null |
	jq -r '.[] | select(.name == "buildtype") | .value' || echo unknown)
sanitize=$(meson introspect --buildoptions "$build" 2>/dev/null |
	jq -r '.[] | select(.name == "b_sanitize") | .value' || echo unknown)
if [ "$buildtype" != release ] || [ "$sanitize" != none ]; then
	echo "bench: warning: $build is buildtype=$buildtype b_sanitize=$sanitize;" \
		"use -Dbuildtype=release without sanitizers for published numbers" >&2
fi

# hyperfine with its report in a log, shown only when it fails.
bench_run() {
	local log=$1
	shift
	hyperfine --style basic "$@" >"$log" 2>&1 || {
		cat "$log" >&2
		die "hyperfine failed"
	}
}
median() { jq -r ".results[$2].median" "$1"; }
# CPU time of one run, user + system (hyperfine's means): steadier than wall time on a
# machine where other work competes for the CPUs.
cpu() { jq -r ".results[$2].user + .results[$2].system" "$1"; }
p90() { jq -r "(.results[$2].times | sort) as \$t | \$t[(\$t | length) * 9 / 10 | floor]" "$1"; }
fmt_ms() { awk -v t="$1" 'BEGIN { if (t == "") print "n/a"; else printf "%.1f ms", t * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print ""; else printf "%.4g", a / b }'; }
fmt_ratio() {
	awk -v r="$1" 'BEGIN { if (r == "") print "n/a";
		else if (r < 0.1) printf "%.4f (%.0fx faster)", r, 1 / r;
		else if (r <= 1) printf "%.3f (%.2fx faster)", r, 1 / r;
		else printf "%.3f (%.2fx slower)", r, r }'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a <= b) }'; }
verdict() { if le "$1" "$2"; then echo "met"; else echo "MISSED"; fi; }

summary=$out/summary.md
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

say "# vfiokit listing benchmark"
say ""
say "- machine: $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), Linux $(uname -r)"
say "- $(lspci --version), $(hyperfine --version), build: buildtype=$buildtype b_sanitize=$sanitize"
# vfiokit reads a large tree on one thread per CPU it may use; the "one CPU" rows pin
# both tools to the first CPU this script may use, to show what that is worth.
one_cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
say "- one-CPU rows: taskset -c $one_cpu (vfiokit and lspci both)"
say "- runs: ours and one-process lspci $RUNS (+$WARMUP warm-up); loop $LOOP_RUNS (+$LOOP_WARMUP warm-up)"

bench_run "$out/spawn.log" -N --warmup 20 --runs 200 --export-json "$out/spawn.json" /bin/true
say "- spawn baseline (fork+exec /bin/true, median): $(fmt_ms "$(median "$out/spawn.json" 0)")"
say ""

declare -A m_text m_json m_lspci m_lspciv m_loop loop_note c_text c_json c_lspci c_lspciv
declare -A m_text1 m_json1 m_lspci1
prev_size="" prev_loop=""
for n in $SIZES; do
	tree=$work/tree-$n
	"$gentree" "$n" "$tree" >"$out/gentree-$n.log"
	pci=$tree/sys/bus/pci
	lspci_cmd="lspci -A linux-sysfs -O sysfs.path=$pci"

	# The comparison is only valid if every tool really reads the synthetic tree.
	got=$(find "$pci/devices/" -mindepth 1 -maxdepth 1 | wc -l)
	[ "$got" -eq "$n" ] || die "tree $n: $got functions in $pci/devices"
	find "$pci/devices/" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort >"$work/want"
	$lspci_cmd -D -n | awk '{ print $1 }' | sort >"$work/got"
	cmp -s "$work/want" "$work/got" ||
		die "tree $n: lspci does not list the tree's functions (not reading the tree?)"
	$lspci_cmd -nn | grep -c '\[8086:154c\]' >/dev/null || die "tree $n: lspci does not show the synthetic VFs"
	last=$(tail -n 1 "$work/want")
	$lspci_cmd -nns "$last" | grep -c . >/dev/null || die "tree $n: lspci -s $last finds nothing"
	got=$("$vfiokit" --root "$tree" groups | grep -c '^  [0-9a-f]\{4,\}:')
	[ "$got" -eq "$n" ] || die "tree $n: vfiokit groups lists $got functions, not $n"
	got=$("$vfiokit" --root "$tree" --json groups | jq '[.groups[].devices[]] | length')
	[ "$got" -eq "$n" ] || die "tree $n: vfiokit --json groups lists $got functions, not $n"

	baseline_cmds=()
	if [ -n "$BASELINE" ]; then
		baseline_cmds=(-n "baseline groups" "$BASELINE --root $tree groups"
			-n "baseline --json groups" "$BASELINE --root $tree --json groups")
	fi
	echo "bench: N=$n: vfiokit groups, vfiokit --json groups, lspci -nnk, lspci -nnvk" >&2
	bench_run "$out/one-process-$n.log" -N --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$out/one-process-$n.json" \
		-n "vfiokit groups" "$vfiokit --root $tree groups" \
		-n "vfiokit --json groups" "$vfiokit --root $tree --json groups" \
		-n "lspci -nnk" "$lspci_cmd -nnk" \
		-n "lspci -nnvk" "$lspci_cmd -nnvk" \
		-n "vfiokit groups (one CPU)" "taskset -c $one_cpu $vfiokit --root $tree groups" \
		-n "vfiokit --json groups (one CPU)" "taskset -c $one_cpu $vfiokit --root $tree --json groups" \
		-n "lspci -nnk (one CPU)" "taskset -c $one_cpu $lspci_cmd -nnk" "${baseline_cmds[@]}"
	m_text[$n]=$(median "$out/one-process-$n.json" 0)
	m_json[$n]=$(median "$out/one-process-$n.json" 1)
	m_lspci[$n]=$(median "$out/one-process-$n.json" 2)
	m_lspciv[$n]=$(median "$out/one-process-$n.json" 3)
	c_text[$n]=$(cpu "$out/one-process-$n.json" 0)
	c_json[$n]=$(cpu "$out/one-process-$n.json" 1)
	c_lspci[$n]=$(cpu "$out/one-process-$n.json" 2)
	c_lspciv[$n]=$(cpu "$out/one-process-$n.json" 3)
	m_text1[$n]=$(median "$out/one-process-$n.json" 4)
	m_json1[$n]=$(median "$out/one-process-$n.json" 5)
	m_lspci1[$n]=$(median "$out/one-process-$n.json" 6)

	loop="for g in $tree/sys/kernel/iommu_groups/*; do for d in \$g/devices/*; do"
	loop+=" $lspci_cmd -nns \${d##*/}; done; done"
	estimate=""
	if [ -n "$prev_loop" ]; then
		estimate=$(awk -v t="$prev_loop" -v a="$prev_size" -v b="$n" 'BEGIN { print t * b / a }')
	fi
	if [ -n "$estimate" ] && ! le "$estimate" "$LOOP_MAX_SECONDS"; then
		loop_note[$n]="not run: estimated $(printf '%.0f' "$estimate") s per run"
		echo "bench: N=$n: skipping the loop (${loop_note[$n]})" >&2
	else
		echo "bench: N=$n: per-device lspci loop ($LOOP_RUNS runs)" >&2
		bench_run "$out/loop-$n.log" --warmup "$LOOP_WARMUP" --runs "$LOOP_RUNS" \
			--export-json "$out/loop-$n.json" -n "lspci -nns per device" "$loop"
		m_loop[$n]=$(median "$out/loop-$n.json" 0)
		prev_loop=${m_loop[$n]}
		prev_size=$n
	fi

	# No child processes: the only execve is the one that starts vfiokit, and no fork or
	# clone other than the threads it reads with (CLONE_THREAD).
	for mode in "" "--json"; do
		trace=$out/strace-$n${mode:+-json}.txt
		# shellcheck disable=SC2086
		strace -f -qq -e trace=process -o "$trace" \
			"$vfiokit" --root "$tree" $mode groups >/dev/null
		forks=$(grep -E '^[0-9]+ +(clone|clone3|fork|vfork)\(' "$trace" | grep -vc CLONE_THREAD || true)
		threads=$(grep -E '^[0-9]+ +(clone|clone3)\(' "$trace" | grep -c CLONE_THREAD || true)
		execs=$(grep -cE '^[0-9]+ +execve(at)?\(' "$trace" || true)
		echo "$forks $execs $threads" >"$trace.count"
	done
	rm -rf "$tree"
done

say "## Medians"
say ""
say "| N | vfiokit groups | vfiokit --json groups | lspci -nnk | lspci -nnvk | lspci -nns loop |"
say "|---|---|---|---|---|---|"
for n in $SIZES; do
	loopcell=$(fmt_ms "${m_loop[$n]:-}")
	[ -n "${loop_note[$n]:-}" ] && loopcell="${loop_note[$n]}"
	say "| $n | $(fmt_ms "${m_text[$n]}") (p90 $(fmt_ms "$(p90 "$out/one-process-$n.json" 0)")) |" \
		"$(fmt_ms "${m_json[$n]}") (p90 $(fmt_ms "$(p90 "$out/one-process-$n.json" 1)")) |" \
		"$(fmt_ms "${m_lspci[$n]}") (p90 $(fmt_ms "$(p90 "$out/one-process-$n.json" 2)")) |" \
		"$(fmt_ms "${m_lspciv[$n]}") (p90 $(fmt_ms "$(p90 "$out/one-process-$n.json" 3)")) |" \
		"$loopcell |"
done
if [ -n "$BASELINE" ]; then
	say ""
	say "## Before / after: BASELINE ($BASELINE) in the same runs"
	say ""
	say "| N | baseline text | baseline JSON | text / lspci -nnk (before, after) | json / lspci -nnk (before, after) | CPU: text, json / lspci -nnk (before) |"
	say "|---|---|---|---|---|---|"
	for n in $SIZES; do
		f=$out/one-process-$n.json
		bt=$(median "$f" 7) bj=$(median "$f" 8)
		say "| $n | $(fmt_ms "$bt") | $(fmt_ms "$bj") |" \
			"$(ratio "$bt" "${m_lspci[$n]}"), $(ratio "${m_text[$n]}" "${m_lspci[$n]}") |" \
			"$(ratio "$bj" "${m_lspci[$n]}"), $(ratio "${m_json[$n]}" "${m_lspci[$n]}") |" \
			"$(ratio "$(cpu "$f" 7)" "${c_lspci[$n]}"), $(ratio "$(cpu "$f" 8)" "${c_lspci[$n]}") |"
	done
fi
say ""
say "## CPU time (user + system, mean of the same runs)"
say ""
say "| N | vfiokit groups | vfiokit --json groups | lspci -nnk | lspci -nnvk | text / lspci -nnk | json / lspci -nnk |"
say "|---|---|---|---|---|---|---|"
for n in $SIZES; do
	say "| $n | $(fmt_ms "${c_text[$n]}") | $(fmt_ms "${c_json[$n]}") | $(fmt_ms "${c_lspci[$n]}") |" \
		"$(fmt_ms "${c_lspciv[$n]}") | $(fmt_ratio "$(ratio "${c_text[$n]}" "${c_lspci[$n]}")") |" \
		"$(fmt_ratio "$(ratio "${c_json[$n]}" "${c_lspci[$n]}")") |"
done
say ""
say "## On one CPU (taskset, both tools; medians)"
say ""
say "| N | vfiokit groups | vfiokit --json groups | lspci -nnk | text / lspci -nnk | json / lspci -nnk |"
say "|---|---|---|---|---|---|"
for n in $SIZES; do
	say "| $n | $(fmt_ms "${m_text1[$n]}") | $(fmt_ms "${m_json1[$n]}") | $(fmt_ms "${m_lspci1[$n]}") |" \
		"$(fmt_ratio "$(ratio "${m_text1[$n]}" "${m_lspci1[$n]}")") |" \
		"$(fmt_ratio "$(ratio "${m_json1[$n]}" "${m_lspci1[$n]}")") |"
done
say ""
say "## Ratios (ours / peer, lower is better; targets: / loop <= 0.01, text / lspci -nnk <= 0.4, json / lspci -nnk <= 0.6)"
say ""
say "| N | text / loop | json / loop | text / lspci -nnk | json / lspci -nnk | text / lspci -nnvk | json / lspci -nnvk |"
say "|---|---|---|---|---|---|---|"
declare -A verdicts
for n in $SIZES; do
	tl=$(ratio "${m_text[$n]}" "${m_loop[$n]:-}")
	jl=$(ratio "${m_json[$n]}" "${m_loop[$n]:-}")
	tk=$(ratio "${m_text[$n]}" "${m_lspci[$n]}")
	jk=$(ratio "${m_json[$n]}" "${m_lspci[$n]}")
	tv=$(ratio "${m_text[$n]}" "${m_lspciv[$n]}")
	jv=$(ratio "${m_json[$n]}" "${m_lspciv[$n]}")
	say "| $n | $(fmt_ratio "$tl") | $(fmt_ratio "$jl") | $(fmt_ratio "$tk") | $(fmt_ratio "$jk") |" \
		"$(fmt_ratio "$tv") | $(fmt_ratio "$jv") |"
	[ -n "$tl" ] && verdicts["N=$n text/loop <= 0.01"]=$(verdict "$tl" 0.01)
	[ -n "$jl" ] && verdicts["N=$n json/loop <= 0.01"]=$(verdict "$jl" 0.01)
	verdicts["N=$n text/lspci -nnk <= 0.4"]=$(verdict "$tk" 0.4)
	verdicts["N=$n json/lspci -nnk <= 0.6"]=$(verdict "$jk" 0.6)
	verdicts["N=$n text/lspci -nnk <= 0.4 (CPU time)"]=$(verdict "$(ratio "${c_text[$n]}" "${c_lspci[$n]}")" 0.4)
	verdicts["N=$n json/lspci -nnk <= 0.6 (CPU time)"]=$(verdict "$(ratio "${c_json[$n]}" "${c_lspci[$n]}")" 0.6)
	verdicts["N=$n text/lspci -nnk <= 0.4 (one CPU)"]=$(verdict "$(ratio "${m_text1[$n]}" "${m_lspci1[$n]}")" 0.4)
	verdicts["N=$n json/lspci -nnk <= 0.6 (one CPU)"]=$(verdict "$(ratio "${m_json1[$n]}" "${m_lspci1[$n]}")" 0.6)
	verdicts["N=$n text/lspci -nnvk <= 0.5"]=$(verdict "$tv" 0.5)
	verdicts["N=$n json/lspci -nnvk <= 0.5"]=$(verdict "$jv" 0.5)
done

read -r -a sizes <<<"$SIZES"
if [ "${#sizes[@]}" -ge 2 ]; then
	a=${sizes[0]} b=${sizes[-1]}
	linear=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3g", b / a }')
	limit=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3g", b / a * 1.125 }')
	say ""
	say "## Growth t($b) / t($a) (linear = $linear; target <= $limit)"
	say ""
	say "| vfiokit groups | vfiokit --json groups | lspci -nnk | lspci -nnvk | lspci -nns loop |"
	say "|---|---|---|---|---|"
	gt=$(ratio "${m_text[$b]}" "${m_text[$a]}")
	gj=$(ratio "${m_json[$b]}" "${m_json[$a]}")
	gk=$(ratio "${m_lspci[$b]}" "${m_lspci[$a]}")
	gv=$(ratio "${m_lspciv[$b]}" "${m_lspciv[$a]}")
	gl=$(ratio "${m_loop[$b]:-}" "${m_loop[$a]:-}")
	say "| ${gt} | ${gj} | ${gk} | ${gv} | ${gl:-n/a} |"
	verdicts["growth text <= $limit"]=$(verdict "$gt" "$limit")
	verdicts["growth json <= $limit"]=$(verdict "$gj" "$limit")
fi

say ""
say "## Child processes of vfiokit (strace -f -e trace=process)"
say ""
say "| N | mode | fork/clone | execve | threads |"
say "|---|---|---|---|---|"
for n in $SIZES; do
	for mode in text json; do
		suffix=""
		[ "$mode" = text ] || suffix=-$mode
		f=$out/strace-$n$suffix.txt.count
		read -r forks execs threads <"$f"
		say "| $n | $mode | $forks | $execs | $threads |"
		if [ "$forks" -eq 0 ] && [ "$execs" -eq 1 ]; then
			verdicts["N=$n $mode no child processes"]=met
		else
			verdicts["N=$n $mode no child processes"]=MISSED
		fi
	done
done

say ""
say "## Targets"
say ""
for k in $(printf '%s\n' "${!verdicts[@]}" | sort | tr ' ' '\001'); do
	k=${k//$'\001'/ }
	say "- $k: ${verdicts[$k]}"
done
say ""
say "Raw hyperfine JSON and this summary: $out"
