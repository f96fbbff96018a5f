#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The CPE fails open: it touches only connections whose SYN it took, and
# takes only SYNs that leave the site through an uplink. Everything else
# -- servers on the LAN reached from outside (also through a flood of
# spoofed SYNs, also after a long idle time), port forwards and redirects
# (DNAT), LAN-to-LAN routing, private destinations, bridged frames --
# passes as if mpconv were not there.
#
#                                    wan1/wan2
#   client ---- lan ---- cpe ======================== conc ---- srv ---- server
#   192.0.2.2          192.0.2.1                    198.51.100.2        192.0.2.130
#   2001:db8:1::2        |  \ lan2 2001:db8:3::1, 10.0.3.1 (a second LAN, not configured)
#                        |   `---- lan2host 2001:db8:3::2, 10.0.3.2
#                        `-- br0 (no address; br_netfilter on): hA 192.0.2.10 -- hB 192.0.2.11
#
# 10.0.3.0/24 is the one non-documentation range here, on purpose: it is
# the private destination that must never be converted.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat python3 nft ss tcpdump nstat
HERE=$(dirname "$(readlink -f "$0")")
FLOOD=$HERE/mpconv_flood
PEER=$HERE/peer.py
T=$mpc_tmp
INBOUND_FLOOD_N=${MPCONV_INBOUND_FLOOD_N:-20000}

for f in "$FLOOD" "$MPCONV_KO"; do
	if [ ! -e "$f" ]; then
		mpc_fail "module and tools are built" "missing $f (run make)"
		mpc_exit
	fi
done

cpe() { "$MPCONV" -n "$ns_cpe" "$@"; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }
pstat() { cpe -j stats | jq -r ".$1"; }
cstat() { conv -j stats | jq -r ".$1"; }
srv() { ip netns exec "$ns_server" "$@"; }

# listening NS PORT: a TCP listener on PORT in NS
listening() { ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .; }

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
# The LAN server's answers to spoofed sources end at the CPE.
ip -n "$ns_cpe" route add blackhole 203.0.113.128/25

# A second LAN behind the CPE that mpconv is not configured for.
mpc_ns_new ns_lan2 lan2host &&
	mpc_topo_link "$ns_cpe" lan2 "$ns_lan2" lan2 &&
	mpc_topo_addr "$ns_cpe" lan2 10.0.3.1/24 2001:db8:3::1/64 &&
	mpc_topo_addr "$ns_lan2" lan2 10.0.3.2/24 2001:db8:3::2/64 &&
	ip -n "$ns_lan2" route add default via 10.0.3.1 &&
	ip -n "$ns_lan2" -6 route add default via 2001:db8:3::1 ||
	{ mpc_fail "second LAN"; mpc_exit; }

mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

ALLOW=198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,2001:db8:12::/64
mpc_check "enable the converter" conv converter enable allow "$ALLOW"
mpc_check "enable the CPE (LAN interface lan, idle timeout 1 s)" \
	cpe cpe enable converter 198.51.100.2 iface lan connect-timeout 3s idle-timeout 1s

# Servers: the real server (what a converted connection reaches: it names
# its peer), the second LAN's host, the LAN client itself (for connections
# from outside), the CPE itself (for the redirect).
srv socat -t 30 TCP-LISTEN:8084,backlog=128,reuseaddr,fork SYSTEM:'echo server $SOCAT_PEERADDR' \
	>/dev/null 2>&1 &
ip netns exec "$ns_lan2" socat -t 30 TCP6-LISTEN:8084,backlog=128,reuseaddr,fork \
	SYSTEM:'echo lan2 $SOCAT_PEERADDR' >/dev/null 2>&1 &
ip netns exec "$ns_client" socat -t 30 TCP-LISTEN:9000,backlog=1024,reuseaddr,fork EXEC:cat \
	>/dev/null 2>&1 &
ip netns exec "$ns_client" python3 "$PEER" echo-server 192.0.2.2 9001 >/dev/null 2>&1 &
ip netns exec "$ns_cpe" socat -t 30 TCP-LISTEN:7777,backlog=128,reuseaddr,fork \
	SYSTEM:'echo cpe-local' >/dev/null 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"
mpc_check "the servers listen" wait_for 20 eval \
	'listening "$ns_server" 8084 && listening "$ns_lan2" 8084 &&
	 listening "$ns_client" 9000 && listening "$ns_client" 9001 && listening "$ns_cpe" 7777'

