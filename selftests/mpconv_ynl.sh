#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The "mpconv" family driven by a client nobody on this project wrote: the
# kernel's ynl (tools/net/ynl/cli.py of Linux 6.12), reading the family's
# spec, Documentation/netlink/specs/mpconv.yaml.
#
#                                 wan1 198.51.100.0/24
#   (client)        explicit ---- cpe ==================== conc ---- srv ---- server
#                   client        198.51.100.1            198.51.100.2     192.0.2.130
#                   (mpconv_                               mpconv           socat echo
#                    client)                               converter        on 8080
#                                                          ynl: status,
#                                                          dumps, events
#
# The spec must load and validate against the 6.12 genetlink-legacy schema
# and number everything as uapi/linux/mpconv.h does. ynl then reads the
# status, dumps a live session and listens to the "events" group while the
# mpconv CLI changes the configuration and a connection comes and goes.
#
# ynl is taken from Debian's linux-source-6.12 by scripts/deps.sh into
# build/ynl (YNL_DIR overrides); it runs with Debian's python3 and its
# python3-yaml and python3-jsonschema (YNL_PYTHON overrides).

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat
CLIENT=$(dirname "$(readlink -f "$0")")/mpconv_client
YNL_DIR=${YNL_DIR:-$MPC_ROOT/build/ynl}
YNL_PYTHON=${YNL_PYTHON:-/usr/bin/python3}
YNL_CLI=$YNL_DIR/tools/net/ynl/cli.py
YNL_SCHEMA=$YNL_DIR/Documentation/netlink/genetlink-legacy.yaml
SPEC=${MPCONV_SPEC:-$MPC_ROOT/Documentation/netlink/specs/mpconv.yaml}
UAPI=${MPCONV_UAPI:-$MPC_ROOT/uapi/linux/mpconv.h}
T=$mpc_tmp

if [ ! -x "$CLIENT" ] || [ ! -f "$MPCONV_KO" ] || [ ! -x "$MPCONV" ]; then
	mpc_fail "module and tools are built" "missing $CLIENT, $MPCONV_KO or $MPCONV (run make)"
	mpc_exit
fi
if [ ! -f "$YNL_CLI" ] || [ ! -f "$YNL_SCHEMA" ]; then
	mpc_skip "ynl is available" "no ynl in $YNL_DIR (run scripts/deps.sh)"
	mpc_exit
fi
if ! "$YNL_PYTHON" -c 'import yaml, jsonschema' 2>/dev/null; then
	mpc_skip "ynl is available" "$YNL_PYTHON lacks yaml or jsonschema (run scripts/deps.sh)"
	mpc_exit
fi

# ynl ARGS...: the kernel's ynl CLI with our spec, JSON output, schema checked
ynl() {
	"$YNL_PYTHON" "$YNL_CLI" --schema "$YNL_SCHEMA" --spec "$SPEC" --output-json "$@"
}
# ynl_in NS ARGS...: the same in a namespace
ynl_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$YNL_PYTHON" "$YNL_CLI" --schema "$YNL_SCHEMA" --spec "$SPEC" \
		--output-json "$@"
}

# --- the spec ------------------------------------------------------------------
validate_spec() {
	"$YNL_PYTHON" - "$YNL_DIR/tools/net/ynl" "$SPEC" "$YNL_SCHEMA" <<-'EOF'
	import sys

	sys.path.insert(0, sys.argv[1])
	from lib import SpecFamily

	# validates against the schema (jsonschema) and resolves every reference
	fam = SpecFamily(sys.argv[2], sys.argv[3])
	print(f'{fam.name}: {len(fam.msgs)} messages, {len(fam.attr_sets)} attribute sets')
	EOF
}
mpc_check "the spec validates against the genetlink-legacy schema" validate_spec

