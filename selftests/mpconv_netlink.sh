#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # ns is set by mpc_ns_new (printf -v)
# shellcheck disable=SC2317 # the check functions run through mpc_check
#
# The netlink API's validation, command by command, with raw requests
# (nlreq.py: no CLI in the way, so wrong types, unknown attributes and
# unknown commands reach the kernel as they are).
#
#   init netns (mpconv loaded)
#     `-- ns "nl"   every request; the unprivileged ones from a child user
#                   namespace (root there, no CAP_NET_ADMIN over "nl")
#
# For each command a client can send: a valid request succeeds, and each
# applicable refusal (missing required attribute, wrong type or size,
# out-of-range value, unknown attribute, attribute of another command, no
# CAP_NET_ADMIN) has its exact errno and an extack message. Then what the
# genetlink core refuses by itself: a dump of a doit-only command, a doit
# of a dump-only one, unknown and notification-only command numbers.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

mpc_init
mpc_require python3 unshare

NLREQ=$(dirname "$(readlink -f "$0")")/nlreq.py
export MPCONV_UAPI=${MPCONV_UAPI:-$MPC_ROOT/uapi/linux/mpconv.h}

if [ ! -f "$MPCONV_KO" ] || [ ! -f "$MPCONV_UAPI" ]; then
	mpc_fail "module and uapi header are there" "missing $MPCONV_KO or $MPCONV_UAPI"
	mpc_exit
fi

# errno values (asm-generic/errno-base.h, errno.h)
EPERM=1
ENOENT=2
E2BIG=7
ENODEV=19
EINVAL=22
ERANGE=34
EOPNOTSUPP=95

# extack messages of the kernel's attribute validation (lib/nlattr.c)
X_UNKNOWN="Unknown attribute type"
X_UNSUPPORTED="Unsupported attribute"
X_LENGTH="invalid attribute length"
X_RANGE="integer out of range"
X_POLICY="Attribute failed policy validation"
X_NESTED_MISSING="NLA_F_NESTED is missing"
X_NESTED_UNEXPECTED="NLA_F_NESTED not expected"
X_BINLEN="binary attribute size out of range"
X_LEFTOVER="bytes leftover after parsing attributes"
X_NOCAP="needs CAP_NET_ADMIN in the network namespace's user namespace"

# Attribute specs (nlreq.py syntax)
V4_HOST='nest:A_BIND_ADDR=[u16:ADDR_A_FAMILY=AF_INET,bin:ADDR_A_ADDR4=c0000202]'
V4_HOST2='nest:A_BIND_ADDR=[bin:ADDR_A_ADDR4=c0000203]'
V6_LO_PREFIX='nest:A_PREFIX=[u16:ADDR_A_FAMILY=AF_INET6,bin:ADDR_A_ADDR6=00000000000000000000000000000001,u8:ADDR_A_PREFIXLEN=128]'

mpc_mod_unload
mpc_check "insmod" insmod "$MPCONV_KO"
mpc_on_exit "rmmod mpconv"
mpc_ns_new ns nl

req() { # nlreq.py ARGS... in the test's namespace, with every privilege
	mpc_in "$ns" python3 "$NLREQ" "$@"
}

unpriv() { # the same from a child user namespace: no CAP_NET_ADMIN over "nl"
	# (nlreq.py does what unshare --user --map-root-user does, and also
	# where a chroot forbids it, as in scripts/vm-run.sh's VM)
	mpc_in "$ns" python3 "$NLREQ" --userns "$@"
}

# nl_expect ERRNO EXTACK_RE CMD [ATTR...]: the answer has errno ERRNO and,
# for a refusal, a non-empty extack message matching EXTACK_RE.
nl_expect_via() { # RUNNER ERRNO EXTACK_RE CMD [ATTR...]
	local run=$1 want=$2 re=$3 out
	shift 3
	out=$("$run" "$@") || { echo "$out"; return 1; }
	echo "$out"
	jq -e --argjson want "$want" --arg re "$re" '
		.errno == $want and
		($want == 0 or ((.extack | length) > 0 and (.extack | test($re))))' \
		<<<"$out" >/dev/null
}

nl_expect() {
	nl_expect_via req "$@"
}

# nl_missing ATTR_NAME CMD [ATTR...]: EINVAL, the extack names ATTR_NAME
# (NLMSGERR_ATTR_MISS_TYPE, top level) and says what is missing.
nl_missing() {
	local name=$1 out
	shift
	out=$(req "$@") || { echo "$out"; return 1; }
	echo "$out"
	jq -e --argjson want "$EINVAL" --arg name "$name" '
		.errno == $want and .miss_name == $name and .miss_nest == null and
		(.extack | test("is missing"))' \
		<<<"$out" >/dev/null
}

