#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns_* are set by mpc_ns_new (printf -v)
#
# The benchmarks' guest side (run by bench/bench.sh inside the VM): builds
# the reference topology (selftests/topo.sh) and measures, one setup after
# the other, the same figures for
#
#   direct     the client's plain TCP routed through cpe and conc (CPE role off)
#   dmptcp     MPTCP between the cpe and conc namespaces themselves
#              (mptcpize iperf3, MPTCP sockets in peer.py): one MPTCP hop
#   mpconv     the client's TCP converted by mpconv (CPE + converter)
#   userspace  what a user can set up from Debian packages: on the CPE an nft
#              redirect of the client's TCP to `mptcpize run socat ... fork`
#              toward a fixed port on conc, where another mptcpize'd socat
#              connects to a fixed server address and port
#
# Raw samples go to $T/results.tsv; bench/report.py turns them into the
# Markdown table and the JSON file, both left in $BENCH_OUT.
#
# Environment: BENCH_REPS (3), BENCH_TIME (iperf3 seconds, 5), BENCH_N
# (idle sessions for the memory figure, "1000"; "1000 10000" for both),
# BENCH_US_N (cap on N for the user-space pair, which forks two socat
# processes per connection: 250), BENCH_SETUPS, BENCH_MEASURES (which
# measures: "memory bulk aggregate ttfb rate"), BENCH_PERF (1: profile
# mpconv's bulk upload and download with `perf record -a -g`, reports in
# $BENCH_OUT/perf-*.txt), BENCH_OUT (/run/vmout).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../selftests/lib.sh
. "$ROOT/selftests/lib.sh"
# shellcheck source=../selftests/topo.sh
. "$ROOT/selftests/topo.sh"

REPS=${BENCH_REPS:-3}
DUR=${BENCH_TIME:-5}
NS_LIST=${BENCH_N:-1000}
US_N=${BENCH_US_N:-250}
SETUPS=${BENCH_SETUPS:-direct dmptcp mpconv userspace}
MEASURES=${BENCH_MEASURES:-memory bulk aggregate ttfb rate}
PERF=${BENCH_PERF:-0}
OUT=${BENCH_OUT:-/run/vmout}
RATE_T=3	# seconds per connection-rate run
RATE_CONC=8	# clients of the concurrent connection-rate run
PEER=$ROOT/bench/peer.py
SRV=192.0.2.130
CONC=198.51.100.2
HZ=$(getconf CLK_TCK)
series=$(uname -r | cut -d. -f1,2)

