#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS and Debian packages, on this machine (root; installs dkms from
# Debian, and removes what it installed of ours at the end):
#   1. `make dkms-install` registers the source, dkms builds it for every
#      installed Debian kernel's headers, `make dkms-uninstall` removes it;
#   2. `make deb`, then apt installs both packages: dkms builds the module
#      for the installed kernels, the CLI runs, its man page and completion
#      are in place; purging both leaves nothing of mpconv behind.
# TAP output; exit status 1 when a check failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
VERSION=$(sed -n 's/^#define MPCONV_VERSION "\(.*\)"/\1/p' kmod/mpconv.h)
export VERSION DEBIAN_FRONTEND=noninteractive
# shellcheck source=tap.sh
. "$ROOT/tests/packaging/tap.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }

# The Debian kernels whose headers are installed (scripts/deps.sh).
kernels=()
for k in /lib/modules/*/build; do
	[ -e "$k/Makefile" ] || continue
	r=${k#/lib/modules/}
	kernels+=("${r%/build}")
done
[ ${#kernels[@]} -gt 0 ] || { echo "1..0 # SKIP no kernel headers"; exit 0; }

if ! command -v dkms >/dev/null; then
	apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends dkms \
		>/dev/null 2>&1 || { echo "not ok 1 - apt-get install dkms"; exit 1; }
fi
# Leftovers of an interrupted earlier run.
dpkg -r mpconv mpconv-dkms >/dev/null 2>&1
dkms remove -m mpconv -v "$VERSION" --all >/dev/null 2>&1
rm -rf "/usr/src/mpconv-$VERSION"

# built_for REL: dkms says installed for REL and the module there is for REL
built_for() {
	dkms status -m mpconv -v "$VERSION" -k "$1" 2>/dev/null | tee -a "$T/out" | grep -q ': installed' &&
		modinfo -F vermagic "/lib/modules/$1/updates/dkms/mpconv.ko"* | tee -a "$T/out" |
		grep -q "^$1 "
}
# gone: nothing of the module left in DKMS, /usr/src or /lib/modules
gone() {
	[ -z "$(dkms status -m mpconv)" ] && [ ! -e "/usr/src/mpconv-$VERSION" ] &&
		! ls /lib/modules/*/updates/dkms/mpconv.ko* 2>/dev/null
}

echo "TAP version 13"
echo "1..$((2 * ${#kernels[@]} + 9))"

# --- 1. make dkms-install ----------------------------------------------------
check "make dkms-install registers mpconv/$VERSION with DKMS" \
	bash -c "make -s dkms-install && dkms status -m mpconv -v $VERSION | grep -q mpconv"
for k in "${kernels[@]}"; do
	: >"$T/out"
	if dkms install -m mpconv -v "$VERSION" -k "$k" >"$T/out" 2>&1 && built_for "$k"; then
		ok "dkms builds and installs the module for $k"
	else
		not_ok "dkms builds and installs the module for $k"
	fi
done
check "make dkms-uninstall leaves nothing behind" bash -c "make -s dkms-uninstall; $(declare -f gone); gone"

# --- 2. the packages ---------------------------------------------------------
check "make deb builds mpconv-dkms and mpconv" bash scripts/deb.sh "$T/deb"
check "the packages' metadata" bash -c "
	dpkg-deb -f $T/deb/mpconv-dkms_${VERSION}_all.deb Package Version Depends &&
	dpkg-deb -f $T/deb/mpconv_${VERSION}_*.deb Package Version Depends &&
	dpkg-deb -c $T/deb/mpconv-dkms_${VERSION}_all.deb | grep -q ./usr/src/mpconv-$VERSION/dkms.conf &&
	dpkg-deb -c $T/deb/mpconv_${VERSION}_*.deb | grep -q ./usr/sbin/mpconv"
check "apt installs both packages" \
	apt-get install -y -q --no-install-recommends "$T/deb/mpconv-dkms_${VERSION}_all.deb" \
	"$T/deb/mpconv_${VERSION}_$(dpkg --print-architecture).deb"
# dkms's postinst builds for the running kernel and the newest installed
# one; in a container the running kernel is the host's, so build for the
# others the way a kernel package's hook does (dkms autoinstall).
for k in "${kernels[@]}"; do
	: >"$T/out"
	if { built_for "$k" || { dkms autoinstall -k "$k" >>"$T/out" 2>&1 && built_for "$k"; }; }; then
		ok "the mpconv-dkms module is built and installed for $k"
	else
		not_ok "the mpconv-dkms module is built and installed for $k"
	fi
done
check "the packaged CLI runs (mpconv help)" bash -c "/usr/sbin/mpconv help | grep -q 'mpconv converter'"
check "man page and bash completion installed" bash -c "
	zcat /usr/share/man/man8/mpconv.8.gz | grep -q '^.TH MPCONV' &&
	bash -c '. /usr/share/bash-completion/completions/mpconv && complete -p mpconv'"
check "apt purges both packages" apt-get purge -y -q mpconv mpconv-dkms
check "nothing of mpconv left after the purge" \
	bash -c "$(declare -f gone); gone && [ ! -e /usr/sbin/mpconv ]"

tap_end packaging