# --- what the CPE takes -----------------------------------------------------------
converted() {
	local got
	got=$(ip netns exec "$ns_client" timeout -k 5 20 socat -t 10 - TCP:192.0.2.130:8084 </dev/null)
	echo "$got"
	[ "$got" = "server 192.0.2.129" ]
}
mpc_check "a LAN connection to the server is converted (the server sees the converter)" converted

# --- a spoofed SYN on a forwarded connection's 4-tuple -----------------------------
# A LAN host spoofs a SYN with the 4-tuple of a connection the CPE forwards
# (here a native MPTCP one, fallen back to TCP). The SYN is taken, but the
# request socket it makes must not reset or stall the real connection.
srv python3 "$PEER" echo-server 192.0.2.130 8085 >/dev/null 2>&1 &
srv python3 "$PEER" echo-server 2001:db8:2::2 8085 >/dev/null 2>&1 &
# syn_recv PORT: the CPE holds a request socket from the LAN host's PORT
syn_recv() {
	ip netns exec "$ns_cpe" ss -Htn state syn-recv "( sport = :8085 and dport = :$1 )" | grep -q .
}
# spoofed_syn_forwarded SERVER CLIENT: the victim connects to SERVER from
# CLIENT, the LAN host's address
spoofed_syn_forwarded() {
	local srv=$1 src=$2 sport taken0 foreign0 rc=0
	wait_for 20 eval '[ "$(ip netns exec "$ns_server" ss -Htln "sport = :8085" | wc -l)" -ge 2 ]' ||
		return 1
	rm -f "$T/v-port" "$T/v-go"
	ip netns exec "$ns_client" python3 - "$srv" 8085 "$T/v-port" "$T/v-go" \
		>"$T/victim.out" 2>&1 <<-EOF &
		import os, socket, sys, time
		addr, port, portfile, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
		fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
		s = socket.socket(fam, socket.SOCK_STREAM, 262)  # MPTCP: never taken
		s.settimeout(20)
		s.connect((addr, port))
		s.sendall(b'a')
		assert s.recv(1) == b'a'
		with open(portfile + '.tmp', 'w') as f:
		    f.write('%d\n' % s.getsockname()[1])
		os.rename(portfile + '.tmp', portfile)
		t0 = time.time()
		while not os.path.exists(go) and time.time() - t0 < 60:
		    time.sleep(0.1)
		s.sendall(b'b')
		print('echoed', s.recv(1).decode())
	EOF
	local vpid=$!
	wait_for 30 test -s "$T/v-port" || { cat "$T/victim.out"; return 1; }
	sport=$(cat "$T/v-port")
	taken0=$(pstat cpe_taken) foreign0=$(pstat cpe_foreign_passed)
	ip netns exec "$ns_client" "$FLOOD" -q -n 1 -p "$sport" "$src" "$srv" 8085 ||
		rc=1
	# the CPE took it: once converted, its request socket holds the 4-tuple
	if ! wait_for 20 syn_recv "$sport"; then
		echo "no request socket for the spoofed SYN"
		rc=1
	fi
	touch "$T/v-go"
	wait "$vpid"
	cat "$T/victim.out"
	echo "source port $sport; cpe_taken +$(($(pstat cpe_taken) - taken0))," \
		"cpe_foreign_passed +$(($(pstat cpe_foreign_passed) - foreign0))"
	[ "$rc" = 0 ] || { cpe -j stats; conv -j stats; }
	# the victim's segment matched the request socket and passed
	[ "$(pstat cpe_foreign_passed)" -gt "$foreign0" ] || rc=1
	[ "$rc" = 0 ] && grep -qx "echoed b" "$T/victim.out"
}
mpc_check "a spoofed SYN on a forwarded connection's 4-tuple: the connection lives on (IPv4)" \
	spoofed_syn_forwarded 192.0.2.130 192.0.2.2/32
mpc_check "a spoofed SYN on a forwarded connection's 4-tuple: the connection lives on (IPv6)" \
	spoofed_syn_forwarded 2001:db8:2::2 2001:db8:1::2/128

