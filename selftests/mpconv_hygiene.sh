#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
# shellcheck disable=SC2317 # the check functions run through mpc_check
#
# Holes of the security review (issue 17), each with checks that fail
# without its fix: what an allow or deny prefix covers, the built-in deny
# list, Convert TLVs the converter does not understand, the namespace's
# Fast Open sysctl, and subflows toward a client's ADD_ADDR (a setting: the
# check shows the hole with the old recommendation and none with the new).
# Netlink permissions are checked in mpconv_netlink.sh.
#
#                                 wan1 198.51.100.0/24
#   (client)        explicit ---- cpe ==================== conc ---- srv ---- server
#   192.0.2.2       client        198.51.100.1 \ wan2     / 198.51.100.2     192.0.2.130
#                   (mpconv_      203.0.113.1   ==========  203.0.113.2      socat echo
#                    client)                  203.0.113.0/24  mpconv         on 8080
#                                                             converter
#
# The "cpe" namespace plays an RFC 8803 client (selftests/mpconv_client);
# "conc" runs the converter role.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat ss
CLIENT=$(dirname "$(readlink -f "$0")")/mpconv_client
T=$mpc_tmp

if [ ! -x "$CLIENT" ] || [ ! -f "$MPCONV_KO" ]; then
	mpc_fail "module and tools are built" "missing $CLIENT or $MPCONV_KO (run make)"
	mpc_exit
fi

conv() { "$MPCONV" -n "$ns_conc" "$@"; }
cstat() { conv -j stats | jq -r ".$1"; }
# mc ARGS...: the explicit client in the cpe namespace
mc() { ip netns exec "$ns_cpe" timeout -k 5 60 "$CLIENT" "$@"; }

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS
wait_for() {
	local t=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		sleep 0.1
	done
}

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

ALLOW=198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,2001:db8:12::/64
# The converter is enabled from a memory cgroup of its own, as a container
# would: what the namespace's sessions cost is charged there (checked below).
MEMCG=/sys/fs/cgroup/mpc-hygiene-$$
memcg_up() {
	grep -qw memory /sys/fs/cgroup/cgroup.controllers &&
		{ grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		  echo +memory >/sys/fs/cgroup/cgroup.subtree_control; } &&
		mkdir -p "$MEMCG" && [ -f "$MEMCG/memory.stat" ]
}
if memcg_up; then
	mpc_on_exit "rmdir $MEMCG"
	mpc_check "enable the converter (from a memory cgroup)" \
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$MEMCG" \
		"$MPCONV" -n "$ns_conc" converter enable allow "$ALLOW" read-timeout 2s \
		connect-timeout 3s
else
	MEMCG=
	mpc_check "enable the converter" \
		conv converter enable allow "$ALLOW" read-timeout 2s connect-timeout 3s
fi

ip netns exec "$ns_server" socat -t 10 TCP-LISTEN:8080,reuseaddr,fork EXEC:cat \
	>/dev/null 2>&1 &
ip netns exec "$ns_server" socat -t 10 TCP6-LISTEN:8080,bind=[2001:db8:2::2],reuseaddr,fork \
	EXEC:cat >/dev/null 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"
server_up() {
	ip netns exec "$ns_server" ss -ltnH 'sport = :8080' | grep -q 2001:db8:2::2 &&
	ip netns exec "$ns_server" ss -ltnH 'sport = :8080' | grep -q '0.0.0.0'
}
mpc_check "echo servers listen" wait_for 10 server_up

# echo_ok CONVERTER DEST: a line goes through the converter and comes back
echo_ok() {
	local out
	out=$(echo hygiene | mc -J "$T/j" "$1" "$2" 8080) || { cat "$T/j"; return 1; }
	[ "$out" = hygiene ]
}

# expect_error NAME CODE CLIENT_ARGS...: the client gets an Error TLV CODE
expect_error() {
	local name=$1 code=$2
	shift 2
	_expect_error() {
		mc -J "$T/j" "$@" </dev/null >/dev/null
		local rc=$?
		cat "$T/j"
		[ "$rc" -eq 3 ] && jq -e ".type == \"error\" and .error == $code" "$T/j" >/dev/null
	}
	mpc_check "$name: Error $code" _expect_error "$@"
}

