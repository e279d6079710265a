# SPDX-License-Identifier: LGPL-2.1-or-later
# bash --norc bash-complete.bash SCRIPT 'LINE': COMPREPLY for LINE<TAB>, one a line, after
# setting COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash sets them (words split at
# blanks and at the ':' and '=' of COMP_WORDBREAKS, which stand as words of their own).
source "$1" || exit 1
complete -p vfiokit >/dev/null || exit 1
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
COMP_WORDS=()
w= line=$2
while [ -n "$line" ]; do
	c=${line:0:1} line=${line:1}
	case $c in
	" ")
		[ -n "$w" ] && COMP_WORDS+=("$w")
		w= ;;
	: | =)
		[ -n "$w" ] && COMP_WORDS+=("$w")
		w=
		COMP_WORDS+=("$c") ;;
	*) w+=$c ;;
	esac
done
COMP_WORDS+=("$w")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_vfiokit vfiokit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
printf '%s\n' "${COMPREPLY[@]}"
