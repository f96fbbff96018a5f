#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a stock Debian kernel under QEMU (TCG) with this machine's files
# shared read-only, run one command inside, and exit with its status.
#
# The guest chroots into the host's root (9p, cache=loose) with fresh tmpfs on
# /tmp, /run and /var/tmp, so the host's bash, iproute2, socat... and the
# repository (read-only, at the same path) are all there. The run fails when:
# the command fails, the kernel never reaches the command (no boot, panic),
# the console or the kernel log shows a WARNING, BUG, Oops or Call Trace, or the
# kernel is tainted by anything but O and E (our out-of-tree, unsigned module).
#
# One exception, retried once: a kernel that crashes while booting, before
# the command starts (nothing of ours is loaded yet). Under TCG with two
# vCPUs, Debian's kernels now and then take an "Oops: int3" in code that
# another vCPU was live-patching (jump labels, static calls) at boot: an
# emulator race, not a kernel or module bug. The first console is kept as
# LOG.boot1 and the retry is said on stderr; a kernel that cannot boot at
# all fails both times.
#
# Usage: scripts/vm-run.sh [options] [--] command [args...]
#   -k KERNEL   6.1, 6.12 (newest installed of that series), a full release,
#               or "debug": the KASAN/lockdep/kmemleak kernel that
#               scripts/debug-kernel.sh built in build/debug (default: 6.12)
#   -l FILE     keep the console log in FILE (default: build/vm/<release>/console.log)
#   -o DIR      writable share, mounted at /run/vmout in the guest (default: a temp dir)
#   -t SECONDS  time limit for the whole run (default: 1800)
#   -m MB       guest memory (default: 1024)
#   -a ARGS     extra kernel command line
#   -q          echo only the command's output, not kernel messages (all is logged)
#   -A ARCH     arm64 or armhf: boot Debian's kernel for ARCH under
#               qemu-system-aarch64 / qemu-system-arm instead, with the ARCH
#               userland of build/ARCH/root as the guest's root and the
#               repository shared at its path (scripts/cross.sh prepares
#               both; -k is then ignored)
# Environment: MPCONV_VM_BZIMAGE=1 boots the compressed image instead of the
# extracted vmlinux (slower; a fallback if the vmlinux does not boot).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
kernel=6.12
log=
outdir=
timeout_s=1800
mem=1024
extra_append=
quiet=0
arch=x86_64

usage() {
	sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-2}"
}

while getopts "k:l:o:t:m:a:A:qh" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	l) log=$OPTARG ;;
	o) outdir=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	a) extra_append=$OPTARG ;;
	q) quiet=1 ;;
	A) arch=$OPTARG ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage

die() { echo "vm-run: $*" >&2; exit 1; }

# Resolve "6.1" / "6.12" to the newest installed release of that series.
resolve_kernel() {
	local k=$1 rel
	if [ -e "/boot/vmlinuz-$k" ]; then
		echo "$k"
		return
	fi
	rel=$(find /boot -maxdepth 1 -name "vmlinuz-$k.*" -printf '%f\n' 2>/dev/null |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[ -n "$rel" ] || die "no kernel $k in /boot (run scripts/deps.sh)"
	echo "$rel"
}

case $arch in
x86_64)
	guest_root=/
	modroot=/
	busybox=/bin/busybox
	if [ "$kernel" = debug ]; then
		# everything the VM needs is built in: no modules in the initramfs
		[ -s "$ROOT/build/debug/obj/include/config/kernel.release" ] ||
			die "no debug kernel (run scripts/debug-kernel.sh)"
		rel=$(cat "$ROOT/build/debug/obj/include/config/kernel.release")
		modroot=
	else
		rel=$(resolve_kernel "$kernel")
	fi
	;;
arm64 | armhf)
	guest_root=$ROOT/build/$arch/root
	modroot=$guest_root
	busybox=$guest_root/bin/busybox
	rel=$(find "$guest_root/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' 2>/dev/null |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[ -n "$rel" ] || die "no $arch kernel in $guest_root/boot (run scripts/cross.sh $arch build)"
	;;
*) die "unknown architecture $arch (x86_64, arm64 or armhf)" ;;
esac
vmdir=$ROOT/build/vm/$rel
mkdir -p "$vmdir"
[ -n "$log" ] || log=$vmdir/console.log

