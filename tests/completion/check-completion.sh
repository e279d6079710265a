#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The completion scripts that the build generates, run by each shell:
#   check-completion.sh VFIOKIT MKROOT BASH_SCRIPT ZSH_SCRIPT FISH_SCRIPT
# bash: the completion function with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set
# as bash sets them, then COMPREPLY; fish: `complete -C LINE`; zsh: a real TAB in an
# interactive zsh in a pseudo-terminal (zsh-complete.zsh). Devices come from a fake root.
set -euo pipefail
vfiokit=$1 mkroot=$2 bash_script=$3 zsh_script=$4 fish_script=$5
here=$(cd "$(dirname "$0")" && pwd)
for sh in zsh fish; do
	command -v $sh >/dev/null || { echo "no $sh here: scripts/install-deps.sh installs it" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The scripts run plain `vfiokit`, as an installed one would be found.
mkdir "$work/bin"
ln -s "$vfiokit" "$work/bin/vfiokit"
export PATH=$work/bin:$PATH HOME=$work XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
root=$work/root
"$mkroot" amd-desktop "$root" >/dev/null
failed=0

commands="doctor groups list plan bind restore release sriov qemu libvirt hook persist snapshot info export help version"
# What the fake root has, read without vfiokit.
devices=$(ls "$root/sys/bus/pci/devices" | sort | tr '\n' ' ')
# The tails bash puts after "0000:01:" (readline replaces only what follows the last ':').
dev01=$(ls "$root/sys/bus/pci/devices" | sed -n 's/^0000:01://p' | sort | tr '\n' ' ')
[ -n "$dev01" ] || { echo "the amd-desktop root has no bus 01" >&2; exit 1; }

# words LIST: the words of LIST sorted, one space after each.
words() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }

# expect SHELL LINE EXPECTED ACTUAL: the candidates must be exactly EXPECTED.
expect() {
	if [ "$(echo "$3" | words)" != "$(echo "$4" | words)" ]; then
		echo "FAIL $1 '$2': expected [$3], got [$4]" >&2
		failed=1
	fi
}
# contains SHELL LINE ACTUAL WORD...: each WORD must be among the candidates.
contains() {
	local sh=$1 line=$2 got=$3 w
	shift 3
	for w in "$@"; do
		if ! printf '%s\n' $got | grep -qxF -- "$w"; then
			echo "FAIL $sh '$line': no $w in [$got]" >&2
			failed=1
		fi
	done
}
# lacks SHELL LINE ACTUAL WORD...: no WORD may be among the candidates.
lacks() {
	local sh=$1 line=$2 got=$3 w
	shift 3
	for w in "$@"; do
		if printf '%s\n' $got | grep -qxF -- "$w"; then
			echo "FAIL $sh '$line': $w offered" >&2
			failed=1
		fi
	done
}

bash_complete() {
	bash --norc --noprofile "$here/bash-complete.bash" "$bash_script" "$1" | tr '\n' ' '
}

line='vfiokit '
expect bash "$line" "$commands" "$(bash_complete "$line")"
line='vfiokit bi'
expect bash "$line" "bind" "$(bash_complete "$line")"
line='vfiokit bind --'
got=$(bash_complete "$line")
contains bash "$line" "$got" --dry-run --group --force-boot-vga --json --root --help
[ "$(printf '%s\n' $got | grep -cx -- --help)" = 1 ] || { echo "FAIL bash '$line': --help twice" >&2; failed=1; }
line='vfiokit bind -'
contains bash "$line" "$(bash_complete "$line")" -n -g -J -v -h -V
line="vfiokit --root $root bind "
expect bash "$line" "$devices" "$(bash_complete "$line")"
line="vfiokit bind --root=$root 0000:01:"
expect bash "$line" "$dev01" "$(bash_complete "$line")"
line="vfiokit --root $root qemu 0000:01:00.0 -- "
expect bash "$line" "" "$(bash_complete "$line")"
line='vfiokit help '
expect bash "$line" "$commands" "$(bash_complete "$line")"
line='vfiokit list --class '
expect bash "$line" "gpu net storage usb audio bridge other" "$(bash_complete "$line")"
line='vfiokit list --class=s'
expect bash "$line" "storage" "$(bash_complete "$line")"
line='vfiokit info --backend type'
expect bash "$line" "type1v2 type1" "$(bash_complete "$line")"
mkdir "$work/snapdir"
touch "$work/snapfile"
line="vfiokit snapshot $work/snap"
expect bash "$line" "$work/snapdir" "$(bash_complete "$line")"
line="vfiokit --pci-ids $work/snap"
expect bash "$line" "$work/snapdir $work/snapfile" "$(bash_complete "$line")"

