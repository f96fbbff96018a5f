# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# TAP helpers of the packaging tests (sourced): a scratch directory $T
# removed at exit, ok / not_ok, check DESCRIPTION COMMAND... (output kept in
# $T/out, its tail shown when it fails) and tap_end NAME (summary line and
# exit status).
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ ! -s "$T/out" ] || tail -n 20 "$T/out" | sed 's/^/# /'
}
check() {
	local d=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else not_ok "$d"; fi
}
tap_end() {
	echo "# $1: $((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
}