# --- a corrupted SYN: never taken ---------------------------------------------------
# A SYN whose TCP checksum is wrong is what TCP drops. The CPE must not
# hold and convert it (the converter would dial the server for it): it
# passes, and the server's TCP drops it and counts it, as without mpconv.
csum_errors() { ip netns exec "$ns_server" nstat -asz TcpInCsumErrors | awk '/TcpInCsumErrors/ { print $2 }'; }
bad_csum_syn() {
	local taken0 acc0 err0
	taken0=$(pstat cpe_taken) acc0=$(cstat conv_accepted) err0=$(csum_errors)
	ip netns exec "$ns_client" "$FLOOD" -q -n 1 -c 192.0.2.2/32 192.0.2.130 8085 || return 1
	wait_for 20 eval '[ "$(csum_errors)" -gt "$err0" ]' || echo "the server counted no checksum error"
	echo "server TcpInCsumErrors $err0 -> $(csum_errors); cpe_taken $taken0 -> $(pstat cpe_taken);" \
		"conv_accepted $acc0 -> $(cstat conv_accepted)"
	[ "$(csum_errors)" -gt "$err0" ] && [ "$(pstat cpe_taken)" = "$taken0" ] &&
		[ "$(cstat conv_accepted)" = "$acc0" ]
}
mpc_check "a SYN with a wrong TCP checksum is not taken: it reaches the server, which drops it" \
	bad_csum_syn

# --- TIME_WAIT: an old SYN does not end it -----------------------------------------
# The server closes first, so the CPE's LAN socket ends in TIME_WAIT. A SYN
# on that 4-tuple whose sequence number and timestamp are the old
# connection's own (a duplicate, or spoofed) is neither taken nor ends
# it: TIME_WAIT answers it, as TCP would (sequence number and PAWS); a
# real new connection on the same 4-tuple is converted.
tw_present() {
	ip netns exec "$ns_cpe" ss -Htan state time-wait "( dport = :$1 )" | grep -q .
}
tw_old_syn() {
	local sport=40123 pid seq ts got taken0 rc=0 _
	ip netns exec "$ns_cpe" timeout -k 5 60 tcpdump -i lan -n -S -c 1 \
		"tcp[tcpflags] == tcp-syn and src port $sport" >"$T/tw.syn" 2>"$T/tw.err" &
	pid=$!
	for _ in $(seq 150); do
		grep -q 'listening on' "$T/tw.err" && break
		sleep 0.2
	done
	# one way (-u): the LAN host closes only after the server's FIN, however
	# slow the machine
	got=$(ip netns exec "$ns_client" timeout -k 5 30 socat -u \
		"TCP:192.0.2.130:8084,sourceport=$sport,reuseaddr" -)
	wait $pid
	seq=$(sed -n 's/.*Flags \[S\], seq \([0-9]*\),.*/\1/p' "$T/tw.syn")
	ts=$(sed -n 's/.*TS val \([0-9]*\) .*/\1/p' "$T/tw.syn")
	echo "got '$got', the LAN host's first sequence number ${seq:-?}, timestamp ${ts:-?}"
	[ "$got" = "server 192.0.2.129" ] && [ -n "$seq" ] && [ -n "$ts" ] || return 1
	wait_for 20 tw_present "$sport" || { echo "no TIME_WAIT at the CPE"; return 1; }
	# TCP answers an old SYN in TIME_WAIT with an ACK. The LAN host, its
	# side closed, resets that, and the RST ends TIME_WAIT (as it would
	# end the server's on a direct path) unless tcp_rfc1337 is set: with
	# it, TIME_WAIT outlives the exchange only if the SYN left it alone.
	ip netns exec "$ns_cpe" sysctl -qw net.ipv4.tcp_rfc1337=1
	ip netns exec "$ns_cpe" timeout -k 5 60 tcpdump -i lan -n -c 1 \
		"src port 8084 and dst port $sport and tcp[tcpflags] == tcp-ack" >"$T/tw.ack" 2>"$T/tw.err" &
	pid=$!
	wait_for 30 grep -q 'listening on' "$T/tw.err"
	taken0=$(pstat cpe_taken)
	# the old SYN again: its sequence number and its timestamp
	ip netns exec "$ns_client" "$FLOOD" -q -n 1 -p "$sport" -s "$seq" -t "$ts" 192.0.2.2/32 \
		192.0.2.130 8084 || rc=1
	wait $pid || { echo "TIME_WAIT did not answer the old SYN"; rc=1; }
	# a connection after it: once it is through, the old SYN was handled
	converted >/dev/null || rc=1
	tw_present "$sport" || { echo "the old SYN ended TIME_WAIT"; rc=1; }
	ip netns exec "$ns_cpe" sysctl -qw net.ipv4.tcp_rfc1337=0
	echo "cpe_taken $taken0 -> $(pstat cpe_taken) (the connection after it: +1)"
	[ "$(pstat cpe_taken)" = $((taken0 + 1)) ] || rc=1
	[ "$rc" = 0 ] || return 1
	ip netns exec "$ns_client" sysctl -qw net.ipv4.tcp_tw_reuse=1
	got=$(ip netns exec "$ns_client" timeout -k 5 30 socat -t 5 - \
		"TCP:192.0.2.130:8084,sourceport=$sport,reuseaddr" </dev/null)
	echo "a new connection from the same port: '$got'"
	[ "$got" = "server 192.0.2.129" ]
}
mpc_check "a SYN with an old sequence number leaves the CPE's TIME_WAIT alone" tw_old_syn