T=$(mktemp -d /tmp/bench.XXXXXX)
RES=$T/results.tsv
: >"$RES"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		pkill -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	mpc_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { echo "# $(date +%T) $*"; }
die() { echo "bench: $*" >&2; exit 1; }
# rec SETUP MEASURE VALUE
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RES"; }
bg() { "$@" >>"$T/bg.log" 2>&1 & pids+=($!); }
cpe() { "$MPCONV" -n "$ns_cpe" "$@"; }
conv() { "$MPCONV" -n "$ns_conc" "$@"; }
nst() { ip netns exec "$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { print $2 }'; }

# --- topology, servers --------------------------------------------------------
say "mpconv benchmarks on $(uname -r), $REPS repetitions," \
	"slab debugging: $(cat /sys/kernel/slab/TCP/sanity_checks 2>/dev/null || echo '?')"
mpc_topo_up || die "topology setup failed"
for ns in "$ns_client" "$ns_cpe" "$ns_conc" "$ns_server"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
done
mpc_mod_loaded || insmod "$MPCONV_KO" || die "insmod $MPCONV_KO failed"
ip -n "$ns_cpe" mptcp limits set subflow 2 add_addr_accepted 2
ip -n "$ns_conc" mptcp limits set subflow 2 add_addr_accepted 0

# server: plain TCP; conc: the MPTCP ends of the direct MPTCP setup
bg ip netns exec "$ns_server" iperf3 -s -p 5201
bg ip netns exec "$ns_server" python3 "$PEER" rr-server 0.0.0.0 7000
bg ip netns exec "$ns_conc" mptcpize run iperf3 -s -p 5202
bg ip netns exec "$ns_conc" python3 "$PEER" rr-server 0.0.0.0 7001 --mptcp
sleep 2

# Where each setup's client runs and what it talks to:
# client namespace, address, iperf3 port, request/response port, hold port, MPTCP flag
target() {
	if [ "$1" = dmptcp ]; then
		t_ns=$ns_cpe t_addr=$CONC t_ip=5202 t_rr=7001 t_hold=7101 t_mp=--mptcp
		t_srv_ns=$ns_conc
	else
		t_ns=$ns_client t_addr=$SRV t_ip=5201 t_rr=7000 t_hold=7100 t_mp=
		t_srv_ns=$ns_server
	fi
}

# paths 1|2: MPTCP over wan1 only, or a second subflow over wan2
paths() {
	ip -n "$ns_cpe" mptcp endpoint flush
	[ "$1" = 1 ] || ip -n "$ns_cpe" mptcp endpoint add 203.0.113.1 dev wan2 subflow
}

# delay on|off: 10 ms each way on every link (lan, wan1, wan2, srv)
delay() {
	local ns dev
	for ns in "$ns_client:lan" "$ns_cpe:lan" "$ns_cpe:wan1" "$ns_cpe:wan2" \
		"$ns_conc:wan1" "$ns_conc:wan2" "$ns_conc:srv" "$ns_server:srv"; do
		dev=${ns#*:}
		if [ "$1" = on ]; then
			tc -n "${ns%%:*}" qdisc replace dev "$dev" root netem delay 10ms limit 10000
		else
			tc -n "${ns%%:*}" qdisc del dev "$dev" root 2>/dev/null
		fi
	done
	return 0
}

# --- setups -------------------------------------------------------------------
US_PORTS="5201 7000 7100"
setup_on() {
	case $1 in
	mpconv)
		# shellcheck disable=SC2086 # BENCH_CONV_OPTS: more converter options
		conv converter enable allow 198.51.100.0/24,203.0.113.0/24 \
			max-sessions 100000 max-per-client 100000 ${BENCH_CONV_OPTS:-} >/dev/null &&
		cpe cpe enable converter "$CONC" iface lan max-sessions 100000 \
			max-per-host 100000 >/dev/null || die "enabling mpconv failed"
		;;
	userspace)
		local p rules=""
		for p in $US_PORTS; do
			rules+="iifname \"lan\" ip daddr $SRV tcp dport $p redirect to :$((p + 10000))"$'\n'
			bg ip netns exec "$ns_cpe" mptcpize run socat \
				"TCP-LISTEN:$((p + 10000)),reuseaddr,fork,backlog=4096" "TCP:$CONC:$((p + 10000))"
			bg ip netns exec "$ns_conc" mptcpize run socat \
				"TCP-LISTEN:$((p + 10000)),reuseaddr,fork,backlog=4096" "TCP:$SRV:$p"
		done
		ip netns exec "$ns_cpe" nft -f - <<-EOF || die "nft failed"
			table ip mpcbench {
				chain pre {
					type nat hook prerouting priority dstnat; policy accept;
					$rules
				}
			}
		EOF
		sleep 1
		;;
	esac
	return 0
}

setup_off() {
	case $1 in
	mpconv)
		cpe cpe disable >/dev/null
		conv converter disable >/dev/null
		;;
	userspace)
		ip netns exec "$ns_cpe" nft delete table ip mpcbench
		;;
	esac
	return 0
}

# --- measures -----------------------------------------------------------------
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# iperf SETUP up|down SECONDS OMIT: prints "bits/s bytes busy-jiffies"
iperf() {
	local pre=() rev=() b0 b1
	target "$1"
	[ "$1" != dmptcp ] || pre=(mptcpize run)
	[ "$2" = up ] || rev=(-R)
	b0=$(busy)
	ip netns exec "$t_ns" timeout $(($3 + 30)) "${pre[@]}" iperf3 -c "$t_addr" -p "$t_ip" \
		-t "$3" -O "$4" "${rev[@]}" -J >"$T/iperf.json" 2>&1
	b1=$(busy)
	jq -e -r --arg b $((b1 - b0)) '[.end.sum_received.bits_per_second, .end.sum_received.bytes,
		($b | tonumber)] | @tsv' "$T/iperf.json" 2>/dev/null || {
		echo "bench: iperf3 $*: $(jq -r '.error // empty' "$T/iperf.json" 2>/dev/null ||
			head -c 300 "$T/iperf.json")" >&2
		return 1
	}
}

