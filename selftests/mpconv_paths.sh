#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# Uplink failures under load: a LAN host's 20 MB echo through the CPE loses
# one of its two uplinks mid-transfer; every byte must still arrive over the
# other, and every session end afterwards (issue 16: 480 bytes short at the
# tail, the CPE's session left in relay state long after, on a busy host).
#
#                                   wan1 (cut once the echo flows)
#   client ---- lan ---- cpe ============================ conc ---- srv ---- server
#  192.0.2.2        192.0.2.1 \     wan2 (healthy)       / 198.51.100.2    192.0.2.130
#                  mpconv cpe  ========================   mpconv converter  socat echo
#
# Two ways to cut wan1, both directions on both ends:
#   netem  tc netem loss 100% (ARP dies too: the neighbours fail after a
#          while and the kernel reports host unreachable to its own sockets)
#   hole   nft netdev ingress drop of IPv4/IPv6 but neighbour discovery:
#          a link that is up, resolves, and carries nothing
# A busy loop runs beside the transfers in the VM (the bug hid on idle
# machines). A transfer that makes no progress for 40 s is a stall: the
# sessions, sockets (MPTCP and subflows) and MPTCP counters of both boxes
# are dumped, then again after wan1 has been mended for 60 s.
#
# Then, per kind of cut, MPC_PATHS_MANY echoes of MPC_PATHS_MANY_MB
# megabytes side by side (default 10 of 2 MB; 0: none) lose wan1 together:
# peer.py holds each one once half its bytes are back, the test checks that
# the CPE relays all of them, cuts wan1 and lets them go on; every one must
# come back whole and every session end.
#
# Environment: MPC_PATHS_ROUNDS single transfers per kind of cut (default
# 1, 20 with MPCONV_STRESS=1, as 'make stress' runs it), MPC_PATHS_MB
# megabytes each (default 20), MPC_PATHS_HOG busy loops in the VM (default
# 1), MPC_PATHS_LOSSY 1 MB echoes through lossy, reordering paths (default
# 100, 400 with MPCONV_STRESS=1), MPC_PATHS_LOSSY_CONC of them at a time
# (default 10).

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat tc nft nstat ss cmp python3
T=$mpc_tmp
PEER=$(dirname "$(readlink -f "$0")")/peer.py
if [ "${MPCONV_STRESS:-0}" = 1 ]; then
	ROUNDS=${MPC_PATHS_ROUNDS:-20}
	LOSSY=${MPC_PATHS_LOSSY:-400}
else
	ROUNDS=${MPC_PATHS_ROUNDS:-1}
	LOSSY=${MPC_PATHS_LOSSY:-100}
fi
MB=${MPC_PATHS_MB:-20}
MANY=${MPC_PATHS_MANY:-10}
MANY_MB=${MPC_PATHS_MANY_MB:-2}
LOSSY_CONC=${MPC_PATHS_LOSSY_CONC:-10}
HOGS=${MPC_PATHS_HOG:-1}

if [ ! -f "$MPCONV_KO" ]; then
	mpc_fail "module is built" "missing $MPCONV_KO (run make)"
	mpc_exit
fi

cpe() { "$MPCONV" -n "$ns_cpe" "$@"; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

ip -n "$ns_cpe" mptcp limits set subflow 2 add_addr_accepted 2
ip -n "$ns_cpe" mptcp endpoint add 203.0.113.1 dev wan2 subflow
ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0

ALLOW=198.51.100.0/24,203.0.113.0/24
mpc_check "enable the converter" conv converter enable allow "$ALLOW"
mpc_check "enable the CPE" cpe cpe enable converter 198.51.100.2 iface lan connect-timeout 3s
cpe cpe set binding-lifetime 0 >/dev/null

ip netns exec "$ns_server" socat -t 60 TCP-LISTEN:8080,backlog=128,reuseaddr,fork EXEC:cat \
	>/dev/null 2>&1 &
mpc_on_exit "kill $!"

hog_pids=()
for _ in $(seq "$HOGS"); do
	(while :; do :; done) &
	hog_pids+=($!)
done
[ ${#hog_pids[@]} -eq 0 ] || mpc_on_exit "kill ${hog_pids[*]}"

head -c $((MB * 1000000)) /dev/urandom >"$T/data"
listening() { ip netns exec "$ns_server" ss -Htln 'sport = :8080' | grep -q .; }
wait_for 10 listening

# cut_on KIND / cut_off KIND: cut wan1 both ways on both ends, or mend it
cut_on() {
	local ns
	for ns in "$ns_cpe" "$ns_conc"; do
		case $1 in
		netem) tc -n "$ns" qdisc add dev wan1 root netem loss 100% ;;
		hole) ip netns exec "$ns" nft -f - <<-EOF
			table netdev mpc_hole {
				chain in {
					type filter hook ingress device wan1 priority 0;
					meta protocol ip6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
					meta protocol { ip, ip6 } drop
				}
			}
			EOF
			;;
		esac || return 1
	done
}
cut_off() {
	local ns
	for ns in "$ns_cpe" "$ns_conc"; do
		case $1 in
		netem) tc -n "$ns" qdisc del dev wan1 root ;;
		hole) ip netns exec "$ns" nft delete table netdev mpc_hole ;;
		esac
	done
}

