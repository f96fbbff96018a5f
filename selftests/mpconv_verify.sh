#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The converter charges nothing to a client before it is verified: a Fast
# Open child (accepted before its client's third ACK, so perhaps from a
# spoofed SYN) gets no binding and takes no max-sessions, per-client or
# pending slot until its handshake completes; nothing is sent to it, or
# relayed for it, before then, whatever the connect timeout; a client
# whose third ACK was lost is served all the same; a full binding table
# makes room by evicting the binding idle the longest; per-client limits
# count an IPv6 /64 or an IPv4 prefix (client-prefix6, client-prefix4) as
# one client.
# Same topology as mpconv_robust.sh; the spoofed SYNs come from the CPE's
# namespace, from sources the converter's allow list admits.
#
#   client ---- lan ---- cpe ===== wan1/wan2 ===== conc ---- srv ---- server
#   192.0.2.2           192.0.2.1                  198.51.100.2        192.0.2.130
#                       spoofed sources 2001:db8:f000::/114 (16,384 addresses)
#
# Environment: MPCONV_FLOOD_N: SYNs of the big flood (default 100,000).

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat python3 tcpdump nft
HERE=$(dirname "$(readlink -f "$0")")
CLIENT=$HERE/mpconv_client
FLOOD=$HERE/mpconv_flood
PEER=$HERE/peer.py
T=$mpc_tmp
FLOOD_N=${MPCONV_FLOOD_N:-100000}
SPOOF=2001:db8:f000::/114

for f in "$CLIENT" "$FLOOD" "$MPCONV_KO"; do
	if [ ! -e "$f" ]; then
		mpc_fail "module and tools are built" "missing $f (run make)"
		mpc_exit
	fi
done

conv() { "$MPCONV" -n "$ns_conc" "$@"; }
cstat() { conv -j stats | jq -r ".$1"; }
status() { conv -j status | jq -r ".$1"; }
srv() { ip netns exec "$ns_server" "$@"; }
# mc ARGS: the explicit RFC 8803 client in the cpe namespace
mc() { ip netns exec "$ns_cpe" timeout -k 5 60 "$CLIENT" "$@"; }

no_session() { [ "$(status sessions)" = 0 ]; }
# the addresses of the converter's bindings, sorted, one a line
# (a host's address, or a client prefix as ADDR/LEN)
bound() {
	conv -j binding show |
		jq -r '.[].address | if type == "object" then .address else . end' | sort
}

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

# A black hole: the converter's SYNs to it go unanswered (as a victim's would).
mpc_topo_blackhole || { mpc_fail "black hole"; mpc_exit; }
srv python3 "$PEER" echo-server 192.0.2.130 8080 >"$T/echo.out" 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"
wait_for 20 grep -q listening "$T/echo.out"

# The spoofed sources are allowed (the worst case) and silent: the
# converter's SYN+ACKs to them go out and vanish beyond the CPE.
ALLOW=198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,$SPOOF
ip -n "$ns_conc" -6 route add 2001:db8:f000::/36 via 2001:db8:11::1
ip -n "$ns_cpe" -6 route add blackhole 2001:db8:f000::/36
mpc_check "enable the converter" conv converter enable allow "$ALLOW"
FASTOPEN=$(conv -j converter show | jq -r .fastopen)
mpc_info "Fast Open on the listener: $FASTOPEN (no Fast Open: every child is verified when accepted)"

# Version 1, 6 words, magic; Connect TLV: port 9, ::ffff:192.0.2.131 (the
# black hole) or port 8080, ::ffff:192.0.2.130 (the echo server)
CONNECT_BH=01062263$(printf '0a05%04x00000000000000000000ffffc0000283' 9)
CONNECT_ECHO=01062263$(printf '0a05%04x00000000000000000000ffffc0000282' 8080)