# Every enumerator of the uapi header has the same value in the spec, and
# the spec names nothing the header lacks (MPCONV_CMD_UNSPEC aside: specs
# start their operations at 1 without naming 0).
spec_matches_uapi() {
	"$YNL_PYTHON" - "$YNL_DIR/tools/net/ynl" "$SPEC" "$YNL_SCHEMA" "$UAPI" <<-'EOF'
	import re
	import sys

	sys.path.insert(0, sys.argv[1])
	from lib import SpecFamily

	fam = SpecFamily(sys.argv[2], sys.argv[3])

	def c_name(prefix, name):
	    return (prefix + name).upper().replace('-', '_')

	spec = {}
	ops = fam.yaml['operations']
	for name, op in fam.msgs.items():
	    spec[c_name(ops['name-prefix'], name)] = op.value
	for name, e in fam.consts.items():
	    for ename, entry in e.entries.items():
	        spec[c_name(e.yaml['name-prefix'], ename)] = entry.user_value()
	for name, s in fam.attr_sets.items():
	    if s.subset_of:
	        continue
	    for aname, attr in s.attrs.items():
	        spec[c_name(s.yaml['name-prefix'], aname)] = attr.value

	uapi = {}
	text = open(sys.argv[4]).read()
	for body in re.findall(r'^enum \w+ \{(.*?)^\};', text, re.S | re.M):
	    val = -1
	    for m in re.finditer(r'^\s*(\w+)\s*(?:=\s*([^,]+))?,', body, re.M):
	        val = eval(m.group(2)) if m.group(2) else val + 1
	        if not m.group(1).startswith('__'):
	            uapi[m.group(1)] = val
	uapi.pop('MPCONV_CMD_UNSPEC')

	bad = 0
	for n in sorted(set(uapi) | set(spec)):
	    if uapi.get(n) != spec.get(n):
	        print(f'{n}: uapi {uapi.get(n)}, spec {spec.get(n)}')
	        bad += 1
	print(f'{len(uapi)} uapi values, {len(spec)} spec values, {bad} differ')
	sys.exit(1 if bad or len(uapi) < 150 else 0)
	EOF
}
mpc_check "the spec numbers commands, attributes and enums as the uapi header" \
	spec_matches_uapi

# --- status ------------------------------------------------------------------
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"
modver=$(cat /sys/module/mpconv/version 2>/dev/null)

list_msgs() {
	local out
	out=$(ynl --list-msgs) || return 1
	echo "$out"
	[ "$(wc -l <<<"$out")" -eq 19 ] && grep -q '^config-ntf ' <<<"$out" &&
	grep -q '^uplink-ntf ' <<<"$out"
}
mpc_check "ynl finds the family in the kernel, lists its 19 messages" list_msgs

mpc_ns_new ns_a ynl
status_fields() {
	local j cookie
	j=$(ynl_in "$ns_a" --do status-get) || return 1
	echo "$j"
	cookie=$("$MPCONV" -n "$ns_a" -j status | jq .netns_cookie) || return 1
	jq -e --arg v "$modver" --argjson c "$cookie" \
		'.version == $v and .["netns-cookie"] == $c and
		 (.["ns-age-ms"] | type) == "number" and .roles == [] and
		 .sessions == 0 and .bindings == 0' <<<"$j" >/dev/null
}
mpc_check "status-get: version, the namespace's cookie, age, no roles, empty tables" \
	status_fields

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }
# mc ARGS...: the explicit RFC 8803 client in the cpe namespace
mc() { ip netns exec "$ns_cpe" timeout -k 5 60 "$CLIENT" "$@"; }

mpc_check "enable the converter (mpconv CLI)" \
	conv converter enable allow 198.51.100.0/24 binding-lifetime 1s

status_roles() {
	local j
	j=$(ynl_in "$ns_conc" --do status-get) || return 1
	echo "$j"
	jq -e '.roles == ["converter"]' <<<"$j" >/dev/null
}
mpc_check "status-get: the converter role shows as a flag" status_roles

converter_get() {
	local j
	j=$(ynl_in "$ns_conc" --do converter-get) || return 1
	echo "$j"
	jq -e '.["conv-enabled"] == 1 and .["conv-listen"].port == 5124 and
	       .["conv-allow"].prefix == [{"family": 2, "addr4": "198.51.100.0", "prefixlen": 24}] and
	       .["conv-binding-lifetime-ms"] == 1000 and .["conv-max-sessions"] == 4096 and
	       .["conv-server-mptcp"] == 0' \
		<<<"$j" >/dev/null
}
mpc_check "converter-get: the configuration the CLI set, lists decoded" converter_get