# nl_core_refusal CMD_ARGS...: the genetlink core refuses with EOPNOTSUPP
nl_core_refusal() {
	local out
	out=$(req "$@") || { echo "$out"; return 1; }
	echo "$out"
	jq -e --argjson want "$EOPNOTSUPP" '.errno == $want and .replies == 0' \
		<<<"$out" >/dev/null
}

# nl_values CMD [ATTR...] with --value: the values list, compact
nl_values() {
	req "$@" | jq -c .values
}

# Every command that takes no attribute refuses an unknown one and one of
# another command's.
no_attr_cmds=(STATUS_GET CONVERTER_GET STATS_GET CPE_GET BINDING_FLUSH)
dump_cmds=(SESSION_GET BINDING_GET)

# === STATUS_GET ============================================================
mpc_check "STATUS_GET: valid, one reply" nl_expect 0 '' STATUS_GET
check_status_reply() {
	local out
	out=$(req --value A_ROLES STATUS_GET) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [0]' <<<"$out" >/dev/null
}
mpc_check "STATUS_GET: reply carries ROLES 0" check_status_reply

# === CONVERTER_SET =========================================================
check_conv_set() {
	local out
	out=$(req --value A_CONV_MAX_SESSIONS CONVERTER_SET u32:A_CONV_MAX_SESSIONS=100 \
		u32:A_CONV_READ_TIMEOUT_MS=600000 u8:A_CONV_COOKIE_REQUIRED=0) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [100]' <<<"$out" >/dev/null
}
mpc_check "CONVERTER_SET: valid, reply is the new configuration" check_conv_set
mpc_check "CONVERTER_SET: empty request is valid (nothing changes)" nl_expect 0 '' CONVERTER_SET
mpc_check "CONVERTER_SET: u8 ENABLED sent as 4 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CONVERTER_SET u32:A_CONV_ENABLED=1
mpc_check "CONVERTER_SET: u32 MAX_SESSIONS sent as 8 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CONVERTER_SET u64:A_CONV_MAX_SESSIONS=100
mpc_check "CONVERTER_SET: u32 MAX_SESSIONS sent as 1 byte: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CONVERTER_SET u8:A_CONV_MAX_SESSIONS=100
mpc_check "CONVERTER_SET: u8 ENABLED flagged NLA_F_NESTED: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_UNEXPECTED" CONVERTER_SET nestbin:A_CONV_ENABLED=01
mpc_check "CONVERTER_SET: nest LISTEN sent as u32: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" CONVERTER_SET u32:A_CONV_LISTEN=0
mpc_check "CONVERTER_SET: nest ALLOW sent as u16: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" CONVERTER_SET u16:A_CONV_ALLOW=1
mpc_check "CONVERTER_SET: nest LISTEN of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" CONVERTER_SET nestbin:A_CONV_LISTEN=0100
mpc_check "CONVERTER_SET: nest LISTEN of 4 zero bytes (no attribute in it): EINVAL" \
	nl_expect $EINVAL "$X_LEFTOVER" CONVERTER_SET nestbin:A_CONV_LISTEN=00000000
mpc_check "CONVERTER_SET: LISTEN port as u32 inside the nest: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CONVERTER_SET 'nest:A_CONV_LISTEN=[u32:ADDR_A_PORT=5124]'
mpc_check "CONVERTER_SET: ALLOW with an IPv4 address of 5 bytes: ERANGE" \
	nl_expect $ERANGE "$X_BINLEN" CONVERTER_SET 'nest:A_CONV_ALLOW=[nest:A_PREFIX=[bin:ADDR_A_ADDR4=c000020100]]'
mpc_check "CONVERTER_SET: ENABLED 2: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u8:A_CONV_ENABLED=2
mpc_check "CONVERTER_SET: COOKIE_REQUIRED 2: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u8:A_CONV_COOKIE_REQUIRED=2
mpc_check "CONVERTER_SET: SERVER_MPTCP 2: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u8:A_CONV_SERVER_MPTCP=2
mpc_check "CONVERTER_SET: MAX_SESSIONS 0: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_MAX_SESSIONS=0
mpc_check "CONVERTER_SET: MAX_SESSIONS 1048577: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_MAX_SESSIONS=1048577
mpc_check "CONVERTER_SET: MAX_PER_CLIENT 0: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_MAX_PER_CLIENT=0
mpc_check "CONVERTER_SET: READ_TIMEOUT_MS 50: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_READ_TIMEOUT_MS=50
mpc_check "CONVERTER_SET: CONNECT_TIMEOUT_MS 600001: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_CONNECT_TIMEOUT_MS=600001
mpc_check "CONVERTER_SET: IDLE_TIMEOUT_MS 999: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_IDLE_TIMEOUT_MS=999
mpc_check "CONVERTER_SET: BINDING_LIFETIME_MS 86400001: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_BINDING_LIFETIME_MS=86400001
mpc_check "CONVERTER_SET: PREFIXLEN 129: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CONVERTER_SET \
	'nest:A_CONV_DENY=[nest:A_PREFIX=[bin:ADDR_A_ADDR6=20010db8000000000000000000000000,u8:ADDR_A_PREFIXLEN=129]]'
