#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# Module lifecycle, the CLI round trip, and per-namespace state.
#
#   init netns (mpconv loaded)
#     |-- ns "a"   created before the module loads  } each sees its own
#     |-- ns "b"   created after the module loads   } mpconv status
#     `-- ns "c"   created, queried, deleted while the module is loaded
#
# No links between them: this suite exercises the control plane only.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mpc_init

if [ ! -f "$MPCONV_KO" ] || [ ! -x "$MPCONV" ]; then
	mpc_fail "module and CLI are built" "missing $MPCONV_KO or $MPCONV (run make)"
	mpc_exit
fi

status_json() { # [NS]
	if [ $# -gt 0 ]; then
		"$MPCONV" -n "$1" -j status
	else
		"$MPCONV" -j status
	fi
}

mpc_mod_unload
mpc_ns_new ns_a a

# --- the module is not loaded --------------------------------------------
mpc_check_fail "CLI says the module is not loaded" 1 "module is not loaded" \
	"$MPCONV" status

# --- load -------------------------------------------------------------------
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"
mpc_check "module version in sysfs" test -s /sys/module/mpconv/version

modver=$(cat /sys/module/mpconv/version 2>/dev/null)
check_version() {
	local j
	j=$("$MPCONV" -j version) || return 1
	echo "$j"
	[ "$(jq -r .module <<<"$j")" = "$modver" ] &&
	[ "$(jq -r .genl_version <<<"$j")" = 1 ] &&
	[ -n "$(jq -r .cli <<<"$j")" ]
}
mpc_check "CLI version round trip matches the module ($modver)" check_version

check_status_fields() {
	local j
	j=$(status_json) || return 1
	echo "$j"
	jq -e '(.version | type) == "string" and (.netns_cookie | type) == "number" and
	       (.ns_age_ms | type) == "number" and .roles == [] and
	       .sessions == 0 and .bindings == 0' <<<"$j" >/dev/null
}
mpc_check "status JSON has every field, no roles, no sessions" check_status_fields

check_status_human() {
	local out
	out=$("$MPCONV" status) || return 1
	echo "$out"
	grep -q "^module $modver" <<<"$out" && grep -q '^roles none' <<<"$out" &&
		grep -q '^sessions 0, bindings 0' <<<"$out"
}
mpc_check "status human output" check_status_human

# Every counter of the uapi, by name, a number, 0 in a namespace that did
# nothing; no counter the CLI does not know (stat_N).
check_stats_fields() {
	local j want
	want=$(sed -n '/^enum mpconv_stat {/,/^};/p' "$MPC_ROOT/uapi/linux/mpconv.h" |
		grep -c '^[[:space:]]*MPCONV_STAT_[A-Z0-9_]*,' )
	want=$((want - 1))	# MPCONV_STAT_UNSPEC
	j=$("$MPCONV" -n "$ns_a" -j stats) || return 1
	echo "$j"
	echo "uapi counters: $want"
	jq -e --argjson n "$want" 'length == $n and all(.[]; type == "number" and . == 0) and
		(keys | all(startswith("stat_") | not)) and has("conv_accepted") and
		has("cpe_out_of_scope") and has("cpe_cookie_ack")' <<<"$j" >/dev/null &&
		[ "$("$MPCONV" -n "$ns_a" stats | grep -c .)" -ge "$want" ]
}
mpc_check "stats JSON: every uapi counter by name, all 0 in a fresh namespace" check_stats_fields

mpc_check "reads need no privilege" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MPCONV" status

# --- CLI errors ----------------------------------------------------------------
mpc_check_fail "unknown command: exit 2 with a reason" 2 "unknown object or command 'frobnicate'" \
	"$MPCONV" frobnicate
mpc_check_fail "unexpected argument: exit 2 with a reason" 2 "status: unexpected argument 'extra'" \
	"$MPCONV" status extra
mpc_check_fail "unknown option: exit 2" 2 "try 'mpconv help'" "$MPCONV" --bogus status
mpc_check_fail "unknown namespace: exit 1 with a reason" 1 "cannot open network namespace" \
	"$MPCONV" -n mpc-does-not-exist status
mpc_check_fail "help prints the grammar" 0 "mpconv status" "$MPCONV" help

# --- state is per namespace ------------------------------------------------
sleep 1
mpc_ns_new ns_b b
check_per_ns() {
	local init a b
	init=$(status_json) && a=$(status_json "$ns_a") && b=$(status_json "$ns_b") || return 1
	printf 'init %s\na %s\nb %s\n' "$init" "$a" "$b"
	local ci ca cb
	ci=$(jq .netns_cookie <<<"$init")
	ca=$(jq .netns_cookie <<<"$a")
	cb=$(jq .netns_cookie <<<"$b")
	# Three distinct namespaces, three distinct cookies...
	[ "$ci" != "$ca" ] && [ "$ca" != "$cb" ] && [ "$ci" != "$cb" ] || return 1
	# ... and "a" (set up at module load) is older than "b" (created later).
	[ "$(jq .ns_age_ms <<<"$a")" -gt "$(jq .ns_age_ms <<<"$b")" ]
}
mpc_check "each namespace sees its own status" check_per_ns

check_cookie_stable() {
	local c1 c2
	c1=$(status_json "$ns_b" | jq .netns_cookie) &&
	c2=$(status_json "$ns_b" | jq .netns_cookie) && [ "$c1" = "$c2" ]
}
mpc_check "a namespace's cookie is stable" check_cookie_stable

# --- a namespace deleted while loaded --------------------------------------
mpc_ns_new ns_c c
mpc_check "status in a new namespace" status_json "$ns_c"
mpc_check "delete the namespace while loaded" mpc_ns_del "$ns_c"
sleep 1
mpc_check "module still answers after the namespace is gone" status_json

# --- unload and reload, 20 times ---------------------------------------------
reload_20() {
	local i
	for i in $(seq 20); do
		rmmod mpconv || { echo "rmmod #$i failed"; return 1; }
		[ ! -d /sys/module/mpconv ] || { echo "still loaded after rmmod #$i"; return 1; }
		insmod "$MPCONV_KO" || { echo "insmod #$i failed"; return 1; }
		status_json >/dev/null && status_json "$ns_a" >/dev/null ||
			{ echo "status failed after load #$i"; return 1; }
	done
}
mpc_check "rmmod/insmod 20 times, status answers each time" reload_20

# --- unload --------------------------------------------------------------------
mpc_check "rmmod" rmmod mpconv
mpc_check "module gone from sysfs" test ! -d /sys/module/mpconv
mpc_check_fail "CLI says the module is not loaded after rmmod" 1 "module is not loaded" \
	"$MPCONV" status

mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
