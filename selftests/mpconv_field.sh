#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The CPE in the field: an uplink that black-holes (link up, every packet
# lost), and a converter that requires cookies.
#
#                                   wan1 198.51.100.0/24 (preferred)
#   client ---- lan ---- cpe ============================ conc ---- srv ---- server
#  192.0.2.2        192.0.2.1 \     wan2 203.0.113.0/24  / 198.51.100.2    192.0.2.130
#  2001:db8:1::2    mpconv cpe  ========================   mpconv          echo
#                   uplink wan1,wan2                       converter
#
# The CPE reaches the converter's address through either uplink (a route
# through wan2 of higher metric, as a multi-WAN gateway has one default
# route per uplink) and has an MPTCP subflow endpoint on each. A black hole
# drops every IP packet on wan1 at both ends but lets ARP and neighbour
# discovery through, so that nothing but silence reveals it.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require python3 nft jq socat
PEER=$(dirname "$(readlink -f "$0")")/peer.py
T=$mpc_tmp

if [ ! -f "$MPCONV_KO" ] || [ ! -x "$MPCONV" ]; then
	mpc_fail "module and tools are built" "missing $MPCONV_KO or $MPCONV (run make)"
	mpc_exit
fi

cpe() { "$MPCONV" -n "$ns_cpe" "$@"; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }
pstat() { cpe -j stats | jq -r ".$1"; }
cstat() { conv -j stats | jq -r ".$1"; }
# up_state IF: the CPE's state of uplink IF (up, down)
up_state() { cpe -j cpe show | jq -r --arg i "$1" '.uplink_state[] | select(.iface == $i) | .state'; }
# bind_total ADDR: sessions the converter has had from ADDR (0 without a binding)
bind_total() {
	conv -j binding show | jq -r --arg a "$1" '[.[] | select((.address |
		if type == "object" then .address else split("/")[0] end) == $a) | .total] | add // 0'
}

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

# Both uplinks reach the converter's networks (wan2 at a higher metric) and
# carry a subflow endpoint.
ip -n "$ns_cpe" route add 198.51.100.0/24 via 203.0.113.2 dev wan2 metric 1000
ip -n "$ns_cpe" -6 route add 2001:db8:11::/64 via 2001:db8:12::2 dev wan2 metric 1000
ip -n "$ns_cpe" mptcp limits set subflow 2 add_addr_accepted 2
ip -n "$ns_cpe" mptcp endpoint add 198.51.100.1 dev wan1 subflow
ip -n "$ns_cpe" mptcp endpoint add 203.0.113.1 dev wan2 subflow
ip -n "$ns_cpe" mptcp endpoint add 2001:db8:11::1 dev wan1 subflow
ip -n "$ns_cpe" mptcp endpoint add 2001:db8:12::1 dev wan2 subflow
ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0

ALLOW=198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,2001:db8:12::/64
mpc_check "enable the converter" conv converter enable allow "$ALLOW" client-prefix6 128

enable_cpe() {
	local j
	cpe cpe enable converter 198.51.100.2 iface lan uplink wan1,wan2 connect-timeout 5s ||
		return 1
	j=$(cpe -j cpe show) || return 1
	echo "$j" | jq -c '{uplinks, uplink_state}'
	jq -e '.uplinks == ["wan1", "wan2"] and
	       [.uplink_state[] | .iface + ":" + .state] == ["wan1:up", "wan2:up"]' \
		<<<"$j" >/dev/null
}
mpc_check "enable the CPE with uplinks wan1,wan2: both listed, both up" enable_cpe

mpc_check_fail "an uplink listed twice is refused" 1 "listed twice" \
	cpe cpe set uplink wan1,wan1
mpc_check_fail "an unknown uplink is refused" any "nosuchif0" cpe cpe set uplink nosuchif0
mpc_check "the uplinks are unchanged after the refusals" \
	test "$(cpe -j cpe show | jq -c .uplinks)" = '["wan1","wan2"]'