converter_set() {
	local j
	j=$(ynl_in "$ns_conc" --do converter-set --json '{"conv-max-per-client": 100}') || return 1
	echo "$j"
	jq -e '.["conv-max-per-client"] == 100 and .["conv-enabled"] == 1' <<<"$j" >/dev/null &&
		[ "$(conv -j converter show | jq '.max_per_client')" = 100 ]
}
mpc_check "converter-set through ynl: the reply and the CLI see the change" converter_set

cpe_set() {
	local j
	j=$(ynl_in "$ns_cpe" --do cpe-set --json '{"cpe-max-per-host": 7}') || return 1
	echo "$j"
	jq -e '.["cpe-max-per-host"] == 7 and .["cpe-enabled"] == 0' <<<"$j" >/dev/null &&
		[ "$("$MPCONV" -n "$ns_cpe" -j cpe show | jq '.max_per_host')" = 7 ]
}
mpc_check "cpe-set through ynl (the role off): the reply and the CLI see the change" cpe_set

mpc_check_fail "converter-set out of range (max-sessions 0) is refused" 1 "Numerical result out of range|out of range|Invalid argument" \
	ynl_in "$ns_conc" --do converter-set --json '{"conv-max-sessions": 0}'

# --- a live session, dumped ------------------------------------------------------
ip netns exec "$ns_server" socat TCP-LISTEN:8080,reuseaddr,fork EXEC:cat >/dev/null 2>&1 &
mpc_on_exit "kill $!"
sleep 1

dump_session() {
	local pid j id rc=1
	# The client stays until the dumps are done, however long ynl takes
	# under emulation (on arm64 a fixed 20 s, then the client's own 30 s
	# of silence, ran out before the binding dump): -w 0, no silence limit.
	rm -f "$T/ynl-stop"
	(echo hello; for _ in $(seq 1200); do [ -e "$T/ynl-stop" ] && break; sleep 0.2; done) |
		ip netns exec "$ns_cpe" timeout -k 5 300 "$CLIENT" -w 0 198.51.100.2 192.0.2.130 8080 \
		>"$T/held" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		j=$(ynl_in "$ns_conc" --dump session-get) || break
		jq -e 'length == 1 and .[0]["sess-state"] == "relay" and
		       .[0]["sess-bytes-down"] == 6' <<<"$j" >/dev/null && break
		sleep 0.2
	done
	echo "$j"
	id=$(conv -j session show | jq '.[0].id')
	echo "CLI: session $id"
	jq -e --argjson id "$id" \
		'length == 1 and .[0] as $s |
		 $s["sess-id"] == $id and $s["sess-role"] == ["converter"] and
		 $s["sess-state"] == "relay" and
		 $s["sess-client"].family == 2 and $s["sess-client"].addr4 == "198.51.100.1" and
		 ($s["sess-client"].port | type) == "number" and
		 $s["sess-dest"].addr4 == "192.0.2.130" and $s["sess-dest"].port == 8080 and
		 $s["sess-bytes-up"] == 6 and $s["sess-bytes-down"] == 6 and
		 ($s["sess-age-ms"] | type) == "number" and $s["sess-server-mptcp"] == 0' \
		<<<"$j" >/dev/null && rc=0
	j=$(ynl_in "$ns_conc" --dump binding-get)
	echo "$j"
	jq -e '.[0]["bind-addr"].addr4 == "198.51.100.1" and .[0]["bind-sessions"] == 1 and
	       .[0]["bind-mode"] == "convert"' <<<"$j" >/dev/null ||
		{ rc=1; conv binding show; conv -j status; }
	touch "$T/ynl-stop"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return "$rc"
}
mpc_check "session-get dump: the live session, as the CLI numbers it; binding-get too" \
	dump_session

tables_empty() {
	local _
	for _ in $(seq 50); do
		[ "$(conv -j status | jq '.sessions + .bindings')" = 0 ] && return 0
		sleep 0.2
	done
	conv -j status
	return 1
}
mpc_check "tables empty again" tables_empty