mpc_check "CONVERTER_SET: IPv4 PREFIXLEN 33: EINVAL" \
	nl_expect $EINVAL "prefix length too long for the family" CONVERTER_SET \
	'nest:A_CONV_DENY=[nest:A_PREFIX=[bin:ADDR_A_ADDR4=c0000200,u8:ADDR_A_PREFIXLEN=33]]'
mpc_check "CONVERTER_SET: LISTEN family 3: EINVAL" \
	nl_expect $EINVAL "family must be AF_INET or AF_INET6" CONVERTER_SET \
	'nest:A_CONV_LISTEN=[u16:ADDR_A_FAMILY=3]'
mpc_check "CONVERTER_SET: ALLOW entry not a PREFIX nest: EINVAL" \
	nl_expect $EINVAL "expected a prefix nest" CONVERTER_SET \
	'nest:A_CONV_ALLOW=[nest:A_CONV_LISTEN=[bin:ADDR_A_ADDR4=c0000200]]'
mpc_check "CONVERTER_SET: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" CONVERTER_SET u32:200=1
mpc_check "CONVERTER_SET: unknown attribute 9 in the LISTEN nest: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" CONVERTER_SET 'nest:A_CONV_LISTEN=[u16:9=1]'
mpc_check "CONVERTER_SET: CPE_ENABLED (a CPE_SET attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" CONVERTER_SET u8:A_CPE_ENABLED=0
mpc_check "CONVERTER_SET: read-only FASTOPEN: EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" CONVERTER_SET u8:A_CONV_FASTOPEN=1
mpc_check "CONVERTER_SET: read-only BACKLOG: EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" CONVERTER_SET u32:A_CONV_BACKLOG=1

# === CONVERTER_GET =========================================================
check_conv_get() {
	local out
	out=$(req --value A_CONV_MAX_SESSIONS CONVERTER_GET) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [100]' <<<"$out" >/dev/null
}
mpc_check "CONVERTER_GET: valid; refused SETs changed nothing" check_conv_get

# === CPE_SET ===============================================================
check_cpe_set() {
	local out
	out=$(req --value A_CPE_MAX_SESSIONS CPE_SET u32:A_CPE_MAX_SESSIONS=200 \
		u8:A_CPE_OVERFLOW=OVERFLOW_BYPASS 'nest:A_CPE_PORTS=[u32:A_PORT_RANGE=0x00500050]' \
		'nest:A_CPE_IFACES=[u32:A_IFINDEX=1]') && echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [200]' <<<"$out" >/dev/null
}
mpc_check "CPE_SET: valid, reply is the new configuration" check_cpe_set
mpc_check "CPE_SET: u8 ENABLED sent as 4 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CPE_SET u32:A_CPE_ENABLED=0
mpc_check "CPE_SET: u8 OVERFLOW sent as 2 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" CPE_SET u16:A_CPE_OVERFLOW=0
mpc_check "CPE_SET: nest CONVERTER sent as u16: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" CPE_SET u16:A_CPE_CONVERTER=1
mpc_check "CPE_SET: nest IFACES sent as u32: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" CPE_SET u32:A_CPE_IFACES=1
mpc_check "CPE_SET: nest CONVERTER of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" CPE_SET nestbin:A_CPE_CONVERTER=0100
mpc_check "CPE_SET: nest IFACES of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" CPE_SET nestbin:A_CPE_IFACES=0100
mpc_check "CPE_SET: u8 OVERFLOW flagged NLA_F_NESTED: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_UNEXPECTED" CPE_SET nestbin:A_CPE_OVERFLOW=00
mpc_check "CPE_SET: IFACES entry of 2 bytes: EINVAL" \
	nl_expect $EINVAL "expected a u32 interface index" CPE_SET 'nest:A_CPE_IFACES=[u16:A_IFINDEX=1]'
