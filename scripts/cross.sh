#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# CPE-class architectures: cross-build mpconv (module with W=1, CLI, the
# selftests' client) against Debian's kernel headers for ARCH, and boot
# Debian's kernel for ARCH under QEMU to run a suite there.
#
#   arm64  Debian 12's arm64 6.12 kernel (the release of the host's 6.12
#          headers), qemu-system-aarch64 -M virt -cpu cortex-a57
#   armhf  Debian 12's armmp 6.1 kernel (32-bit ARMv7, the newest the
#          mirror has), qemu-system-arm -M virt -cpu cortex-a15
#
# Everything foreign lives under build/ARCH/; nothing is installed for ARCH
# system-wide (no dpkg --add-architecture):
#   apt/    a private apt state (APT::Architecture ARCH, the host's mirrors)
#   root/   the guest's userland: Debian ARCH packages unpacked with
#           dpkg-deb -x (bash, coreutils, iproute2, socat, python3, jq...),
#           the kernel image and its modules (depmod run on the host)
#   hdr/    linux-headers-<rel> (and its -common part) unpacked; the kbuild
#           tools are the host's (amd64) of the same series
#   tree/   what the suites see as the repository: selftests/, tools/mpconv,
#           build/<rel>/mpconv.ko, all built for ARCH
# The host gets the cross compiler and QEMU from Debian (installed here).
#
# Usage: scripts/cross.sh ARCH [build | run [SUITE...] | all [SUITE...]]
#   build  fetch and unpack (once per release), then build
#   run    boot and run the suites (default: all six selftest suites)
#   all    both (the default)
# Environment: CROSS_TIMEOUT (seconds for the VM, default 3600).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

die() { echo "cross: $*" >&2; exit 1; }

ARCH=${1:-}
case $ARCH in
arm64)
	KARCH=arm64
	CROSS=aarch64-linux-gnu-
	TRIPLET=aarch64-linux-gnu
	HOST_PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)
	;;
armhf)
	KARCH=arm
	CROSS=arm-linux-gnueabihf-
	TRIPLET=arm-linux-gnueabihf
	HOST_PKGS=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-system-arm)
	;;
