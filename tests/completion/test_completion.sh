#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of the bash completion, tools/mpconv.bash-completion: sources it and
# calls _mpconv as bash would (COMP_WORDS, COMP_CWORD), comparing COMPREPLY
# to the expected set of words. Needs neither the module nor a VM.
#
# Prints TAP ("ok N - completion: ...", plan at the end); exits 1 on any
# mismatch. MPCONV_COMPLETION=FILE tests another copy of the completion.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMPLETION=${MPCONV_COMPLETION:-$ROOT/tools/mpconv.bash-completion}

n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - completion: $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - completion: $1"; }

# sorted WORD...: the words one a line, sorted (duplicates kept, so that a
# word offered twice is a failure).
sorted() { [ $# -gt 0 ] && printf '%s\n' "$@" | LC_ALL=C sort; }

# run WORD...: complete the last WORD of the command line "WORD...".
run() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_mpconv
}

# expect DESC EXPECTED WORD...: completing the last WORD gives exactly the
# words of EXPECTED (blank-separated, any order; "" for nothing).
expect() {
	local desc=$1 exp got
	local -a want
	read -r -d '' -a want <<<"$2" || true
	shift 2
	run "$@"
	exp=$(sorted "${want[@]}")
	got=$(sorted "${COMPREPLY[@]}")
	if [ "$exp" = "$got" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "#   line:     $*"
		echo "#   expected: $(echo "$exp" | tr '\n' ' ')"
		echo "#   got:      $(echo "$got" | tr '\n' ' ')"
	fi
}

# table_kws FILE TABLE: the keywords of the cli_opt table TABLE in FILE.
table_kws() {
	sed -n "/ $2\[\] = {/,/^};/p" "$1" | grep -oE 'CLI_[A-Z0-9_]+\("[^"]+"' |
		sed -E 's/^[^"]*"//; s/"$//' | tr '\n' ' '
}

# without LIST WORD...: LIST less the WORDs.
without() {
	local list=" $1 " w
	shift
	for w in "$@"; do
		list=${list/ $w / }
	done
	echo "$list"
}

# shellcheck source-path=SCRIPTDIR/../.. source=tools/mpconv.bash-completion disable=SC1091
if ! [ -r "$COMPLETION" ] || ! source "$COMPLETION"; then
	echo "not ok 1 - completion: cannot source $COMPLETION"
	echo "1..1"
	exit 1
fi
if [ "$(complete -p mpconv 2>/dev/null)" = "complete -F _mpconv mpconv" ]; then
	ok "registered with complete -F _mpconv mpconv"
else
	not_ok "registered with complete -F _mpconv mpconv (got: $(complete -p mpconv 2>&1))"
fi

OBJECTS="version status converter cpe session binding stats monitor help"
OPTIONS="-j --json -p --pretty -n --netns -V --version -h --help"
CONV_KWS=$(table_kws "$ROOT/tools/conv.c" conv_opts)
CPE_KWS=$(table_kws "$ROOT/tools/cpe.c" cpe_opts)
CPE_KWS_KNOWN="converter iface source uplink dest bypass ports bypass-ports max-sessions
	max-per-host overflow backoff quic connect-timeout idle-timeout binding-lifetime"
IFACES=$(for d in /sys/class/net/*; do [ -d "$d" ] && echo "${d##*/}"; done | tr '\n' ' ')
NETNS=$(ip netns list 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')

# The tables were read: a change of their syntax must not empty the checks.
read -ra w <<<"$CONV_KWS"
if [ "${#w[@]}" -ge 11 ]; then ok "conv_opts read from tools/conv.c (${#w[@]} keywords)"
else not_ok "conv_opts read from tools/conv.c (${#w[@]} keywords: $CONV_KWS)"; fi
read -ra w <<<"$CPE_KWS"
if [ "${#w[@]}" -ge 13 ]; then ok "cpe_opts read from tools/cpe.c (${#w[@]} keywords)"
else not_ok "cpe_opts read from tools/cpe.c (${#w[@]} keywords: $CPE_KWS)"; fi

# Global options and objects.
expect "objects" "$OBJECTS" mpconv ""
expect "objects beginning with s" "status session stats" mpconv s
expect "global options" "$OPTIONS" mpconv -
expect "long global options" "--json --pretty --netns --version --help" mpconv --
expect "used option not offered again" "-p --pretty -n --netns -V --version -h --help" \
	mpconv --json -
expect "options of a cluster not offered again" "-n --netns -V --version -h --help" \
	mpconv -jp -
expect "objects after options" "$OBJECTS" mpconv -j -n blue ""
expect "objects after --" "$OBJECTS" mpconv -- ""
expect "netns names after -n (ip netns list: ${NETNS:-none})" "$NETNS" mpconv -n ""

# Namespace names, from a stand-in for ip(8).
# shellcheck disable=SC2317 # called by _mpconv_netns
ip() { [ "$*" = "netns list" ] && printf 'blue (id: 0)\nred\nblack\n'; }
expect "netns names after --netns (stub ip)" "blue red black" mpconv --netns ""
expect "netns names after -jn, by prefix (stub ip)" "blue black" mpconv -jn bl
expect "netns names after --netns= (stub ip)" "red" mpconv --netns = r
unset -f ip

# Verbs.
expect "converter verbs" "show enable set disable" mpconv converter ""
expect "cpe verbs beginning with d" "disable" mpconv -p cpe d
expect "session verbs" "show del flush" mpconv session ""
expect "binding verbs" "show add del flush" mpconv binding ""
expect "stats verbs" "show" mpconv stats ""

# Option keywords, as the tables define them.
expect "converter enable keywords = conv_opts" "$CONV_KWS" mpconv converter enable ""
expect "cpe set keywords = cpe_opts" "$CPE_KWS" mpconv cpe set ""
expect "cpe set keywords (known list)" "$CPE_KWS_KNOWN" mpconv cpe set ""
expect "cpe keywords beginning with max-" "max-sessions max-per-host" \
	mpconv cpe enable max-
expect "used keywords not offered again" "$(without "$CONV_KWS" cookie max-sessions)" \
	mpconv converter set cookie on max-sessions 10 ""
expect "a value equal to a keyword does not use it" "$(without "$CPE_KWS" overflow)" \
	mpconv cpe set overflow bypass ""
expect "[IPV6]:PORT split at ':' is one value" "$(without "$CONV_KWS" listen)" \
	mpconv converter enable listen "[" "::" "]" ":" 5124 ""
COMP_LINE="mpconv cpe set converter 192.0.2.1:5124 " COMP_POINT=40 \
	expect "ADDR:PORT split at ':' is one value (with COMP_LINE)" \
	"$(without "$CPE_KWS" converter)" mpconv cpe set converter 192.0.2.1 : 5124 ""

# Values of a fixed set.
expect "cookie values" "on off" mpconv converter enable cookie ""
expect "overflow values beginning with b" "bypass" mpconv cpe set overflow b
expect "quic values" "pass refuse" mpconv cpe set quic ""
expect "iface values: /sys/class/net" "$IFACES" mpconv cpe enable iface ""
expect "iface list: next element, used names left out" \
	"$(without "$IFACES" lo | sed -E 's/([^ ]+)/lo,\1/g')" mpconv cpe enable iface lo,
expect "binding add mode" "convert bypass" mpconv binding add 192.0.2.7 ""

# session flush [ role { cpe | converter } ] [ client ADDR ] [ dest PREFIX ] [ dport PORT ]
expect "session flush keywords" "role client dest dport" mpconv session flush ""
expect "session flush role values" "cpe converter" mpconv session flush role ""
expect "session flush keywords left" "dest dport" mpconv session flush role cpe client 192.0.2.1 ""

# Nothing after a keyword that takes a free value, nor where no argument goes.
expect "nothing after listen (ADDR)" "" mpconv converter enable listen ""
expect "nothing after max-per-host (N)" "" mpconv cpe set max-per-host ""
expect "nothing after idle-timeout (TIME)" "" mpconv converter set idle-timeout ""
expect "nothing after dest (PREFIXES)" "" mpconv cpe set dest ""
expect "nothing after session flush dport (PORT)" "" mpconv session flush dport ""
expect "nothing for session del ID" "" mpconv session del ""
expect "nothing for binding add ADDR" "" mpconv binding add ""
expect "nothing after binding add ADDR MODE" "" mpconv binding add 192.0.2.7 bypass ""
expect "nothing after binding flush" "" mpconv binding flush ""
expect "nothing after converter show" "" mpconv converter show ""
expect "nothing after monitor" "" mpconv monitor ""
expect "nothing after version" "" mpconv version ""

echo "1..$n"
echo "# completion: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