mpc_check "CPE_SET: PORTS entry of another type: EINVAL" \
	nl_expect $EINVAL "expected a u32 port range" CPE_SET 'nest:A_CPE_PORTS=[u32:A_IFINDEX=1]'
mpc_check "CPE_SET: ENABLED 2: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u8:A_CPE_ENABLED=2
mpc_check "CPE_SET: OVERFLOW 7: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u8:A_CPE_OVERFLOW=7
mpc_check "CPE_SET: CONNECT_TIMEOUT_MS 50: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u32:A_CPE_CONNECT_TIMEOUT_MS=50
mpc_check "CPE_SET: IDLE_TIMEOUT_MS 50: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u32:A_CPE_IDLE_TIMEOUT_MS=50
mpc_check "CPE_SET: BINDING_LIFETIME_MS 86400001: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u32:A_CPE_BINDING_LIFETIME_MS=86400001
mpc_check "CPE_SET: MAX_SESSIONS 0: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u32:A_CPE_MAX_SESSIONS=0
mpc_check "CPE_SET: MAX_PER_HOST 1048577: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" CPE_SET u32:A_CPE_MAX_PER_HOST=1048577
mpc_check "CPE_SET: port range 90-80: EINVAL" \
	nl_expect $EINVAL "1 <= first <= last" CPE_SET 'nest:A_CPE_PORTS=[u32:A_PORT_RANGE=0x005a0050]'
mpc_check "CPE_SET: port range starting at 0: EINVAL" \
	nl_expect $EINVAL "1 <= first <= last" CPE_SET 'nest:A_CPE_BYPASS_PORTS=[u32:A_PORT_RANGE=0x00000050]'
mpc_check "CPE_SET: interface 9999: ENODEV" \
	nl_expect $ENODEV "no such interface in this namespace" CPE_SET 'nest:A_CPE_IFACES=[u32:A_IFINDEX=9999]'
many_ifaces() {
	local i specs=()
	for i in $(seq 17); do specs+=("u32:A_IFINDEX=1"); done
	local IFS=,
	echo "nest:A_CPE_IFACES=[${specs[*]}]"
}
mpc_check "CPE_SET: 17 interfaces: E2BIG" \
	nl_expect $E2BIG "too many interfaces" CPE_SET "$(many_ifaces)"
mpc_check "CPE_SET: SOURCES prefix without an address: EINVAL" \
	nl_expect $EINVAL "a prefix needs an address" CPE_SET \
	'nest:A_CPE_SOURCES=[nest:A_PREFIX=[u8:ADDR_A_PREFIXLEN=24]]'
mpc_check "CPE_SET: enabling without the converter's address: EINVAL" \
	nl_expect $EINVAL "needs the converter's address" CPE_SET u8:A_CPE_ENABLED=1
mpc_check "CPE_SET: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" CPE_SET u8:200=1
mpc_check "CPE_SET: CONV_ALLOW (a CONVERTER_SET attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" CPE_SET "nest:A_CONV_ALLOW=[$V6_LO_PREFIX]"
mpc_check "CPE_SET: read-only FASTOPEN: EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" CPE_SET u8:A_CPE_FASTOPEN=1

# === CPE_GET ===============================================================
check_cpe_get() {
	local out
	out=$(req --value A_CPE_MAX_SESSIONS CPE_GET) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [200]' <<<"$out" >/dev/null
}
mpc_check "CPE_GET: valid; refused SETs changed nothing" check_cpe_get

# === STATS_GET =============================================================
mpc_check "STATS_GET: valid, one reply" nl_expect 0 '' STATS_GET

# === attribute-less commands ===============================================
for cmd in "${no_attr_cmds[@]}"; do
	mpc_check "$cmd: unknown attribute 200: EINVAL" \
		nl_expect $EINVAL "$X_UNKNOWN" "$cmd" u32:200=1
	mpc_check "$cmd: attribute type 0: EINVAL" \
		nl_expect $EINVAL "$X_UNKNOWN" "$cmd" u32:0=1
	mpc_check "$cmd: CONV_ENABLED (another command's): EINVAL" \
		nl_expect $EINVAL "$X_UNSUPPORTED" "$cmd" u8:A_CONV_ENABLED=1
done
for cmd in "${dump_cmds[@]}"; do
	mpc_check "$cmd dump: unknown attribute 200: EINVAL" \
		nl_expect $EINVAL "$X_UNKNOWN" --dump "$cmd" u32:200=1
	mpc_check "$cmd dump: SESS_ID (another command's): EINVAL" \
		nl_expect $EINVAL "$X_UNSUPPORTED" --dump "$cmd" u64:A_SESS_ID=1
