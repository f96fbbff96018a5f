#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The CPE's QUIC fallback policy (cpe set quic refuse): a LAN host's UDP
# datagram to port 443 of a destination the CPE converts TCP to is answered
# with an ICMP port unreachable, so that a browser falls back to TCP, which
# is converted; everything else passes untouched.
#
#                                   wan1 198.51.100.0/24
#   client ---- lan ---- cpe ============================ conc ---- srv ---- server
#  192.0.2.2        192.0.2.1       (wan2 unused)         198.51.100.2    192.0.2.130
#  2001:db8:1::2    mpconv cpe                            mpconv          2001:db8:2::2
#  connected UDP    quic pass|refuse                      converter       and, bypassed,
#  sockets, raw     (ICMP port unreachable)                               192.0.2.140
#  IPv4 packets                                                           2001:db8:2::40
#                                                                         UDP echo on
#                                                                         443 and 444
#                                                                         (logged), TCP
#                                                                         echo on 443
#
# A refusal is checked from the LAN host (its connected socket gets
# ECONNREFUSED), at the server (the datagram never came: a datagram sent
# after it over the same path, to port 444, did) and in cpe_quic_refused
# (moved by exactly the datagrams sent).

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=topo.sh
. "$(dirname "$0")/topo.sh"

mpc_init
mpc_require socat python3 cmp
T=$mpc_tmp

if [ ! -f "$MPCONV_KO" ] || [ ! -x "$MPCONV" ]; then
	mpc_fail "module and CLI are built" "missing $MPCONV_KO or $MPCONV (run make)"
	mpc_exit
fi

# The UDP peers (one Python each: it starts slowly under emulation):
# "server LOG READY ADDR,... PORT..." echoes every datagram to each ADDR
# and PORT and logs "PORT PAYLOAD"; "client TARGET..." takes each TARGET in
# turn: ADDR:PORT:TOKEN sends TOKEN on a connected socket (again every
# second, for at most 10 s) until its echo or an error comes, and prints
# "ADDR PORT OUTCOME SENT" (OUTCOME: echo, refused, timeout or the errno's
# name); "raw" sends hand-made IPv4 packets from 192.0.2.2 to 192.0.2.130
# (see fragments()).
cat >"$T/udp.py" <<'EOF'
import errno, select, socket, struct, sys, time

def server(log, ready, addrs, ports):
    socks = {}
    for p in ports:
        for addr in addrs.split(','):
            fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((addr, p))
            socks[s] = p
    out = open(log, 'a', buffering=1)
    open(ready, 'w').write('ready\n')
    while True:
        for s in select.select(list(socks), [], [])[0]:
            data, peer = s.recvfrom(2048)
            out.write(f'{socks[s]} {data.decode(errors="replace")}\n')
            s.sendto(data, peer)

def probe(target):
    addr, port, token = target.rsplit(':', 2)
    addr = addr.strip('[]')
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((addr, int(port)))
    data = token.encode()
    sent, end, outcome = 0, time.monotonic() + 10, 'timeout'
    while time.monotonic() < end:
        s.send(data)
        sent += 1
        if not select.select([s], [], [], 1)[0]:
            continue
        try:
            if s.recv(2048) == data:
                outcome = 'echo'
                break
        except ConnectionRefusedError:
            outcome = 'refused'
            break
        except OSError as e:
            outcome = errno.errorcode.get(e.errno, str(e.errno))
            break
    print(addr, port, outcome, sent, flush=True)

def raw():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    src, dst = socket.inet_aton('192.0.2.2'), socket.inet_aton('192.0.2.130')
    udp = struct.pack('!HHHH', 40443, 443, 16, 0) + b'fragment'
    def ip(frag, payload, ident):
        # version/IHL, TOS, length and checksum (the kernel fills them), ID,
        # fragment field, TTL, UDP
        return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 0, ident, frag, 64, 17, 0,
                           src, dst) + payload
    # the first fragment of a datagram to port 443 (more fragments flag):
    # refused; then a later fragment that looks like a UDP header toward
    # port 443 (offset 8 bytes), and a packet too short for a UDP header
    # (4 bytes: source port, destination port 443): both forwarded
    for pkt in (ip(0x2000, udp, 0x4d01), ip(0x0001, udp, 0x4d02),
                ip(0, struct.pack('!HH', 40444, 443), 0x4d03)):
        s.sendto(pkt, ('192.0.2.130', 0))

if sys.argv[1] == 'server':
    server(sys.argv[2], sys.argv[3], sys.argv[4], [int(p) for p in sys.argv[5:]])
else:
    for t in sys.argv[2:]:
        raw() if t == 'raw' else probe(t)
EOF

