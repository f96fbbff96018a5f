#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The converter role: an RFC 8803 Transport Converter in the kernel.
#
#                                 wan1 198.51.100.0/24
#   (client)        explicit ---- cpe ==================== conc ---- srv ---- server
#   192.0.2.2       client        198.51.100.1 \ wan2     / 198.51.100.2     192.0.2.130
#   not allowed     (mpconv_      203.0.113.1   ==========  203.0.113.2      socat echo,
#                    client)                  203.0.113.0/24  mpconv          MPTCP echo,
#                                                             converter       peer.py
#
# The "cpe" namespace plays an RFC 8803 client (selftests/mpconv_client,
# explicit mode: the Convert message rides in the SYN where the kernel can)
# with two paths to the converter, configured as MPTCP subflow endpoints.
# "conc" runs mpconv's converter role; "server" runs plain TCP and MPTCP
# servers. The "client" namespace sits outside the converter's allow list.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat python3 nstat tcpdump sha256sum nft
CLIENT=$(dirname "$(readlink -f "$0")")/mpconv_client
PEER=$(dirname "$(readlink -f "$0")")/peer.py
T=$mpc_tmp

if [ ! -x "$CLIENT" ] || [ ! -f "$MPCONV_KO" ]; then
	mpc_fail "module and tools are built" "missing $CLIENT or $MPCONV_KO (run make)"
	mpc_exit
fi

conv() { "$MPCONV" -n "$ns_conc" "$@"; }
cstat() { conv -j stats | jq -r ".$1"; }
# mc ARGS...: the explicit client in the cpe namespace
mc() { ip netns exec "$ns_cpe" timeout -k 5 120 "$CLIENT" "$@"; }
srv() { ip netns exec "$ns_server" "$@"; }
kernel_ge() { # MAJOR MINOR
	local v
	v=$(uname -r | cut -d- -f1)
	[ "${v%%.*}" -gt "$1" ] || { [ "${v%%.*}" -eq "$1" ] && [ "$(echo "$v" | cut -d. -f2)" -ge "$2" ]; }
}

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

# Two paths: the explicit client opens a second subflow over wan2.
ip -n "$ns_cpe" mptcp limits set subflow 2 add_addr_accepted 2
ip -n "$ns_cpe" mptcp endpoint add 203.0.113.1 dev wan2 subflow
ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0

ALLOW=198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,2001:db8:12::/64
mpc_check "enable the converter" \
	conv converter enable allow "$ALLOW" read-timeout 2s connect-timeout 3s binding-lifetime 1s

check_listening() {
	local j
	j=$(conv -j converter show) || return 1
	echo "$j"
	jq -e '.enabled and .listen.port == 5124 and (.allow | length) == 4' <<<"$j" >/dev/null &&
	ip netns exec "$ns_conc" ss -Mltn | grep -q ':5124'
}
mpc_check "converter listens on 5124 with the allow list" check_listening

if kernel_ge 6 2; then tfo_expected=true; else tfo_expected=false; fi
mpc_check "fastopen on the listener is $tfo_expected on $(uname -r)" \
	test "$(conv -j converter show | jq .fastopen)" = "$tfo_expected"

# --- servers -----------------------------------------------------------------
head -c 4000000 /dev/urandom >"$T/up4m"
head -c 3000000 /dev/urandom >"$T/down3m"
# socat -t 60: after the client's half-close, keep sending for up to 60 s
# (the default 0.5 s would cut a slow echo short under TCG)
srv socat -t 60 TCP-LISTEN:8080,backlog=128,reuseaddr,fork EXEC:cat >/dev/null 2>&1 &
srv socat -t 60 TCP6-LISTEN:8080,bind=[2001:db8:2::2],backlog=128,reuseaddr,fork EXEC:cat >/dev/null 2>&1 &
srv socat -t 60 TCP-LISTEN:8081,backlog=128,reuseaddr,fork SYSTEM:"cat $T/down3m" >/dev/null 2>&1 &
srv socat -t 60 -u TCP-LISTEN:8082,reuseaddr OPEN:"$T/uploaded",creat,trunc >/dev/null 2>&1 &
srv "$CLIENT" -S -M -e 192.0.2.130 8083 >/dev/null 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"
sleep 1

# --- integrity ---------------------------------------------------------------
nstat_ns() { ip netns exec "$1" nstat -az "$2" | awk -v n="$2" '$1 == n { print $2 }'; }
nstat_conc() { nstat_ns "$ns_conc" "$1"; }

