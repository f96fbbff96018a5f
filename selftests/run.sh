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

# hang_report PROG: the processes of the running suite, the kernel stacks of
# those blocked, and the kernel's list of blocked tasks (sysrq w).
hang_report() {
	local pid
	echo "$1 is about to time out; processes:"
	ps -eo pid,ppid,stat,wchan:28,etimes,args --forest | grep -v ' \[' | tail -n 60
	for pid in $(ps -eo pid=,stat= | awk '$2 ~ /^D/ { print $1 }'); do
		echo "blocked: $(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ')"
		cat "/proc/$pid/stack" 2>/dev/null
	done
	echo w >/proc/sysrq-trigger 2>/dev/null
	dmesg | tail -n 80
}

echo "TAP version 13"
echo "1..$#"
for prog in "$@"; do
	n=$((n + 1))
	echo "# selftests: mpconv: $prog"
	rcfile=$(mktemp)
	{
		timeout -k 10 "$timeout_s" bash "./$prog" 2>&1
		echo $? >"$rcfile"
	} | sed -u 's/^/# /' &
	suite=$!
	# Shortly before the time limit, say where the suite is stuck: a
	# timeout with nothing after the last check is not debuggable.
	(
		trap 'kill "$nap" 2>/dev/null; exit 0' TERM
		sleep $((timeout_s > 60 ? timeout_s - 30 : timeout_s / 2)) >/dev/null 2>&1 &
		nap=$!
		wait "$nap"
		hang_report "$prog" 2>&1 | sed -u 's/^/# hang: /'
	) &
	watchdog=$!
	wait "$suite"
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	rc=$(cat "$rcfile")
	rm -f "$rcfile"
	case $rc in
	0) echo "ok $n selftests: mpconv: $prog" ;;
	4) echo "ok $n selftests: mpconv: $prog # SKIP" ;;
	124) echo "not ok $n selftests: mpconv: $prog # TIMEOUT $timeout_s seconds"; rc_all=1 ;;
	*) echo "not ok $n selftests: mpconv: $prog # exit=$rc"; rc_all=1 ;;
	esac
done
exit $rc_all