done

# === BINDING_ADD / BINDING_GET / BINDING_DEL / BINDING_FLUSH ================
check_bind_add() {
	local out
	out=$(req --value A_BIND_MODE BINDING_ADD "$V4_HOST" u8:A_BIND_MODE=BIND_BYPASS) &&
		echo "$out" &&
		jq -e '.errno == 0 and .replies == 1 and .values == [1]' <<<"$out" >/dev/null
}
mpc_check "BINDING_ADD: valid, reply is the binding" check_bind_add
mpc_check "BINDING_ADD: without MODE: valid" nl_expect 0 '' BINDING_ADD "$V4_HOST2"
check_bind_dump() {
	local out
	out=$(req --dump --value A_BIND_STATIC BINDING_GET) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 2 and .values == [1, 1]' <<<"$out" >/dev/null
}
mpc_check "BINDING_GET dump: valid, both static bindings" check_bind_dump
mpc_check "BINDING_ADD: no BIND_ADDR: EINVAL naming it" \
	nl_missing MPCONV_A_BIND_ADDR BINDING_ADD u8:A_BIND_MODE=0
mpc_check "BINDING_ADD: u8 MODE sent as 4 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" BINDING_ADD "$V4_HOST" u32:A_BIND_MODE=0
mpc_check "BINDING_ADD: nest BIND_ADDR sent as u32: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" BINDING_ADD u32:A_BIND_ADDR=1
mpc_check "BINDING_ADD: nest BIND_ADDR of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" BINDING_ADD nestbin:A_BIND_ADDR=0100
mpc_check "BINDING_ADD: IPv6 address of 4 bytes: ERANGE" \
	nl_expect $ERANGE "$X_BINLEN" BINDING_ADD 'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR6=c0000202]'
mpc_check "BINDING_ADD: MODE 9: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" BINDING_ADD "$V4_HOST" u8:A_BIND_MODE=9
mpc_check "BINDING_ADD: an address with a port: EINVAL" \
	nl_expect $EINVAL "no port, no prefix" BINDING_ADD \
	'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR4=c0000202,u16:ADDR_A_PORT=80]'
mpc_check "BINDING_ADD: a /24: EINVAL" \
	nl_expect $EINVAL "no port, no prefix" BINDING_ADD \
	'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR4=c0000200,u8:ADDR_A_PREFIXLEN=24]'
mpc_check "BINDING_ADD: IPv4 and IPv6 at once: EINVAL" \
	nl_expect $EINVAL "not both" BINDING_ADD \
	'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR4=c0000202,bin:ADDR_A_ADDR6=20010db8000000000000000000000002]'
mpc_check "BINDING_ADD: IPv4 address with family AF_INET6: EINVAL" \
	nl_expect $EINVAL "IPv4 address with family AF_INET6" BINDING_ADD \
	'nest:A_BIND_ADDR=[u16:ADDR_A_FAMILY=AF_INET6,bin:ADDR_A_ADDR4=c0000202]'
mpc_check "BINDING_ADD: IPv4-mapped IPv6 address: EINVAL" \
	nl_expect $EINVAL "not IPv4-mapped" BINDING_ADD \
	'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR6=00000000000000000000ffffc0000202]'
mpc_check "BINDING_ADD: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" BINDING_ADD "$V4_HOST" u8:200=0
mpc_check "BINDING_ADD: SESS_ID (a SESSION_DEL attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" BINDING_ADD "$V4_HOST" u64:A_SESS_ID=1
mpc_check "BINDING_ADD: read-only BIND_STATIC: EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" BINDING_ADD "$V4_HOST" u8:A_BIND_STATIC=1

mpc_check "BINDING_DEL: valid" nl_expect 0 '' BINDING_DEL "$V4_HOST"
mpc_check "BINDING_DEL: again: ENOENT" \
	nl_expect $ENOENT "no such binding" BINDING_DEL "$V4_HOST"
mpc_check "BINDING_DEL: no BIND_ADDR: EINVAL naming it" \
	nl_missing MPCONV_A_BIND_ADDR BINDING_DEL
mpc_check "BINDING_DEL: nest BIND_ADDR sent as u16: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" BINDING_DEL u16:A_BIND_ADDR=1
mpc_check "BINDING_DEL: nest BIND_ADDR of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" BINDING_DEL nestbin:A_BIND_ADDR=0100
mpc_check "BINDING_DEL: PORT sent as u32 in BIND_ADDR: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" BINDING_DEL 'nest:A_BIND_ADDR=[bin:ADDR_A_ADDR4=c0000202,u32:ADDR_A_PORT=1]'
mpc_check "BINDING_DEL: MODE 9 (range checked here too): ERANGE" \
	nl_expect $ERANGE "$X_RANGE" BINDING_DEL "$V4_HOST" u8:A_BIND_MODE=9
