#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# On a terminal, doctor's findings wrap at its width between words with their indentation
# kept and the tags are coloured; with NO_COLOR they are not; in a pipe the lines stay whole
# and plain. The terminal is a pseudo-terminal from script(1), sized with stty.
#   check-terminal.sh VFIOKIT MKROOT PCI_IDS
set -eu
vfiokit=$1 mkroot=$2 ids=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mkroot" iommu-off "$work/root"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
esc=$(printf '\033')
cr=$(printf '\r')
run_tty() { # COLUMNS_ENV... -- prints what the terminal got, with \r removed
	cols=$1; shift
	env "$@" TERM=xterm script -qec "stty cols $cols; '$vfiokit' --root '$work/root' --pci-ids '$ids' doctor" /dev/null |
		sed "s/$cr\$//"
}
words() { sed "s/$esc\[[0-9;]*m//g" "$1" | tr -s ' \n' '\n\n' | sed '/^$/d'; }

"$vfiokit" --root "$work/root" --pci-ids "$ids" doctor >"$work/pipe" || true
grep -q "$esc" "$work/pipe" && fail "escape sequences in a pipe"
awk 'length > 100 { found = 1 } END { exit !found }' "$work/pipe" || fail "no long line to wrap in the pipe output"
words "$work/pipe" >"$work/pipe.words"

for cols in 60 80 120; do
	run_tty "$cols" >"$work/tty$cols"
	sed "s/$esc\[[0-9;]*m//g" "$work/tty$cols" >"$work/plain$cols"
	# A line may pass the width only when it is one word that is longer by itself.
	awk -v w="$cols" 'length > w { n = split($0, a, " "); if (n > 1 && length($0) - length(a[n]) > 0 && length(a[n]) < w) { print "line " NR " has " length " columns: " $0; bad = 1 } } END { exit bad }' \
		"$work/plain$cols" || fail "$cols columns: a line is wider than the terminal"
	words "$work/tty$cols" >"$work/tty.words"
	cmp -s "$work/pipe.words" "$work/tty.words" || fail "$cols columns: the words differ from the pipe's (a word broken or lost)"
	[ "$(wc -l <"$work/plain$cols")" -gt "$(wc -l <"$work/pipe")" ] || fail "$cols columns: nothing was wrapped"
	grep -q "${esc}\[1;31mFAIL" "$work/tty$cols" || fail "$cols columns: FAIL is not coloured"
	grep -q "${esc}\[32mok" "$work/tty$cols" || fail "$cols columns: ok is not coloured"
done
# Continuation lines of a finding start under its summary (80 columns: the id column is 26
# wide); a fix's further lines under "fix: ".
grep -q '^                                   [^ ]' "$work/plain80" || fail "no summary continued under its column"
grep -q '^             [^ ]' "$work/plain80" || fail "no fix continued under its column"
run_tty 80 NO_COLOR=1 >"$work/nocolour"
grep -q "$esc" "$work/nocolour" && fail "NO_COLOR: escape sequences"
[ "$failed" = 0 ] && echo "terminal: wrapped at 60, 80 and 120 columns, coloured; plain with NO_COLOR and in a pipe"
exit $failed
