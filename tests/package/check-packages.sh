#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The package lane: builds the Debian packages from the committed HEAD (a git archive, not
# this tree's build directories), runs lintian on them, installs them with apt into a
# brand-new Debian 12 root (their dependencies come from Debian) and runs `vfiokit
# --version` and `vfiokit doctor` there. Also checks that the RPM spec parses and the
# PKGBUILD is valid shell, where rpmspec and bash are at hand.
#
#   tests/package/check-packages.sh [--json FILE] [--keep DIR]
#
# Run as root from the project (uncommitted changes are not taken: commit first). Needs
# dpkg-buildpackage, debhelper, lintian and mmdebstrap (scripts/install-deps.sh --package).
# Nothing is installed on this machine: the packages go only into the new root, whose
# /proc, /sys and /dev are mounted in a private mount namespace. The last line is
# "package: ok" (exit 0) or "package: FAILED (reason)" (exit 1); --json FILE also writes
# {"result": "OK"|"FAIL", "name": "package"} there for scripts/summarize-tests.py.
# --keep DIR leaves the work (source, build log, .debs, the root) in DIR.
set -eu -o pipefail

json='' keep=''
while [ $# -gt 0 ]; do
	case "$1" in
	--json) json=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "$0: unknown option $1" >&2; exit 2 ;;
	esac
done

start=$(date +%s)
reported='' tmp=''
finish() { # RESULT REASON
	reported=1
	echo "package: took $(($(date +%s) - start)) s"
	if [ "$1" = OK ]; then echo "package: ok"; else echo "package: FAILED ($2)"; fi
	if [ -n "$json" ]; then printf '{"result":"%s","name":"package"}\n' "$1" >"$json"; fi
	[ "$1" = OK ]
}
fail() { finish FAIL "$1"; exit 1; }
on_exit() {
	local status=$?
	if [ -z "$reported" ]; then finish FAIL "stopped with status $status" || true; status=1; fi
	if [ -n "$tmp" ] && [ -z "$keep" ]; then rm -rf --one-file-system "$tmp"; fi
	exit "$status"
}
trap on_exit EXIT
step() { echo "package: $*"; }

[ "$(id -u)" = 0 ] || fail "run as root: mmdebstrap and chroot"
proj=$(git rev-parse --show-toplevel 2>/dev/null) || fail "not in a git checkout"
for tool in dpkg-buildpackage dpkg-checkbuilddeps dh lintian mmdebstrap unshare; do
	command -v "$tool" >/dev/null || fail "$tool missing: scripts/install-deps.sh --package"
done

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	[ -z "$(ls -A "$keep")" ] || fail "--keep $keep is not empty"
	tmp=$keep
else
	tmp=$(mktemp -d /var/tmp/vfiokit-package.XXXXXX)
fi
version=$(git -C "$proj" show HEAD:debian/changelog | sed -n '1s/.*(\(.*\)).*/\1/p')
[ -n "$version" ] || fail "no version in HEAD's debian/changelog"
src=$tmp/vfiokit-$version
mkdir -p "$src"
git -C "$proj" archive HEAD | tar -x -C "$src"

# Packaging files of the other distributions
if command -v rpmspec >/dev/null; then
	rpmspec -P "$src/packaging/rpm/vfiokit.spec" >/dev/null || fail "rpmspec -P packaging/rpm/vfiokit.spec"
	step "rpmspec -P: ok"
else
	step "rpmspec -P: skipped (no rpmspec; Debian package rpm)"
fi
bash -n "$src/packaging/arch/PKGBUILD" || fail "bash -n packaging/arch/PKGBUILD"
step "bash -n PKGBUILD: ok"

# The .debs, with the unit and cli suites (debian/rules)
(cd "$src" && dpkg-checkbuilddeps) || fail "build dependencies missing (dpkg-checkbuilddeps above)"
step "dpkg-buildpackage -b -us -uc"
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log"
	fail "dpkg-buildpackage"
