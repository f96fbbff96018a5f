#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The demo's guest side (run by scripts/demo.sh inside the VM).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../selftests/lib.sh
. "$ROOT/selftests/lib.sh"
# shellcheck source=../selftests/topo.sh
. "$ROOT/selftests/topo.sh"

trap mpc_cleanup EXIT
say() { printf '\n== %s\n' "$*"; }

say "mpconv demo on Linux $(uname -r)"
mpc_topo_up || { echo "demo: topology setup failed"; exit 1; }
sed -n '/^#  /,/^# IPv6/p' "$ROOT/selftests/topo.sh" | sed '$d; s/^#//'

say "loading the module"
insmod "$MPCONV_KO" || exit 1
mpc_on_exit "rmmod mpconv"
"$MPCONV" version || exit 1

xfer() { mpc_topo_xfer "$1" 192.0.2.130 9000; }
mbit() { echo "$1 $2" | awk '{ printf "%.1f", $1 * 8000 / $2 }'; }
txbytes() { ip -n "$ns_cpe" -s -j link show "$1" | jq '.[0].stats64.tx.bytes'; }

say "two uplinks between cpe and conc, each shaped to 20 Mbit/s, 20 ms RTT"
mpc_topo_shape wan1 wan2 || exit 1
ip netns exec "$ns_server" socat -t 60 TCP-LISTEN:9000,reuseaddr,fork SYSTEM:'wc -c' &
mpc_on_exit "kill $!"
sleep 0.5

MB=10
say "baseline: $MB MB from the client, routed over one uplink, no conversion"
t1=$(xfer $MB) || exit 1
echo "   $t1 ms, $(mbit $MB "$t1") Mbit/s"

say "turning the conversion on"
echo "\$ mpconv converter enable allow 198.51.100.0/24,203.0.113.0/24     (in conc)"
"$MPCONV" -n "$ns_conc" converter enable allow 198.51.100.0/24,203.0.113.0/24 || exit 1
ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0
ip -n "$ns_cpe" mptcp limits set subflow 2 add_addr_accepted 2
echo "\$ ip mptcp endpoint add 203.0.113.1 dev wan2 subflow                (in cpe)"
ip -n "$ns_cpe" mptcp endpoint add 203.0.113.1 dev wan2 subflow
echo "\$ mpconv cpe enable converter 198.51.100.2 iface lan                (in cpe)"
"$MPCONV" -n "$ns_cpe" cpe enable converter 198.51.100.2 iface lan || exit 1

say "the same $MB MB from the same client, now converted (it still speaks TCP)"
w1=$(txbytes wan1)
w2=$(txbytes wan2)
tmp=$(mktemp -d)
mpc_on_exit "rm -rf $tmp"
xfer $MB >"$tmp/t2" &
pid=$!
# Sample once the subflows are up (a state, not a fixed delay: the client
# starts slowly under emulation), while the transfer runs; every command
# takes a while under emulation, so the samples are taken first and shown
# after.
subflows=
for _ in $(seq 300); do
	subflows=$(ip netns exec "$ns_cpe" ss -tnH state established '( dport = :5124 )')
	[ -n "$subflows" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
sess=$("$MPCONV" -n "$ns_cpe" -j session show) || sess='[]'
csess=$("$MPCONV" -n "$ns_conc" session show)
echo "-- subflows toward the converter while it runs (cpe):"
awk '{ print "   " $3 " -> " $4 }' <<<"$subflows"
echo "-- sessions (cpe):"
jq -r '.[] | "   id \(.id) \(.state) client \(.client.address):\(.client.port)" +
	" dest \(.dest.address):\(.dest.port) up \(.bytes_up) down \(.bytes_down)"' <<<"$sess"
echo "-- sessions (converter):"
sed 's/^/   /' <<<"$csess"
wait $pid || exit 1
t2=$(cat "$tmp/t2")
d1=$(($(txbytes wan1) - w1))
d2=$(($(txbytes wan2) - w2))
echo "   $t2 ms, $(mbit $MB "$t2") Mbit/s"
echo "-- bytes sent by the cpe on each uplink during the transfer:"
echo "   wan1 $d1   wan2 $d2"

say "summary"
printf '   one path, routed:            %6s Mbit/s\n' "$(mbit $MB "$t1")"
printf '   two paths, mpconv converted: %6s Mbit/s  (%sx)\n' "$(mbit $MB "$t2")" \
	"$(echo "$t1 $t2" | awk '{ printf "%.2f", $1 / $2 }')"

say "failover: wan1 goes silent (a black hole: link up, every packet lost)"
echo "\$ ip mptcp endpoint add 198.51.100.1 dev wan1 subflow                  (in cpe)"
ip -n "$ns_cpe" mptcp endpoint add 198.51.100.1 dev wan1 subflow
echo "\$ ip route add 198.51.100.0/24 via 203.0.113.2 dev wan2 metric 1000    (in cpe)"
ip -n "$ns_cpe" route add 198.51.100.0/24 via 203.0.113.2 dev wan2 metric 1000
echo "\$ mpconv cpe set uplink wan1,wan2                                      (in cpe)"
"$MPCONV" -n "$ns_cpe" cpe set uplink wan1,wan2 >/dev/null || exit 1
uplinks() {
	"$MPCONV" -n "$ns_cpe" -j cpe show |
		jq -r '.uplink_state[] | "   \(.iface) \(.state), \(.attempts) attempts, \(.misses) missed"'
}
xfer $MB >"$tmp/t3" &
pid=$!
for _ in $(seq 300); do
	"$MPCONV" -n "$ns_cpe" -j session show | jq -e '.[] | select(.state == "relay")' \
		>/dev/null && break
	sleep 0.1
done
mpc_topo_hole wan1 || exit 1
mpc_on_exit "mpc_topo_unhole wan1"
echo "-- wan1 black-holed at both ends while $MB MB are under way; five new connections"
echo "   (each time includes starting socat under emulation, and waiting behind the"
echo "   transfer in wan2's 20 Mbit/s queue; the first ones also wait out the stagger):"
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	n=$(echo hello | ip netns exec "$ns_client" timeout 20 socat -t 10 - TCP:192.0.2.130:9000)
	echo "   connection $i: $((($(date +%s%N) - t0) / 1000000)) ms (the server counted $n bytes)"
done
echo "-- the uplinks as the CPE sees them:"
uplinks
wait $pid || exit 1
echo "-- the transfer under way went on over wan2: $(cat "$tmp/t3") ms, every byte counted"
mpc_topo_unhole wan1
echo "-- wan1 heals; probes (an RFC 8803 Info request each second) bring it back:"
for _ in $(seq 150); do
	[ "$("$MPCONV" -n "$ns_cpe" -j cpe show | jq -r '.uplink_state[0].state')" = up ] && break
	sleep 0.1
done
uplinks

say "bindings (cpe) and counters"
"$MPCONV" -n "$ns_cpe" binding show
"$MPCONV" -n "$ns_cpe" -j stats |
	jq -M -c '{cpe_taken, cpe_converted, sess_closed, bytes_up, bytes_down, cpe_staggered,
		cpe_uplink_down, cpe_uplink_up}'