bulk() {
	local s=$1 dir v bps bytes jif pp
	for dir in up down; do
		if [ "$PERF" = 1 ] && [ "$s" = mpconv ]; then
			# perf takes seconds to start under emulation: record
			# until the transfer is over
			perf record -a -g -o "$T/perf.data" >/dev/null 2>&1 &
			pp=$!
			sleep 8
			iperf "$s" "$dir" "$DUR" 0 >/dev/null
			kill -INT "$pp"
			wait "$pp"
			perf report -i "$T/perf.data" --no-children --percent-limit 0.5 \
				--stdio -g none --sort symbol >"$OUT/perf-$series-$dir.txt" 2>&1
			perf report -i "$T/perf.data" --children --percent-limit 2 \
				--stdio -g caller,0.5,callee --sort symbol \
				>"$OUT/perf-$series-$dir-callers.txt" 2>&1
		fi
		for _ in $(seq "$REPS"); do
			v=$(iperf "$s" "$dir" "$DUR" 0) || continue
			read -r bps bytes jif <<<"$v"
			rec "$s" "bulk_$dir" "$(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')"
			rec "$s" "cpu_$dir" "$(awk -v j="$jif" -v hz="$HZ" -v n="$bytes" \
				'BEGIN { printf "%.2f", j / hz / (n / 1e9) }')"
		done
	done
}

aggregate() {
	local s=$1 v bps bytes jif
	mpc_topo_shape wan1 wan2 || die "shaping failed"
	for _ in $(seq "$REPS"); do
		v=$(iperf "$s" up $((DUR + 3)) 2) || continue
		read -r bps bytes jif <<<"$v"
		rec "$s" agg_up "$(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')"
	done
	mpc_topo_unshape wan1 wan2
}

ttfb() {
	local s=$1 v
	target "$s"
	delay on
	while read -r v; do
		[ -z "$v" ] || rec "$s" ttfb "$v"
	done <<<"$(ip netns exec "$t_ns" timeout 120 python3 "$PEER" ttfb "$t_addr" "$t_rr" "$REPS" $t_mp)"
	delay off
}

crate() {
	local s=$1 v
	target "$s"
	for _ in $(seq "$REPS"); do
		v=$(ip netns exec "$t_ns" timeout 60 python3 "$PEER" rate "$t_addr" "$t_rr" \
			"$RATE_T" 1 $t_mp) && rec "$s" rate_seq "$v"
		sleep 1
		v=$(ip netns exec "$t_ns" timeout 60 python3 "$PEER" rate "$t_addr" "$t_rr" \
			"$RATE_T" "$RATE_CONC" $t_mp) && rec "$s" rate_conc "$v"
		sleep 1
	done
}

# kernel memory (Slab + Percpu + KernelStack + PageTables), Slab, used
# (MemTotal - MemFree - Buffers - Cached), MemAvailable; kB
kmem() {
	awk '/^(Slab|Percpu|KernelStack|PageTables):/ { k += $2 }
		/^(MemFree|Buffers|Cached):/ { f += $2 }
		/^Slab:/ { s = $2 } /^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 }
		END { print k, s, t - f, a }' /proc/meminfo
}

# slab_delta N: the slab caches that grew between $T/slab0 and $T/slab1,
# bytes per connection (objects x object size / N), largest first
slab_delta() {
	awk -v n="$1" 'FNR == NR { if (FNR > 2) a[$1] = $2; next }
		FNR > 2 { d = ($2 - a[$1]) * $4 / n; if (d >= 16) printf "%8.0f  %s (%d B)\n", d, $1, $4 }' \
		"$T/slab0" "$T/slab1" | sort -rn
}