# The kernel: an uncompressed vmlinux boots ~5 s faster under TCG than the
# bzImage, which spends that long decompressing itself.
extract_vmlinux() {
	local img=$1 out=$2 magic dec off
	for magic in '\xfd\x37\x7a\x58\x5a\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
		dec=${magic##*:}
		command -v "$dec" >/dev/null || continue
		for off in $(LC_ALL=C grep -aboP "${magic%:*}" "$img" | cut -d: -f1); do
			tail -c +$((off + 1)) "$img" | "$dec" -dc >"$out.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# Runs side by side share build/vm/<release>: one prepares the kernel and
# the initramfs at a time, the others wait for it and use what it made.
exec 9>"$vmdir/.lock"
flock 9

kimg=$guest_root/boot/vmlinuz-$rel
if [ "$kernel" = debug ] && [ "$arch" = x86_64 ]; then
	# no PVH entry point in it: boots only compressed
	kimg=$ROOT/build/debug/boot/vmlinuz-$rel
elif [ "$arch" = x86_64 ] && [ "${MPCONV_VM_BZIMAGE:-0}" != 1 ]; then
	if [ ! -s "$vmdir/vmlinux" ] || [ "$kimg" -nt "$vmdir/vmlinux" ]; then
		extract_vmlinux "$kimg" "$vmdir/vmlinux" || rm -f "$vmdir/vmlinux"
	fi
	[ -s "$vmdir/vmlinux" ] && kimg=$vmdir/vmlinux
fi

# The initramfs: busybox, the modules needed to mount the host over 9p, and
# an init that mounts it, runs the command in a chroot and reports.
build_initramfs() {
	local dir mod
	dir=$(mktemp -d)
	mkdir -p "$dir"/{bin,sbin,proc,sys,dev,host,mods}
	cp "$busybox" "$dir/bin/busybox"
	if [ -n "$modroot" ]; then
		modprobe -d "$modroot" -a -S "$rel" --show-depends 9p 9pnet_virtio virtio_pci |
			awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$dir/mods.list.src"
	else
		: >"$dir/mods.list.src"
	fi
	: >"$dir/mods/order"
	while read -r mod; do
		local base
		base=$(basename "$mod")
		base=${base%.xz}
		base=${base%.zst}
		case $mod in
		*.xz) xz -dc "$mod" >"$dir/mods/$base" ;;
		*.zst) zstd -qdc "$mod" >"$dir/mods/$base" ;;
		*) cp "$mod" "$dir/mods/$base" ;;
		esac
		echo "$base" >>"$dir/mods/order"
	done <"$dir/mods.list.src"
	rm "$dir/mods.list.src"
	cp "$ROOT/scripts/vm-init.sh" "$dir/init"
	# The kernel's module autoloader runs /sbin/modprobe of the initramfs:
	# forward it to the host's modprobe and /lib/modules inside the chroot.
	printf '#!/bin/busybox sh\nexec /bin/busybox chroot /host /sbin/modprobe "$@"\n' \
		>"$dir/sbin/modprobe"
	chmod +x "$dir/init" "$dir/sbin/modprobe"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$vmdir/initrd.gz.tmp"
	mv "$vmdir/initrd.gz.tmp" "$vmdir/initrd.gz"
	rm -rf "$dir"
}

if [ ! -s "$vmdir/initrd.gz" ] || [ "$ROOT/scripts/vm-init.sh" -nt "$vmdir/initrd.gz" ] ||
   [ "$0" -nt "$vmdir/initrd.gz" ] || [ "$busybox" -nt "$vmdir/initrd.gz" ]; then
	build_initramfs
fi
flock -u 9
exec 9>&-

own_outdir=0
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d /tmp/mpconv-vm.XXXXXX)
	own_outdir=1
fi
mkdir -p "$outdir"
rm -f "$outdir/.exit" "$outdir/.dmesg" "$outdir/.tainted"

# The command travels as a script on the writable share; the guest runs it
# in the caller's working directory.
{
	echo "cd $(printf '%q' "$PWD") || exit 125"
	printf '%q ' "$@"
	echo
} >"$outdir/.cmd"

cleanup() {
	[ "$own_outdir" -eq 0 ] || rm -rf "$outdir"
}
trap cleanup EXIT

append="panic=-1 oops=panic panic_on_warn=1 slub_debug=FZPU"
append+=" loglevel=5 rdinit=/init mitigations=off"
if [ "$arch" = x86_64 ]; then
	append+=" console=ttyS0 tsc=reliable no_timer_check"