# bindings_sample_start: the converter's binding count every 0.2 s into
# $T/bsamples; bindings_sample_stop: the largest in $MAX_BIND
bindings_sample_start() {
	: >"$T/bsamples"
	(
		while :; do
			status bindings >>"$T/bsamples"
			sleep 0.2
		done
	) &
	SAMPLER=$!
}
bindings_sample_stop() {
	kill "$SAMPLER"
	wait "$SAMPLER" 2>/dev/null
	MAX_BIND=$(awk 'm < $1 { m = $1 } END { print m + 0 }' "$T/bsamples")
}

# flood_verified: $FLOOD_N spoofed MPTCP Fast Open SYNs carrying a Convert
# message, from $SPOOF, at the converter; a real request 1 s in must be
# served, and the binding table must never hold anyone but the real client
# (bindings outlive their sessions by binding-lifetime, 10 min here: a
# binding made for a spoofed source would still be there at the end, and
# so is the real client's).
flood_verified() {
	local acc0 unv0 fpid rc t0 ms acc unv
	conv converter set binding-lifetime 600s >/dev/null || return 1
	acc0=$(cstat conv_accepted) unv0=$(cstat conv_unverified)
	bindings_sample_start
	ip netns exec "$ns_cpe" "$FLOOD" -n "$FLOOD_N" -m -f -x "$CONNECT_BH" \
		"$SPOOF" 2001:db8:11::2 5124 >"$T/flood.out" 2>&1 &
	fpid=$!
	sleep 1
	echo hello >"$T/hello"
	t0=$(date +%s%N)
	mc 198.51.100.2 192.0.2.130 8080 <"$T/hello" >"$T/got"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	wait $fpid || rc=1
	# every spoofed child is given up (guard: 0.75 s) or reset by the kernel
	wait_for 30 no_session
	bindings_sample_stop
	acc=$(($(cstat conv_accepted) - acc0)) unv=$(($(cstat conv_unverified) - unv0))
	bound >"$T/bound"
	conv converter set binding-lifetime 30s >/dev/null
	echo "flood: $(cat "$T/flood.out"); real request: exit $rc, $ms ms;" \
		"accepted $acc, abandoned unverified $unv; bindings at most $MAX_BIND;" \
		"bindings at the end: $(wc -l <"$T/bound"): $(head -5 "$T/bound" | tr '\n' ' ')"
	[ "$rc" = 0 ] && cmp -s "$T/hello" "$T/got" || return 1
	# only the real client was ever bound
	[ "$MAX_BIND" -le 1 ] && [ "$(cat "$T/bound")" = 198.51.100.1 ] || return 1
	# with Fast Open the flood's requests were accepted, and abandoned
	# unverified: otherwise this proved nothing
	[ "$FASTOPEN" != true ] || { [ "$acc" -gt 100 ] && [ "$unv" -gt 100 ]; }
}
mpc_check "$FLOOD_N spoofed Fast Open SYNs from $SPOOF: a real client served, only verified clients bound" \
	flood_verified