mpc_check "baseline: IPv4 client, IPv4 server" echo_ok 198.51.100.2 192.0.2.130
mpc_check "baseline: IPv6 client, IPv6 server" echo_ok 2001:db8:11::2 2001:db8:2::2

# --- memory is charged to the cgroup that enabled the role ------------------------
# No process of that cgroup runs any more: what its slab gains while the
# converter holds 20 sessions is theirs (before, the kworkers charged no
# cgroup and it gained nothing), and most of it comes back when they end.
memcg_slab() { awk '$1 == "slab" { print $2 }' "$MEMCG/memory.stat"; }
conv_sessions() { conv -j status | jq .sessions; }
memcg_charged() {
	local base held i pids=() rc=0
	wait_for 30 eval '[ "$(conv_sessions)" = 0 ]' || return 1
	base=$(memcg_slab)
	for i in $(seq 20); do
		(echo hygiene; sleep 61.5) | mc 198.51.100.2 192.0.2.130 8080 >/dev/null 2>&1 &
		pids+=($!)
	done
	wait_for 60 eval '[ "$(conv_sessions)" = 20 ]' || rc=1
	held=$(memcg_slab)
	conv session flush >/dev/null
	pkill -x -f "sleep 61.5"
	wait "${pids[@]}" 2>/dev/null
	echo "slab of the cgroup: $base bytes, $held with $(conv_sessions) sessions" \
		"(at least $((20 * 512)) more wanted)"
	[ "$rc" = 0 ] && [ "$held" -ge $((base + 20 * 512)) ] || return 1
	wait_for 60 eval '[ "$(conv_sessions)" = 0 ]' || return 1
	# freed objects are uncharged at once; the client's binding (it lives
	# on for binding-lifetime) and per-CPU slab caches keep a little: at
	# least half of what the sessions took comes back
	wait_for 30 eval '[ "$(memcg_slab)" -le $((base + (held - base) / 2)) ]' ||
		{ echo "slab after the sessions ended: $(memcg_slab)"; return 1; }
}
if [ -n "$MEMCG" ]; then
	mpc_check "20 sessions are charged to the enabling memory cgroup, and given back" memcg_charged
else
	mpc_skip "20 sessions are charged to the enabling memory cgroup" "no cgroup2 memory controller"
fi

# === item 6: an IPv6 prefix covers no IPv4 address ===========================
# IPv4 is kept as ::ffff:a.b.c.d inside the module: ::/0 (or any IPv6 prefix
# of 80 bits or less that covers ::) used to cover all of IPv4 too.
conv converter set allow ::/0 >/dev/null
expect_error "allow ::/0 does not admit an IPv4 client" 32 198.51.100.2 192.0.2.130 8080
mpc_check "allow ::/0 admits an IPv6 client" echo_ok 2001:db8:11::2 2001:db8:2::2
conv converter set allow ::/80,0.0.0.0/0 >/dev/null
mpc_check "allow ::/80,0.0.0.0/0 admits an IPv4 client" echo_ok 198.51.100.2 192.0.2.130
conv converter set allow "$ALLOW" deny ::/0 >/dev/null
mpc_check "deny ::/0 does not deny an IPv4 destination" echo_ok 198.51.100.2 192.0.2.130
expect_error "deny ::/0 denies an IPv6 destination" 32 2001:db8:11::2 2001:db8:2::2 8080
conv converter set deny 0.0.0.0/0 >/dev/null
mpc_check "deny 0.0.0.0/0 does not deny an IPv6 destination" echo_ok 2001:db8:11::2 2001:db8:2::2
expect_error "deny 0.0.0.0/0 denies an IPv4 destination" 32 198.51.100.2 192.0.2.130 8080
check_prefix_families() {
	local j
	j=$(conv -j converter show) && echo "$j" &&
	jq -e '.deny == ["0.0.0.0/0"]' <<<"$j" >/dev/null &&
	conv converter set deny ::/0 >/dev/null && j=$(conv -j converter show) && echo "$j" &&
	jq -e '.deny == ["::/0"]' <<<"$j" >/dev/null
}
mpc_check "converter show keeps each prefix's family" check_prefix_families
conv converter set deny none >/dev/null