# fish: "candidate<TAB>description" lines.
fish_complete() {
	fish --no-config -c 'source $argv[1]; or exit 1; complete -C $argv[2]' "$fish_script" "$1"
}
line='vfiokit bind --'
got=$(fish_complete "$line" | cut -f1 | tr '\n' ' ')
contains fish "$line" "$got" --dry-run --group --force-boot-vga --json --root
lacks fish "$line" "$got" --class --completion
line='vfiokit '
got=$(fish_complete "$line")
expect fish "$line" "$commands" "$(echo "$got" | cut -f1 | tr '\n' ' ')"
echo "$got" | grep -qxF "$(printf 'bind\tMove devices to vfio-pci, all or none, with a journal')" ||
	{ echo "FAIL fish '$line': bind without its help: $got" >&2; failed=1; }
line="vfiokit --root $root bind "
got=$(fish_complete "$line")
expect fish "$line" "$devices" "$(echo "$got" | cut -f1 | tr '\n' ' ')"
echo "$got" | grep -q "^0000:01:00.0	NVIDIA Corporation " ||
	{ echo "FAIL fish '$line': no name for 0000:01:00.0: $got" >&2; failed=1; }
line="vfiokit bind --root=$root 0000:01"
expect fish "$line" "$(echo "$dev01" | sed 's/[^ ][^ ]*/0000:01:&/g')" \
	"$(fish_complete "$line" | cut -f1 | tr '\n' ' ')"
line='vfiokit help '
expect fish "$line" "$commands" "$(fish_complete "$line" | cut -f1 | tr '\n' ' ')"
line='vfiokit list --class '
expect fish "$line" "gpu net storage usb audio bridge other" \
	"$(fish_complete "$line" | cut -f1 | tr '\n' ' ')"

# zsh: the script as installed, _vfiokit in a directory of fpath.
zsh -n "$zsh_script" || { echo "FAIL zsh -n $zsh_script" >&2; failed=1; }
mkdir "$work/fpath"
cp "$zsh_script" "$work/fpath/_vfiokit"
zsh_complete() {
	timeout 30 zsh -f "$here/zsh-complete.zsh" "$work/fpath" "$work" "$1"
}
line='vfiokit bind --'
got=$(zsh_complete "$line" | sed 's/ -- .*//' | tr '\n' ' ')
contains zsh "$line" "$got" --dry-run --group --force-boot-vga --json --root
lacks zsh "$line" "$got" --class
line='vfiokit bi'
expect zsh "$line" "bind" "$(zsh_complete "$line" | sed 's/ -- .*//')"
line='vfiokit '
got=$(zsh_complete "$line")
expect zsh "$line" "$commands" "$(echo "$got" | sed 's/ -- .*//' | tr '\n' ' ')"
echo "$got" | grep -qxF "snapshot -- Capture this machine's PCI, IOMMU and boot facts into a directory" ||
	{ echo "FAIL zsh '$line': snapshot without its help: $got" >&2; failed=1; }
line="vfiokit --root $root bind "
got=$(zsh_complete "$line")
expect zsh "$line" "$devices" "$(echo "$got" | sed 's/ -- .*//' | tr '\n' ' ')"
echo "$got" | grep -q "^0000:01:00.0 -- NVIDIA Corporation " ||
	{ echo "FAIL zsh '$line': no name for 0000:01:00.0: $got" >&2; failed=1; }
line='vfiokit help '
expect zsh "$line" "$commands" "$(zsh_complete "$line" | sed 's/ -- .*//' | tr '\n' ' ')"
line='vfiokit list --class=s'
expect zsh "$line" "--class=storage" "$(zsh_complete "$line" | sed 's/ -- .*//')"

exit $failed