else
	# The guest's root is the arm64 userland: the repository comes as a
	# share of its own, mounted at the same path.
	append+=" console=ttyAMA0 mpconv.repo=$ROOT"
	mkdir -p "$guest_root$ROOT"
fi
append+=" $extra_append"
# A repository under a directory the guest covers with tmpfs (/tmp, /run,
# /var/tmp: e.g. a CI clone in /tmp) is bound back over it by vm-init.
case $ROOT in
/tmp/* | /run/* | /var/tmp/*) [ "$arch" != x86_64 ] || append+=" mpconv.keep=$ROOT" ;;
esac

# shellcheck disable=SC2054 # commas belong to the option values
case $arch in
x86_64) qemu=(qemu-system-x86_64 -accel tcg -cpu max) ;;
arm64) qemu=(qemu-system-aarch64 -M virt -accel tcg -cpu cortex-a57) ;;
armhf) qemu=(qemu-system-arm -M virt,highmem=off -accel tcg -cpu cortex-a15) ;;
esac
# shellcheck disable=SC2054
qemu+=(-smp 2 -m "$mem" -nographic -no-reboot -nic none
	-kernel "$kimg" -initrd "$vmdir/initrd.gz" -append "$append"
	-fsdev "local,id=hostroot,path=$guest_root,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev "local,id=vmout,path=$outdir,security_model=none"
	-device virtio-9p-pci,fsdev=vmout,mount_tag=vmout)
if [ "$arch" != x86_64 ]; then
	# shellcheck disable=SC2054
	qemu+=(-fsdev "local,id=repo,path=$ROOT,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=repo,mount_tag=repo)
fi

# The full console goes to the log; -q shows only the command's lines.
show() {
	if [ "$quiet" -eq 1 ]; then
		grep --line-buffered -av -e '^\[ *[0-9]*\.[0-9]*\]' -e 'SeaBIOS' -e '^Booting from ROM' || true
	else
		cat
	fi
}

booted_re='vm-init: .* up, running the command'
crash_re='(Oops|Kernel panic|BUG:|general protection fault)'
for attempt in 1 2; do
	set +e
	timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | tee "$log" | show
	qemu_rc=${PIPESTATUS[0]}
	set -e
	if [ "$attempt" = 1 ] && [ ! -s "$outdir/.exit" ] && ! grep -aqE "$booted_re" "$log" &&
	   grep -aqE "$crash_re" "$log"; then
		cp "$log" "$log.boot1"
		echo "vm-run: $rel: the kernel crashed while booting, before the command" \
			"(console in $log.boot1): booting once more" >&2
		grep -aE "$crash_re" "$log" | head -n 3 | sed 's/^/vm-run:   /' >&2
		rm -f "$outdir/.dmesg" "$outdir/.tainted"
		continue
	fi
	break
done

fail=0
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "vm-run: $rel: time limit of ${timeout_s}s reached" >&2
	fail=1
fi

if [ -s "$outdir/.exit" ]; then
	rc=$(cat "$outdir/.exit")
else
	echo "vm-run: $rel: the command never finished (no boot, panic or hang; see $log)" >&2
	rc=1
fi

# Kernel trouble anywhere in the console or in the full kernel log.
bad_re='(WARNING:|BUG:|Oops|Call Trace:|Kernel panic|kernel BUG at|general protection fault|UBSAN:|KFENCE:|KASAN:|RCU stall|INFO: task .* blocked|rcu: INFO:)'
[ ! -s "$outdir/.dmesg" ] || cp "$outdir/.dmesg" "$log.dmesg"
bad=$(grep -aEh "$bad_re" "$log" "$outdir/.dmesg" 2>/dev/null | head -n 20 || true)
if [ -n "$bad" ]; then
	echo "vm-run: $rel: kernel trouble in the log ($log):" >&2
	printf '%s\n' "$bad" | sed 's/^/vm-run:   /' >&2
	fail=1
fi

if [ -s "$outdir/.tainted" ]; then
	t=$(cat "$outdir/.tainted")
	# 4096 = O (out-of-tree module), 8192 = E (unsigned module)
	if [ $((t & ~(4096 | 8192))) -ne 0 ]; then
		echo "vm-run: $rel: kernel tainted ($t)" >&2
		fail=1
	fi
fi

if [ "$rc" -ne 0 ]; then
	echo "vm-run: $rel: command exited with status $rc" >&2
	exit "$rc"
fi
[ "$fail" -eq 0 ] || exit 1
exit 0