# --- routed elsewhere: never converted ---------------------------------------------
# client ---> 2001:db8:3::2 is routed by the CPE out of lan2, back into a
# LAN: not an uplink. Converted, the converter would connect to that
# address in its own network.
lan_to_lan() {
	local got scope0 taken0
	scope0=$(pstat cpe_out_of_scope)
	taken0=$(pstat cpe_taken)
	got=$(ip netns exec "$ns_client" timeout -k 5 20 socat -t 10 - \
		'TCP6:[2001:db8:3::2]:8084' </dev/null)
	echo "got '$got'; out of scope $scope0 -> $(pstat cpe_out_of_scope), taken $taken0 -> $(pstat cpe_taken)"
	grep -Eq '^lan2 \[?2001:(db8:1::2|0db8:0001:0000:0000:0000:0000:0002)\]?$' <<<"$got" &&
		[ "$(pstat cpe_taken)" = "$taken0" ] && [ "$(pstat cpe_out_of_scope)" -gt "$scope0" ]
}
mpc_check "LAN-to-LAN routed traffic is not converted (the host sees the LAN host)" lan_to_lan

private_dest() {
	local got taken0
	taken0=$(pstat cpe_taken)
	# the policy says every destination, explicitly
	cpe cpe set dest 0.0.0.0/0,::/0 >/dev/null || return 1
	got=$(ip netns exec "$ns_client" timeout -k 5 20 socat -t 10 - TCP:10.0.3.2:8085,connect-timeout=5 \
		</dev/null 2>&1)
	echo "got '$got'; taken $taken0 -> $(pstat cpe_taken)"
	cpe cpe set dest none >/dev/null || return 1
	# refused by lan2host directly (nothing listens on 8085 there)
	[ "$(pstat cpe_taken)" = "$taken0" ] && grep -q "Connection refused" <<<"$got"
}
mpc_check "a private destination is never converted (a direct refusal comes back)" private_dest

# --- DNAT: the hook sees the packet as it will be routed -------------------------
redirect() {
	local got taken0
	taken0=$(pstat cpe_taken)
	ip netns exec "$ns_cpe" nft -f - <<-EOF || return 1
		table ip mpctest {
			chain pre {
				type nat hook prerouting priority dstnat;
				iifname "lan" tcp dport 7777 redirect to :7777
			}
		}
	EOF
	got=$(ip netns exec "$ns_client" timeout -k 5 20 socat -t 10 - TCP:192.0.2.130:7777 </dev/null)
	ip netns exec "$ns_cpe" nft delete table ip mpctest
	echo "got '$got'; taken $taken0 -> $(pstat cpe_taken)"
	[ "$got" = cpe-local ] && [ "$(pstat cpe_taken)" = "$taken0" ]
}
mpc_check "a connection the CPE redirects to itself (DNAT) is not converted" redirect

