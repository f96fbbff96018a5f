#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: the whole test suite, from a fresh Debian 12 machine.
#
#   1. install what is missing (scripts/deps.sh)
#   2. build the module for every installed Debian kernel with W=1 (a compiler
#      warning fails the check) and the CLI
#   3. the codec's unit tests and a bounded fuzz run (tests/unit)
#   4. the harness self-test (the VM runner fails when it should)
#   5. packaging: DKMS (make dkms-install), Debian packages (make deb, apt
#      install, dkms builds for every installed kernel, purge), the OpenWrt
#      package's recipes and init script
#   6. boot each kernel (6.1, 6.12) and run every selftest suite in it
#   7. CPE architectures: cross-build for arm64 (Debian's 6.12) and armhf
#      (Debian's armmp 6.1) with W=1, boot each under qemu-system-aarch64 /
#      qemu-system-arm and run every selftest suite there (scripts/cross.sh)
#
# Prints TAP as it goes and ends with one line "N passed, N failed" counting
# every check on both kernels. Exits non-zero on any failure.
#
# Environment: MPCONV_KERNELS="6.1 6.12" (which kernels), FUZZ_SECONDS=60,
# MPCONV_CHECK_HARNESS=0 to leave out step 4, MPCONV_CHECK_PACKAGING=0 step 5,
# MPCONV_CROSS="arm64 armhf" (which architectures in step 7; "" for none).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
KERNELS=${MPCONV_KERNELS:-6.1 6.12}
LOGS=$ROOT/build/check
mkdir -p "$LOGS"

passed=0
failed=0
failures=()
start=$(date +%s)

step() { echo; echo "### $*"; }

# count NAME FILE: add the TAP results in FILE. Leaf results are the lines
# "ok"/"not ok" of each suite (also nested as "# ok"); a suite that failed
# without a failing leaf (crash, timeout) counts as one failure of its own.
count() {
	local name=$1 file=$2 p f
	p=$(grep -cE '^(# )?ok [0-9]+ - ' "$file")
	f=$(grep -cE '^(# )?not ok [0-9]+ - ' "$file")
	local top_fail
	top_fail=$(grep -cE '^not ok [0-9]+ selftests: ' "$file")
	if [ "$f" -eq 0 ] && [ "$top_fail" -gt 0 ]; then
		f=$top_fail
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures+=("$name:")
		while IFS= read -r l; do failures+=("  $l"); done \
			< <(grep -E '^(# )?not ok ' "$file" | head -n 20)
	fi
	# Return whether this step added a failure.
	[ "$f" -eq 0 ]
}

# fail_step NAME REASON: a step that failed outside any TAP line.
fail_step() {
	failed=$((failed + 1))
	failures+=("$1: $2")
	echo "not ok - $1: $2"
}

step "dependencies"
if ! bash scripts/deps.sh; then
	fail_step deps "scripts/deps.sh failed"
	echo "0 passed, $failed failed"
	exit 1
fi

step "build (W=1, every kernel), CLI and selftest tools"
if make -s module W=1 >"$LOGS/build.log" 2>&1 && make -s cli selftests >>"$LOGS/build.log" 2>&1; then
	if grep -E 'warning:|error:' "$LOGS/build.log"; then
		fail_step build "compiler warnings (see $LOGS/build.log)"
	else
		passed=$((passed + 1))
		echo "ok - build: module for $(cd build && ls -d */mpconv.ko | sed 's,/mpconv.ko,,' |
			tr '\n' ' ')and CLI, no warnings"
	fi
else
	cat "$LOGS/build.log"
	fail_step build "make failed"
fi

step "codec unit tests (tests/unit: gcc and clang with ASan/UBSan, s390x big-endian), completion"
make --no-print-directory -C tests/unit test V=1 >"$LOGS/unit.log" 2>&1
rc=$?
bash tests/completion/test_completion.sh >>"$LOGS/unit.log" 2>&1 || rc=$?
# The same tests built for a big-endian machine (s390x), under qemu-user:
# the codec is shared with userspace and must not assume host byte order.
make --no-print-directory -C tests/unit test V=1 B=build/s390x COMPILERS=gcc \
	GCC=s390x-linux-gnu-gcc SAN= LDFLAGS=-static RUN=qemu-s390x-static \
	>>"$LOGS/unit.log" 2>&1 || rc=$?