echo_4m() {
	mc -J "$T/j" 198.51.100.2 192.0.2.130 8080 <"$T/up4m" >"$T/got" || return 1
	cat "$T/j"
	cmp "$T/up4m" "$T/got" && jq -e '.type == "tcphdr" and .mptcp == "active"' "$T/j" >/dev/null
}
mpc_check "4 MB echoed intact through the converter (IPv4)" echo_4m

mpc_check "the explicit client's connection used a second subflow (MPJoinSynRx)" \
	test "$(nstat_conc MPTcpExtMPJoinSynRx)" -ge 1

download_halfclose() {
	# stdin is empty: the client half-closes at once, the server keeps sending
	mc 198.51.100.2 192.0.2.130 8081 </dev/null >"$T/got" || return 1
	cmp "$T/down3m" "$T/got"
}
mpc_check "half-close: 3 MB download after the client closed its side" download_halfclose

upload_only() {
	mc 198.51.100.2 192.0.2.130 8082 <"$T/up4m" >/dev/null || return 1
	sleep 0.5
	cmp "$T/up4m" "$T/uploaded"
}
mpc_check "4 MB upload arrives intact at the server" upload_only

echo_v6() {
	head -c 1000000 "$T/up4m" >"$T/up1m"
	mc 2001:db8:11::2 2001:db8:2::2 8080 <"$T/up1m" >"$T/got" && cmp "$T/up1m" "$T/got"
}
mpc_check "1 MB echoed intact (IPv6 converter, IPv6 server)" echo_v6

echo_tcp_client() {
	mc -T 198.51.100.2 192.0.2.130 8080 <"$T/up1m" >"$T/got" && cmp "$T/up1m" "$T/got"
}
mpc_check "a plain-TCP client (MPTCP fallback) is served too" echo_tcp_client

concurrent() {
	local i n=40 bad=0 rc pids=()
	head -c 200000 "$T/up4m" >"$T/up200k"
	for i in $(seq $n); do
		mc 198.51.100.2 192.0.2.130 8080 <"$T/up200k" >"$T/c$i" 2>"$T/e$i" &
		pids+=($!)
	done
	for i in $(seq $n); do
		wait "${pids[$((i - 1))]}"
		rc=$?
		if ! cmp -s "$T/up200k" "$T/c$i"; then
			bad=$((bad + 1))
			echo "#$i: client exit $rc, $(stat -c %s "$T/c$i") bytes: $(head -c 200 "$T/e$i")"
		fi
	done
	echo "$bad of $n transfers damaged or missing"
	[ "$bad" -eq 0 ]
}
mpc_check "40 concurrent connections, 200 kB each, all intact" concurrent

# --- the Convert message in the SYN ----------------------------------------
syn_capture() {
	local pid _
	ip netns exec "$ns_conc" timeout -k 5 30 tcpdump -i wan1 -n -c 1 -w "$T/syn.pcap" \
		'tcp dst port 5124' \
		>"$T/tcpdump.err" 2>&1 &
	pid=$!
	# tcpdump says so once it captures (seconds under emulation)
	for _ in $(seq 100); do
		grep -q 'listening on' "$T/tcpdump.err" && break
		sleep 0.2
	done
	mc -J "$T/j" 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null
	wait $pid
	cat "$T/j"
	# the SYN's payload: Version 1, Total Length 6 words, Magic 0x2263,
	# then a Connect TLV (type 10, 5 words)
	tcpdump -r "$T/syn.pcap" -x 2>/dev/null | tee "$T/syn.txt"
	# the SYN itself must have been captured, either way
	grep -q 'Flags \[S\]' "$T/syn.txt" || { cat "$T/tcpdump.err"; return 1; }
	if [ "$tfo_expected" = true ]; then
		tr -d ' \n\t' <"$T/syn.txt" | grep -q '010622630a05' &&
			jq -e '.syn_data' "$T/j" >/dev/null
	else
		! tr -d ' \n\t' <"$T/syn.txt" | grep -q '01062263' &&
			[ "$(nstat_conc TcpExtTCPFastOpenPassive)" -eq 0 ]
	fi
}
if [ "$tfo_expected" = true ]; then
	mpc_check "a capture shows the Convert message inside the SYN" syn_capture
else
	mpc_check "no Fast Open on this kernel: the Convert message is first data" syn_capture
fi