mpc_check "BINDING_DEL: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" BINDING_DEL "$V4_HOST" u8:200=0
mpc_check "BINDING_DEL: CPE_ENABLED (a CPE_SET attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" BINDING_DEL "$V4_HOST" u8:A_CPE_ENABLED=0

mpc_check "BINDING_FLUSH: valid, one binding flushed" \
	test "$(nl_values --value A_FLUSHED BINDING_FLUSH)" = "[1]"
check_bind_empty() {
	local out
	out=$(req --dump BINDING_GET) && echo "$out" &&
		jq -e '.errno == 0 and .replies == 0' <<<"$out" >/dev/null
}
mpc_check "BINDING_GET dump: empty after the flush" check_bind_empty

# === SESSION_GET / SESSION_DEL / SESSION_FLUSH ==============================
# A session: the converter listens, allows ::1, and a client connects
# without sending its Convert message (600 s read timeout: it stays).
mpc_check "CONVERTER_SET: enable, allow ::1" nl_expect 0 '' CONVERTER_SET \
	u8:A_CONV_ENABLED=1 "nest:A_CONV_ALLOW=[$V6_LO_PREFIX]"

client_start() { # VAR: a silent client, its pid in VAR
	mpc_in "$ns" python3 -c '
import socket, time
s = socket.create_connection(("::1", 5124))
time.sleep(120)' >/dev/null 2>&1 &
	printf -v "$1" '%s' $!
	mpc_on_exit "kill $!"
}

# session_ids: wait up to 10 s for N sessions, print their ids
session_ids() { # N
	local _ ids
	for _ in $(seq 50); do
		ids=$(nl_values --dump --value A_SESS_ID SESSION_GET)
		[ "$(jq length <<<"$ids")" != "$1" ] || { jq -r '.[]' <<<"$ids"; return 0; }
		sleep 0.2
	done
	echo "no $1 session(s): $ids"
	return 1
}

mpc_check "SESSION_GET dump: valid, no session yet" nl_expect 0 '' --dump SESSION_GET
client_start pid1
sid=$(session_ids 1) || sid=
mpc_check "SESSION_GET dump: the client's session" test -n "$sid"
sid=${sid:-1}
mpc_check "SESSION_DEL: no SESS_ID: EINVAL naming it" nl_missing MPCONV_A_SESS_ID SESSION_DEL
mpc_check "SESSION_DEL: u64 SESS_ID sent as u32: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" SESSION_DEL "u32:A_SESS_ID=$sid"
mpc_check "SESSION_DEL: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" SESSION_DEL "u64:A_SESS_ID=$sid" u8:200=0
mpc_check "SESSION_DEL: BIND_ADDR (a BINDING_DEL attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" SESSION_DEL "u64:A_SESS_ID=$sid" "$V4_HOST"
mpc_check "SESSION_DEL: read-only SESS_ROLE: EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" SESSION_DEL "u64:A_SESS_ID=$sid" u8:A_SESS_ROLE=2
mpc_check "SESSION_DEL: the session: valid" nl_expect 0 '' SESSION_DEL "u64:A_SESS_ID=$sid"
mpc_check "SESSION_DEL: again: ENOENT" \
	nl_expect $ENOENT "no such session" SESSION_DEL "u64:A_SESS_ID=$sid"
mpc_check "SESSION_GET dump: the session is gone" session_ids 0

client_start pid2
mpc_check "SESSION_GET dump: a second session" session_ids 1
mpc_check "SESSION_FLUSH: role CPE: valid, nothing flushed" \
	test "$(nl_values --value A_FLUSHED SESSION_FLUSH u8:A_SESS_ROLE=ROLE_CPE)" = "[0]"
mpc_check "SESSION_FLUSH: role CONVERTER, client ::1: valid, one flushed" \
	test "$(nl_values --value A_FLUSHED SESSION_FLUSH u8:A_SESS_ROLE=ROLE_CONVERTER \
		'nest:A_SESS_CLIENT=[bin:ADDR_A_ADDR6=00000000000000000000000000000001]')" = "[1]"
mpc_check "SESSION_FLUSH: no filter: valid" nl_expect 0 '' SESSION_FLUSH
mpc_check "SESSION_FLUSH: DEST prefix and port: valid" nl_expect 0 '' SESSION_FLUSH \
	'nest:A_SESS_DEST=[bin:ADDR_A_ADDR4=c0000200,u8:ADDR_A_PREFIXLEN=24,u16:ADDR_A_PORT=80]'