memory() {
	local s=$1 n=$2 hp cp k0 s0 u0 a0 k1 s1 u1 got
	target "$s"
	[ "$s" != userspace ] || [ "$n" -le "$US_N" ] || n=$US_N
	for _ in $(seq "$REPS"); do
		rm -f "$T/ready" "$T/stop"
		ip netns exec "$t_srv_ns" python3 "$PEER" hold-server 0.0.0.0 "$t_hold" $t_mp \
			>>"$T/bg.log" 2>&1 &
		hp=$!
		sleep 2
		read -r k0 s0 u0 a0 <<<"$(kmem)"
		cp /proc/slabinfo "$T/slab0"
		ip netns exec "$t_ns" python3 "$PEER" hold "$t_addr" "$t_hold" "$n" \
			"$T/ready" "$T/stop" $t_mp >>"$T/bg.log" 2>&1 &
		cp=$!
		for _ in $(seq 600); do
			[ -e "$T/ready" ] && break
			sleep 0.5
		done
		got=$(cat "$T/ready" 2>/dev/null || echo 0)
		sleep 3	# second subflows, late ACKs
		read -r k1 s1 u1 _ <<<"$(kmem)"
		cp /proc/slabinfo "$T/slab1"
		touch "$T/stop"
		wait "$cp"
		kill "$hp" 2>/dev/null
		wait "$hp" 2>/dev/null
		if [ "$got" -lt "$n" ]; then
			echo "bench: $s: only $got of $n idle connections opened" >&2
		fi
		if [ "$got" -gt 0 ]; then
			slab_delta "$got" >"$OUT/slab-$series-$s-$2.txt"
			rec "$s" "mem_kernel_$2" $(((k1 - k0) * 1024 / got))
			rec "$s" "mem_slab_$2" $(((s1 - s0) * 1024 / got))
			rec "$s" "mem_used_$2" $(((u1 - u0) * 1024 / got))
			rec "$s" "mem_avail_$2" $((a0 * 1024))
			rec "$s" "mem_n_$2" "$got"
		fi
		sleep 3	# let the resets finish and the sessions go
	done
}

# --- run ---------------------------------------------------------------------
# Memory first, for every setup: the idle connections are closed with resets,
# so no TIME_WAIT socket of an earlier measure expires during a later count.
want() { [[ " $MEASURES " == *" $1 "* ]]; }
want memory || SETUPS_MEM=""
for s in ${SETUPS_MEM-$SETUPS}; do
	setup_on "$s"
	paths 2
	for n in $NS_LIST; do
		say "$s: memory, $n idle connections"
		memory "$s" "$n"
	done
	setup_off "$s"
done

for s in $SETUPS; do
	say "setup $s"
	syn0=$(nst "$ns_conc" MPTcpExtMPCapableSYNRX)
	join0=$(nst "$ns_conc" MPTcpExtMPJoinSynRx)
	setup_on "$s"
	paths 1
	if want bulk; then
		say "$s: bulk throughput, one unshaped path, ${DUR} s each way"
		bulk "$s"
	fi
	paths 2
	if want aggregate; then
		say "$s: aggregation, wan1 + wan2 at 20 Mbit/s, 20 ms RTT"
		aggregate "$s"
	fi
	if want ttfb; then
		say "$s: time to first byte, 10 ms per hop each way"
		ttfb "$s"
	fi
	if want rate; then
		say "$s: connection rate, sequential and $RATE_CONC concurrent"
		crate "$s"
	fi
	rec "$s" check_mptcp_syn_rx $(($(nst "$ns_conc" MPTcpExtMPCapableSYNRX) - syn0))
	rec "$s" check_mptcp_join_rx $(($(nst "$ns_conc" MPTcpExtMPJoinSynRx) - join0))
	[ "$s" != mpconv ] || rec "$s" check_converted "$(cpe -j stats | jq -r .cpe_converted)"
	setup_off "$s"
done

say "done"
python3 "$ROOT/bench/report.py" "$RES" "$OUT/bench-$series.json" "$OUT/bench-$series.md" \
	--kernel "$(uname -r)" --reps "$REPS" --time "$DUR" --us-n "$US_N" \
	--rate-conc "$RATE_CONC" || die "report failed"
mpc_kernel_trouble && die "kernel trouble in the log"
exit 0