ip netns exec "$ns_server" python3 "$PEER" echo-server 192.0.2.130 8080 >/dev/null 2>&1 &
ip netns exec "$ns_server" python3 "$PEER" echo-server 2001:db8:2::2 8080 >/dev/null 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"
listening() {
	ip netns exec "$ns_server" ss -Hltn | grep -q "192.0.2.130:8080" &&
	ip netns exec "$ns_server" ss -Hltn | grep -q "\[2001:db8:2::2\]:8080"
}
mpc_check "the echo servers listen" wait_for 20 listening

# conn ADDR: one converted connection from the LAN host, a 1 kB echo checked;
# prints its time in ms (connect() to the end of the echo)
head -c 1000 /dev/urandom >"$T/small"
conn() {
	PEER_TIME_FILE=$T/time PEER_TIMEOUT=20 ip netns exec "$ns_client" \
		python3 "$PEER" client "$1" 8080 <"$T/small" >"$T/got" || return 1
	cmp -s "$T/small" "$T/got" || { echo "the echo differs"; return 1; }
	cat "$T/time"
}

first_conn() {
	local before
	before=$(bind_total 198.51.100.1)
	conn 192.0.2.130 || return 1
	echo "converter sessions from 198.51.100.1 (wan1): $before -> $(bind_total 198.51.100.1)"
	[ "$(bind_total 198.51.100.1)" -eq $((before + 1)) ]
}
mpc_check "a connection opens through the preferred uplink, wan1" first_conn

# --- black hole ----------------------------------------------------------------
bh_on() { mpc_topo_hole "$@"; }
bh_off() { mpc_topo_unhole "$@"; }
mpc_on_exit "bh_off wan1"

cpe -j monitor >"$T/mon" 2>&1 &
MON=$!
mpc_on_exit "kill $MON"

# ten_conns ADDR: ten new connections with wan1 black-holed; all succeed,
# each within LIMIT ms (the stagger is 250-500 ms; the bound is generous
# for emulation), and they open through wan2
ten_conns() {
	local addr=$1 limit=2500 i t max=0 times="" stag0 down0 w2
	stag0=$(pstat cpe_staggered)
	down0=$(pstat cpe_uplink_down)
	w2=$2
	bh_on wan1 || return 1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		t=$(conn "$addr") || { echo "connection $i failed: $t"; return 1; }
		times="$times $t"
		[ "$t" -le "$max" ] || max=$t
	done
	echo "with wan1 black-holed, 10 connections took (ms):$times"
	echo "staggered $stag0 -> $(pstat cpe_staggered), uplinks down $down0 -> $(pstat cpe_uplink_down), wan1 $(up_state wan1)"
	echo "converter sessions from $w2 (wan2): $(bind_total "$w2")"
	[ "$max" -le "$limit" ] && [ "$(up_state wan1)" = down ] &&
	[ "$(pstat cpe_staggered)" -gt "$stag0" ] &&
	[ "$(pstat cpe_uplink_down)" -eq $((down0 + 1)) ] &&
	[ "$(bind_total "$w2")" -ge 10 ]
}
mpc_check "wan1 black-holed: ten new connections all open, through wan2" \
	ten_conns 192.0.2.130 203.0.113.1

down_fast() {
	local t
	# wan1 is down: a new connection starts on wan2 at once, no stagger
	t=$(conn 2001:db8:2::2) || return 1
	echo "IPv6 destination, wan1 down: $t ms"
	[ "$t" -le 1500 ]
}
mpc_check "wan1 down: an IPv6 destination's connection too, without waiting" down_fast