cpe() { "$MPCONV" -n "$ns_cpe" "$@"; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }
pstat() { cpe -j stats | jq -r ".$1"; }
# probe ADDR:PORT:TOKEN...: the LAN client's datagrams; results in $T/probe
probe() {
	ip netns exec "$ns_client" timeout -k 5 120 python3 "$T/udp.py" client "$@" >"$T/probe" 2>&1
	cat "$T/probe"
}
# outcome ADDR PORT: what the last probe got for ADDR PORT ("OUTCOME SENT")
outcome() { awk -v a="$1" -v p="$2" '$1 == a && $2 == p { print $3, $4 }' "$T/probe"; }
# sent ADDR PORT: datagrams the last probe sent to ADDR PORT
sent() { outcome "$1" "$2" | awk '{ print $2 }'; }
# got "PORT TOKEN": the server received TOKEN on PORT (every probe's
# tokens are its own)
got() { grep -qxF -- "$1" "$T/server.log"; }

mpc_topo_up || { mpc_fail "topology"; mpc_exit; }
# a second address of the server for each family, bypassed
ip -n "$ns_server" addr add 192.0.2.140/25 dev srv &&
	ip -n "$ns_server" addr add 2001:db8:2::40/64 dev srv nodad ||
	{ mpc_fail "the server's bypassed addresses"; mpc_exit; }
ip netns exec "$ns_server" python3 "$T/udp.py" server "$T/server.log" "$T/ready" \
	192.0.2.130,192.0.2.140,2001:db8:2::2,2001:db8:2::40 443 444 >"$T/server.err" 2>&1 &
ip netns exec "$ns_server" socat TCP-LISTEN:443,backlog=16,reuseaddr,fork EXEC:cat \
	>/dev/null 2>&1 &
mpc_on_exit "kill $(jobs -p | tr '\n' ' ')"

mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"

mpc_check "enable the converter" conv converter enable \
	allow 198.51.100.0/24,203.0.113.0/24,2001:db8:11::/64,2001:db8:12::/64
mpc_check "enable the CPE role (converter 198.51.100.2, LAN interface lan, two destinations bypassed)" \
	cpe cpe enable converter 198.51.100.2 iface lan bypass 192.0.2.140/32,2001:db8:2::40/128

listening() {
	[ -s "$T/ready" ] && ip netns exec "$ns_server" ss -Htln 'sport = :443' | grep -q .
}
mpc_check "the server listens (UDP 443 and 444, TCP 443)" wait_for 60 listening

# --- off by default -------------------------------------------------------------
default_pass() {
	[ "$(cpe -j cpe show | jq -r .quic)" = pass ] &&
		cpe cpe show | grep -q 'quic (UDP to port 443 of converted destinations): pass'
}
mpc_check "quic is pass by default (cpe show, plain and JSON)" default_pass

# pass_through TAG: UDP to port 443, IPv4 and IPv6, echoed by the server;
# cpe_quic_refused stays put
pass_through() {
	local before t4=$1-v4 t6=$1-v6
	before=$(pstat cpe_quic_refused)
	probe "192.0.2.130:443:$t4" "[2001:db8:2::2]:443:$t6"
	echo "cpe_quic_refused $before -> $(pstat cpe_quic_refused)"
	[[ $(outcome 192.0.2.130 443) == "echo "* ]] &&
		[[ $(outcome 2001:db8:2::2 443) == "echo "* ]] &&
		got "443 $t4" && got "443 $t6" && [ "$(pstat cpe_quic_refused)" = "$before" ]
}
mpc_check "quic pass: UDP to 192.0.2.130:443 and [2001:db8:2::2]:443 reaches the server" \
	pass_through default

# --- refuse ---------------------------------------------------------------------
mpc_check_fail "an unknown quic value is a usage error" 2 "quic takes \{ pass \| refuse \}" \
	cpe cpe set quic maybe
set_refuse() {
	cpe cpe set quic refuse >/dev/null || return 1
	[ "$(cpe -j cpe show | jq -r .quic)" = refuse ] &&
		cpe cpe show | grep -q 'quic (UDP to port 443 of converted destinations): refuse'
}
mpc_check "cpe set quic refuse (cpe show, plain and JSON)" set_refuse

# The hand-made IPv4 packets are counted as they reach the server.
if command -v nft >/dev/null; then
	ip netns exec "$ns_server" nft -f - <<-EOF
		table ip mpc_quic {
			chain pre {
				type filter hook prerouting priority -300;
				ip saddr 192.0.2.2 ip id 0x4d01 counter
				ip saddr 192.0.2.2 ip id 0x4d02 counter
				ip saddr 192.0.2.2 ip id 0x4d03 counter
			}
		}
	EOF
