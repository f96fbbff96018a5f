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

say "every namespace has its own mpconv state"
for ns in "$ns_client" "$ns_cpe" "$ns_conc" "$ns_server"; do
	printf '%-16s ' "${ns%-*}:"
	"$MPCONV" -n "$ns" -j status || exit 1
done

say "the routed path works: client -> server"
ip netns exec "$ns_client" ping -c 2 -q 192.0.2.130 | tail -n 2

say "status of the cpe namespace, as an operator sees it"
"$MPCONV" -n "$ns_cpe" status || exit 1

cat <<'MSG'

The TCP -> MPTCP conversion itself (the converter and cpe roles) is not in
this version yet: see the README's status section.
MSG