heal() {
	local before probes0
	probes0=$(pstat cpe_probes)
	bh_off wan1
	wait_for 20 sh -c "[ \"\$($MPCONV -n $ns_cpe -j cpe show |
		jq -r '.uplink_state[0].state')\" = up ]" || { cpe cpe show; return 1; }
	before=$(bind_total 198.51.100.1)
	conn 192.0.2.130 >/dev/null || return 1
	cpe -j cpe show | jq -c .uplink_state
	echo "probes $probes0 -> $(pstat cpe_probes), uplinks up $(pstat cpe_uplink_up)," \
	     "sessions from wan1 $before -> $(bind_total 198.51.100.1)"
	# two probes in a row answered bring an uplink up; the first may be
	# the one already under way (counted in probes0) when the hole closed,
	# its SYN retransmitted through the mended uplink, so one more
	# started after the mend is all that is certain
	[ "$(pstat cpe_probes)" -ge $((probes0 + 1)) ] && [ "$(pstat cpe_uplink_up)" -ge 1 ] &&
	[ "$(bind_total 198.51.100.1)" -eq $((before + 1)) ]
}
mpc_check "wan1 heals: probes bring it back up, new connections use it again" heal

monitor_uplinks() {
	wait_for 10 grep -q '"state":"up"' "$T/mon" || { cat "$T/mon"; return 1; }
	grep '"uplink"' "$T/mon" | jq -c '[.event, .uplink.iface, .uplink.state]'
	jq -se '[.[] | select(.event == "uplink") | .uplink.iface + ":" + .uplink.state] ==
		["wan1:down", "wan1:up"]' "$T/mon" >/dev/null
}
mpc_check "monitor reported wan1 down, then up" monitor_uplinks

# The same over IPv6 toward the converter.
v6_failover() {
	cpe cpe set converter '[2001:db8:11::2]' >/dev/null || return 1
	ten_conns 2001:db8:2::2 2001:db8:12::1 || return 1
	bh_off wan1
	wait_for 20 sh -c "[ \"\$($MPCONV -n $ns_cpe -j cpe show |
		jq -r '.uplink_state[0].state')\" = up ]"
}
mpc_check "converter over IPv6: the same failover, and back" v6_failover
cpe cpe set converter 198.51.100.2 >/dev/null

# --- cookies -------------------------------------------------------------------
cookie_learned() {
	local l0 r0 m0
	conv converter set cookie on >/dev/null || return 1
	l0=$(pstat cpe_cookie_learned)
	r0=$(pstat cpe_cookie_retried)
	m0=$(cstat err_missing_cookie)
	conn 192.0.2.130 >/dev/null || return 1
	conn 192.0.2.130 >/dev/null || return 1
	conn 2001:db8:2::2 >/dev/null || return 1
	echo "learned $l0 -> $(pstat cpe_cookie_learned), retried $r0 -> $(pstat cpe_cookie_retried)," \
	     "converter's Error 3 $m0 -> $(cstat err_missing_cookie)"
	cpe -j cpe show | jq -c .uplink_state
	[ "$(pstat cpe_cookie_learned)" -eq $((l0 + 1)) ] &&
	[ "$(pstat cpe_cookie_retried)" -eq $((r0 + 1)) ] &&
	[ "$(cstat err_missing_cookie)" -eq $((m0 + 1)) ] &&
	[ "$(cpe -j cpe show | jq -r '.uplink_state[0].cookie')" = true ]
}
mpc_check "cookies on at the converter: learned once, three connections intact" cookie_learned

cookie_bigger() {
	head -c 1000000 /dev/urandom >"$T/up1m"
	ip netns exec "$ns_client" timeout -k 5 60 python3 "$PEER" client 192.0.2.130 8080 \
		<"$T/up1m" >"$T/got1m" && cmp "$T/up1m" "$T/got1m"
}
mpc_check "1 MB echoed intact with cookies" cookie_bigger

