#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run selftest programs the way kselftest's runner does: a TAP plan, each
# program's output as "# " diagnostics, one ok / not ok line per program,
# and the time limit from ./settings (MPC_SUITE_TIMEOUT in the environment
# overrides it).
#
# Usage: run.sh PROG...
cd "$(dirname "$0")" || exit 1

timeout_s=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout_s=${timeout_s:-45}
# a longer run (make stress) may ask for more
timeout_s=${MPC_SUITE_TIMEOUT:-$timeout_s}
n=0
rc_all=0

echo "TAP version 13"
echo "1..$#"
for prog in "$@"; do
	n=$((n + 1))
	echo "# selftests: mpconv: $prog"
	timeout --foreground -k 10 "$timeout_s" bash "./$prog" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n selftests: mpconv: $prog" ;;
	4) echo "ok $n selftests: mpconv: $prog # SKIP" ;;
	124) echo "not ok $n selftests: mpconv: $prog # TIMEOUT $timeout_s seconds"; rc_all=1 ;;
	*) echo "not ok $n selftests: mpconv: $prog # exit=$rc"; rc_all=1 ;;
	esac
done
exit $rc_all
