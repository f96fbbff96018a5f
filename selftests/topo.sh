# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The mpconv reference topology, shared by the demo, the suites and the
# benchmarks. Source lib.sh first, then call mpc_topo_up.
#
#                          wan1 198.51.100.0/24
#   client ---- lan ---- cpe ====================== conc ---- srv ---- server
#  192.0.2.2/25    192.0.2.1 \  wan2 203.0.113.0/24 //  192.0.2.129/25  192.0.2.130
#                             =====================
#
# IPv6 alongside: lan 2001:db8:1::/64, wan1 2001:db8:11::/64,
# wan2 2001:db8:12::/64, srv 2001:db8:2::/64 (host ::1 on the left end of
# each link, ::2 on the right). Forwarding is on in cpe and conc, so a
# direct, routed path exists; mpconv takes over where it is configured.
#
# After mpc_topo_up: $ns_client $ns_cpe $ns_conc $ns_server hold the
# namespace names.

mpc_topo_link() { # NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

mpc_topo_addr() { # NS IF V4/LEN V6/LEN
	ip -n "$1" addr add "$3" dev "$2" &&
	ip -n "$1" addr add "$4" dev "$2" nodad
}

mpc_topo_up() {
	mpc_ns_new ns_client client && mpc_ns_new ns_cpe cpe &&
	mpc_ns_new ns_conc conc && mpc_ns_new ns_server server || return 1

	mpc_topo_link "$ns_client" lan "$ns_cpe" lan &&
	mpc_topo_link "$ns_cpe" wan1 "$ns_conc" wan1 &&
	mpc_topo_link "$ns_cpe" wan2 "$ns_conc" wan2 &&
	mpc_topo_link "$ns_conc" srv "$ns_server" srv || return 1

	mpc_topo_addr "$ns_client" lan 192.0.2.2/25 2001:db8:1::2/64 &&
	mpc_topo_addr "$ns_cpe" lan 192.0.2.1/25 2001:db8:1::1/64 &&
	mpc_topo_addr "$ns_cpe" wan1 198.51.100.1/24 2001:db8:11::1/64 &&
	mpc_topo_addr "$ns_conc" wan1 198.51.100.2/24 2001:db8:11::2/64 &&
	mpc_topo_addr "$ns_cpe" wan2 203.0.113.1/24 2001:db8:12::1/64 &&
	mpc_topo_addr "$ns_conc" wan2 203.0.113.2/24 2001:db8:12::2/64 &&
	mpc_topo_addr "$ns_conc" srv 192.0.2.129/25 2001:db8:2::1/64 &&
	mpc_topo_addr "$ns_server" srv 192.0.2.130/25 2001:db8:2::2/64 || return 1

	ip -n "$ns_client" route add default via 192.0.2.1 &&
	ip -n "$ns_client" -6 route add default via 2001:db8:1::1 &&
	ip -n "$ns_cpe" route add 192.0.2.128/25 via 198.51.100.2 &&
	ip -n "$ns_cpe" -6 route add 2001:db8:2::/64 via 2001:db8:11::2 &&
	ip -n "$ns_conc" route add 192.0.2.0/25 via 198.51.100.1 &&
	ip -n "$ns_conc" -6 route add 2001:db8:1::/64 via 2001:db8:11::1 &&
	ip -n "$ns_server" route add default via 192.0.2.129 &&
	ip -n "$ns_server" -6 route add default via 2001:db8:2::1 || return 1

	local ns
	for ns in "$ns_cpe" "$ns_conc"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 || return 1
		# Linux 6.12 turns active MPTCP off for an hour in a namespace
		# where an MP_CAPABLE SYN was lost once and plain TCP then
		# went through (MPTcpExtBlackhole): one SYN lost to a full
		# backlog would change the outcome of every later check.
		if ip netns exec "$ns" test -e /proc/sys/net/mptcp/blackhole_timeout; then
			ip netns exec "$ns" sysctl -qw net.mptcp.blackhole_timeout=0 || return 1
		fi
	done
}

# mpc_topo_shape DEV...: shape the uplinks DEV (wan1, wan2) on both ends to
# 20 Mbit/s (MPC_SHAPE_RATE, a tc rate) and 10 ms each way (20 ms RTT)
mpc_topo_shape() {
	local ns dev
	for dev in "$@"; do
		for ns in "$ns_cpe" "$ns_conc"; do
			tc -n "$ns" qdisc add dev "$dev" root handle 1: netem delay 10ms limit 1000 &&
			tc -n "$ns" qdisc add dev "$dev" parent 1: handle 2: \
				tbf rate "${MPC_SHAPE_RATE:-20mbit}" burst 32kb latency 100ms || return 1
		done
	done
}

# mpc_topo_unshape DEV...: undo mpc_topo_shape
mpc_topo_unshape() {
	local ns dev
	for dev in "$@"; do
		for ns in "$ns_cpe" "$ns_conc"; do
			tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null
		done
	done
	return 0
}

# mpc_topo_xfer MB ADDR PORT: send MB megabytes from the client to a server
# that answers with the byte count once it has them all (socat ...
# SYSTEM:'wc -c'); prints the time to full delivery in ms
mpc_topo_xfer() {
	local t0 n
	t0=$(date +%s%N)
	n=$(head -c "$(($1 * 1000000))" /dev/zero |
		ip netns exec "$ns_client" timeout -k 5 120 socat -t 60 - "TCP:$2:$3") || return 1
	[ "$n" = $(($1 * 1000000)) ] || { echo "the server got $n of $(($1 * 1000000)) bytes" >&2; return 1; }
	echo $((($(date +%s%N) - t0) / 1000000))
}

# mpc_topo_blackhole: 192.0.2.131, a server that answers ARP (its address
# is on the server's side) but drops every packet sent to it.
mpc_topo_blackhole() {
	ip -n "$ns_server" addr add 192.0.2.131/25 dev srv &&
	ip netns exec "$ns_server" nft -f - <<-EOF
		table ip blackhole {
			chain in {
				type filter hook input priority 0;
				ip daddr 192.0.2.131 drop
			}
		}
	EOF
}

# mpc_topo_hole DEV: black-hole uplink DEV (wan1, wan2) at both ends: every
# IPv4 and IPv6 packet arriving on it is dropped, but ARP and neighbour
# discovery, so the link stays up and resolved and nothing but silence
# tells (a failing LTE or DSL line)
mpc_topo_hole() {
	local ns
	for ns in "$ns_cpe" "$ns_conc"; do
		ip netns exec "$ns" nft -f - <<-EOF2 || return 1
			table netdev mpc_hole_$1 {
				chain in {
					type filter hook ingress device $1 priority 0;
					ether type arp accept
					icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
					drop
				}
			}
		EOF2
	done
}

# mpc_topo_unhole DEV: undo mpc_topo_hole (nothing when there is none)
mpc_topo_unhole() {
	local ns
	for ns in "$ns_cpe" "$ns_conc"; do
		ip netns exec "$ns" nft delete table netdev "mpc_hole_$1" 2>/dev/null
	done
	return 0
}
