#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM's initramfs (see vm-run.sh): mount the host's root
# read-only over 9p, chroot into it, run the command from the writable share
# and leave its exit status, the kernel log and the taint flags there.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
	insmod "/mods/$m" || echo "vm-init: insmod $m failed"
done </mods/order

fail() {
	echo "vm-init: $*"
	poweroff -f
}

H=/host
mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,msize=512000,ro hostroot $H ||
	fail "cannot mount the host's root"
# mpconv.keep=PATH (vm-run.sh): the repository lives under one of the
# directories covered with tmpfs below: keep it visible at the same path.
# mpconv.repo=PATH (vm-run.sh -A): the root is another architecture's
# userland and the repository comes as a share of its own, mounted there.
keep=
repo=
for a in $(cat /proc/cmdline); do
	case $a in
	mpconv.keep=*) keep=${a#mpconv.keep=} ;;
	mpconv.repo=*) repo=${a#mpconv.repo=} ;;
	esac
done
if [ -n "$keep" ]; then
	mkdir -p /keep && mount -o bind "$H$keep" /keep || fail "cannot keep $keep"
fi
for d in tmp run var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs $H/$d || fail "tmpfs on /$d"
done
if [ -n "$keep" ]; then
	mkdir -p "$H$keep" && mount -o bind /keep "$H$keep" || fail "cannot keep $keep"
fi
if [ -n "$repo" ]; then
	mkdir -p "$H$repo" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,msize=512000,ro repo "$H$repo" ||
		fail "cannot mount the repository at $repo"
fi
mount -t proc proc $H/proc
mount -t sysfs sysfs $H/sys
mount -t devtmpfs devtmpfs $H/dev
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $H/dev/pts
mount -t tmpfs tmpfs $H/dev/shm
mount -t debugfs debugfs $H/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $H/sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 $H/sys/fs/cgroup 2>/dev/null
mkdir -p $H/run/vmout $H/run/netns
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmout $H/run/vmout ||
	fail "cannot mount the result share"

ip() { chroot $H /sbin/ip "$@"; }
ip link set lo up

echo "vm-init: $(uname -r) up, running the command"
chroot $H /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 MPCONV_IN_VM=1 \
	/bin/bash /run/vmout/.cmd </dev/console >/dev/console 2>&1
rc=$?

# Let anything the command left behind (namespaces, RCU callbacks) settle
# so that a late warning is still caught.
sleep 1
cat /proc/sys/kernel/tainted >$H/run/vmout/.tainted
dmesg >$H/run/vmout/.dmesg
echo "$rc" >$H/run/vmout/.exit
sync
echo "vm-init: command exited with status $rc"
poweroff -f