# --- connections from outside: never touched -----------------------------------------
inbound_n() { # N: N connections from the server to the LAN host, each echoed
	local i ok=0
	for i in $(seq "$1"); do
		head -c 2000 /dev/urandom >"$T/in.$i"
		srv timeout -k 5 15 socat -t 5 - TCP:192.0.2.2:9000,connect-timeout=5 <"$T/in.$i" \
			>"$T/in.got.$i" 2>/dev/null && cmp -s "$T/in.$i" "$T/in.got.$i" && ok=$((ok + 1))
	done
	echo "$ok of $1 inbound connections echoed"
	[ "$ok" = "$1" ]
}
# The LAN server answers every spoofed SYN with a SYN+ACK through the CPE.
# No table of the CPE may fill with them: real connections from outside
# keep working during and after the flood.
inbound_flood() {
	local fpid rc slab0 taken0
	taken0=$(pstat cpe_taken)
	slab0=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)
	srv "$FLOOD" -q -n "$INBOUND_FLOOD_N" 203.0.113.128/25 192.0.2.2 9000 >"$T/flood.out" 2>&1 &
	fpid=$!
	inbound_n 2
	rc=$?
	wait $fpid || { cat "$T/flood.out"; return 1; }
	inbound_n 5 || rc=1
	echo "SYN+ACKs from the LAN $(pstat cpe_inbound), taken $taken0 -> $(pstat cpe_taken)," \
		"Slab $(( ($(awk '$1 == "Slab:" { print $2 }' /proc/meminfo) - slab0) / 1024)) MiB"
	[ "$rc" = 0 ] && [ "$(pstat cpe_taken)" = "$taken0" ] &&
		[ "$(pstat cpe_inbound)" -ge "$((INBOUND_FLOOD_N / 2))" ]
}
mpc_check "a LAN server keeps accepting connections from outside through $INBOUND_FLOOD_N spoofed SYNs" \
	inbound_flood

# An inbound connection idle for longer than the CPE's idle timeout (1 s)
# keeps working: nothing about it expires.
inbound_idle() {
	ip netns exec "$ns_server" timeout -k 5 30 python3 - <<-'EOF'
		import socket, time
		s = socket.create_connection(("192.0.2.2", 9001), timeout=10)
		s.sendall(b"one")
		assert s.recv(10) == b"one"
		time.sleep(3)   # the idle period under test: three idle timeouts
		s.sendall(b"two")
		got = s.recv(10)
		print("after 3 s idle:", got)
		assert got == b"two"
	EOF
}
mpc_check "an inbound connection idle longer than idle-timeout keeps working" inbound_idle

# --- bridged frames (br_netfilter): never taken -----------------------------------
bridged() {
	local got taken0 ns
	mpc_ns_new ns_ha ha && mpc_ns_new ns_hb hb || return 1
	modprobe br_netfilter 2>/dev/null
	ip -n "$ns_cpe" link add br0 type bridge &&
		mpc_topo_link "$ns_cpe" bra "$ns_ha" eth0 &&
		mpc_topo_link "$ns_cpe" brb "$ns_hb" eth0 &&
		ip -n "$ns_cpe" link set bra master br0 &&
		ip -n "$ns_cpe" link set brb master br0 &&
		ip -n "$ns_cpe" link set br0 up || return 1
	ip netns exec "$ns_cpe" sysctl -qw net.bridge.bridge-nf-call-iptables=1 || return 1
	for ns in "$ns_ha" "$ns_hb"; do
		ip -n "$ns" addr add "192.0.2.1$([ "$ns" = "$ns_ha" ] && echo 0 || echo 1)/25" dev eth0 ||
			return 1
	done
	ip netns exec "$ns_hb" socat -t 10 TCP-LISTEN:8084,reuseaddr SYSTEM:'echo hb $SOCAT_PEERADDR' \
		>/dev/null 2>&1 &
	wait_for 10 listening "$ns_hb" 8084 || return 1
	cpe cpe set iface lan,br0 >/dev/null || return 1
	taken0=$(pstat cpe_taken)
	got=$(ip netns exec "$ns_ha" timeout -k 5 20 socat -t 10 - TCP:192.0.2.11:8084,connect-timeout=5 \
		</dev/null 2>&1)
	cpe cpe set iface lan >/dev/null
	echo "got '$got'; taken $taken0 -> $(pstat cpe_taken)"
	[ "$got" = "hb 192.0.2.10" ] && [ "$(pstat cpe_taken)" = "$taken0" ]
}
if modprobe -n br_netfilter 2>/dev/null; then
	mpc_check "frames bridged between two LAN hosts (br_netfilter on) are not taken" bridged
else
	mpc_skip "frames bridged between two LAN hosts" "no br_netfilter module"
fi

mpc_check "converted connections still work after all this" converted
mpc_check "rmmod after all that" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