# guard_always: with a connect timeout under the guard's 750 ms, a spoofed
# plain-TCP Fast Open SYN asking for a server that answers must still get
# nothing back: no Convert reply, no relayed byte, no Error.
guard_always() {
	local unv0 cap fpid data syns
	# A fresh listener: the previous flood's Fast Open children, reset by
	# the converter, stay in the listener's Fast Open queue for 60 s (the
	# kernel's defence against spoofed TFO), and while it is full no SYN
	# gets its data taken: this check would then prove nothing.
	conv converter disable >/dev/null && conv converter enable >/dev/null || return 1
	conv converter set connect-timeout 500ms >/dev/null || return 1
	unv0=$(cstat conv_unverified)
	ip netns exec "$ns_conc" tcpdump -i wan1 -n -U -w "$T/guard.pcap" \
		"ip6 and tcp and src port 5124 and dst net 2001:db8:f000::/36" >"$T/tcpdump.err" 2>&1 &
	cap=$!
	wait_for 30 grep -q 'listening on' "$T/tcpdump.err" || return 1
	ip netns exec "$ns_cpe" "$FLOOD" -n 300 -r 300 -f -x "$CONNECT_ECHO" \
		"$SPOOF" 2001:db8:11::2 5124 >"$T/flood.out" 2>&1 &
	fpid=$!
	wait $fpid || return 1
	wait_for 30 no_session
	kill "$cap"
	wait "$cap" 2>/dev/null
	conv converter set connect-timeout 10s >/dev/null
	# segments from the converter to the spoofed sources with a payload
	data=$(tcpdump -r "$T/guard.pcap" -n 2>/dev/null | grep -c 'length [1-9]')
	syns=$(tcpdump -r "$T/guard.pcap" -n 2>/dev/null | grep -c 'Flags \[S\.\]')
	echo "flood: $(cat "$T/flood.out"); SYN+ACKs to the spoofed sources $syns," \
		"segments with data $data; abandoned unverified $(($(cstat conv_unverified) - unv0))"
	[ "$data" = 0 ] || return 1
	[ "$FASTOPEN" != true ] || [ "$(($(cstat conv_unverified) - unv0))" -gt 10 ]
}
mpc_check "connect-timeout 500ms: nothing sent or relayed for spoofed plain-TCP Fast Open SYNs" \
	guard_always

# evict_idle: max-sessions 4 and a long binding lifetime; four clients come
# and go, leaving four idle bindings; a fifth client must be served, the
# binding idle the longest making room for it.
evict_idle() {
	local i ev0
	conv converter set max-sessions 4 binding-lifetime 600s >/dev/null || return 1
	conv binding flush >/dev/null
	ev0=$(cstat bindings_evicted)
	for i in 11 12 13 14; do
		mc -b 198.51.100.$i 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null || return 1
		wait_for 10 no_session || return 1
	done
	echo "before: $(bound | tr '\n' ' ')"
	mc -b 198.51.100.15 198.51.100.2 192.0.2.130 8080 </dev/null >/dev/null || return 1
	wait_for 10 no_session
	bound >"$T/bound"
	echo "after: $(tr '\n' ' ' <"$T/bound"); evicted $(($(cstat bindings_evicted) - ev0))"
	[ "$(tr '\n' ' ' <"$T/bound")" = "198.51.100.12 198.51.100.13 198.51.100.14 198.51.100.15 " ] &&
		[ "$(($(cstat bindings_evicted) - ev0))" = 1 ]
}
for i in 11 12 13 14 15; do
	ip -n "$ns_cpe" addr add 198.51.100.$i/24 dev wan1
done
mpc_check "a full binding table evicts the binding idle the longest for a new client" evict_idle
conv converter set max-sessions 4096 binding-lifetime 30s >/dev/null

# per_prefix KNOB WIDE NARROW CONV BOUND A1 A2 A3 A4: max-per-client 2 and
# KNOB (client-prefix4 or client-prefix6) WIDE; a subscriber holds two
# conversions from A1 and A2 through the converter's address CONV, bound as
# one client BOUND, and tries a third from A3: Error 64. With KNOB NARROW
# each address is a client of its own: A4 is served.
hold() { # CONV SRC: a conversion from SRC held open in the background
	sleep 120 | mc -b "$2" "$1" 192.0.2.130 8080 >/dev/null 2>&1 &
	HOLDERS+=($!)
}
sessions_are() { [ "$(status sessions)" = "$1" ]; }
per_prefix() {
	local knob=$1 wide=$2 narrow=$3 cv=$4 want=$5 rc out ok=true
	HOLDERS=()
	conv binding flush >/dev/null	# the earlier checks' idle bindings
	conv converter set max-per-client 2 "$knob" "$wide" >/dev/null || return 1
	hold "$cv" "$6"
	hold "$cv" "$7"
	wait_for 30 sessions_are 2 || ok=false
	echo "bindings: $(bound | tr '\n' ' ')"
	[ "$(bound)" = "$want" ] || ok=false
	out=$(mc -b "$8" "$cv" 192.0.2.130 8080 </dev/null 2>&1)
	rc=$?
	echo "a third address, $8: exit $rc, $out"
	[ "$rc" = 3 ] && grep -q 'error 64' <<<"$out" || ok=false
	conv converter set "$knob" "$narrow" >/dev/null || ok=false
	out=$(mc -b "$9" "$cv" 192.0.2.130 8080 </dev/null 2>&1)
	rc=$?
	echo "with $knob $narrow, a fourth address, $9: exit $rc, $out"
	[ "$rc" = 0 ] || ok=false
	kill "${HOLDERS[@]}" 2>/dev/null
	wait "${HOLDERS[@]}" 2>/dev/null
	conv converter set max-per-client 256 client-prefix4 32 client-prefix6 64 >/dev/null
	wait_for 30 no_session
	$ok
}
mpc_check "a client is an IPv4 /32 and an IPv6 /64 by default" \
	eval 'conv -j converter show | jq -e ".client_prefix4 == 32 and .client_prefix6 == 64"'