# === item 7: the built-in deny list follows local routes =====================
# "Any-IP" local routes deliver whole prefixes to the converter's own host
# without an address on an interface.
ip -n "$ns_conc" -6 route add local 2001:db8:99::/64 dev lo
expect_error "IPv6 any-IP local route (local 2001:db8:99::/64 dev lo) is denied" 32 \
	2001:db8:11::2 2001:db8:99::5 8080
# An IPv4 local route in a table that only policy routing reaches.
ip -n "$ns_conc" route add local 192.0.2.96/28 dev lo table 100
ip -n "$ns_conc" rule add to 192.0.2.96/28 table 100 pref 100
expect_error "IPv4 local route in a policy-routing table is denied" 32 \
	198.51.100.2 192.0.2.100 8080
# An address of the converter's host in a VRF: its local route is in the
# VRF's table, not in the one inet_addr_type() reads.
if ip -n "$ns_conc" link add hyg-vrf type vrf table 10 2>/dev/null &&
   ip -n "$ns_conc" link add hyg-d0 type dummy 2>/dev/null; then
	ip -n "$ns_conc" link set hyg-d0 master hyg-vrf
	ip -n "$ns_conc" link set hyg-vrf up
	ip -n "$ns_conc" link set hyg-d0 up
	ip -n "$ns_conc" addr add 192.0.2.77/32 dev hyg-d0
	ip -n "$ns_conc" addr add 2001:db8:98::1/128 dev hyg-d0 nodad
	expect_error "IPv4 address in a VRF is denied" 32 198.51.100.2 192.0.2.77 8080
	expect_error "IPv6 address in a VRF is denied" 32 2001:db8:11::2 2001:db8:98::1 8080
else
	mpc_skip "addresses in a VRF are denied" "no vrf or dummy link type in this kernel"
fi
mpc_check "a routed IPv6 destination still works" echo_ok 2001:db8:11::2 2001:db8:2::2

# === item 9: private-use TLVs the converter does not understand =============
# Connect to 192.0.2.130:8080 (the same as the CLI would send), raw
CONNECT=0a051f9000000000000000000000ffffc0000282
mpc_check "raw Connect alone is served" \
	sh -c "echo raw | ip netns exec $ns_cpe timeout -k 5 60 $CLIENT -R 01062263$CONNECT 198.51.100.2 | grep -qx raw"
before=$(cstat err_unsupported)
expect_error "Connect + private-use TLV 192: Unsupported Message" 2 \
	-R "01072263${CONNECT}c0010000" 198.51.100.2
expect_error "Connect + private-use TLV 255 first: Unsupported Message" 2 \
	-R "01082263ff02000000000000$CONNECT" 198.51.100.2
check_echoed() {
	jq -e '.value | ascii_downcase | test("01072263'"$CONNECT"'c0010000")' "$T/j"
}
mc -J "$T/j" -R "01072263${CONNECT}c0010000" 198.51.100.2 </dev/null >/dev/null 2>&1
mpc_check "the Error value echoes the message" check_echoed
mpc_check "Unsupported Message counted" test "$(cstat err_unsupported)" -ge $((before + 3))