mpc_check "SESSION_FLUSH: u8 ROLE sent as 4 bytes: EINVAL" \
	nl_expect $EINVAL "$X_LENGTH" SESSION_FLUSH u32:A_SESS_ROLE=1
mpc_check "SESSION_FLUSH: nest CLIENT sent as u16: EINVAL" \
	nl_expect $EINVAL "$X_NESTED_MISSING" SESSION_FLUSH u16:A_SESS_CLIENT=1
mpc_check "SESSION_FLUSH: nest DEST of 2 bytes: ERANGE" \
	nl_expect $ERANGE "$X_POLICY" SESSION_FLUSH nestbin:A_SESS_DEST=0100
mpc_check "SESSION_FLUSH: ROLE 3: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" SESSION_FLUSH u8:A_SESS_ROLE=3
mpc_check "SESSION_FLUSH: ROLE 0: ERANGE" \
	nl_expect $ERANGE "$X_RANGE" SESSION_FLUSH u8:A_SESS_ROLE=0
mpc_check "SESSION_FLUSH: CLIENT with a prefix length: EINVAL" \
	nl_expect $EINVAL "no port, no prefix" SESSION_FLUSH \
	'nest:A_SESS_CLIENT=[bin:ADDR_A_ADDR4=c0000200,u8:ADDR_A_PREFIXLEN=24]'
mpc_check "SESSION_FLUSH: DEST with a port and no address (that port, any destination): valid" \
	nl_expect 0 '' SESSION_FLUSH 'nest:A_SESS_DEST=[u16:ADDR_A_PORT=80]'
mpc_check "SESSION_FLUSH: DEST with a family and no address: EINVAL (a port alone is both)" \
	nl_expect $EINVAL "a port alone matches both families" SESSION_FLUSH \
	'nest:A_SESS_DEST=[u16:ADDR_A_FAMILY=AF_INET,u16:ADDR_A_PORT=80]'
mpc_check "SESSION_FLUSH: DEST with neither address nor port: EINVAL" \
	nl_expect $EINVAL "a destination needs an address or a port" SESSION_FLUSH \
	'nest:A_SESS_DEST=[u8:ADDR_A_PREFIXLEN=0]'
mpc_check "SESSION_FLUSH: unknown attribute 200: EINVAL" \
	nl_expect $EINVAL "$X_UNKNOWN" SESSION_FLUSH u8:200=0
mpc_check "SESSION_FLUSH: BIND_MODE (a BINDING_ADD attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" SESSION_FLUSH u8:A_BIND_MODE=0
mpc_check "SESSION_FLUSH: SESS_ID (a SESSION_DEL attribute): EINVAL" \
	nl_expect $EINVAL "$X_UNSUPPORTED" SESSION_FLUSH u64:A_SESS_ID=1

# === no CAP_NET_ADMIN: all refused but STATUS_GET ============================
nl_unpriv() {
	nl_expect_via unpriv "$@"
}
check_userns_root() {
	local out
	out=$(unpriv STATUS_GET) && echo "$out" &&
		jq -e '.errno == 0 and .uid == 0' <<<"$out" >/dev/null
}
mpc_check "userns: the requester is root (uid 0) in its user namespace" check_userns_root
mpc_check "userns: CONVERTER_SET: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" CONVERTER_SET u32:A_CONV_MAX_SESSIONS=50
mpc_check "userns: CPE_SET: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" CPE_SET u32:A_CPE_MAX_SESSIONS=50
mpc_check "userns: SESSION_DEL: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" SESSION_DEL u64:A_SESS_ID=1
mpc_check "userns: BINDING_ADD: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" BINDING_ADD "$V4_HOST" u8:A_BIND_MODE=BIND_CONVERT
mpc_check "userns: BINDING_DEL: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" BINDING_DEL "$V4_HOST"
mpc_check "userns: SESSION_FLUSH: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" SESSION_FLUSH u8:A_SESS_ROLE=ROLE_CONVERTER
mpc_check "userns: BINDING_FLUSH: EPERM" \
	nl_unpriv $EPERM "$X_NOCAP" BINDING_FLUSH
mpc_check "userns: an invalid write is refused for what it is first: ERANGE" \
	nl_unpriv $ERANGE "$X_RANGE" CONVERTER_SET u32:A_CONV_MAX_SESSIONS=0