*) die "usage: scripts/cross.sh {arm64|armhf} [build|run|all] [suite...]" ;;
esac
shift
what=${1:-all}
[ $# -eq 0 ] || shift
A=$ROOT/build/$ARCH
say() { echo "$ARCH: $*"; }

# The userland the suites need, as Debian packages (dependencies follow).
USERLAND=(busybox-static bash dash coreutils grep sed gawk findutils diffutils
	util-linux procps psmisc kmod iproute2 iputils-ping socat jq tcpdump python3
	python3-yaml python3-jsonschema libmnl0 nftables)
# What an unpacked userland was made from: a new list unpacks it again.
USERLAND_ID=$(printf '%s\n' "${USERLAND[@]}" | md5sum | cut -c1-8)
# The default suites (the ynl one uses build/ynl, fetched by scripts/deps.sh).
# The QUIC suite passes on both (23/23 each, once) but is left to a run
# that names it: make check's time is spent on x86, where every suite runs.
SUITES=(mpconv_basic.sh mpconv_converter.sh mpconv_cpe.sh mpconv_netlink.sh mpconv_ynl.sh)

host_deps() {
	local missing=() p
	for p in "${HOST_PKGS[@]}" libmnl-dev kmod xz-utils cpio busybox-static file; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}

apt_x() { APT_CONFIG=$A/apt/apt.conf apt-get -q -o APT::Sandbox::User=root "$@"; }
cache_x() { APT_CONFIG=$A/apt/apt.conf apt-cache "$@"; }

apt_setup() {
	mkdir -p "$A"/apt/{state/lists/partial,cache/archives/partial,kernel}
	mkdir -p "$A"/apt/etc/{apt.conf.d,preferences.d,sources.list.d}
	: >"$A/apt/state/status"
	cp /etc/apt/sources.list.d/*.sources "$A/apt/etc/sources.list.d/" 2>/dev/null || true
	[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$A/apt/etc/"
	cat >"$A/apt/apt.conf" <<-EOF
		Dir::State "$A/apt/state";
		Dir::State::status "$A/apt/state/status";
		Dir::Cache "$A/apt/cache";
		Dir::Etc "$A/apt/etc";
		Dir::Etc::Trusted "/etc/apt/trusted.gpg";
		Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
		APT::Architecture "$ARCH";
		APT::Architectures { "$ARCH"; };
		APT::Install-Recommends "false";
	EOF
	# A mirror caught mid-sync fails one index: go on with the others
	# (what is missing then shows as a package apt cannot find).
	apt_x update >"$A/apt/update.log" 2>&1 ||
		say "apt-get update: $(grep -c '^E:' "$A/apt/update.log") index(es) failed, going on"
}

# The kernel release: arm64 follows the host's 6.12 headers (their kbuild
# tools and -common part serve both architectures); armhf takes the newest
# armmp 6.1 the mirror lists, with its own -common part.
pick_release() {
	local kb
	case $ARCH in
	arm64)
		kb=$(find /usr/lib -maxdepth 1 -name 'linux-kbuild-6.12*' -printf '%f\n' | sort -V | tail -n 1)
		[ -n "$kb" ] || die "no linux-kbuild-6.12 on the host (run scripts/deps.sh)"
		ver=${kb#linux-kbuild-}
		rel=$ver-arm64
		kbuild=/usr/lib/$kb
		;;
	armhf)
		[ -d /usr/lib/linux-kbuild-6.1 ] || die "no linux-kbuild-6.1 on the host (run scripts/deps.sh)"
		kbuild=/usr/lib/linux-kbuild-6.1
		rel=$(cache_x search --names-only '^linux-headers-6\.1\.0-[0-9]+-armmp$' |
			sed -n 's/^linux-headers-\(6\.1\.0-[0-9]*-armmp\) .*/\1/p' | sort -V | tail -n 1)
		[ -n "$rel" ] || die "no armmp 6.1 headers on the mirror"
		ver=${rel%-armmp}
		;;
	esac
}

fetch() {
	rm -f "$A"/apt/cache/archives/*.deb "$A"/apt/kernel/*.deb
	apt_x install -y --download-only "${USERLAND[@]}" >"$A/apt/fetch.log" 2>&1 ||
		die "cannot download the $ARCH userland (see $A/apt/fetch.log)"
	# The kernel's packages alone: their dependencies are for installing
	# them (initramfs-tools, a compiler), not for booting or building here.
	local pkgs=("linux-image-$rel" "linux-headers-$rel")
	[ "$ARCH" = arm64 ] || pkgs+=("linux-headers-$ver-common")
	(cd "$A/apt/kernel" && apt_x download "${pkgs[@]}" >>"$A/apt/fetch.log" 2>&1) ||
		die "cannot download ${pkgs[*]} (see $A/apt/fetch.log)"
}

unpack() {
	local deb h l d
	rm -rf "$A/root" "$A/hdr"
	mkdir -p "$A/root" "$A/hdr"
	for deb in "$A"/apt/cache/archives/*.deb "$A"/apt/kernel/linux-image-*.deb; do
		dpkg-deb -x "$deb" "$A/root"
	done
	for deb in "$A"/apt/kernel/linux-headers-*.deb; do
		dpkg-deb -x "$deb" "$A/hdr"
	done
	# What dpkg's maintainer scripts would have done, as far as the suites
	# care: a shell, module dependencies, a passwd for tools that look up
	# root, the mount points.
	[ -e "$A/root/bin/sh" ] || ln -s dash "$A/root/bin/sh"
	# update-alternatives' links
	[ -e "$A/root/usr/bin/awk" ] || ln -s gawk "$A/root/usr/bin/awk"
	mkdir -p "$A/root"/{proc,sys,dev,tmp,run,var/tmp,root,etc}
	# (tcpdump drops its privileges to its own user, which its postinst adds)
	printf '%s\n' "root:x:0:0:root:/root:/bin/bash" \
		"tcpdump:x:101:101::/nonexistent:/usr/sbin/nologin" >"$A/root/etc/passwd"
	printf '%s\n' "root:x:0:" "tcpdump:x:101:" >"$A/root/etc/group"
	/sbin/depmod -b "$A/root" "$rel"
	# The headers' tools are the host's, their -common part the host's
	# (arm64: same version) or the unpacked one (armhf).
	h=$A/hdr/usr/src/linux-headers-$rel
	[ -d "$h" ] || die "headers not unpacked"
	if [ "$ARCH" = arm64 ]; then
		ln -sfn "/usr/src/linux-headers-$ver-common" "$A/hdr/usr/src/linux-headers-$ver-common"
	else
		sed -i "s|/usr/src/linux-headers-$ver-common|$A/hdr&|" "$h/Makefile"
	fi
	for d in "$h" "$A/hdr/usr/src/linux-headers-$ver-common"; do
		for l in scripts tools; do
			[ ! -L "$d/$l" ] || ln -sfn "$kbuild/$l" "$d/$l"
		done
	done
	touch "$A/.unpacked-$rel-$USERLAND_ID"
}

build() {
	local h=$A/hdr/usr/src/linux-headers-$rel t=$A/tree f
	rm -rf "$t"
	mkdir -p "$t/build/$rel" "$t/tools" "$t/selftests" "$t/kmod" "$t/uapi"
	cp -r kmod/. "$t/kmod/"
	cp -r uapi/. "$t/uapi/"
	for f in kmod/*.c kmod/*.h kmod/Kbuild; do
		ln -sfn "../../kmod/${f#kmod/}" "$t/build/$rel/${f#kmod/}"
	done
	say "module for $rel (W=1)"
	make -s -C "$h" M="$t/build/$rel" MPCONV_ROOT="$t" CONFIG_MPCONV=m W=1 \
		ARCH=$KARCH CROSS_COMPILE=$CROSS modules >"$A/build.log" 2>&1 || true
	grep -v '^Skipping BTF' "$A/build.log" || true
	[ -f "$t/build/$rel/mpconv.ko" ] || die "module build failed (see $A/build.log)"
	! grep -qiE 'warning|error' "$A/build.log" || die "module build warnings (see $A/build.log)"
	say "CLI and selftest tools (-Werror)"
	cp tools/*.c tools/*.h tools/Makefile tools/mpconv.8 "$t/tools/"
	make -s -C "$t/tools" CC="${CROSS}gcc" PKG_CONFIG=false CFLAGS="-O2 -g -Werror" \
		LDLIBS="$A/root/usr/lib/$TRIPLET/libmnl.so.0" mpconv
	cp selftests/*.sh selftests/*.py selftests/settings selftests/config selftests/Makefile \
		selftests/*.c "$t/selftests/"
	make -s -C "$t/selftests" CC="${CROSS}gcc" MPCONV_KMOD="$t/kmod"
	# Architecture-independent parts the suites read: the netlink spec and
	# ynl (scripts/deps.sh), through the repository's share.
	ln -sfn "$ROOT/Documentation" "$t/Documentation"
	ln -sfn "$ROOT/build/ynl" "$t/build/ynl"
	file "$t/tools/mpconv" "$t/selftests/mpconv_client" "$t/selftests/mpconv_flood" "$t/build/$rel/mpconv.ko" |
		sed "s|$t/||; s/, BuildID[^,]*//; s/, with debug_info, not stripped//; s/^/$ARCH:   /"
	modinfo -F vermagic "$t/build/$rel/mpconv.ko" | sed "s/^/$ARCH:   vermagic: /"
}

run() {
	local suites=("$@")
	[ ${#suites[@]} -gt 0 ] || suites=("${SUITES[@]}")
	say "running ${suites[*]} on Linux $rel (QEMU, TCG)"
	bash scripts/vm-run.sh -A "$ARCH" -q -t "${CROSS_TIMEOUT:-3600}" -l "$A/console.log" -- \
		env MPC_SKIP_IS_FAIL=1 bash "$A/tree/selftests/run.sh" "${suites[@]}"
}

host_deps
case $what in
build | all)
	t0=$(date +%s)
	[ -e "$A/apt/apt.conf" ] || apt_setup
	pick_release
	if [ ! -e "$A/.unpacked-$rel-$USERLAND_ID" ]; then
		apt_setup	# fresh lists for a new release
		pick_release
		say "fetching Debian $ARCH packages for $rel"
		fetch
		unpack
	fi
	build
	say "build: $(($(date +%s) - t0)) s"
	[ "$what" = all ] || exit 0
	t0=$(date +%s)
	run "$@"
	say "run: $(($(date +%s) - t0)) s"
	;;
run)
	pick_release
	[ -e "$A/tree/build/$rel/mpconv.ko" ] ||
		die "nothing built for $ARCH yet (scripts/cross.sh $ARCH build)"
	run "$@"
	;;
*) die "usage: scripts/cross.sh {arm64|armhf} [build|run|all] [suite...]" ;;
esac