key_id() { conv -j converter show | jq -r .cookie_key_id; }
shared_key() {
	local id1 id2 l0 f0
	echo 000102030405060708090a0b0c0d0e0f >"$T/k1"
	printf ' ff0102030405060708090a0b0c0d0e0f\n' >"$T/k2"
	conv converter set cookie-key "$T/k1" >/dev/null || return 1
	id1=$(key_id)
	conv converter set cookie-key - <"$T/k2" >/dev/null || return 1
	id2=$(key_id)
	conv converter set cookie-key "$T/k1" >/dev/null || return 1
	echo "key ids: k1 $id1, k2 $id2, k1 again $(key_id)"
	[ "$id1" != "$id2" ] && [ "$(key_id)" = "$id1" ] || return 1
	# the key never shows
	conv -j converter show | grep -qi "0001020304" && { echo "the key shows"; return 1; }
	# the CPE's cookie was made with the old key: refused, learned again
	l0=$(pstat cpe_cookie_learned)
	f0=$(pstat cpe_cookie_refused)
	conn 192.0.2.130 >/dev/null || return 1
	echo "refused $f0 -> $(pstat cpe_cookie_refused), learned $l0 -> $(pstat cpe_cookie_learned)"
	[ "$(pstat cpe_cookie_refused)" -eq $((f0 + 1)) ] &&
	[ "$(pstat cpe_cookie_learned)" -eq $((l0 + 1)) ]
}
mpc_check "a key set through netlink: its id is stable, it never shows, the CPE relearns" \
	shared_key

mpc_check_fail "a cookie key that is not 32 hex digits is refused" any "32 hex digits" \
	sh -c "echo 0011 | $MPCONV -n $ns_conc converter set cookie-key -"
mpc_check_fail "a rotation period under 1 s is refused" 1 "at least 1000 ms" \
	conv converter set cookie-rotate 500ms

# rotation: a cookie is accepted in its period and the next one only. A
# connection can take seconds under emulation (the client is a Python
# process, the machine may be busy), so the period is long, each connection
# starts with 6 s of its period left and must end in it; when one does not
# (a timing the test cannot judge), the round is run again, three at most.
PERIOD=10000
now_ms() { date +%s%3N; }
period() { echo $(($(now_ms) / PERIOD)); }
# at_period N: true while the clock is in period N with 6 s of it left
at_period() {
	local t
	t=$(now_ms)
	[ $((t / PERIOD)) -eq "$1" ] && [ $((PERIOD - t % PERIOD)) -ge 6000 ]
}
# conn_in N: a connection made within period N (exit 2: it was not)
conn_in() {
	wait_for 15 at_period "$1" || { echo "missed period $1 (now $(period))"; return 2; }
	conn 192.0.2.130 >/dev/null || return 1
	[ "$(period)" -eq "$1" ] || { echo "the connection ran past period $1"; return 2; }
}
rotation_round() {
	local p p0 f0 l0
	p=$(($(period) + 1))
	conn_in $p || return		# learns the cookie of period p
	p0=$(cstat conv_cookie_prev)
	f0=$(pstat cpe_cookie_refused)
	conn_in $((p + 1)) || return
	echo "next period: previous-period cookies accepted $p0 -> $(cstat conv_cookie_prev)," \
	     "refused $f0 -> $(pstat cpe_cookie_refused)"
	[ "$(cstat conv_cookie_prev)" -eq $((p0 + 1)) ] &&
	[ "$(pstat cpe_cookie_refused)" -eq "$f0" ] || return 1
	l0=$(pstat cpe_cookie_learned)
	conn_in $((p + 2)) || return
	echo "two periods on: refused $f0 -> $(pstat cpe_cookie_refused)," \
	     "learned $l0 -> $(pstat cpe_cookie_learned)"
	[ "$(pstat cpe_cookie_refused)" -eq $((f0 + 1)) ] &&
	[ "$(pstat cpe_cookie_learned)" -eq $((l0 + 1)) ]
}
rotation() {
	local i rc
	conv converter set cookie-rotate ${PERIOD}ms >/dev/null || return 1
	for i in 1 2 3; do
		rotation_round
		rc=$?
		[ $rc = 2 ] || return $rc
		echo "round $i could not be timed; again"
	done
	return 1
}
mpc_check "key rotation crossed: the previous period's cookie accepted, an older one relearned" \
	rotation

cookie_off() {
	conv converter set cookie off cookie-rotate 1h >/dev/null && conn 192.0.2.130 >/dev/null
}
mpc_check "cookies off again: connections go on" cookie_off

