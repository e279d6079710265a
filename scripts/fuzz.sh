#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets with clang (BUILD, default build-fuzz) and runs each for
# FUZZ_TIME seconds (default 60) on a copy of its seed corpus, FUZZ_JOBS at a time
# (default: the number of CPUs); the source corpora stay as they are. Prints per target the
# executions and libFuzzer's final edge coverage (cov:); a crash leaves its input in
# BUILD/fuzz-out/TARGET/ and makes the exit status 1.
#   scripts/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
build=${BUILD:-build-fuzz}
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-$(nproc)}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true >/dev/null
fi
meson compile -C "$build" >/dev/null

if [ $# -eq 0 ]; then
	mapfile -t targets < <(ls tests/fuzz/corpus)
else
	targets=("$@")
fi
out=$build/fuzz-out
rm -rf "$out"
mkdir -p "$out"

run_one() {
	local t=$1 dir=$out/$1
	mkdir -p "$dir/corpus"
	cp -r "tests/fuzz/corpus/$t/." "$dir/corpus/"
	"$build/tests/fuzz/fuzz-$t-libfuzzer" -max_total_time="$time" -rss_limit_mb=4096 \
		-artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || true
}
export -f run_one
export build time out

printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

status=0
printf '%-10s %6s %12s %6s  %s\n' target seeds execs cov result
for t in "${targets[@]}"; do
	log=$out/$t/log
	seeds=$(find "tests/fuzz/corpus/$t" -type f | wc -l)
	execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	result=ok
	if compgen -G "$out/$t/crash-*" >/dev/null || compgen -G "$out/$t/leak-*" >/dev/null ||
		compgen -G "$out/$t/timeout-*" >/dev/null || [ -z "$execs" ]; then
		result="FAILED (see $log)"
		status=1
	fi
	printf '%-10s %6s %12s %6s  %s\n' "$t" "$seeds" "${execs:--}" "${cov:--}" "$result"
done
exit $status