fi
changes=$tmp/vfiokit_${version}_$(dpkg --print-architecture).changes
debs=()
for p in vfiokit libvfiokit0 libvfiokit-dev; do
	deb=$(ls "$tmp/${p}_${version}_"*.deb 2>/dev/null) || fail "no $p .deb"
	debs+=("$deb")
done

# lintian reports on stdout; "running with root privileges" on stderr is no tag.
lstatus=0
lintian --info "$changes" >"$tmp/lintian.txt" 2>/dev/null || lstatus=$?
# 1 is tags at or above --fail-on's level, counted below; more is lintian failing.
[ "$lstatus" -le 1 ] || fail "lintian exited $lstatus"
sed 's/^/    /' "$tmp/lintian.txt"
if grep -q '^[EW]: ' "$tmp/lintian.txt"; then
	fail "lintian: $(grep -c '^[EW]: ' "$tmp/lintian.txt") errors and warnings"
fi
step "lintian: no errors or warnings"

# A brand-new Debian 12 with nothing but apt, then the .debs from files
root=$tmp/root
step "mmdebstrap --variant=apt bookworm"
mmdebstrap --quiet --variant=apt --skip=cleanup/apt/lists bookworm "$root" >"$tmp/mmdebstrap.log" 2>&1 \
	|| { tail -n 20 "$tmp/mmdebstrap.log"; fail "mmdebstrap"; }
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"

# /sys is a new read-only sysfs; everything is gone when the namespace ends. The mounts
# are made private inside the new namespace; where / is not a mount point (this lane run
# inside a chroot, which is then its own private namespace) that step is skipped, as
# unshare --propagation private would fail there.
in_root() {
	unshare --mount --propagation unchanged -- sh -c '
		set -e
		r=$1; shift
		mount --make-rprivate / 2>/dev/null || true
		mount -t proc proc "$r/proc"
		mount -t sysfs -o ro sysfs "$r/sys"
		mount --rbind /dev "$r/dev"
		exec chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' in-root "$root" "$@"
}

step "apt-get install ./vfiokit ./libvfiokit0 ./libvfiokit-dev"
debnames=()
for deb in "${debs[@]}"; do debnames+=("./tmp/debs/${deb##*/}"); done
in_root sh -c 'cd / && apt-get install -y -q --no-install-recommends "$@"' sh "${debnames[@]}" \
	>"$tmp/install.log" 2>&1 || { tail -n 20 "$tmp/install.log"; fail "apt-get install of the .debs"; }
grep -E '^Setting up (vfiokit|libvfiokit)' "$tmp/install.log" | sed 's/^/    /' || true
echo "    and $(grep -c '^Setting up ' "$tmp/install.log") packages in all, the others from Debian"

out=$(in_root vfiokit --version 2>&1) || fail "vfiokit --version exited $?"
echo "    \$ vfiokit --version"
echo "$out" | sed 's/^/    /'
case "$out" in
*"${version%%-*}"*) ;;
*) fail "vfiokit --version does not say ${version%%-*}" ;;
esac

status=0
out=$(in_root vfiokit doctor 2>&1) || status=$?
echo "    \$ vfiokit doctor   (exit status $status)"
echo "$out" | sed 's/^/    /'
# 0 and 1 are answers: this host is ready for passthrough or not.
[ "$status" -le 1 ] || fail "vfiokit doctor exited $status"
[ -n "$out" ] || fail "vfiokit doctor printed nothing"

# libvfiokit-dev: the unversioned link resolves to the installed library.
in_root sh -c 'for f in $(dpkg -L libvfiokit-dev | grep "/libvfiokit\.so$"); do test -e "$f" || exit 1; done
	test -f /usr/include/vfiokit/vfiokit.h' || fail "libvfiokit-dev: libvfiokit.so or the headers missing"

finish OK ""
