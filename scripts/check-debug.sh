#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every selftest suite on a debug kernel (KASAN,
# lockdep + PROVE_RCU, kmemleak, DEBUG_NET: scripts/debug-kernel.config),
# built from Debian's linux-source-6.12 by scripts/debug-kernel.sh, then a
# kmemleak scan. Any KASAN or lockdep report, warning, or a leak whose
# allocation went through mpconv fails it (vm-run.sh fails the run on any
# report in the console; the leak check is here).
#
# Not part of `make check`: the first kernel build alone takes 20-40 min
# on 2 cores, and the suites run several times slower under KASAN.
# Environment: MPCONV_DEBUG_SUITES (default: all of selftests/Makefile's
# TEST_PROGS), MPCONV_FLOOD_N (default here 1000: a flood runs at under
# 100 SYNs/s on this kernel; the floods are here for their code paths, the
# 100,000-SYN figures come from make check).
# On this kernel the suites run with MPCONV_DEBUG_KERNEL=1 (the one
# throughput-ratio check is skipped, and reported as such) and
# MPCONV_LEGIT_MS=20000 (a real connection during a flood may take that
# long); skips are not failures here, every one is listed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
t0=$(date +%s)
LOGS=$ROOT/build/check-debug
mkdir -p "$LOGS"

echo "== debug kernel (scripts/debug-kernel.sh)"
rel=$(bash scripts/debug-kernel.sh 2>&1 | tee "$LOGS/build.log" | tail -n 1)
[ -f "build/debug/boot/vmlinuz-$rel" ] || { echo "check-debug: kernel build failed"; exit 1; }
echo "built $rel in $(($(date +%s) - t0)) s"
make -s cli selftests

suites=${MPCONV_DEBUG_SUITES:-$(sed -n '/^TEST_PROGS/,/^$/p' selftests/Makefile |
	grep -o 'mpconv_[a-z]*\.sh' | tr '\n' ' ')}
t1=$(date +%s)
echo "== suites on $rel: $suites"
# The guest's last command: two kmemleak scans (the second reports what
# the first found still unreferenced), the report kept for the host.
cat >"$LOGS/run.sh" <<-EOF
	rc=0
	env MPCONV_DEBUG_KERNEL=1 MPCONV_LEGIT_MS=20000 MPCONV_FLOOD_N=${MPCONV_FLOOD_N:-1000} \\
		make --no-print-directory -C selftests run_tests TEST_PROGS="$suites" || rc=\$?
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/run/vmout/kmemleak.txt
	exit \$rc
EOF
rc=0
bash scripts/vm-run.sh -q -k debug -m 2048 -t 7200 -o "$LOGS/out" -l "$LOGS/console.log" -- \
	bash "$LOGS/run.sh" 2>&1 | tee "$LOGS/selftests.log" || rc=$?
echo "suites: $(($(date +%s) - t1)) s"
grep -E '^# ok .* # SKIP' "$LOGS/selftests.log" | sed 's/^# /skipped: /' || true

leaks=$LOGS/out/kmemleak.txt
if [ ! -f "$leaks" ]; then
	echo "not ok - kmemleak: no report"
	rc=1
else
	n=$(grep -c '^unreferenced object' "$leaks" || true)
	# ours: an allocation whose backtrace has mpconv's functions, or
	# addresses in the module area once it was unloaded
	ours=$(awk '/^unreferenced object/ { obj = $0; hit = 0 }
		/mpconv|\[<ffffffffc/ { if (!hit) { print obj; hit = 1 } }' "$leaks" | wc -l)
	echo "kmemleak: $n unreferenced objects in all, $ours allocated by mpconv"
	if [ "$ours" -gt 0 ]; then
		echo "not ok - kmemleak: mpconv leaks (see $leaks)"
		rc=1
	else
		echo "ok - kmemleak: nothing of mpconv's"
	fi
fi
echo "# check-debug wall time $(($(date +%s) - t0)) s (kernel build included)"
exit $rc
