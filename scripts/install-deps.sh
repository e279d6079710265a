#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what vfiokit needs to build and test, on Debian and Ubuntu. Idempotent: does
# nothing when all is there. (`make` itself installs nothing: scripts/check-build-deps.sh.)
#   scripts/install-deps.sh            build + unit/cli/fuzz/headers lanes (make deps)
#   scripts/install-deps.sh --vm       also the real-kernel (vm) lane: QEMU, OVMF, busybox,
#                                      kmod, kernel sources (make deps-vm)
#   scripts/install-deps.sh --bench    also the benchmarks' tools (hyperfine, strace, jq...)
#   scripts/install-deps.sh --package  also the package lane's: debhelper, lintian, mmdebstrap,
#                                      rpm (make package-check)
#   scripts/install-deps.sh --print fedora|arch   package names for other distributions
set -euo pipefail

DEBIAN_BUILD=(gcc g++ clang clang-format make meson ninja-build pkg-config python3
	libpci-dev libkmod-dev libjson-c-dev libmount-dev libmnl-dev libxml2-dev libcmocka-dev
	scdoc pciutils pci.ids libvirt-clients libxml2-utils python3-jsonschema python3-nova python3-yaml
	bash-completion zsh fish)
# libxml2-utils: xmllint, which libvirt-clients' virt-xml-validate runs without depending on it.
# python3-jsonschema: the cli lane checks JSON output against docs/schema/
# python3-nova, python3-yaml: the cli lane reads `vfiokit export` with nova's own parser and as YAML.
# bash-completion, zsh, fish: the cli lane runs the completion scripts in each shell.
# libvirt-daemon-system, -driver-qemu: the vm lane's hook test runs libvirtd in its guest.
# It must not start on this machine: install-deps.sh --vm installs it with policy-rc.d
# saying no (see below).
# mount: the vm lane mounts a disk and turns swap on in its guests; not in a minimal Debian.
# strace: the vm lane's display test holds a driver's unbind back (delay injection).
DEBIAN_BENCH=(hyperfine strace jq driverctl dpdk)
DEBIAN_PACKAGE=(build-essential dpkg-dev debhelper fakeroot lintian mmdebstrap rpm git util-linux mount)
DEBIAN_VM=(qemu-system-x86 qemu-utils ovmf busybox-static cpio gzip xz-utils kmod iproute2 e2fsprogs udev procps mount strace
	linux-source-6.12 flex bison libelf-dev libssl-dev bc
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients)

FEDORA=(gcc gcc-c++ clang clang-tools-extra make meson ninja-build pkgconf-pkg-config
	python3 python3-jsonschema pciutils-devel kmod-devel json-c-devel libmount-devel libmnl-devel libxml2-devel
	libcmocka-devel scdoc pciutils hwdata hyperfine strace bash-completion zsh fish)
ARCH=(gcc clang make meson ninja pkgconf python python-jsonschema pciutils kmod json-c util-linux-libs
	libmnl libxml2 cmocka scdoc hwdata hyperfine strace bash-completion zsh fish)

want=("${DEBIAN_BUILD[@]}")
while [ $# -gt 0 ]; do
	case "$1" in
	--vm) want+=("${DEBIAN_VM[@]}") ;;
	--bench) want+=("${DEBIAN_BENCH[@]}") ;;
	--package) want+=("${DEBIAN_PACKAGE[@]}") ;;
	--print)
		case "${2:-}" in
		fedora) echo "dnf install ${FEDORA[*]}" ;;
		arch) echo "pacman -S --needed ${ARCH[*]}" ;;
		*) echo "usage: $0 --print fedora|arch" >&2; exit 2 ;;
		esac
		exit 0 ;;
	-h|--help) sed -n '3,11p' "$0"; exit 0 ;;
	*) echo "$0: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian-like system; install these with your package manager:" >&2
	echo "  Fedora: dnf install ${FEDORA[*]}" >&2
	echo "  Arch:   pacman -S --needed ${ARCH[*]}" >&2
	exit 1
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The installed clang's sanitizer runtimes, where they are a package of their own: on
# Debian 12 libclang-rt-14-dev is only a Recommends of clang, which --no-install-recommends
# leaves out, and make check's clang build links ThreadSanitizer's.
clang_rt() {
	local v
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$v" ] || return 0
	apt-cache show "libclang-rt-$v-dev" >/dev/null 2>&1 && echo "libclang-rt-$v-dev"
	return 0
}

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done
rt=$(clang_rt)
[ -z "$rt" ] || installed "$rt" || missing+=("$rt")
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No daemon a package brings (libvirtd for the vm lane) starts on this machine: policy-rc.d
# says no for the install, unless the system already has its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 0755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# clang came with this install: its runtimes are known only now.
rt=$(clang_rt)
if [ -n "$rt" ] && ! installed "$rt"; then
	echo "install-deps: installing $rt"
	$SUDO apt-get install -y -qq --no-install-recommends "$rt" >/dev/null
fi