grep -vE '^ok [0-9]+ - ' "$LOGS/unit.log"
if count unit "$LOGS/unit.log" && [ "$rc" -ne 0 ]; then
	fail_step unit "make -C tests/unit test exited with $rc"
fi

step "codec fuzzing (libFuzzer, ${FUZZ_SECONDS:-60} s)"
if make --no-print-directory -C tests/unit fuzz-check 2>&1 | tee "$LOGS/fuzz.log"; then
	passed=$((passed + 1))
	echo "ok - fuzz: $(grep -h '^fuzz-check: ok' "$LOGS/fuzz.log" | sed 's/^fuzz-check: ok, //')"
else
	fail_step fuzz "the fuzzer found a crash or did not run (see $LOGS/fuzz.log)"
fi

if [ "${MPCONV_CHECK_HARNESS:-1}" = 1 ]; then
	step "harness self-test"
	bash tests/harness/selftest.sh 6.12 2>&1 | tee "$LOGS/harness.log"
	rc=${PIPESTATUS[0]}
	if count harness "$LOGS/harness.log" && [ "$rc" -ne 0 ]; then
		fail_step harness "exited with $rc"
	fi
fi

if [ "${MPCONV_CHECK_PACKAGING:-1}" = 1 ]; then
	step "packaging: DKMS, Debian packages, OpenWrt package"
	bash tests/packaging/test_packaging.sh 2>&1 | tee "$LOGS/packaging.log"
	rc=${PIPESTATUS[0]}
	if count packaging "$LOGS/packaging.log" && [ "$rc" -ne 0 ]; then
		fail_step packaging "exited with $rc"
	fi
	bash tests/packaging/test_openwrt.sh 2>&1 | tee "$LOGS/openwrt.log"
	rc=${PIPESTATUS[0]}
	if count openwrt "$LOGS/openwrt.log" && [ "$rc" -ne 0 ]; then
		fail_step openwrt "exited with $rc"
	fi
fi

# The x86 tiers run side by side (each guest has two vCPUs, much of a suite
# waits on the network or a timer, and every suite must pass on a busy
# machine anyway). Each tier writes its own log, printed whole once both
# are done, with its time.
declare -A tier_pid
for k in $KERNELS; do
	(
		t0=$(date +%s)
		bash scripts/vm-run.sh -q -k "$k" -t 3600 -l "$LOGS/console-$k.log" -- \
			env MPC_SKIP_IS_FAIL=1 make --no-print-directory -C selftests run_tests \
			>"$LOGS/selftests-$k.log" 2>&1
		rc=$?
		echo "# tier time $(($(date +%s) - t0)) s" >>"$LOGS/selftests-$k.log"
		exit $rc
	) &
	tier_pid[$k]=$!
done
for k in $KERNELS; do
	step "selftests on $k"
	wait "${tier_pid[$k]}"
	rc=$?
	cat "$LOGS/selftests-$k.log"
	if count "selftests $k" "$LOGS/selftests-$k.log" && [ "$rc" -ne 0 ]; then
		fail_step "selftests $k" "the VM run failed (exit $rc; console: $LOGS/console-$k.log)"
	fi
done

# The ARM tiers one after the other: under full-system emulation of another
# architecture a guest needs both host cores (two side by side made the
# converter suite's timing checks fail on armhf).
for a in ${MPCONV_CROSS-arm64 armhf}; do
	step "$a: cross-build (W=1) and every selftest suite on Debian's $a kernel"
	t0=$(date +%s)
	bash scripts/cross.sh "$a" 2>&1 | tee "$LOGS/cross-$a.log"
	rc=${PIPESTATUS[0]}
	if count "selftests $a" "$LOGS/cross-$a.log" && [ "$rc" -ne 0 ]; then
		fail_step "$a" "exited with $rc (build log build/$a/build.log, console build/$a/console.log)"
	elif [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok - $a: built with W=1 without warnings, $(($(date +%s) - t0)) s in all"
	fi
done

echo
if [ "${#failures[@]}" -gt 0 ]; then
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "# wall time $(($(date +%s) - start)) s; logs in $LOGS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
