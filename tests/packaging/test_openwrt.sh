#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What can be checked of the OpenWrt package (openwrt/mpconv) without an
# OpenWrt build tree: its version is the module's; its recipes, run by a
# stand-in for OpenWrt's rules.mk/kernel.mk/package.mk
# (tests/packaging/openwrt-stub), cross-build the module and the CLI for
# arm64 (Debian's arm64 headers and libmnl, from scripts/cross.sh) and
# install what the packages list; the init script turns the UCI
# configuration into the right `mpconv cpe enable` command. TAP output.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tap.sh
. "$ROOT/tests/packaging/tap.sh"

echo "TAP version 13"
echo "1..6"
version=$(sed -n 's/^#define MPCONV_VERSION "\(.*\)"/\1/p' kmod/mpconv.h)
check "PKG_VERSION is the module's version ($version)" \
	grep -qx "PKG_VERSION:=$version" openwrt/mpconv/Makefile

# The arm64 headers and libmnl of scripts/cross.sh.
hdr=$(ls -d build/arm64/hdr/usr/src/linux-headers-*-arm64 2>/dev/null | head -n 1)
if [ -z "$hdr" ]; then
	bash scripts/cross.sh arm64 build >"$T/cross.log" 2>&1
	hdr=$(ls -d build/arm64/hdr/usr/src/linux-headers-*-arm64 2>/dev/null | head -n 1)
fi
mkdir -p "$T/lib"
ln -s "$ROOT/build/arm64/root/usr/lib/aarch64-linux-gnu/libmnl.so.0" "$T/lib/libmnl.so"
check "the package's recipes build kmod-mpconv and mpconv for arm64 (stand-in build tree)" \
	bash -c "make -s openwrt-src && make -C openwrt/mpconv TOPDIR=$ROOT/tests/packaging/openwrt-stub \
		BUILD_DIR=$T/build STUB_DEST=$T/dest STUB_KDIR=$ROOT/$hdr STUB_ARCH=arm64 \
		STUB_CROSS=aarch64-linux-gnu- STUB_LDFLAGS=-L$T/lib stub-build | tee $T/fields"
check "the packages hold an arm64 module and CLI, the UCI config and init script" bash -c "
	file $T/dest/kmod-mpconv/mpconv.ko | grep -q 'ARM aarch64' &&
	modinfo -F vermagic $T/dest/kmod-mpconv/mpconv.ko | grep -q aarch64 &&
	file $T/dest/mpconv/usr/sbin/mpconv | grep -q 'ARM aarch64' &&
	[ -f $T/dest/mpconv/etc/config/mpconv ] && [ -x $T/dest/mpconv/etc/init.d/mpconv ]"
check "package fields: names, dependencies (MPTCP built in, libmnl), autoload, conffiles" \
	bash -c "grep -qx 'packages: kmod-mpconv mpconv' $T/fields &&
	grep -qx 'kmod-mpconv depends: @KERNEL_MPTCP; autoload: mpconv' $T/fields &&
	grep -qx 'mpconv depends: +kmod-mpconv +libmnl' $T/fields &&
	grep -qx 'conffiles: /etc/config/mpconv' $T/fields"

# The init script with stand-ins for OpenWrt's UCI shell functions and a
# recording mpconv.
cat >"$T/uci.sh" <<'EOS'
config_load() { UCI_FILE=$UCI_DIR/$1; }
config_get() {
	local __v
	__v=$(awk -v s="$2" -v o="$3" -v q="'" '
		{ gsub(q, "") }
		$1 == "config" { sec = $3; next }
		sec == s && ($1 == "option" || $1 == "list") && $2 == o {
			$1 = ""; $2 = ""; sub(/^ +/, ""); out = out (out == "" ? "" : " ") $0 }
		END { print out }' "$UCI_FILE")
	eval "$1=\$__v"
}
config_get_bool() {
	config_get "$@"
	case $(eval echo "\$$1") in
	1 | on | true | yes | enabled) eval "$1=1" ;;
	'') eval "$1=${4:-0}" ;;
	*) eval "$1=0" ;;
	esac
}
EOS
mkdir -p "$T/uci"
init_run() {
	sh -c ". $T/uci.sh; UCI_DIR=$T/uci; . $ROOT/openwrt/mpconv/files/mpconv.init;
		PROG='echo mpconv'; start_service"
}
cp openwrt/mpconv/files/mpconv.config "$T/uci/mpconv"
check "init script: the shipped configuration (disabled) runs nothing" \
	bash -c "[ -z \"\$($(declare -f init_run); T=$T ROOT=$ROOT init_run)\" ]"
sed -i "s/option enabled '0'/option enabled '1'/; s/#option source/option source/;
	s/#option ports '80,443'/list ports '80'\n\tlist ports '443'/" "$T/uci/mpconv"
want="mpconv cpe enable iface br-lan converter 198.51.100.2 source 192.168.1.0/24 ports 80,443"
check "init script: enabled, with a list option: '$want'" \
	bash -c "out=\$($(declare -f init_run); T=$T ROOT=$ROOT init_run); echo \"\$out\"; [ \"\$out\" = '$want' ]"

tap_end openwrt