# --- an MPTCP server ---------------------------------------------------------
# to_mptcp_server FILE: converts "hello" to the MPTCP server; the session's
# JSON while it lives goes to FILE, the reply's TLVs to $T/j
to_mptcp_server() {
	local pid
	(sleep 2; echo hello) | mc -J "$T/j" 198.51.100.2 192.0.2.130 8083 >"$T/got" &
	pid=$!
	sleep 1
	conv -j session show | jq '[.[] | select(.dest.port == 8083)]' | tee "$1"
	wait $pid
	cat "$T/j"
	[ "$(cat "$T/got")" = hello ]
}

# By default the converter reaches servers over plain TCP, even one that
# speaks MPTCP: no MP_CAPABLE SYN reaches it and none is reported.
server_tcp() {
	local syn
	syn=$(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)
	conv -j converter show | jq -e '.server_mptcp == false' || return 1
	to_mptcp_server "$T/sess" || return 1
	echo "MPCapableSYNRX at the server: $syn -> $(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)"
	jq -e 'length == 1 and (.[0].server_mptcp | not)' "$T/sess" >/dev/null &&
		! jq -e '.kinds | index(30)' "$T/j" >/dev/null &&
		[ "$(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)" = "$syn" ]
}
mpc_check "server-mptcp off (default): plain TCP to an MPTCP server, nothing reported" server_tcp

server_mptcp() {
	local ok syn
	syn=$(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)
	conv converter set server-mptcp on >/dev/null &&
		conv -j converter show | jq -e '.server_mptcp == true' || return 1
	to_mptcp_server "$T/sess"
	ok=$?
	conv converter set server-mptcp off >/dev/null
	echo "MPTcpExtBlackhole $(nstat_conc MPTcpExtBlackhole)" \
		"MPCapableSYNTXDrop $(nstat_conc MPTcpExtMPCapableSYNTXDrop)" \
		"MPCapableSYNRX at the server: $syn -> $(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)"
	[ "$ok" = 0 ] && jq -e 'length == 1 and .[0].server_mptcp' "$T/sess" >/dev/null &&
		jq -e '.kinds | index(30)' "$T/j" >/dev/null &&
		[ "$(nstat_ns "$ns_server" MPTcpExtMPCapableSYNRX)" -gt "$syn" ]
}
mpc_check "server-mptcp on: MP_CAPABLE in the reply, session shows it" server_mptcp

# --- refusals and errors -----------------------------------------------------
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

# expect_error_value NAME CODE VALUE CLIENT_ARGS...: Error CODE, its value
# VALUE (hex, as the client prints it)
expect_error_value() {
	local name=$1 code=$2 value=$3
	shift 3
	_expect_error_value() {
		mc -J "$T/j" "$@" </dev/null >/dev/null
		local rc=$?
		cat "$T/j"
		[ "$rc" -eq 3 ] && jq -e --arg v "$value" \
			".type == \"error\" and .error == $code and .value == \$v" "$T/j" >/dev/null
	}
	mpc_check "$name: Error $code, value $value" _expect_error_value "$@"
}

# RFC 8803: the server's RST is Connection Reset (96); an ICMP destination
# unreachable is Destination Unreachable (97), its value the ICMP code
expect_error_value "destination port closed (the server's RST)" 96 00 \
	198.51.100.2 192.0.2.130 8099
srv timeout -k 5 60 nft -f - <<-EOF
	table inet mpc_reject {
		chain in {
			type filter hook input priority 0;
			tcp dport 8098 meta nfproto ipv4 reject with icmp type port-unreachable
			tcp dport 8098 meta nfproto ipv6 reject with icmpv6 type admin-prohibited
		}
	}
EOF
expect_error_value "ICMP port unreachable from the server" 97 03 198.51.100.2 192.0.2.130 8098
expect_error_value "ICMPv6 administratively prohibited from the server" 97 01 \
	2001:db8:11::2 2001:db8:2::2 8098
srv timeout -k 5 60 nft delete table inet mpc_reject
ip netns exec "$ns_conc" ip route add unreachable 192.0.2.200/32
expect_error_value "no route at the converter (unreachable route)" 97 01 \
	198.51.100.2 192.0.2.200 8080
ip netns exec "$ns_conc" ip route del unreachable 192.0.2.200/32

before=$(cstat conv_refused_client)
unauth() {
	ip netns exec "$ns_client" timeout -k 5 60 "$CLIENT" -J "$T/j" 198.51.100.2 192.0.2.130 8080 \
		</dev/null >/dev/null
	[ $? -eq 3 ] && jq -e '.error == 32' "$T/j" >/dev/null &&
		[ "$(cstat conv_refused_client)" -gt "$before" ]
}
mpc_check "a client outside the allow list: Error 32, counted" unauth