# --- Errors 64 and 65 with a delay ----------------------------------------------
# A converter (a few lines of Python, not mpconv's) that answers every
# request with Error 64, a delay of 15 s in its value.
# shellcheck disable=SC2016 # $SOCAT_PEERADDR is socat's, in the server's shell
ip netns exec "$ns_server" socat -t 20 TCP-LISTEN:8084,reuseaddr,fork \
	SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &
mpc_on_exit "kill $!"
# who: the address the server sees the LAN host's connection come from
who() { ip netns exec "$ns_client" timeout -k 5 20 socat -u TCP:192.0.2.130:8084 - 2>&1; }
pc() { PEER_TIMEOUT=20 ip netns exec "$ns_client" python3 "$PEER" client "$@" </dev/null; }
econv_answered() { cat "$T/econv"; }
backoff_ms() { cpe -j cpe show | jq -r .backoff_ms; }

backoff() {
	local rc out
	conv converter disable >/dev/null || return 1
	ip netns exec "$ns_conc" python3 "$PEER" error-converter 198.51.100.2 64 0f "$T/econv" \
		>/dev/null 2>&1 &
	echo $! >"$T/econv.pid"
	wait_for 10 sh -c "ip netns exec $ns_conc ss -Hltn | grep -q 198.51.100.2:5124" ||
		return 1
	pc 192.0.2.130 8084 >/dev/null 2>&1
	rc=$?
	echo "Error 64 with 15 s: client exit $rc (6: refused), backoffs $(pstat cpe_backoff)," \
	     "wait left $(backoff_ms) ms, requests answered $(econv_answered)"
	[ $rc = 6 ] && [ "$(pstat cpe_backoff)" = 1 ] && [ "$(backoff_ms)" -gt 0 ] &&
	[ "$(econv_answered)" = 1 ] || return 1
	# meanwhile: forwarded unconverted (the server sees the LAN host)
	out=$(who)
	echo "during the wait, bypass: the server saw $out, bypassed $(pstat cpe_backoff_bypassed)"
	[ "$out" = 192.0.2.2 ] && [ "$(pstat cpe_backoff_bypassed)" = 1 ] || return 1
	# ... or refused, with the converter asked nothing
	cpe cpe set backoff refuse >/dev/null || return 1
	pc 192.0.2.130 8084 >/dev/null 2>&1
	rc=$?
	echo "during the wait, refuse: client exit $rc, refused $(pstat cpe_backoff_refused)," \
	     "requests answered $(econv_answered)"
	[ $rc = 6 ] && [ "$(pstat cpe_backoff_refused)" = 1 ] && [ "$(econv_answered)" = 1 ] ||
		return 1
	# once the wait is over, the converter is asked again
	wait_for 25 sh -c "[ \"\$($MPCONV -n $ns_cpe -j cpe show | jq .backoff_ms)\" = 0 ]" ||
		return 1
	pc 192.0.2.130 8084 >/dev/null 2>&1
	echo "after the wait: requests answered $(econv_answered)"
	[ "$(econv_answered)" = 2 ]
}
mpc_check "Error 64 with a delay: the CPE waits (bypass, then refuse), then asks again" backoff
kill "$(cat "$T/econv.pid")" 2>/dev/null
wait_for 10 sh -c "! ip netns exec $ns_conc ss -Hltn | grep -q :5124"
cpe cpe set backoff bypass >/dev/null
mpc_check "the converter listens again once the stand-in is gone" conv converter enable

tables_empty() {
	local s
	s="[ \"\$($MPCONV -n $ns_cpe -j session show | jq length)\" = 0 ] &&"
	s="$s [ \"\$($MPCONV -n $ns_conc -j session show | jq length)\" = 0 ]"
	wait_for 20 sh -c "$s" || { cpe session show; conv session show; return 1; }
}
mpc_check "every session ended" tables_empty
mpc_check "rmmod with the CPE probing nothing" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