# mended: the CPE reaches the converter over wan1 again (its neighbour entry
# resolves), so that the next round's conversion does not start on a path
# still failing
mended() { ip netns exec "$ns_cpe" ping -c 1 -W 1 -I wan1 198.51.100.2 >/dev/null 2>&1; }

# flowing: the LAN host has 1 MB of its echo back
flowing() { [ "$(stat -c %s "$T/got" 2>/dev/null || echo 0)" -ge 1000000 ]; }

# dump: where the bytes are
dump() {
	local ns
	echo "--- cpe sessions"; cpe -j session show
	echo "--- converter sessions"; conv -j session show
	for ns in "$ns_cpe" "$ns_conc"; do
		echo "--- $ns: ss -tMinoe"
		ip netns exec "$ns" ss -tMinoe
		echo "--- $ns: nstat mptcp"
		ip netns exec "$ns" nstat -az | grep -i -E 'mptcp' | awk '$2 != 0'
		echo "--- $ns: nstat tcp retrans"
		ip netns exec "$ns" nstat -az | grep -E 'TcpRetransSegs|TCPTimeouts|TCPLossProbes'
	done
	echo "--- client"; ip netns exec "$ns_client" ss -tinoe
	echo "--- server"; ip netns exec "$ns_server" ss -tinoe
	counters
}

# the counters of both roles that are not zero
counters() {
	echo "--- cpe counters"; cpe -j stats | jq -c 'with_entries(select(.value != 0))'
	echo "--- converter counters"; conv -j stats | jq -c 'with_entries(select(.value != 0))'
}

tables_empty() {
	[ "$(cpe -j status | jq '.sessions + .bindings')" = 0 ] &&
		[ "$(conv -j status | jq '.sessions')" = 0 ]
}

