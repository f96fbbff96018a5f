#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make check-debug`: Debian's linux-source-6.12
# with KASAN, lockdep + PROVE_RCU, kmemleak and DEBUG_NET (the fragment
# scripts/debug-kernel.config over x86_64_defconfig + kvm_guest.config),
# then mpconv's module against it. Everything lands in build/debug/:
#   build/debug/src      the unpacked source
#   build/debug/obj      the build tree (KDIR of the module)
#   build/debug/boot/vmlinuz-<release>    what vm-run.sh -k debug boots
#   build/<release>/mpconv.ko             the module, as for any kernel
# Rebuilds only what changed; the first build takes 20-40 min on 2 cores.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
D=$ROOT/build/debug
FRAG=$ROOT/scripts/debug-kernel.config
JOBS=${JOBS:-$(nproc)}

need=()
for p in linux-source-6.12 bc bison flex libelf-dev libssl-dev cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n 1)
mkdir -p "$D"
if [ ! -e "$D/src/Makefile" ] || [ "$tarball" -nt "$D/src/Makefile" ]; then
	rm -rf "$D/src" "$D/src.tmp"
	mkdir -p "$D/src.tmp"
	tar -xf "$tarball" -C "$D/src.tmp" --strip-components=1
	touch "$D/src.tmp/Makefile"
	mv "$D/src.tmp" "$D/src"
fi

kmake() { make -s -C "$D/src" O="$D/obj" -j"$JOBS" "$@"; }
mkdir -p "$D/obj"
if [ ! -e "$D/obj/.config" ] || [ "$FRAG" -nt "$D/obj/.config" ]; then
	kmake x86_64_defconfig
	kmake kvm_guest.config
	"$D/src/scripts/kconfig/merge_config.sh" -m -O "$D/obj" "$D/obj/.config" "$FRAG" >/dev/null
	kmake olddefconfig
	# every line of the fragment must have survived olddefconfig
	missing=$(grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)$' "$FRAG" |
		while read -r l; do grep -qxF "$l" "$D/obj/.config" || echo "$l"; done)
	if [ -n "$missing" ]; then
		echo "debug-kernel: not taken by the kernel's config:" >&2
		echo "$missing" >&2
		exit 1
	fi
fi
kmake all
rel=$(cat "$D/obj/include/config/kernel.release")
mkdir -p "$D/boot"
cp "$D/obj/arch/x86/boot/bzImage" "$D/boot/vmlinuz-$rel"
make -s -C "$ROOT" module KDIR="$D/obj" W=1
echo "$rel"
