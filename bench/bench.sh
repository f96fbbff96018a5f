#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: install what is needed, build what is missing, boot Debian's
# kernel(s) in QEMU and run bench/bench-vm.sh there; prints the Markdown
# table(s) and leaves build/bench/bench-<series>.json and .md.
#
# Environment: BENCH_KERNELS ("6.12"; "6.12 6.1" for both), and the guest's
# BENCH_REPS, BENCH_TIME, BENCH_N, BENCH_US_N, BENCH_SETUPS, BENCH_MEASURES,
# BENCH_PERF, BENCH_CONV_OPTS (e.g. "server-mptcp on") (bench-vm.sh), BENCH_APPEND (more kernel parameters, e.g.
# init_on_alloc=0 to see what zeroing every new page costs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KERNELS=${BENCH_KERNELS:-6.12}
OUT=$ROOT/build/bench

bash scripts/deps.sh
if [ "${BENCH_PERF:-0}" = 1 ] && ! command -v perf >/dev/null; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-perf
fi

# Build the module for a kernel only when it is missing or older than its
# sources, the CLI likewise (`make` rebuilds everything as usual).
for k in $KERNELS; do
	rel=$(find /boot -maxdepth 1 -name "vmlinuz-$k.*" -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[ -n "$rel" ] || { echo "bench: no kernel $k in /boot" >&2; exit 1; }
	ko=build/$rel/mpconv.ko
	if [ ! -f "$ko" ] || [ -n "$(find kmod uapi -newer "$ko" -print -quit)" ]; then
		make -s module KDIR="/lib/modules/$rel/build"
	fi
done
if [ ! -x tools/mpconv ] || [ -n "$(find tools uapi -name '*.[ch]' -newer tools/mpconv -print -quit)" ]; then
	make -s cli
fi

mkdir -p "$OUT"
env_args=()
for v in BENCH_REPS BENCH_TIME BENCH_N BENCH_US_N BENCH_SETUPS BENCH_MEASURES BENCH_PERF \
	BENCH_CONV_OPTS; do
	[ -z "${!v:-}" ] || env_args+=("$v=${!v}")
done
t0=$(date +%s)
for k in $KERNELS; do
	echo "== bench: Linux $k"
	rm -f "$OUT/bench-$k.json" "$OUT/bench-$k.md"
	# slub_debug=- : no slab debugging (vm-run.sh turns it on for the tests),
	# which would inflate every object and slow every allocation
	bash scripts/vm-run.sh -q -k "$k" -t 3600 -o "$OUT" -l "$OUT/console-$k.log" \
		-a "slub_debug=- ${BENCH_APPEND:-}" -- \
		env "${env_args[@]}" BENCH_OUT=/run/vmout bash "$ROOT/bench/bench-vm.sh"
done

echo
for k in $KERNELS; do
	cat "$OUT/bench-$k.md"
	echo "(JSON: $OUT/bench-$k.json)"
	echo
done
if [ "$(wc -w <<<"$KERNELS")" -gt 1 ]; then
	echo "time to first byte, mpconv vs direct (ms, median):"
	for k in $KERNELS; do
		jq -r --arg k "$k" '"  Linux \($k): mpconv \(.figures.mpconv.ttfb.median // "-"),
		  direct \(.figures.direct.ttfb.median // "-")"' "$OUT/bench-$k.json" | tr -s ' \n' ' '
		echo
	done
fi
echo "bench: $(($(date +%s) - t0)) s in the VM(s)"