conv converter set deny 192.0.2.128/25 >/dev/null
before=$(cstat conv_refused_dest)
expect_error "deny-listed destination" 32 198.51.100.2 192.0.2.130 8080
mpc_check "refused destination counted" test "$(cstat conv_refused_dest)" -gt "$before"
conv converter set deny none >/dev/null
expect_error "the converter's own address (built-in deny)" 32 198.51.100.2 198.51.100.2 22
expect_error "a link-local destination (built-in deny)" 32 198.51.100.2 169.254.1.1 80
expect_error "a loopback destination" 1 198.51.100.2 127.0.0.1 80

# Raw messages, written byte by byte (hex).
CONNECT=0a051f900000000000000000ffffc0000282	# port 8080, ::ffff:192.0.2.130
expect_error "wrong magic (pre-RFC zero field)" 1 -R "01060000$CONNECT" 198.51.100.2
expect_error "Connect TLV shorter than 5 words" 1 -R "010522630a041f900000000000000000ffff" 198.51.100.2
expect_error "TLV running past Total Length (oversized)" 1 -R "010222630a051f90" 198.51.100.2
expect_error "wrong version" 0 -R "02062263$CONNECT" 198.51.100.2
expect_error "unknown TLV type" 2 -R "0102226305010000" 198.51.100.2
expect_error "unsupported TCP option in Connect" 33 -O 1b04abcd 198.51.100.2 192.0.2.130 8080

total_len_zero() {
	mc -J "$T/j" -R 01002263 198.51.100.2 </dev/null >/dev/null
	local rc=$?
	cat "$T/j"
	[ "$rc" -eq 4 ] || [ "$rc" -eq 6 ]
}
mpc_check "Total Length 0: the connection is reset, no reply" total_len_zero

info_request() {
	mc -J "$T/j" -I 198.51.100.2 </dev/null >/dev/null || return 1
	cat "$T/j"
	jq -e '.type == "supported" and .kinds == [3, 4, 8, 30]' "$T/j" >/dev/null
}
mpc_check "Info: Supported TCP Extensions reply" info_request

before=$(cstat conv_read_timeout)
silent_client() {
	local t0 t1 rc
	t0=$(date +%s)
	mc -J "$T/j" -n -w 15 198.51.100.2 </dev/null >/dev/null
	rc=$?
	t1=$(date +%s)
	cat "$T/j"
	echo "ended after $((t1 - t0)) s with exit $rc"
	{ [ "$rc" -eq 4 ] || [ "$rc" -eq 6 ]; } && [ $((t1 - t0)) -le 8 ] &&
		[ "$(cstat conv_read_timeout)" -gt "$before" ]
}
mpc_check "a client that sends nothing is cut off by the read timeout" silent_client

# --- resets both ways, idle timeout ------------------------------------------
# wait_listening FILE: until a peer.py server says it listens (up to 10 s)
wait_listening() {
	local i
	for i in $(seq 50); do
		grep -q '^listening' "$1" 2>/dev/null && return 0
		sleep 0.2
	done
}
server_reset() {
	local rc pid
	srv python3 "$PEER" rst-server 192.0.2.130 8090 >"$T/rst.out" 2>&1 &
	pid=$!
	wait_listening "$T/rst.out"
	(echo hello; sleep 5) | mc -J "$T/j" 198.51.100.2 192.0.2.130 8090 >/dev/null
	rc=$?
	wait $pid
	cat "$T/j"
	[ "$rc" -eq 4 ]
}
mpc_check "a server reset reaches the client as a reset" server_reset

client_abort() {
	local pid
	srv timeout -k 5 30 python3 "$PEER" watch-server 192.0.2.130 8091 >"$T/watch.out" 2>&1 &
	pid=$!
	wait_listening "$T/watch.out"
	ip netns exec "$ns_cpe" python3 "$PEER" abort-client 198.51.100.2 192.0.2.130 8091
	wait $pid
	cat "$T/watch.out"
	grep -q '^reset$' "$T/watch.out"
}
mpc_check "a client's abort (MPTCP fast close) reaches the server as a reset" client_abort

idle_timeout() {
	local before rc
	conv converter set idle-timeout 1s >/dev/null || return 1
	before=$(cstat sess_idle)
	sleep 6 | mc -J "$T/j" -w 20 198.51.100.2 192.0.2.130 8080 >/dev/null
	rc=$?
	conv converter set idle-timeout 10m >/dev/null
	cat "$T/j"
	[ "$rc" -eq 4 ] && [ "$(cstat sess_idle)" -gt "$before" ]
}
mpc_check "an idle session is reset both ways" idle_timeout