check_unpriv_nochange() {
	local out
	out=$(req --value A_CONV_MAX_SESSIONS CONVERTER_GET) && echo "$out" &&
		jq -e '.values == [100]' <<<"$out" >/dev/null &&
		out=$(req --value A_CPE_MAX_SESSIONS CPE_GET) && echo "$out" &&
		jq -e '.values == [200]' <<<"$out" >/dev/null
}
mpc_check "userns: the refused writes changed nothing" check_unpriv_nochange
# Reads show every LAN host and destination: admin only (issue 17).
# STATUS_GET (version, roles, counts; no address) stays open.
mpc_check "userns: STATUS_GET: answered" nl_unpriv 0 '' STATUS_GET
for cmd in CONVERTER_GET STATS_GET CPE_GET; do
	mpc_check "userns: $cmd: EPERM" nl_unpriv $EPERM "$X_NOCAP" "$cmd"
done
for cmd in "${dump_cmds[@]}"; do
	mpc_check "userns: $cmd dump: EPERM" nl_unpriv $EPERM "$X_NOCAP" --dump "$cmd"
done
# joining the events group: refused where the kernel lets a family say so
# (GENL_MCAST_CAP_NET_ADMIN, probed by kmod/Kbuild; the join itself has no
# extack). Whether this module was built with it is in its build command.
join_events() { # RUNNER ERRNO
	local out
	out=$("$1" --join events) || { echo "$out"; return 1; }
	echo "$out"
	jq -e --argjson want "$2" '.errno == $want' <<<"$out" >/dev/null
}
if [ -f "$(dirname "$MPCONV_KO")/.netlink.o.cmd" ]; then
	if grep -qs MPCONV_HAVE_GENL_MCAST_CAP "$(dirname "$MPCONV_KO")/.netlink.o.cmd"; then
		mpc_check "userns: joining the events group: EPERM" join_events unpriv $EPERM
	else
		# documented in README: without the kernel's flag the group is open
		mpc_check "userns: joining the events group: open (no GENL_MCAST_CAP_NET_ADMIN in this kernel)" \
			join_events unpriv 0
	fi
else
	mpc_skip "userns: joining the events group" "no build record next to $MPCONV_KO"
fi
mpc_check "admin: joining the events group works" join_events req 0

# The same refusal for root of the initial user namespace without the
# capability.
nocap() {
	mpc_in "$ns" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
		python3 "$NLREQ" "$@"
}
if command -v setpriv >/dev/null; then
	mpc_check "root without CAP_NET_ADMIN (setpriv): CONVERTER_SET: EPERM" \
		nl_expect_via nocap $EPERM "$X_NOCAP" CONVERTER_SET u32:A_CONV_MAX_SESSIONS=50
	mpc_check "root without CAP_NET_ADMIN (setpriv): CPE_GET: EPERM" \
		nl_expect_via nocap $EPERM "$X_NOCAP" CPE_GET
	mpc_check "root without CAP_NET_ADMIN (setpriv): SESSION_GET dump: EPERM" \
		nl_expect_via nocap $EPERM "$X_NOCAP" --dump SESSION_GET
	mpc_check "root without CAP_NET_ADMIN (setpriv): joining events: EPERM" \
		join_events nocap $EPERM
	mpc_check "root without CAP_NET_ADMIN (setpriv): STATUS_GET: answered" \
		nl_expect_via nocap 0 '' STATUS_GET
else
	mpc_skip "root without CAP_NET_ADMIN (setpriv)" "setpriv not installed"
fi

# === what the genetlink core refuses ==========================================
for cmd in STATUS_GET CONVERTER_SET CPE_GET SESSION_DEL BINDING_FLUSH; do
	mpc_check "$cmd as a dump (doit only): EOPNOTSUPP" nl_core_refusal --dump "$cmd"
done
for cmd in "${dump_cmds[@]}"; do
	mpc_check "$cmd as a doit (dump only): EOPNOTSUPP" nl_core_refusal "$cmd"
done
mpc_check "unknown command 99: EOPNOTSUPP" nl_core_refusal 99
mpc_check "command 0 (UNSPEC): EOPNOTSUPP" nl_core_refusal 0
mpc_check "notification command SESSION_NEW_NTF sent as a request: EOPNOTSUPP" \
	nl_core_refusal SESSION_NEW_NTF
mpc_check "notification command CONFIG_NTF sent as a dump: EOPNOTSUPP" \
	nl_core_refusal --dump CONFIG_NTF

mpc_check "STATUS_GET: still answers after all that" nl_expect 0 '' STATUS_GET
mpc_check_kernel_clean "no kernel warning during the suite"
mpc_exit