fi
# One probe: port 443 then port 444 of each family's server address, in
# this order, so that the 444 datagram's arrival says that the 443 one,
# sent before it over the same path, would have arrived by then; port 443
# of the bypassed addresses; the hand-made packets.
before=$(pstat cpe_quic_refused)
probe 192.0.2.130:443:refuse-v4 192.0.2.130:444:other-v4 \
	"[2001:db8:2::2]:443:refuse-v6" "[2001:db8:2::2]:444:other-v6" \
	192.0.2.140:443:bypass-v4 "[2001:db8:2::40]:443:bypass-v6" raw | mpc_diag

# is ADDR PORT OUTCOME: the probe to ADDR PORT ended with OUTCOME
is() { outcome "$1" "$2"; [[ $(outcome "$1" "$2") == "$3 "* ]]; }
# nothing_before TAG: the server got TAG's 444 datagram but not the 443 one
nothing_before() { ! got "443 refuse-$1" && got "444 other-$1"; }
mpc_check "IPv4: a connected UDP socket to 192.0.2.130:443 gets ECONNREFUSED" \
	is 192.0.2.130 443 refused
mpc_check "IPv4: port 444 of the same server is untouched (echoed)" is 192.0.2.130 444 echo
mpc_check "IPv4: the server got nothing to port 443 (the 444 datagram after it came)" \
	nothing_before v4
mpc_check "IPv6: a connected UDP socket to [2001:db8:2::2]:443 gets ECONNREFUSED" \
	is 2001:db8:2::2 443 refused
mpc_check "IPv6: port 444 of the same server is untouched (echoed)" is 2001:db8:2::2 444 echo
mpc_check "IPv6: the server got nothing to port 443 (the 444 datagram after it came)" \
	nothing_before v6
bypassed() { is "$1" 443 echo && got "443 $2"; }
mpc_check "IPv4: a bypassed destination's port 443 is untouched (echoed)" \
	bypassed 192.0.2.140 bypass-v4
mpc_check "IPv6: a bypassed destination's port 443 is untouched (echoed)" \
	bypassed 2001:db8:2::40 bypass-v6

# packets 0x4d01 (the first fragment), 0x4d02 (a later one), 0x4d03 (short)
arrived() {
	N=$(ip netns exec "$ns_server" nft -j list table ip mpc_quic |
		jq -r '[.nftables[] | .rule? | select(.) | .expr[] | .counter? |
		select(.) | .packets] | join(" ")')
	[ "${N#* }" = "1 1" ]
}
fragments() {
	wait_for 20 arrived
	echo "server counters (first fragment, later fragment, short packet): $N"
	[ "$N" = "0 1 1" ]
}
if command -v nft >/dev/null; then
	mpc_check "IPv4: a later fragment and a packet too short for a UDP header pass untouched, the first fragment does not" \
		fragments
else
	mpc_skip "IPv4 fragments and short packets" "nft is not installed"
fi
counted() {
	local after want

	after=$(pstat cpe_quic_refused)
	want=$(($(sent 192.0.2.130 443) + $(sent 2001:db8:2::2 443) + 1))
	echo "cpe_quic_refused $before -> $after, $want datagrams refused" \
		"(to 192.0.2.130, 2001:db8:2::2 and the first fragment)"
	[ "$((after - before))" = "$want" ]
}
mpc_check "cpe_quic_refused counts the refused datagrams, the first fragment's too, no more" \
	counted

tcp_converted() {
	local taken converted
	taken=$(pstat cpe_taken)
	converted=$(pstat cpe_converted)
	head -c 100000 /dev/urandom >"$T/data"
	ip netns exec "$ns_client" timeout -k 5 60 socat -t 30 - TCP:192.0.2.130:443,connect-timeout=20 \
		<"$T/data" >"$T/got" || return 1
	echo "cpe_taken $taken -> $(pstat cpe_taken), cpe_converted $converted ->" \
		"$(pstat cpe_converted)"
	cmp "$T/data" "$T/got" && [ "$(pstat cpe_taken)" = $((taken + 1)) ] &&
		[ "$(pstat cpe_converted)" = $((converted + 1)) ]
}
mpc_check "TCP to 192.0.2.130:443 is still converted: 100 kB echoed intact" tcp_converted

# --- back off -------------------------------------------------------------------
set_pass() {
	cpe cpe set quic pass >/dev/null && [ "$(cpe -j cpe show | jq -r .quic)" = pass ]
}
mpc_check "cpe set quic pass" set_pass
mpc_check "quic pass again: UDP to port 443 reaches the server, IPv4 and IPv6" \
	pass_through again

mpc_check "rmmod" rmmod mpconv
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