# === item 3: Fast Open stays the converter's own ============================
sysctl_tfo() { ip netns exec "$ns_conc" sysctl -n net.ipv4.tcp_fastopen; }
set_tfo() { ip netns exec "$ns_conc" sysctl -qw net.ipv4.tcp_fastopen="$1"; }
# tfo_cycle BEFORE AFTER_ENABLE [ADMIN_WRITE] AFTER_DISABLE
tfo_cycle() {
	conv converter disable >/dev/null && set_tfo "$1" &&
	conv converter enable >/dev/null || return 1
	echo "before $1, enabled: $(sysctl_tfo)"
	[ "$(sysctl_tfo)" = "$2" ] || return 1
	if [ $# -eq 4 ]; then
		set_tfo "$3" || return 1
		shift
	fi
	conv converter disable >/dev/null || return 1
	echo "disabled: $(sysctl_tfo)"
	[ "$(sysctl_tfo)" = "$3" ]
}
if [ "$(conv -j converter show | jq .fastopen)" = true ]; then
	mpc_check "tcp_fastopen 1: the converter adds the server bit alone (3), removes it (1)" \
		tfo_cycle 1 3 1
	mpc_check "tcp_fastopen 3 (the administrator's): left as it is" tfo_cycle 3 3 3
	# 515 = 0x203: server bit and no cookies, written while the converter ran
	mpc_check "tcp_fastopen written meanwhile (515): not undone at disable" \
		tfo_cycle 1 3 515 515
else
	mpc_check "no Fast Open listener on $(uname -r): tcp_fastopen untouched" tfo_cycle 1 1 1
fi
set_tfo 1
conv converter enable >/dev/null

# An unrelated listener that asked for Fast Open (TCP_FASTOPEN) but not for
# cookie-less SYNs takes no data from a SYN without a cookie.
ip netns exec "$ns_conc" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
s.bind(("198.51.100.2", 9000)); s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept(); c.recv(64); c.close()
' >"$T/tfo-listener" 2>&1 &
mpc_on_exit "kill $!"
mpc_check "the unrelated Fast Open listener is up" wait_for 10 grep -q listening "$T/tfo-listener"
passive() { ip netns exec "$ns_conc" nstat -az TcpExtTCPFastOpenPassive | awk '$1 == "TcpExtTCPFastOpenPassive" { print $2 }'; }
nocookie_syn() {
	ip netns exec "$ns_cpe" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, 34, 1)  # TCP_FASTOPEN_NO_COOKIE
s.sendto(b"data in the SYN", socket.MSG_FASTOPEN, ("198.51.100.2", 9000))
s.close()
'
}
before=$(passive)
mpc_check "a cookie-less SYN with data to the unrelated listener" nocookie_syn
mpc_check "... its data was not taken from the SYN (TCPFastOpenPassive unchanged)" \
	test "$(passive)" = "$before"

# === item 8: a client's ADD_ADDR and the converter's path manager =========
# The client (cpe) announces 192.0.2.1, its LAN address, which the deny list
# forbids. With add_addr_accepted 2 the converter's path manager tries a
# subflow toward it (it does not ask mpconv): mpconv drops the join SYN
# before any other hook sees it, and counts it; with 0 (the README's
# setting) the path manager does not even try.
if command -v nft >/dev/null &&
   ip netns exec "$ns_conc" nft add table inet hyg 2>/dev/null; then
	ip netns exec "$ns_conc" nft add chain inet hyg out '{ type filter hook output priority 0; }'
	ip netns exec "$ns_conc" nft add rule inet hyg out ip daddr 192.0.2.1 \
		tcp flags '&' '(syn|ack)' == syn counter
	syns_to_lan() {
		ip netns exec "$ns_conc" nft list chain inet hyg out |
			sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
	}
	addaddr_rx() {
		ip netns exec "$ns_conc" nstat -az MPTcpExtAddAddr |
			awk '$1 == "MPTcpExtAddAddr" { print $2 }'
	}
	ip -n "$ns_cpe" mptcp endpoint add 192.0.2.1 dev lan signal
	conv converter set deny 192.0.2.0/25 >/dev/null
	# a connection that lasts while its ADD_ADDR goes over
	long_conn() {
		(echo hygiene; sleep 3) | mc 198.51.100.2 192.0.2.130 8080 >/dev/null 2>&1 &
	}
	gt() { [ "$("$1")" -gt "$2" ]; }

	join_denied() { conv -j stats | jq .conv_join_denied; }
	ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 2
	before=$(syns_to_lan)
	denied0=$(join_denied)
	long_conn
	pid=$!
	mpc_check "add_addr_accepted 2: the path manager's join SYN toward the announced, denied address is dropped (conv_join_denied)" \
		wait_for 15 gt join_denied "$denied0"
	wait "$pid"
	mpc_check "add_addr_accepted 2: no SYN left toward it" test "$(syns_to_lan)" = "$before"

	ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0
	before=$(syns_to_lan)
	adds=$(addaddr_rx)
	long_conn
	pid=$!
	mpc_check "add_addr_accepted 0: the ADD_ADDR arrives" wait_for 15 gt addaddr_rx "$adds"
	wait "$pid"
	mpc_check "add_addr_accepted 0: no SYN toward it" test "$(syns_to_lan)" = "$before"
	ip -n "$ns_cpe" mptcp endpoint flush
	conv converter set deny none >/dev/null
else
	mpc_skip "ADD_ADDR toward a denied address" "no nft (nf_tables) here"
fi

mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