# xfer KIND N: one MB-megabyte echo, wan1 cut once it flows; a transfer that
# makes no progress for 40 s is a stall, dumped
xfer() {
	local kind=$1 pid size last=-1 still=0 t0 rc=0
	wait_for 30 tables_empty || { echo "tables not empty before"; dump; return 1; }
	t0=$(date +%s)
	rm -f "$T/got"
	ip netns exec "$ns_client" timeout -k 5 600 socat -t 300 - TCP:192.0.2.130:8080 \
		<"$T/data" >"$T/got" 2>"$T/err" &
	pid=$!
	# cut once the echo flows (a cut during the handshakes makes the
	# converter unreachable: a refusal, not what is tested here)
	wait_for 60 flowing || echo "no echo yet after 60 s"
	cut_on "$kind" || rc=1
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		size=$(stat -c %s "$T/got" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then
			still=$((still + 1))
		else
			still=0
			last=$size
		fi
		if [ "$still" -ge 40 ]; then
			echo "STALL: $size of $((MB * 1000000)) bytes after $(($(date +%s) - t0)) s"
			dump
			rc=1
			# does mending the link bring them?
			cut_off "$kind"
			kind=none
			for _ in $(seq 60); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 1
			done
			echo "after mending wan1 for 60 s: $(stat -c %s "$T/got") bytes"
			dump
			kill "$pid" 2>/dev/null
			break
		fi
	done
	wait "$pid"
	[ "$kind" = none ] || cut_off "$kind"
	wait_for 30 mended || echo "wan1 not mended 30 s after the cut was lifted"
	cat "$T/err"
	if ! cmp "$T/data" "$T/got"; then
		echo "$(stat -c %s "$T/got") of $((MB * 1000000)) bytes"
		[ "$rc" = 1 ] || dump
		rc=1
	fi
	if ! wait_for 30 tables_empty; then
		echo "sessions left after the transfer"
		dump
		rc=1
	fi
	echo "$kind round: $(($(date +%s) - t0)) s"
	return "$rc"
}

# relaying N: the CPE relays N sessions
relaying() { [ "$(cpe -j session show | jq '[.[] | select(.state == "relay")] | length')" -eq "$1" ]; }

# xfer_many KIND: MANY echoes side by side (peer.py many), held once each
# has half its bytes back; wan1 is cut, then they go on: every one must
# come back whole (a connection that gets nothing for 20 s, 60 s after the
# release, fails), and every session end
xfer_many() {
	local kind=$1 pid out t0 rc=0
	wait_for 30 tables_empty || { echo "tables not empty before"; dump; return 1; }
	t0=$(date +%s)
	rm -f "$T/ready" "$T/go"
	ip netns exec "$ns_client" timeout -k 5 600 python3 "$PEER" many 192.0.2.130 8080 \
		"$MANY" $((MANY_MB * 1000000)) "$T/ready" "$T/go" >"$T/many.out" 2>&1 &
	pid=$!
	wait_for 150 test -s "$T/ready" || { echo "no echo held at its half after 150 s"; rc=1; }
	if [ "$(cat "$T/ready" 2>/dev/null)" != "$MANY" ]; then
		echo "$(cat "$T/ready" 2>/dev/null) of $MANY echoes had half their bytes back"
		rc=1
	fi
	# each held connection is one relaying session at the CPE
	relaying "$MANY" || { echo "the CPE does not relay $MANY sessions"; cpe session show; rc=1; }
	cut_on "$kind" || rc=1
	touch "$T/go"
	wait "$pid" || rc=1
	cut_off "$kind"
	wait_for 30 mended || echo "wan1 not mended 30 s after the cut was lifted"
	out=$(cat "$T/many.out")
	echo "$out"
	[ "$(head -n 1 <<<"$out")" = "ok $MANY failed 0" ] || rc=1
	[ "$rc" = 0 ] || dump
	if ! wait_for 30 tables_empty; then
		echo "sessions left after the transfers"
		dump
		rc=1
	fi
	echo "$kind, $MANY side by side: $(($(date +%s) - t0)) s"
	return "$rc"
}

for kind in netem hole; do
	for i in $(seq "$ROUNDS"); do
		mpc_check "$kind cut of wan1 mid-transfer ($i/$ROUNDS): $MB MB echoed intact, sessions end" \
			xfer $kind "$i"
	done
	[ "$MANY" -eq 0 ] ||
		mpc_check "$kind cut of wan1 under $MANY echoes of $MANY_MB MB side by side: all intact, sessions end" \
			xfer_many $kind
done

# Both uplinks lose 1 % of their packets and reorder some (5 ms delay, a
# tenth sent at once), both ways: every converted echo comes back whole,
# none is reset.
lossy() {
	local ns dev out rc=0 t0
	t0=$(date +%s)
	for ns in "$ns_cpe" "$ns_conc"; do
		for dev in wan1 wan2; do
			tc -n "$ns" qdisc add dev "$dev" root netem delay 5ms reorder 90% 50% \
				loss 1% || rc=1
		done
	done
	if [ "$rc" = 0 ]; then
		out=$(ip netns exec "$ns_client" timeout -k 5 900 python3 "$PEER" seq 192.0.2.130 8080 \
			"$LOSSY" 1000000 0 "$LOSSY_CONC" 2>&1) || rc=1
		echo "$out"
	fi
	for ns in "$ns_cpe" "$ns_conc"; do
		for dev in wan1 wan2; do
			tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null
		done
	done
	echo "$(($(date +%s) - t0)) s"
	if [ "$rc" = 1 ] || [ "$(head -n 1 <<<"$out")" != "ok $LOSSY failed 0" ]; then
		counters
		return 1
	fi
	wait_for 30 tables_empty
}
mpc_check "1 % loss and reordering on both uplinks: $LOSSY 1 MB echoes ($LOSSY_CONC at a time) intact, none reset" lossy

mpc_check "rmmod" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
