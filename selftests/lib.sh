# SPDX-License-Identifier: GPL-2.0
#
# mpconv selftest library, kselftest style: TAP output, KSFT exit codes,
# network namespaces with random names, a cleanup trap, kernel log checks.
#
# A suite sources this file, calls mpc_init, runs checks with mpc_check /
# mpc_check_fail / mpc_ok / mpc_fail / mpc_skip, and ends with mpc_exit.
#
# Environment:
#   MPCONV            the CLI (default: <repo>/tools/mpconv)
#   MPCONV_KO         the module (default: <repo>/build/$(uname -r)/mpconv.ko)
#   MPC_SKIP_IS_FAIL  1: every SKIP counts as a FAIL (where every feature is
#                     expected, as in 'make check')
#   MPC_VERBOSE       1: show the output of passing checks too

# shellcheck disable=SC2034  # the KSFT_* names are part of the interface
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

MPC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MPCONV=${MPCONV:-$MPC_ROOT/tools/mpconv}
MPCONV_KO=${MPCONV_KO:-$MPC_ROOT/build/$(uname -r)/mpconv.ko}
MPC_SKIP_IS_FAIL=${MPC_SKIP_IS_FAIL:-0}
MPC_VERBOSE=${MPC_VERBOSE:-0}

mpc_n=0
mpc_nfail=0
mpc_failed=()
mpc_nskip=0
mpc_namespaces=()
mpc_cleanups=()
mpc_suite=${0##*/}
mpc_dmesg_mark=0
mpc_tmp=

if [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
	mpc_red=$'\e[31m' mpc_green=$'\e[32m' mpc_yellow=$'\e[33m' mpc_reset=$'\e[0m'
else
	mpc_red='' mpc_green='' mpc_yellow='' mpc_reset=''
fi

# Print lines as TAP diagnostics.
mpc_diag() {
	sed 's/^/# /'
}

mpc_info() {
	echo "# $*"
}

mpc_ok() {
	mpc_n=$((mpc_n + 1))
	echo "${mpc_green}ok${mpc_reset} $mpc_n - $*"
}

# mpc_fail NAME [REASON]
mpc_fail() {
	mpc_n=$((mpc_n + 1))
	mpc_nfail=$((mpc_nfail + 1))
	echo "${mpc_red}not ok${mpc_reset} $mpc_n - $1"
	[ $# -lt 2 ] || echo "# $2"
	mpc_failed+=("$mpc_n - $1${2:+: $2}")
}

# mpc_fail_detail TEXT: add the last line of TEXT to the latest failure's
# recap line (mpc_exit repeats every failure next to the plan line, where a
# log's tail or a CI excerpt shows it).
mpc_fail_detail() {
	local last

	last=$(printf '%s\n' "$1" | sed '/^[[:space:]]*$/d' | tail -n 1)
	[ -n "$last" ] || return 0
	mpc_failed[-1]+=" (${last:0:600})"
}

# mpc_skip NAME REASON
mpc_skip() {
	if [ "$MPC_SKIP_IS_FAIL" = 1 ]; then
		mpc_fail "$1" "skipped but required: $2"
		return
	fi
	mpc_n=$((mpc_n + 1))
	mpc_nskip=$((mpc_nskip + 1))
	echo "${mpc_yellow}ok${mpc_reset} $mpc_n - $1 # SKIP $2"
}

# mpc_check NAME CMD [ARGS...]: passes when CMD exits 0. The command's output
# is shown as diagnostics when it fails (always with MPC_VERBOSE=1).
mpc_check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		mpc_ok "$name"
		[ "$MPC_VERBOSE" != 1 ] || [ -z "$out" ] || printf '%s\n' "$out" | mpc_diag
		return 0
	fi
	mpc_fail "$name" "'$*' exited with $rc"
	[ -z "$out" ] || printf '%s\n' "$out" | mpc_diag
	mpc_fail_detail "$out"
	return 1
}

# mpc_check_fail NAME EXPECTED_RC REGEX CMD [ARGS...]: passes when CMD exits
# with EXPECTED_RC ("any" = any non-zero) and its stderr+stdout match REGEX.
mpc_check_fail() {
	local name=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if { [ "$want" = any ] && [ "$rc" -ne 0 ]; } || [ "$rc" = "$want" ]; then
		if printf '%s\n' "$out" | grep -qE -- "$re"; then
			mpc_ok "$name"
			[ "$MPC_VERBOSE" != 1 ] || printf '%s\n' "$out" | mpc_diag
			return 0
		fi
		mpc_fail "$name" "output does not match /$re/"
	else
		mpc_fail "$name" "'$*' exited with $rc, expected $want"
	fi
	[ -z "$out" ] || printf '%s\n' "$out" | mpc_diag
	mpc_fail_detail "$out"
	return 1
}

# mpc_ns_new VAR [PREFIX]: create a network namespace with a random name,
# store its name in VAR; it is deleted by the cleanup trap.
mpc_ns_new() {
	local __var=$1 prefix=${2:-mpc} name
	name="$prefix-$(mktemp -u XXXXXXXX)"
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up
	mpc_namespaces+=("$name")
	printf -v "$__var" '%s' "$name"
}

# mpc_ns_del NAME: delete a namespace before the cleanup does.
mpc_ns_del() {
	local i
	ip netns del "$1" || return 1
	for i in "${!mpc_namespaces[@]}"; do
		[ "${mpc_namespaces[$i]}" != "$1" ] || unset 'mpc_namespaces[i]'
	done
}

# wait_for SECONDS CMD...: until CMD succeeds (every 0.2 s), at most SECONDS;
# a suite may define its own.
wait_for() {
	local t=$1 _
	shift
	for _ in $(seq $((t * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# mpc_in NS CMD [ARGS...]: run a command in a namespace.
mpc_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# mpc_on_exit CMD...: run CMD (eval'd) at cleanup, last registered first.
mpc_on_exit() {
	mpc_cleanups=("$*" "${mpc_cleanups[@]}")
}

mpc_cleanup() {
	local c ns
	for c in "${mpc_cleanups[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	for ns in "${mpc_namespaces[@]}"; do
		ip netns del "$ns" >/dev/null 2>&1
	done
	[ -z "$mpc_tmp" ] || rm -rf "$mpc_tmp"
}

mpc_mod_loaded() {
	[ -d /sys/module/mpconv ]
}

mpc_mod_load() {
	mpc_mod_loaded || insmod "$MPCONV_KO" "$@"
}

mpc_mod_unload() {
	! mpc_mod_loaded || rmmod mpconv
}

# Kernel log lines since mpc_init that show kernel trouble.
mpc_kernel_trouble() {
	dmesg | tail -n +$((mpc_dmesg_mark + 1)) |
		grep -E 'WARNING:|BUG:|Oops|Call Trace:|kernel BUG at|general protection|UBSAN:|KFENCE:|KASAN:'
}

# mpc_check_kernel_clean NAME: no kernel trouble logged since mpc_init.
mpc_check_kernel_clean() {
	local bad
	bad=$(mpc_kernel_trouble)
	if [ -z "$bad" ]; then
		mpc_ok "${1:-kernel log clean}"
	else
		mpc_fail "${1:-kernel log clean}" "kernel log:"
		printf '%s\n' "$bad" | head -n 20 | mpc_diag
	fi
}

# mpc_require CMD...: skip the whole suite when a tool is missing.
mpc_require() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "1..0 # SKIP $mpc_suite: '$c' not installed"
			[ "$MPC_SKIP_IS_FAIL" = 1 ] && exit $KSFT_FAIL
			exit $KSFT_SKIP
		fi
	done
}

# mpc_init: must be root; sets the trap and marks the kernel log.
mpc_init() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP $mpc_suite: must be run as root"
		exit $KSFT_SKIP
	fi
	mpc_require ip jq dmesg insmod rmmod
	mpc_tmp=$(mktemp -d /tmp/mpc.XXXXXX)
	mpc_dmesg_mark=$(dmesg | wc -l)
	trap mpc_cleanup EXIT
	trap 'exit $KSFT_FAIL' INT TERM
	echo "TAP version 13"
	echo "# $mpc_suite on $(uname -r)"
}

# mpc_exit: the plan line and the KSFT exit code.
mpc_exit() {
	local f

	for f in "${mpc_failed[@]}"; do
		echo "# FAILED $f"
	done
	echo "1..$mpc_n"
	echo "# $mpc_suite: $((mpc_n - mpc_nfail - mpc_nskip)) passed, $mpc_nfail failed, $mpc_nskip skipped"
	if [ "$mpc_nfail" -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ "$mpc_n" -gt 0 ] && [ "$mpc_nskip" -eq "$mpc_n" ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}