for i in a1 a2 a3 a4; do
	ip -n "$ns_cpe" addr add 2001:db8:11::$i/64 dev wan1 nodad
done
mpc_check "IPv6 addresses rotating in one /64 count as one client (client-prefix6)" \
	per_prefix client-prefix6 64 128 2001:db8:11::2 2001:db8:11::/64 \
	2001:db8:11::a1 2001:db8:11::a2 2001:db8:11::a3 2001:db8:11::a4
# 198.51.100.11-15 are on wan1 since evict_idle
mpc_check "IPv4 addresses of one /24 count as one client (client-prefix4 24)" \
	per_prefix client-prefix4 24 32 198.51.100.2 198.51.100.0/24 \
	198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14

# guard_redial: the converter's SYN+ACK is answered, but the first third
# ACK of every connection to it is lost (dropped as the CPE sends it). A
# Fast Open client then completes its handshake only at the converter's
# SYN+ACK retransmission (1 s), after the 750 ms guard has closed the
# server connection: it must be served all the same, the server
# connection opened again once the client is verified (conv_guard_redial),
# never abandoned (conv_unverified).
guard_redial() {
	local red0 unv0 out rc
	red0=$(cstat conv_guard_redial) unv0=$(cstat conv_unverified)
	ip netns exec "$ns_cpe" nft -f - <<-EOF || return 1
		table inet mpc_ack {
			chain out {
				type filter hook output priority 0;
				tcp dport 5124 tcp flags & (syn | ack) == ack ct mark != 0x5e ct mark set 0x5e counter drop
			}
		}
	EOF
	# the client sends nothing before the converter's reply: its third
	# ACK is its only proof of life until the SYN+ACK comes again
	out=$(sleep 2 | mc 198.51.100.2 192.0.2.130 8080 2>&1)
	rc=$?
	echo "client: exit $rc, $out"
	ip netns exec "$ns_cpe" nft list table inet mpc_ack | grep -o 'packets [0-9]*' | sed 's/^/dropped /'
	ip netns exec "$ns_cpe" nft delete table inet mpc_ack
	echo "conv_guard_redial +$(($(cstat conv_guard_redial) - red0))," \
		"conv_unverified +$(($(cstat conv_unverified) - unv0))"
	[ "$rc" = 0 ] || return 1
	[ "$(cstat conv_unverified)" = "$unv0" ] || return 1
	[ "$FASTOPEN" != true ] || [ "$(cstat conv_guard_redial)" -gt "$red0" ]
}
mpc_check "a client whose third ACK is lost is served (the server connection opened again)" guard_redial

mpc_check "disable the converter" conv converter disable
tables_empty() { [ "$(conv -j status | jq '.sessions + .bindings')" = 0 ]; }
conv binding flush >/dev/null
mpc_check "tables empty" wait_for 15 tables_empty
mpc_check "rmmod" rmmod mpconv
mpc_check_kernel_clean
mpc_exit