# --- limits and cookies ------------------------------------------------------
per_client_limit() {
	local rc pids=()
	conv converter set max-per-client 2 >/dev/null || return 1
	sleep 3 | mc 198.51.100.2 192.0.2.130 8080 >/dev/null &
	pids+=($!)
	sleep 3 | mc 198.51.100.2 192.0.2.130 8080 >/dev/null &
	pids+=($!)
	sleep 1
	mc -J "$T/j" 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null
	rc=$?
	wait "${pids[@]}"
	conv converter set max-per-client 256 >/dev/null
	cat "$T/j"
	[ "$rc" -eq 3 ] && jq -e '.error == 64' "$T/j" >/dev/null
}
mpc_check "max-per-client 2: the third connection gets Error 64" per_client_limit

cookies() {
	local cookie
	conv converter set cookie on >/dev/null || return 1
	mc -J "$T/j" 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null
	cat "$T/j"
	jq -e '.error == 3' "$T/j" >/dev/null || return 1
	# value: a zero byte, then the cookie
	cookie=$(jq -r .value "$T/j" | cut -c3-18)
	echo "cookie $cookie"
	echo hi | mc -C "$cookie" 198.51.100.2 192.0.2.130 8080 >"$T/got" || return 1
	[ "$(cat "$T/got")" = hi ] || return 1
	mc -J "$T/j" -C 0011223344556677 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null
	cat "$T/j"
	jq -e '.error == 32' "$T/j" >/dev/null
}
mpc_check "cookie required: Error 3 hands it out, it works, a wrong one is Error 32" cookies
conv converter set cookie off >/dev/null

# --- tables ------------------------------------------------------------------
tables_empty() {
	local i
	for i in $(seq 50); do
		[ "$(conv -j status | jq '.sessions + .bindings')" = 0 ] && return 0
		sleep 0.2
	done
	conv session show
	conv binding show
	return 1
}
mpc_check "session and binding tables empty once connections end" tables_empty

check_stats() {
	conv -j stats | tee "$T/stats"
	jq -e '.conv_converted >= 40 and .bytes_up >= 4000000 and .bytes_down >= 4000000 and
	       .err_unreachable >= 3 and .err_conn_reset >= 1 and .err_not_authorized >= 1 and
	       .err_malformed >= 1' \
		"$T/stats" >/dev/null
}
mpc_check "counters moved (converted, bytes, errors)" check_stats

# --- teardown with live connections ------------------------------------------
rmmod_live() {
	local i rc=0 pids=() t0
	for i in 1 2 3; do
		sleep 20 | mc -w 20 198.51.100.2 192.0.2.130 8080 >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep 1
	[ "$(conv -j status | jq .sessions)" = 3 ] || { echo "not 3 sessions"; rc=1; }
	t0=$(date +%s)
	rmmod mpconv || return 1
	echo "rmmod took $(($(date +%s) - t0)) s"
	# the clients see their connections reset, not a hang
	for i in "${pids[@]}"; do
		wait "$i"
		[ $? -eq 4 ] || { echo "a client did not see a reset"; rc=1; }
	done
	return $rc
}
mpc_check "rmmod with 3 live sessions" rmmod_live

netns_del_live() {
	local i pids=() bad=0
	insmod "$MPCONV_KO" || return 1
	if ! conv converter enable allow "$ALLOW" >/dev/null; then
		ip netns exec "$ns_conc" ss -tanM
		return 1
	fi
	for i in 1 2 3; do
		sleep 20 | mc -w 15 198.51.100.2 192.0.2.130 8080 >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep 1
	[ "$(conv -j status | jq .sessions)" = 3 ] || return 1
	mpc_ns_del "$ns_conc" || return 1
	# mpconv notices nobody can reach the namespace, closes its sockets
	# there (the clients see resets), and the namespace goes: its ends of
	# the veth pairs disappear from the neighbours.
	for i in "${pids[@]}"; do
		wait "$i"
		[ $? -eq 4 ] || bad=$((bad + 1))
	done
	echo "$bad clients did not see a reset"
	for i in $(seq 100); do
		ip -n "$ns_cpe" link show wan1 >/dev/null 2>&1 || break
		sleep 0.1
	done
	echo "namespace gone after about $((i / 10)) s"
	! ip -n "$ns_cpe" link show wan1 >/dev/null 2>&1 && [ "$bad" -eq 0 ]
}
mpc_check "delete the converter's namespace with 3 live sessions: it goes away" netns_del_live

mpc_check "rmmod after all that" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
