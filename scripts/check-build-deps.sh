#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Says whether what `meson setup` needs to build vfiokit and its tests is here; installs
# nothing. Each missing program or pkg-config module is named with the package that
# provides it on Debian, Fedora and Arch.
#   scripts/check-build-deps.sh    exit 0 when everything is there, 1 and the list when not
# Looks where meson looks: CC, PATH, PKG_CONFIG, PKG_CONFIG_PATH and PKG_CONFIG_LIBDIR.
set -uo pipefail

# what, then its package on Debian, Fedora and Arch.
PROGRAMS=(
	"meson meson meson meson"
	"ninja ninja-build ninja-build ninja"
	"cc gcc gcc gcc"
	"pkg-config pkg-config pkgconf-pkg-config pkgconf"
)
MODULES=(
	"libpci libpci-dev pciutils-devel pciutils"
	"libkmod libkmod-dev kmod-devel kmod"
	"json-c libjson-c-dev json-c-devel json-c"
	"mount libmount-dev libmount-devel util-linux-libs"
	"libmnl libmnl-dev libmnl-devel libmnl"
	"libxml-2.0 libxml2-dev libxml2-devel libxml2"
	"cmocka libcmocka-dev libcmocka-devel cmocka"
)
MESON_MIN=1.0

missing=()
miss() { # KIND WHAT DEBIAN FEDORA ARCH
	missing+=("$(printf '  %-28s Debian: %-15s Fedora: %-19s Arch: %s' "$1 $2" "$3" "$4" "$5")")
}
have() { command -v "$1" >/dev/null 2>&1; }

# Meson takes the first of these it finds.
found_program() {
	case "$1" in
	ninja) [ -n "${NINJA:-}" ] && have "$NINJA" || have ninja || have ninja-build || have samu ;;
	cc) if [ -n "${CC:-}" ]; then have "${CC%% *}"; else have cc || have gcc || have clang; fi ;;
	pkg-config) have "${PKG_CONFIG:-pkg-config}" || { [ -z "${PKG_CONFIG:-}" ] && have pkgconf; } ;;
	*) have "$1" ;;
	esac
}

for entry in "${PROGRAMS[@]}"; do
	read -r what deb fed arch <<<"$entry"
	if ! found_program "$what"; then
		[ "$what" = cc ] && [ -n "${CC:-}" ] && what="${CC%% *} (\$CC)"
		miss program "$what" "$deb" "$fed" "$arch"
	elif [ "$what" = meson ]; then
		v=$(meson --version 2>/dev/null)
		if [ "$(printf '%s\n%s\n' "$MESON_MIN" "$v" | sort -V | head -n1)" != "$MESON_MIN" ]; then
			miss program "meson>=$MESON_MIN (have ${v:-?})" "$deb" "$fed" "$arch"
		fi
	fi
done

pkgconfig=${PKG_CONFIG:-pkg-config}
[ -n "${PKG_CONFIG:-}" ] || have "$pkgconfig" || pkgconfig=pkgconf
unchecked=
if have "$pkgconfig"; then
	for entry in "${MODULES[@]}"; do
		read -r what deb fed arch <<<"$entry"
		"$pkgconfig" --exists "$what" 2>/dev/null || miss "pkg-config module" "$what" "$deb" "$fed" "$arch"
	done
else
	unchecked=1
	for entry in "${MODULES[@]}"; do
		read -r what deb fed arch <<<"$entry"
		miss "pkg-config module" "$what?" "$deb" "$fed" "$arch"
	done
fi

# Optional: without scdoc meson builds everything but the man pages.
if ! have scdoc && [ ${#missing[@]} -eq 0 ]; then
	echo "check-build-deps: no scdoc, so no man pages (Debian, Fedora, Arch: scdoc)" >&2
fi

[ ${#missing[@]} -eq 0 ] && exit 0
{
	echo "check-build-deps: vfiokit cannot be built yet; missing (nothing was installed):"
	printf '%s\n' "${missing[@]}"
	[ -z "$unchecked" ] || echo "  (without pkg-config the modules marked ? could not be checked)"
	echo "Install them with your package manager; on Debian and Ubuntu \`make deps\`"
	echo "(scripts/install-deps.sh) does it."
} >&2
exit 1