# --- events ----------------------------------------------------------------------
# ynl subscribes, sleeps, then prints every notification it got meanwhile.
# listening PID: ynl has subscribed and is in its sleep
# clock_nanosleep and nanosleep (and arm's clock_nanosleep_time64), by
# machine: the syscall /proc/PID/syscall shows while ynl sleeps
case $(uname -m) in
aarch64) sleep_nrs=" 115 101 " ;;
arm*) sleep_nrs=" 265 162 407 " ;;
*) sleep_nrs=" 230 35 " ;;
esac
listening() {
	local _ nr
	for _ in $(seq 150); do
		kill -0 "$1" 2>/dev/null || return 1
		nr=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)
		[ -z "$nr" ] || [[ $sleep_nrs != *" $nr "* ]] || return 0
		sleep 0.2
	done
	return 1
}

events() {
	local pid
	ip netns exec "$ns_conc" "$YNL_PYTHON" "$YNL_CLI" --schema "$YNL_SCHEMA" \
		--spec "$SPEC" --output-json --subscribe events --sleep 12 >"$T/ntf" 2>&1 &
	pid=$!
	listening "$pid" || { echo "ynl never got to listen"; cat "$T/ntf"; return 1; }
	conv converter set max-sessions 1000 >/dev/null || return 1
	echo hello | mc 198.51.100.2 192.0.2.130 8080 >"$T/got" || return 1
	[ "$(cat "$T/got")" = hello ] || return 1
	wait "$pid" || { cat "$T/ntf"; return 1; }
	jq . "$T/ntf"
	jq -e '[.[] | select(.name == "config-ntf") | .msg |
		select(.["config-role"] == ["converter"] and .["conv-max-sessions"] == 1000 and
		       .["conv-enabled"] == 1 and .["conv-listen"].port == 5124)] | length == 1' \
		"$T/ntf" >/dev/null || { echo "no config-ntf"; return 1; }
	jq -e '[.[] | select(.name == "session-new-ntf") | .msg |
		select(.["sess-role"] == ["converter"] and
		       .["sess-client"].addr4 == "198.51.100.1")] | length == 1' \
		"$T/ntf" >/dev/null || { echo "no session-new-ntf"; return 1; }
	jq -e '([.[] | select(.name == "session-new-ntf")][0].msg["sess-id"]) as $id |
		[.[] | select(.name == "session-del-ntf") | .msg |
		 select(.["sess-id"] == $id and .["sess-reason"] == "closed" and
			.["sess-dest"].addr4 == "192.0.2.130" and .["sess-dest"].port == 8080 and
			.["sess-bytes-up"] == 6 and .["sess-bytes-down"] == 6)] | length == 1' \
		"$T/ntf" >/dev/null || { echo "no matching session-del-ntf"; return 1; }
	jq -e '[.[] | select(.name == "binding-new-ntf") | .msg |
		select(.["bind-addr"].addr4 == "198.51.100.1")] | length == 1' \
		"$T/ntf" >/dev/null || { echo "no binding-new-ntf"; return 1; }
	# session-new, session-del and config-ntf arrive in the order they happened
	jq -e '[.[] | .name | select(. != "binding-new-ntf" and . != "binding-del-ntf")] ==
	       ["config-ntf", "session-new-ntf", "session-del-ntf"]' "$T/ntf" >/dev/null
}
mpc_check "events: config-ntf, session-new-ntf, session-del-ntf, binding-new-ntf decoded" events

stats() {
	local j n
	# every counter of the uapi header's enum mpconv_stat but UNSPEC
	n=$(grep -cE '^[[:space:]]MPCONV_STAT_[A-Z0-9_]+,' "$UAPI")
	n=$((n - 1))
	j=$(ynl_in "$ns_conc" --do stats-get) || return 1
	echo "$j"
	echo "$n counters in the uapi header"
	jq -e --argjson n "$n" '.stats["conv-converted"] == 2 and .stats["sess-closed"] >= 1 and
	       .stats["bytes-up"] == 12 and (.stats | length) == $n' <<<"$j" >/dev/null
}
mpc_check "stats-get: every counter by name, the two conversions counted" stats

mpc_check "rmmod" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
