#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything mpconv's build, tests and demo need on Debian 12, from
# Debian's own packages. Idempotent: when everything is present it only
# checks and returns (no apt-get update).
#
# Usage: scripts/deps.sh [--print-kernels]
#   --print-kernels  print the kernel releases the tests use ("6.1 6.12") and exit
set -euo pipefail

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

export DEBIAN_FRONTEND=noninteractive
# The kernels are only booted in QEMU with our own initramfs: skip Debian's.
export INITRD=No

ROOT=$(cd "$(dirname "$0")/.." && pwd)

BASE_PKGS=(
	build-essential gcc make bc flex bison libelf-dev pkg-config
	libmnl-dev clang libclang-rt-14-dev sparse
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd
	iproute2 iputils-ping procps psmisc socat jq ethtool tcpdump nftables
	util-linux coreutils python3
	gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user-static
)

have_pkgs() {
	# All named packages installed?
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || return 1
	done
}

updated=0
apt_update() {
	[ "$updated" -eq 1 ] && return 0
	$SUDO apt-get update -q
	updated=1
}

apt_install() {
	have_pkgs "$@" && return 0
	apt_update
	$SUDO apt-get install -y -q --no-install-recommends "$@"
}

# Newest 6.12 release for which Debian has both the image and the headers.
# The ABI number moves with security updates, so resolve it every time.
resolve_612() {
	local imgs hdrs
	imgs=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p')
	hdrs=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p')
	comm -12 <(sort <<<"$imgs") <(sort <<<"$hdrs") | sort -V | tail -n 1
}

installed_612() {
	dpkg-query -W -f='${Package} ${Status}\n' 'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) install ok installed$/\1/p' |
		sort -V | tail -n 1
}

apt_install "${BASE_PKGS[@]}"
apt_install linux-image-amd64 linux-headers-amd64

if [ -z "$(installed_612)" ] || [ ! -e "/boot/vmlinuz-$(installed_612)" ]; then
	apt_update
	v612=$(resolve_612)
	if [ -z "$v612" ]; then
		echo "deps: no linux-image/headers 6.12.*+deb12-amd64 pair in the archive" >&2
		echo "deps: is bookworm-security in /etc/apt/sources.list?" >&2
		exit 1
	fi
	apt_install "linux-image-$v612" "linux-headers-$v612"
fi

# The kernel's own netlink client, ynl (tools/net/ynl with the spec schemas
# of Documentation/netlink), for selftests/mpconv_ynl.sh: taken from Debian's
# linux-source-6.12 into build/ynl, once. Not installed system-wide.
YNL_DIR=$ROOT/build/ynl
ynl_present() {
	[ -f "$YNL_DIR/tools/net/ynl/cli.py" ] &&
		[ -f "$YNL_DIR/Documentation/netlink/genetlink-legacy.yaml" ]
}

apt_install python3-yaml python3-jsonschema

# The benchmarks (make bench): iperf3, mptcpize (from mptcpd's source, runs
# a TCP program over MPTCP) and nft for the user-space converter pair.
apt_install iperf3 mptcpize nftables
if ! ynl_present; then
	apt_update
	ynl_tmp=$(mktemp -d)
	chmod 755 "$ynl_tmp"	# apt-get download fetches as _apt
	trap 'rm -rf "$ynl_tmp"' EXIT
	(cd "$ynl_tmp" && apt-get download -q linux-source-6.12)
	dpkg-deb -x "$ynl_tmp"/linux-source-6.12_*.deb "$ynl_tmp/pkg"
	ynl_tar=$(find "$ynl_tmp/pkg/usr/src" -maxdepth 1 -name 'linux-source-6.12.tar.*' | head -n 1)
	[ -n "$ynl_tar" ] || { echo "deps: no source tarball in linux-source-6.12" >&2; exit 1; }
	mkdir -p "$ynl_tmp/src"
	tar -xf "$ynl_tar" -C "$ynl_tmp/src" --strip-components=1 \
		--wildcards '*/tools/net/ynl/*' '*/Documentation/netlink/*'
	rm -rf "$YNL_DIR"
	mkdir -p "$YNL_DIR"
	mv "$ynl_tmp/src/tools" "$ynl_tmp/src/Documentation" "$YNL_DIR/"
	rm -rf "$ynl_tmp"
	trap - EXIT
	ynl_present || { echo "deps: ynl missing from linux-source-6.12" >&2; exit 1; }
fi

echo "deps: ok ($(ls /lib/modules | tr '\n' ' '))"
