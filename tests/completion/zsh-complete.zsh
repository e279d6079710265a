#!/usr/bin/env zsh
# SPDX-License-Identifier: LGPL-2.1-or-later
# zsh-complete.zsh FPATH_DIR WORK 'LINE': what zsh offers for LINE<TAB>, one candidate a line
# (with its description after " -- " when it has one). An interactive zsh in a pseudo-terminal
# loads _vfiokit from FPATH_DIR through compinit; compadd is wrapped to print, not insert.
emulate -L zsh
zmodload zsh/zpty || exit 2
dir=$1 work=$2 line=$3

zpty z zsh -f -i
zpty -w z "stty columns 1000; PROMPT= RPROMPT= PS2= ; setopt no_beep; fpath=(${(q)dir} \$fpath)"
zpty -w z "autoload -Uz compinit; compinit -u -d ${(q)work}/zcompdump"
zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" list-grouped false'
zpty -w z 'marker() { print -r -- "<<<""$1"">>>" }; compprefuncs=( "marker start" ); comppostfuncs=( "marker end" exit )'
zpty -w z 'compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
	local -a hits dscr
	local i d
	(( $@[(I)-d] )) && dscr=( "${(@P)${@[$(( ${@[(i)-d]} + 1 ))]}}" )
	builtin compadd -A hits "$@"
	for i in {1..$#hits}; do
		d=${${(M)dscr:#${(b)hits[i]}[[:space:]]*}[1]}
		print -r -- "<<<""c>>>$IPREFIX$hits[i]${d:+ -- ${d#*-- }}"
	done
}'
zpty -w -n z "$line"$'\t'
zpty -r z out '*<<<end>>>*' || exit 2
zpty -d z
for l in ${(f)out}; do
	l=${l//$'\r'/}
	[[ $l == *'<<<c>>>'* ]] && print -r -- ${l#*<<<c>>>}
done
exit 0
