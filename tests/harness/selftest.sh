#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the test harness fails when it should. Each case boots a VM that
# must FAIL, and checks it failed for the right reason:
#   1. a module that WARNs at init (console scan, panic_on_warn);
#   2. a selftest with a failing check (exit status, TAP "not ok");
#   3. a kernel that cannot boot (no init: the command never runs);
#   4. and one run that must PASS, so the cases above cannot all pass by
#      failing for an unrelated reason.
# Prints TAP. Usage: tests/harness/selftest.sh [KERNEL]   (default 6.12)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${1:-6.12}
rel=$(find /boot -maxdepth 1 -name "vmlinuz-$kernel.*" -printf '%f\n' | sed 's/^vmlinuz-//' |
	sort -V | tail -n 1)
out=$ROOT/build/harness
mkdir -p "$out"
n=0
nfail=0

result() { # rc name
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - harness: $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $n - harness: $2"
	fi
}

echo "TAP version 13"
echo "# harness self-test on $rel"

# 1. WARN at init.
kb=$out/$rel
mkdir -p "$kb"
ln -sfn "$ROOT/tests/harness/warn_init.c" "$kb/warn_init.c"
ln -sfn "$ROOT/tests/harness/Kbuild" "$kb/Kbuild"
if make -s -C "/lib/modules/$rel/build" M="$kb" modules >"$out/build.log" 2>&1; then
	bash "$ROOT/scripts/vm-run.sh" -q -k "$rel" -l "$out/warn.log" -- \
		insmod "$kb/warn_init.ko" >/dev/null 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && grep -q 'deliberate warning at init' "$out/warn.log"
	result $? "a module that WARNs at init fails the run (vm-run exit $rc)"
else
	sed 's/^/# /' "$out/build.log"
	result 1 "build the WARN-at-init module"
fi

# 2. A failing selftest.
bash "$ROOT/scripts/vm-run.sh" -q -k "$rel" -l "$out/failing.log" -- \
	bash "$ROOT/tests/harness/failing.sh" >"$out/failing.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q '^not ok 2 - a check that fails on purpose' "$out/failing.out"
result $? "a failing selftest fails the run (vm-run exit $rc)"

# 3. A kernel that cannot boot: there is no init to run.
bash "$ROOT/scripts/vm-run.sh" -q -k "$rel" -t 120 -a "rdinit=/no/such/init" \
	-l "$out/noboot.log" -- true >"$out/noboot.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'never finished' "$out/noboot.out"
result $? "a kernel that cannot boot fails the run (vm-run exit $rc)"

# 4. The same harness passes a good run.
bash "$ROOT/scripts/vm-run.sh" -q -k "$rel" -l "$out/good.log" -- true >"$out/good.out" 2>&1
rc=$?
result $rc "a clean run passes (vm-run exit $rc)"
if [ "$rc" -ne 0 ]; then
	# Say why: vm-run's verdict and the end of the console.
	sed 's/^/# /' "$out/good.out"
	tail -n 40 "$out/good.log" | sed 's/^/# console: /'
fi

echo "1..$n"
[ "$nfail" -eq 0 ]
