/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mpconv: in-kernel TCP <-> Multipath TCP converter (RFC 8803 Convert protocol).
 *
 * Generic netlink API, family MPCONV_GENL_NAME, version MPCONV_GENL_VERSION.
 *
 * Rules of this API:
 * - Command and attribute numbers start at 1 and are append-only: a value,
 *   once released, never changes meaning.
 * - Every request is validated strictly: unknown attributes, wrong types and
 *   out-of-range values are refused with an extended-ack message.
 * - Every command but %MPCONV_CMD_STATUS_GET needs CAP_NET_ADMIN in the
 *   user namespace owning the network namespace (reads too: sessions,
 *   bindings, configuration and counters name the LAN's hosts and their
 *   destinations), and so does joining the %MPCONV_MCGRP_EVENTS group on
 *   kernels with GENL_MCAST_CAP_NET_ADMIN (upstream since late 2023, and
 *   in the stable series); a refused request has an extended-ack message.
 * - All state is per network namespace; a request sees and changes only the
 *   namespace of the socket it arrived on.
 */
#ifndef _UAPI_LINUX_MPCONV_H
#define _UAPI_LINUX_MPCONV_H

#define MPCONV_GENL_NAME	"mpconv"
#define MPCONV_GENL_VERSION	1

/**
 * enum mpconv_cmd - generic netlink commands
 * @MPCONV_CMD_UNSPEC: unused
 * @MPCONV_CMD_STATUS_GET: report the module version and the status of the
 *	requester's network namespace. No request attributes. The reply carries
 *	%MPCONV_A_VERSION, %MPCONV_A_NETNS_COOKIE, %MPCONV_A_NS_AGE_MS,
 *	%MPCONV_A_ROLES, %MPCONV_A_SESSIONS and %MPCONV_A_BINDINGS.
 * @MPCONV_CMD_CONVERTER_SET: change the converter role's configuration
 *	(CAP_NET_ADMIN). Any subset of the %MPCONV_A_CONV_* attributes; those
 *	absent keep their value. A list attribute, when present, replaces the
 *	whole list. The reply is the resulting configuration, as for
 *	%MPCONV_CMD_CONVERTER_GET.
 * @MPCONV_CMD_CONVERTER_GET: the converter role's configuration and state.
 * @MPCONV_CMD_SESSION_GET: dump the sessions of this namespace, one
 *	message each, with the %MPCONV_A_SESS_* attributes.
 * @MPCONV_CMD_BINDING_GET: dump the bindings of this namespace, one message
 *	each, with the %MPCONV_A_BIND_* attributes.
 * @MPCONV_CMD_STATS_GET: every counter of this namespace, in a
 *	%MPCONV_A_STATS nest of u64 attributes typed by &enum mpconv_stat.
 * @MPCONV_CMD_CPE_SET: change the CPE role's configuration (CAP_NET_ADMIN).
 *	Any subset of the %MPCONV_A_CPE_* attributes, as for
 *	%MPCONV_CMD_CONVERTER_SET. Enabling needs %MPCONV_A_CPE_CONVERTER and
 *	at least one of %MPCONV_A_CPE_IFACES and %MPCONV_A_CPE_SOURCES. The
 *	reply is the resulting configuration.
 * @MPCONV_CMD_CPE_GET: the CPE role's configuration and state.
 * @MPCONV_CMD_SESSION_DEL: end the session %MPCONV_A_SESS_ID
 *	(CAP_NET_ADMIN): both of its connections are reset. -ENOENT when
 *	there is no such session.
 * @MPCONV_CMD_BINDING_ADD: add a static binding, or make an existing one
 *	static (CAP_NET_ADMIN): %MPCONV_A_BIND_ADDR (a host address, no
 *	port) and %MPCONV_A_BIND_MODE. A static binding stays until deleted.
 *	The reply is the binding, as in a %MPCONV_CMD_BINDING_GET dump.
 * @MPCONV_CMD_BINDING_DEL: delete the binding %MPCONV_A_BIND_ADDR
 *	(CAP_NET_ADMIN); its live sessions are ended (reset). -ENOENT when
 *	there is no such binding.
 * @MPCONV_CMD_SESSION_FLUSH: end every session that matches the filters
 *	given (CAP_NET_ADMIN), resetting both of its connections:
 *	%MPCONV_A_SESS_ROLE (one role bit), %MPCONV_A_SESS_CLIENT (a host
 *	address: that binding's sessions), %MPCONV_A_SESS_DEST (a prefix,
 *	and a port when not 0; a port without an address: that port toward
 *	any destination, of either family). No filter: all. The reply carries
 *	%MPCONV_A_FLUSHED, the number of sessions ended.
 * @MPCONV_CMD_BINDING_FLUSH: delete every binding, static ones too, and
 *	end their sessions (CAP_NET_ADMIN). The reply carries
 *	%MPCONV_A_FLUSHED, the number of bindings deleted.
 * @MPCONV_CMD_SESSION_NEW_NTF: notification (multicast group
 *	%MPCONV_MCGRP_EVENTS): a session was created; the %MPCONV_A_SESS_*
 *	attributes of a dump.
 * @MPCONV_CMD_SESSION_DEL_NTF: notification: a session ended; its
 *	attributes as last seen (bytes, age), %MPCONV_A_SESS_REASON and, for
 *	%MPCONV_REASON_ERROR, %MPCONV_A_SESS_ERROR.
 * @MPCONV_CMD_BINDING_NEW_NTF: notification: a binding was created (by a
 *	host's first session or %MPCONV_CMD_BINDING_ADD); the
 *	%MPCONV_A_BIND_* attributes of a dump.
 * @MPCONV_CMD_BINDING_DEL_NTF: notification: a binding went, with
 *	%MPCONV_A_BIND_REASON.
 * @MPCONV_CMD_CONFIG_NTF: notification: a role's configuration changed
 *	(%MPCONV_CMD_CONVERTER_SET, %MPCONV_CMD_CPE_SET, or the role turned
 *	off when its namespace became unreachable): %MPCONV_A_CONFIG_ROLE and
 *	the role's whole configuration, as its GET command replies.
 * @MPCONV_CMD_UPLINK_NTF: notification: a CPE uplink went down or came
 *	back up; carries its %MPCONV_A_UPLINK
 */
enum mpconv_cmd {
	MPCONV_CMD_UNSPEC,
	MPCONV_CMD_STATUS_GET,
	MPCONV_CMD_CONVERTER_SET,
	MPCONV_CMD_CONVERTER_GET,
	MPCONV_CMD_SESSION_GET,
	MPCONV_CMD_BINDING_GET,
	MPCONV_CMD_STATS_GET,
	MPCONV_CMD_CPE_SET,
	MPCONV_CMD_CPE_GET,
	MPCONV_CMD_SESSION_DEL,
	MPCONV_CMD_BINDING_ADD,
	MPCONV_CMD_BINDING_DEL,
	MPCONV_CMD_SESSION_FLUSH,
	MPCONV_CMD_BINDING_FLUSH,
	MPCONV_CMD_SESSION_NEW_NTF,
	MPCONV_CMD_SESSION_DEL_NTF,
	MPCONV_CMD_BINDING_NEW_NTF,
	MPCONV_CMD_BINDING_DEL_NTF,
	MPCONV_CMD_CONFIG_NTF,
	MPCONV_CMD_UPLINK_NTF,

	__MPCONV_CMD_MAX
};

#define MPCONV_CMD_MAX (__MPCONV_CMD_MAX - 1)

/* Multicast group of the notifications (*_NTF commands). */
#define MPCONV_MCGRP_EVENTS	"events"

/**
 * enum mpconv_role - bits of %MPCONV_A_ROLES
 * @MPCONV_ROLE_CPE: the namespace converts its LAN hosts' TCP to MPTCP
 * @MPCONV_ROLE_CONVERTER: the namespace runs an RFC 8803 Transport Converter
 */
enum mpconv_role {
	MPCONV_ROLE_CPE		= 1 << 0,
	MPCONV_ROLE_CONVERTER	= 1 << 1,
};

/**
 * enum mpconv_attr - top-level attributes
 * @MPCONV_A_UNSPEC: unused
 * @MPCONV_A_PAD: padding for 64-bit attributes
 * @MPCONV_A_VERSION: string, version of the loaded module (e.g. "0.1.0")
 * @MPCONV_A_NETNS_COOKIE: u64, the kernel's cookie of the network namespace
 *	the reply describes (stable for the namespace's life, unique per boot)
 * @MPCONV_A_NS_AGE_MS: u64, milliseconds since mpconv set up its state in
 *	this namespace (module load for existing namespaces, else creation)
 * @MPCONV_A_ROLES: u32, bitmask of enabled &enum mpconv_role
 * @MPCONV_A_SESSIONS: u32, number of sessions in this namespace (those
 *	only sending a refusal included)
 * @MPCONV_A_BINDINGS: u32, number of bindings in this namespace
 * @MPCONV_A_CONV_ENABLED: u8 0/1, the converter role is on (listening)
 * @MPCONV_A_CONV_LISTEN: nest (&enum mpconv_addr_attr), the listening
 *	address and port; default [::]:5124 (IPv4 and IPv6)
 * @MPCONV_A_CONV_ALLOW: nest of %MPCONV_A_PREFIX nests: the client prefixes
 *	allowed to use the converter. Empty (the default): nobody.
 * @MPCONV_A_CONV_DENY: nest of %MPCONV_A_PREFIX nests: destinations refused
 *	(Error 32), on top of the built-in list (loopback, unspecified,
 *	multicast, link-local, broadcast and this namespace's own addresses)
 * @MPCONV_A_CONV_COOKIE_REQUIRED: u8 0/1, requests must carry the Cookie
 *	the converter gave this client (Error 3 hands it out, over the
 *	established connection; a wrong one is Error 32)
 * @MPCONV_A_CONV_MAX_SESSIONS: u32, sessions in this namespace, 1-1048576
 *	(default 4096); one more is answered with Error 64
 * @MPCONV_A_CONV_MAX_PER_CLIENT: u32, sessions per client, 1-1048576
 *	(default 256); one more is answered with Error 64
 * @MPCONV_A_CONV_READ_TIMEOUT_MS: u32, time allowed for the whole Convert
 *	message, 100-600000 ms (default 5000); then the connection is reset
 * @MPCONV_A_CONV_CONNECT_TIMEOUT_MS: u32, time allowed to reach the server,
 *	100-600000 ms (default 10000); then Error 65
 * @MPCONV_A_CONV_IDLE_TIMEOUT_MS: u32, a session with no traffic either way
 *	for this long is reset both ways, 1000-86400000 ms (default 600000)
 * @MPCONV_A_CONV_BINDING_LIFETIME_MS: u32, a binding outlives its last
 *	session by this long, 0-86400000 ms (default 30000)
 * @MPCONV_A_CONV_FASTOPEN: u8, read-only: 1 when the listener takes the
 *	Convert message from the SYN (TCP Fast Open, cookie-less)
 * @MPCONV_A_PREFIX: nest (&enum mpconv_addr_attr): one prefix, with
 *	%MPCONV_ADDR_A_PREFIXLEN
 * @MPCONV_A_STATS: nest of u64 counters, attribute type = &enum mpconv_stat
 * @MPCONV_A_SESS_ID: u64, session identifier, unique in the namespace
 * @MPCONV_A_SESS_ROLE: u8, &enum mpconv_role bit of the role that owns it
 * @MPCONV_A_SESS_STATE: u8, &enum mpconv_sess_state
 * @MPCONV_A_SESS_CLIENT: nest (&enum mpconv_addr_attr), the client's
 *	address and port
 * @MPCONV_A_SESS_DEST: nest (&enum mpconv_addr_attr), the destination;
 *	absent while the session is in %MPCONV_SESS_HANDSHAKE or
 *	%MPCONV_SESS_REFUSING
 * @MPCONV_A_SESS_BYTES_UP: u64, bytes relayed client to server
 * @MPCONV_A_SESS_BYTES_DOWN: u64, bytes relayed server to client
 * @MPCONV_A_SESS_AGE_MS: u64, time since the connection arrived
 * @MPCONV_A_SESS_SERVER_MPTCP: u8 0/1, the server speaks MPTCP (its
 *	SYN+ACK carried MP_CAPABLE)
 * @MPCONV_A_BIND_ADDR: nest (&enum mpconv_addr_attr), the host address;
 *	for a converter binding that stands for a client prefix
 *	(%MPCONV_A_CONV_CLIENT_PREFIX4/6), its first address and
 *	%MPCONV_ADDR_A_PREFIXLEN (%MPCONV_CMD_BINDING_DEL takes it so too)
 * @MPCONV_A_BIND_SESSIONS: u32, its live sessions
 * @MPCONV_A_BIND_TOTAL: u64, sessions it has had
 * @MPCONV_A_BIND_BYTES_UP: u64, bytes relayed from it by its ended sessions
 *	(a live session's bytes are in its own %MPCONV_A_SESS_BYTES_UP)
 * @MPCONV_A_BIND_BYTES_DOWN: u64, bytes relayed to it, likewise
 * @MPCONV_A_BIND_AGE_MS: u64, time since it was created
 * @MPCONV_A_CPE_ENABLED: u8 0/1, the CPE role is on (LAN SYNs are taken)
 * @MPCONV_A_CPE_CONVERTER: nest (&enum mpconv_addr_attr), the converter's
 *	address and port (default port 5124); required to enable
 * @MPCONV_A_CPE_IFACES: nest of %MPCONV_A_IFINDEX: LAN interfaces whose
 *	incoming TCP is taken (at most 16)
 * @MPCONV_A_CPE_SOURCES: nest of %MPCONV_A_PREFIX: LAN source prefixes
 *	whose TCP is taken. With both lists set a connection must match both;
 *	with neither, nothing is taken (the role cannot be enabled).
 * @MPCONV_A_CPE_DESTS: nest of %MPCONV_A_PREFIX: destinations converted;
 *	empty (the default): every destination
 * @MPCONV_A_CPE_BYPASS: nest of %MPCONV_A_PREFIX: destinations never
 *	converted (forwarded as usual), over %MPCONV_A_CPE_DESTS
 * @MPCONV_A_CPE_PORTS: nest of %MPCONV_A_PORT_RANGE: destination ports
 *	converted; empty (the default): every port
 * @MPCONV_A_CPE_BYPASS_PORTS: nest of %MPCONV_A_PORT_RANGE: destination
 *	ports never converted, over %MPCONV_A_CPE_PORTS
 * @MPCONV_A_CPE_MAX_SESSIONS: u32, converted connections in this namespace,
 *	1-1048576 (default 4096); see %MPCONV_A_CPE_OVERFLOW for the next one
 * @MPCONV_A_CPE_MAX_PER_HOST: u32, converted connections per LAN host,
 *	1-1048576 (default 256); the next one is reset
 * @MPCONV_A_CPE_CONNECT_TIMEOUT_MS: u32, time allowed to reach the
 *	converter and get its reply, 100-600000 ms (default 10000); then the
 *	LAN connection is reset
 * @MPCONV_A_CPE_IDLE_TIMEOUT_MS: u32, as %MPCONV_A_CONV_IDLE_TIMEOUT_MS
 * @MPCONV_A_CPE_BINDING_LIFETIME_MS: u32, as
 *	%MPCONV_A_CONV_BINDING_LIFETIME_MS
 * @MPCONV_A_CPE_OVERFLOW: u8, what a new connection gets when
 *	%MPCONV_A_CPE_MAX_SESSIONS are in use: %MPCONV_OVERFLOW_RESET (the
 *	default) or %MPCONV_OVERFLOW_BYPASS (forwarded unconverted)
 * @MPCONV_A_CPE_FASTOPEN: u8, read-only: 1 when the Convert message (and
 *	the LAN host's first bytes) go in the SYN to the converter
 * @MPCONV_A_IFINDEX: u32, an interface index
 * @MPCONV_A_PORT_RANGE: u32, a port range: first port in the high 16
 *	bits, last port in the low 16 bits (first <= last)
 * @MPCONV_A_BIND_MODE: u8, &enum mpconv_bind_mode
 * @MPCONV_A_BIND_STATIC: u8 0/1, added by an administrator (kept until
 *	deleted)
 * @MPCONV_A_SESS_REASON: u8, &enum mpconv_reason: why a session ended
 * @MPCONV_A_SESS_ERROR: u8, the RFC 8803 Error code the session ended
 *	with: sent by the converter, received by the CPE
 * @MPCONV_A_BIND_REASON: u8, &enum mpconv_reason: why a binding went
 * @MPCONV_A_CONFIG_ROLE: u32, the &enum mpconv_role bit whose
 *	configuration a %MPCONV_CMD_CONFIG_NTF carries
 * @MPCONV_A_FLUSHED: u32, entries a flush removed
 * @MPCONV_A_CONV_SERVER_MPTCP: u8 0/1, the converter opens its connection
 *	to the server with MPTCP (1) or plain TCP (0, default). With MPTCP, a
 *	server that accepts it gets an MPTCP connection and the reply's TCP
 *	Extended Header carries its MP_CAPABLE, telling the client it could
 *	reach that server directly; every other server costs an MPTCP socket
 *	that falls back to TCP (more memory and CPU per session).
 * @MPCONV_A_CONV_MAX_PENDING_PER_CLIENT: u32, conversions per client that
 *	may be connecting to their servers at once, 1-1048576 (default 64);
 *	a request beyond it gets Error 64 (RFC 8803 section 7: rate limit of
 *	a client's pending requests)
 * @MPCONV_A_CONV_BACKLOG: u32, read-only: the listener's backlog (its SYN
 *	queue; beyond it the kernel answers with SYN cookies), 0 when the
 *	converter is off: the smallest of %MPCONV_A_CONV_MAX_SESSIONS, 4096
 *	and an eighth of the kernel's MPTCP token table, fixed when the
 *	listener opens
 * @MPCONV_A_CONV_FASTOPEN_QLEN: u32, read-only: the listener's Fast Open
 *	queue (requests taken from SYNs whose sender has not completed the
 *	handshake), 0 without Fast Open: a quarter of
 *	%MPCONV_A_CONV_MAX_SESSIONS, at most an eighth of the MPTCP token
 *	table, 16-1024
 * @MPCONV_A_CONV_CLIENT_PREFIX4: u8, 1-32 (default 32): IPv4 clients are
 *	counted per prefix of this length: its addresses share one binding,
 *	and with it %MPCONV_A_CONV_MAX_PER_CLIENT and
 *	%MPCONV_A_CONV_MAX_PENDING_PER_CLIENT (32: each address on its own)
 * @MPCONV_A_CONV_CLIENT_PREFIX6: u8, 1-128 (default 64): likewise for IPv6
 *	clients (64: a subscriber's /64, whose addresses it may rotate);
 *	such a binding's %MPCONV_A_BIND_ADDR carries the prefix length
 * @MPCONV_A_CONV_COOKIE_KEY: binary, 16 bytes, write-only: the secret the
 *	cookies (%MPCONV_A_CONV_COOKIE_REQUIRED) derive from. Random when the
 *	module starts; converters given the same key (and clocks within a
 *	rotation period of each other) accept each other's cookies.
 * @MPCONV_A_CONV_COOKIE_KEY_ID: u32, read-only: a fingerprint of the key,
 *	to check that several converters share one without showing it
 * @MPCONV_A_CONV_COOKIE_ROTATE_MS: u32, the cookie key's period: a cookie
 *	(a keyed hash of the client's prefix, see
 *	%MPCONV_A_CONV_CLIENT_PREFIX4, and of the period) is made for the
 *	current period of the wall clock and accepted in that period, the
 *	next one and the one before; 0 (never rotate) or 1000-4294967295
 *	(default 3600000)
 * @MPCONV_A_CPE_UPLINKS: nest of %MPCONV_A_IFINDEX: the uplinks toward the
 *	converter, most preferred first (at most 8). With uplinks, each new
 *	connection opens its first MPTCP subflow through the first uplink
 *	that is up, and through the next one too when the first has not
 *	answered within twice its handshake time (250-1000 ms); an uplink
 *	that misses twice in a row is marked down and probed until it answers
 *	twice. Without (the default), routing alone chooses.
 * @MPCONV_A_CPE_UPLINK_STATE: nest of %MPCONV_A_UPLINK, read-only: the
 *	uplinks' state, in %MPCONV_A_CPE_UPLINKS order
 * @MPCONV_A_UPLINK: nest (&enum mpconv_uplink_attr): one uplink's state;
 *	also the payload of %MPCONV_CMD_UPLINK_NTF
 * @MPCONV_A_CPE_BACKOFF: u8, &enum mpconv_backoff: what new connections get
 *	while the converter's Error 64 (Resource Exceeded) or 65 (Network
 *	Failure) asks the CPE to wait before asking again (the delay in its
 *	value, at most 300 s; an Error without a delay ends only its own
 *	connection): %MPCONV_BACKOFF_BYPASS (the default) or
 *	%MPCONV_BACKOFF_REFUSE
 * @MPCONV_A_CPE_BACKOFF_MS: u32, read-only: how long that wait still runs,
 *	0 when none does
 * @MPCONV_A_CPE_QUIC: u8, &enum mpconv_quic: what becomes of a LAN host's
 *	UDP datagram to port 443 (QUIC) of a destination the CPE would
 *	convert a TCP connection to: %MPCONV_QUIC_PASS (the default) or
 *	%MPCONV_QUIC_REFUSE
 */
enum mpconv_attr {
	MPCONV_A_UNSPEC,
	MPCONV_A_PAD,
	MPCONV_A_VERSION,
	MPCONV_A_NETNS_COOKIE,
	MPCONV_A_NS_AGE_MS,
	MPCONV_A_ROLES,
	MPCONV_A_SESSIONS,
	MPCONV_A_BINDINGS,
	MPCONV_A_CONV_ENABLED,
	MPCONV_A_CONV_LISTEN,
	MPCONV_A_CONV_ALLOW,
	MPCONV_A_CONV_DENY,
	MPCONV_A_CONV_COOKIE_REQUIRED,
	MPCONV_A_CONV_MAX_SESSIONS,
	MPCONV_A_CONV_MAX_PER_CLIENT,
	MPCONV_A_CONV_READ_TIMEOUT_MS,
	MPCONV_A_CONV_CONNECT_TIMEOUT_MS,
	MPCONV_A_CONV_IDLE_TIMEOUT_MS,
	MPCONV_A_CONV_BINDING_LIFETIME_MS,
	MPCONV_A_CONV_FASTOPEN,
	MPCONV_A_PREFIX,
	MPCONV_A_STATS,
	MPCONV_A_SESS_ID,
	MPCONV_A_SESS_ROLE,
	MPCONV_A_SESS_STATE,
	MPCONV_A_SESS_CLIENT,
	MPCONV_A_SESS_DEST,
	MPCONV_A_SESS_BYTES_UP,
	MPCONV_A_SESS_BYTES_DOWN,
	MPCONV_A_SESS_AGE_MS,
	MPCONV_A_SESS_SERVER_MPTCP,
	MPCONV_A_BIND_ADDR,
	MPCONV_A_BIND_SESSIONS,
	MPCONV_A_BIND_TOTAL,
	MPCONV_A_BIND_BYTES_UP,
	MPCONV_A_BIND_BYTES_DOWN,
	MPCONV_A_BIND_AGE_MS,
	MPCONV_A_CPE_ENABLED,
	MPCONV_A_CPE_CONVERTER,
	MPCONV_A_CPE_IFACES,
	MPCONV_A_CPE_SOURCES,
	MPCONV_A_CPE_DESTS,
	MPCONV_A_CPE_BYPASS,
	MPCONV_A_CPE_PORTS,
	MPCONV_A_CPE_BYPASS_PORTS,
	MPCONV_A_CPE_MAX_SESSIONS,
	MPCONV_A_CPE_MAX_PER_HOST,
	MPCONV_A_CPE_CONNECT_TIMEOUT_MS,
	MPCONV_A_CPE_IDLE_TIMEOUT_MS,
	MPCONV_A_CPE_BINDING_LIFETIME_MS,
	MPCONV_A_CPE_OVERFLOW,
	MPCONV_A_CPE_FASTOPEN,
	MPCONV_A_IFINDEX,
	MPCONV_A_PORT_RANGE,
	MPCONV_A_BIND_MODE,
	MPCONV_A_BIND_STATIC,
	MPCONV_A_SESS_REASON,
	MPCONV_A_SESS_ERROR,
	MPCONV_A_BIND_REASON,
	MPCONV_A_CONFIG_ROLE,
	MPCONV_A_FLUSHED,
	MPCONV_A_CONV_SERVER_MPTCP,
	MPCONV_A_CONV_MAX_PENDING_PER_CLIENT,
	MPCONV_A_CONV_BACKLOG,
	MPCONV_A_CONV_FASTOPEN_QLEN,
	MPCONV_A_CONV_CLIENT_PREFIX4,
	MPCONV_A_CONV_CLIENT_PREFIX6,
	MPCONV_A_CONV_COOKIE_KEY,
	MPCONV_A_CONV_COOKIE_KEY_ID,
	MPCONV_A_CONV_COOKIE_ROTATE_MS,
	MPCONV_A_CPE_UPLINKS,
	MPCONV_A_CPE_UPLINK_STATE,
	MPCONV_A_UPLINK,
	MPCONV_A_CPE_BACKOFF,
	MPCONV_A_CPE_BACKOFF_MS,
	MPCONV_A_CPE_QUIC,

	__MPCONV_A_MAX
};

#define MPCONV_A_MAX (__MPCONV_A_MAX - 1)

/**
 * enum mpconv_addr_attr - attributes of an address nest
 * @MPCONV_ADDR_A_UNSPEC: unused
 * @MPCONV_ADDR_A_FAMILY: u16, AF_INET or AF_INET6
 * @MPCONV_ADDR_A_ADDR4: binary, 4 bytes, network order
 * @MPCONV_ADDR_A_ADDR6: binary, 16 bytes
 * @MPCONV_ADDR_A_PORT: u16, host order
 * @MPCONV_ADDR_A_PREFIXLEN: u8, prefix length (0-32 or 0-128)
 */
enum mpconv_addr_attr {
	MPCONV_ADDR_A_UNSPEC,
	MPCONV_ADDR_A_FAMILY,
	MPCONV_ADDR_A_ADDR4,
	MPCONV_ADDR_A_ADDR6,
	MPCONV_ADDR_A_PORT,
	MPCONV_ADDR_A_PREFIXLEN,

	__MPCONV_ADDR_A_MAX
};

#define MPCONV_ADDR_A_MAX (__MPCONV_ADDR_A_MAX - 1)

/**
 * enum mpconv_uplink_attr - attributes of an uplink nest (%MPCONV_A_UPLINK)
 * @MPCONV_UPLINK_A_UNSPEC: unused
 * @MPCONV_UPLINK_A_PAD: padding for 64-bit attributes
 * @MPCONV_UPLINK_A_IFINDEX: u32, the interface
 * @MPCONV_UPLINK_A_STATE: u8, &enum mpconv_uplink_state
 * @MPCONV_UPLINK_A_SRTT_US: u32, smoothed time of the MPTCP handshakes
 *	with the converter through it, 0 before the first
 * @MPCONV_UPLINK_A_CHANGED_MS: u64, time since its state last changed (or
 *	since it was configured)
 * @MPCONV_UPLINK_A_ATTEMPTS: u64, connections to the converter tried
 *	through it (probes not included)
 * @MPCONV_UPLINK_A_MISSES: u64, of those, the ones that got no answer
 *	before another uplink's, or at all
 * @MPCONV_UPLINK_A_COOKIE: u8 0/1, a converter cookie is held for it
 */
enum mpconv_uplink_attr {
	MPCONV_UPLINK_A_UNSPEC,
	MPCONV_UPLINK_A_PAD,
	MPCONV_UPLINK_A_IFINDEX,
	MPCONV_UPLINK_A_STATE,
	MPCONV_UPLINK_A_SRTT_US,
	MPCONV_UPLINK_A_CHANGED_MS,
	MPCONV_UPLINK_A_ATTEMPTS,
	MPCONV_UPLINK_A_MISSES,
	MPCONV_UPLINK_A_COOKIE,

	__MPCONV_UPLINK_A_MAX
};

#define MPCONV_UPLINK_A_MAX (__MPCONV_UPLINK_A_MAX - 1)

/**
 * enum mpconv_uplink_state - %MPCONV_UPLINK_A_STATE values
 * @MPCONV_UPLINK_UP: new connections start through it
 * @MPCONV_UPLINK_DOWN: it missed twice in a row: new connections start
 *	through the next uplink that is up, and it is probed (an RFC 8803
 *	Info request each second) until two probes in a row are answered
 */
enum mpconv_uplink_state {
	MPCONV_UPLINK_UP,
	MPCONV_UPLINK_DOWN,
};

/**
 * enum mpconv_overflow - %MPCONV_A_CPE_OVERFLOW values
 * @MPCONV_OVERFLOW_RESET: reset the LAN connection
 * @MPCONV_OVERFLOW_BYPASS: forward it unconverted
 */
enum mpconv_overflow {
	MPCONV_OVERFLOW_RESET,
	MPCONV_OVERFLOW_BYPASS,
};

/**
 * enum mpconv_backoff - %MPCONV_A_CPE_BACKOFF values
 * @MPCONV_BACKOFF_BYPASS: forward new connections unconverted meanwhile
 *	(they leave through the routing's uplink, not aggregated)
 * @MPCONV_BACKOFF_REFUSE: answer their SYN with a RST (ECONNREFUSED)
 */
enum mpconv_backoff {
	MPCONV_BACKOFF_BYPASS,
	MPCONV_BACKOFF_REFUSE,
};

/**
 * enum mpconv_quic - %MPCONV_A_CPE_QUIC values
 * @MPCONV_QUIC_PASS: forward it, as any UDP datagram
 * @MPCONV_QUIC_REFUSE: drop it and answer as a host without a QUIC server
 *	does, with an ICMP port unreachable (ICMPv6 destination unreachable,
 *	code 4) under the kernel's ICMP rate limits: a browser then falls
 *	back to TCP, which the CPE converts. The policy deciding is the one
 *	for a TCP SYN to the same destination and port 443 (LAN interfaces
 *	and sources, destinations, ports, bypass lists, bindings, the
 *	built-in exclusions); whether the session table is full is not
 *	looked at. IPv4 fragments but the first, IPv6 datagrams with
 *	extension headers (fragments too) and datagrams too short for a
 *	UDP header pass untouched.
 */
enum mpconv_quic {
	MPCONV_QUIC_PASS,
	MPCONV_QUIC_REFUSE,
};

/**
 * enum mpconv_bind_mode - what a binding does with its host's connections
 * @MPCONV_BIND_CONVERT: convert them (through the configured converter)
 * @MPCONV_BIND_BYPASS: forward them unconverted (CPE role)
 */
enum mpconv_bind_mode {
	MPCONV_BIND_CONVERT,
	MPCONV_BIND_BYPASS,
};

/**
 * enum mpconv_sess_state - session states
 * @MPCONV_SESS_HANDSHAKE: reading the Convert message (converter)
 * @MPCONV_SESS_CONNECTING: connecting to the destination (converter), or
 *	to the converter and waiting for its reply (CPE)
 * @MPCONV_SESS_RELAY: relaying bytes both ways
 * @MPCONV_SESS_REFUSING: an Error was sent, waiting for the client to close
 */
enum mpconv_sess_state {
	MPCONV_SESS_HANDSHAKE,
	MPCONV_SESS_CONNECTING,
	MPCONV_SESS_RELAY,
	MPCONV_SESS_REFUSING,
};

/**
 * enum mpconv_reason - why a session ended or a binding went
 * @MPCONV_REASON_UNSPEC: unused
 * @MPCONV_REASON_CLOSED: session: both ends closed (FIN both ways)
 * @MPCONV_REASON_RESET: session: one end reset its connection, or a socket
 *	error
 * @MPCONV_REASON_ERROR: session: refused or failed with an RFC 8803 Error
 *	(%MPCONV_A_SESS_ERROR gives the code)
 * @MPCONV_REASON_IDLE: session: nothing moved for the idle timeout
 * @MPCONV_REASON_TIMEOUT: session: the Convert message, the server or the
 *	converter's reply did not come in time
 * @MPCONV_REASON_UNREACHABLE: session (CPE): the converter could not be
 *	reached
 * @MPCONV_REASON_MALFORMED: session (CPE): the converter's reply was
 *	malformed
 * @MPCONV_REASON_FLUSHED: deleted or flushed by an administrator
 * @MPCONV_REASON_SHUTDOWN: its role was turned off, its namespace went, or
 *	the module was unloaded
 * @MPCONV_REASON_EXPIRED: binding: no session for the binding lifetime
 */
enum mpconv_reason {
	MPCONV_REASON_UNSPEC,
	MPCONV_REASON_CLOSED,
	MPCONV_REASON_RESET,
	MPCONV_REASON_ERROR,
	MPCONV_REASON_IDLE,
	MPCONV_REASON_TIMEOUT,
	MPCONV_REASON_UNREACHABLE,
	MPCONV_REASON_MALFORMED,
	MPCONV_REASON_FLUSHED,
	MPCONV_REASON_SHUTDOWN,
	MPCONV_REASON_EXPIRED,
};

/**
 * enum mpconv_stat - counters (type of the u64 attributes in %MPCONV_A_STATS)
 * @MPCONV_STAT_UNSPEC: not a counter (the pad type of the u64 attributes)
 * @MPCONV_STAT_CONV_ACCEPTED: connections accepted by the converter
 * @MPCONV_STAT_CONV_CONVERTED: connections relayed to their destination
 * @MPCONV_STAT_CONV_INFO: Info requests answered
 * @MPCONV_STAT_CONV_REFUSED_CLIENT: clients refused (not in the allow list)
 * @MPCONV_STAT_CONV_REFUSED_DEST: destinations refused (the configured deny
 *	list or the built-in one)
 * @MPCONV_STAT_CONV_READ_TIMEOUT: connections reset for sending no complete
 *	Convert message in time
 * @MPCONV_STAT_CONV_OVERFLOW: connections reset because even the slots
 *	kept for refusals were full
 * @MPCONV_STAT_SESS_IDLE: sessions ended by the idle timeout
 * @MPCONV_STAT_SESS_RESET: sessions ended by a reset or error on one side
 * @MPCONV_STAT_SESS_CLOSED: sessions ended by a close both ways
 * @MPCONV_STAT_SESS_FLUSHED: sessions ended by an administrator or by the
 *	namespace or module going away
 * @MPCONV_STAT_BYTES_UP: bytes relayed client to server, added when a
 *	session ends
 * @MPCONV_STAT_BYTES_DOWN: bytes relayed server to client, likewise
 * @MPCONV_STAT_ERR_VERSION: Error 0 (Unsupported Version) sent
 * @MPCONV_STAT_ERR_MALFORMED: Error 1 (Malformed Message) sent
 * @MPCONV_STAT_ERR_UNSUPPORTED: Error 2 (Unsupported Message) sent
 * @MPCONV_STAT_ERR_MISSING_COOKIE: Error 3 (Missing Cookie) sent
 * @MPCONV_STAT_ERR_NOT_AUTHORIZED: Error 32 (Not Authorized) sent
 * @MPCONV_STAT_ERR_TCPOPT: Error 33 (Unsupported TCP Option) sent
 * @MPCONV_STAT_ERR_RESOURCE: Error 64 (Resource Exceeded) sent
 * @MPCONV_STAT_ERR_NETWORK: Error 65 (Network Failure) sent
 * @MPCONV_STAT_ERR_CONN_RESET: Error 96 (Connection Reset) sent
 * @MPCONV_STAT_ERR_UNREACH: Error 97 (Destination Unreachable) sent
 * @MPCONV_STAT_CONV_RESET_MSG: connections reset for a Convert message of
 *	Total Length 0
 * @MPCONV_STAT_CPE_TAKEN: LAN SYNs held for a new conversion (the converter
 *	asked)
 * @MPCONV_STAT_CPE_NATIVE: LAN SYNs carrying an MPTCP option (MP_CAPABLE or
 *	MP_JOIN), forwarded as they are (the host speaks MPTCP itself)
 * @MPCONV_STAT_CPE_BYPASSED: LAN SYNs forwarded unconverted because of a
 *	bypass binding, a full table (%MPCONV_OVERFLOW_BYPASS) or a wait the
 *	converter asked for (%MPCONV_BACKOFF_BYPASS, also counted in
 *	%MPCONV_STAT_CPE_BACKOFF_BYPASSED)
 * @MPCONV_STAT_CPE_CONVERTED: connections the converter accepted
 * @MPCONV_STAT_CPE_OVERFLOW: LAN SYNs answered with a RST for a full table
 *	or host
 * @MPCONV_STAT_CPE_UNREACHABLE: conversions that failed because the
 *	converter could not be reached (the LAN SYN is left unanswered)
 * @MPCONV_STAT_CPE_TIMEOUT: conversions whose converter reply, or whose LAN
 *	host's handshake after it, did not come in time (the LAN SYN is left
 *	unanswered)
 * @MPCONV_STAT_CPE_BAD_REPLY: LAN SYNs answered with a RST for a malformed
 *	reply
 * @MPCONV_STAT_CPE_RX_ERR_UNREACH: conversions refused with Error 97: the
 *	LAN SYN is answered with an ICMP destination unreachable of the code
 *	the Error carries
 * @MPCONV_STAT_CPE_RX_ERR_CONN_RESET: likewise, Error 96: answered with a
 *	RST (the LAN host's connect() fails with ECONNREFUSED)
 * @MPCONV_STAT_CPE_RX_ERR_NETWORK: likewise, Error 65: left unanswered
 * @MPCONV_STAT_CPE_RX_ERR_RESOURCE: likewise, Error 64: answered with a RST
 * @MPCONV_STAT_CPE_RX_ERR_AUTH: likewise, Errors 3, 32 and 33: a RST
 * @MPCONV_STAT_CPE_RX_ERR_OTHER: likewise, any other Error: a RST
 * @MPCONV_STAT_CPE_OUT_OF_SCOPE: LAN SYNs the policy covers, forwarded
 *	unconverted because they do not leave the site through an uplink:
 *	toward a private, shared (100.64.0.0/10), ULA, link-local, loopback or
 *	multicast address, the CPE itself, back to a LAN interface, or not
 *	forwarded at all
 * @MPCONV_STAT_CPE_INBOUND: connections opened from outside toward a LAN
 *	host (its SYN+ACK seen), forwarded untouched
 * @MPCONV_STAT_CPE_COOKIE_ACK: LAN ACKs completing a handshake that the
 *	transparent listener answered with a SYN cookie (its queue was full),
 *	handed to it
 * @MPCONV_STAT_CONV_PENDING_LIMIT: requests refused with Error 64 because
 *	their client had %MPCONV_A_CONV_MAX_PENDING_PER_CLIENT conversions
 *	connecting already (also counted in %MPCONV_STAT_ERR_RESOURCE)
 * @MPCONV_STAT_CONV_UNVERIFIED: conversions abandoned because the client
 *	(accepted with its request in the SYN) had not completed its
 *	handshake (or was reset) by the connect timeout: a spoofed source,
 *	most likely. Its server connection was closed 750 ms after the
 *	request, before the kernel's first retransmission of the server's
 *	SYN (1 s); that close runs from the session's work item: under
 *	extreme load it can come late.
 * @MPCONV_STAT_BINDINGS_EVICTED: bindings without a session removed before
 *	their lifetime ran out, to make room for a new client in a full
 *	binding table (the one idle the longest goes first)
 * @MPCONV_STAT_CPE_SYN_JOINED: LAN SYNs retransmitted while their
 *	conversion waited for the converter's reply: dropped, the conversion
 *	under way answers them
 * @MPCONV_STAT_CPE_SYN_FULL: LAN SYNs dropped because max-sessions (at most
 *	1024) conversions, or max-per-host (at most 64) of their host (its
 *	Ethernet address), were waiting for the converter's reply already
 * @MPCONV_STAT_CONV_COOKIE_PREV: requests accepted with a cookie of the
 *	previous key period (%MPCONV_A_CONV_COOKIE_ROTATE_MS)
 * @MPCONV_STAT_CPE_COOKIE_LEARNED: cookies taken from the converter's
 *	Error 3 (Missing Cookie)
 * @MPCONV_STAT_CPE_COOKIE_RETRIED: conversions asked again at once with
 *	the cookie just learned (the LAN host waits one more round trip)
 * @MPCONV_STAT_CPE_COOKIE_REFUSED: cookies the converter refused (Error
 *	32 after sending one): dropped, and learned again by asking once more
 *	without one
 * @MPCONV_STAT_CPE_STAGGERED: conversions that opened a second MPTCP
 *	connection through the next uplink because the first had not answered
 *	in time (%MPCONV_A_CPE_UPLINKS)
 * @MPCONV_STAT_CPE_UPLINK_DOWN: uplinks marked down
 * @MPCONV_STAT_CPE_UPLINK_UP: uplinks marked up again after probes
 * @MPCONV_STAT_CPE_PROBES: probes (Info requests) sent through uplinks
 *	marked down
 * @MPCONV_STAT_CPE_BACKOFF: Errors 64 and 65 with a delay, which the CPE
 *	waits before asking the converter again (%MPCONV_A_CPE_BACKOFF)
 * @MPCONV_STAT_CPE_BACKOFF_BYPASSED: LAN SYNs forwarded unconverted
 *	during such a wait
 * @MPCONV_STAT_CPE_BACKOFF_REFUSED: LAN SYNs answered with a RST during
 *	such a wait
 * @MPCONV_STAT_CPE_QUIC_REFUSED: LAN UDP datagrams to port 443 dropped
 *	and answered with an ICMP port unreachable (%MPCONV_QUIC_REFUSE);
 *	the kernel's ICMP rate limits may have kept some answers back
 * @MPCONV_STAT_CONV_JOIN_DENIED: MP_JOIN SYNs the converter's namespace
 *	was about to send toward a denied destination (its path manager
 *	following a client's ADD_ADDR), dropped
 * @MPCONV_STAT_CPE_FOREIGN_PASSED: LAN segments of another connection
 *	on the 4-tuple of a CPE request socket (a SYN spoofed with the
 *	4-tuple of a connection the CPE forwards made it), passed untouched
 * @MPCONV_STAT_CONV_GUARD_REDIAL: server connections opened again for a
 *	client that completed its handshake only after the SYN guard (its
 *	third ACK or the SYN+ACK lost): the first one had been closed before
 *	its SYN could be retransmitted
 */
enum mpconv_stat {
	MPCONV_STAT_UNSPEC,
	MPCONV_STAT_CONV_ACCEPTED,
	MPCONV_STAT_CONV_CONVERTED,
	MPCONV_STAT_CONV_INFO,
	MPCONV_STAT_CONV_REFUSED_CLIENT,
	MPCONV_STAT_CONV_REFUSED_DEST,
	MPCONV_STAT_CONV_READ_TIMEOUT,
	MPCONV_STAT_CONV_OVERFLOW,
	MPCONV_STAT_SESS_IDLE,
	MPCONV_STAT_SESS_RESET,
	MPCONV_STAT_SESS_CLOSED,
	MPCONV_STAT_SESS_FLUSHED,
	MPCONV_STAT_BYTES_UP,
	MPCONV_STAT_BYTES_DOWN,
	MPCONV_STAT_ERR_VERSION,
	MPCONV_STAT_ERR_MALFORMED,
	MPCONV_STAT_ERR_UNSUPPORTED,
	MPCONV_STAT_ERR_MISSING_COOKIE,
	MPCONV_STAT_ERR_NOT_AUTHORIZED,
	MPCONV_STAT_ERR_TCPOPT,
	MPCONV_STAT_ERR_RESOURCE,
	MPCONV_STAT_ERR_NETWORK,
	MPCONV_STAT_ERR_CONN_RESET,
	MPCONV_STAT_ERR_UNREACH,
	MPCONV_STAT_CONV_RESET_MSG,
	MPCONV_STAT_CPE_TAKEN,
	MPCONV_STAT_CPE_NATIVE,
	MPCONV_STAT_CPE_BYPASSED,
	MPCONV_STAT_CPE_CONVERTED,
	MPCONV_STAT_CPE_OVERFLOW,
	MPCONV_STAT_CPE_UNREACHABLE,
	MPCONV_STAT_CPE_TIMEOUT,
	MPCONV_STAT_CPE_BAD_REPLY,
	MPCONV_STAT_CPE_RX_ERR_UNREACH,
	MPCONV_STAT_CPE_RX_ERR_CONN_RESET,
	MPCONV_STAT_CPE_RX_ERR_NETWORK,
	MPCONV_STAT_CPE_RX_ERR_RESOURCE,
	MPCONV_STAT_CPE_RX_ERR_AUTH,
	MPCONV_STAT_CPE_RX_ERR_OTHER,
	MPCONV_STAT_CPE_OUT_OF_SCOPE,
	MPCONV_STAT_CPE_INBOUND,
	MPCONV_STAT_CPE_COOKIE_ACK,
	MPCONV_STAT_CONV_PENDING_LIMIT,
	MPCONV_STAT_CONV_UNVERIFIED,
	MPCONV_STAT_BINDINGS_EVICTED,
	MPCONV_STAT_CPE_SYN_JOINED,
	MPCONV_STAT_CPE_SYN_FULL,
	MPCONV_STAT_CONV_COOKIE_PREV,
	MPCONV_STAT_CPE_COOKIE_LEARNED,
	MPCONV_STAT_CPE_COOKIE_RETRIED,
	MPCONV_STAT_CPE_COOKIE_REFUSED,
	MPCONV_STAT_CPE_STAGGERED,
	MPCONV_STAT_CPE_UPLINK_DOWN,
	MPCONV_STAT_CPE_UPLINK_UP,
	MPCONV_STAT_CPE_PROBES,
	MPCONV_STAT_CPE_BACKOFF,
	MPCONV_STAT_CPE_BACKOFF_BYPASSED,
	MPCONV_STAT_CPE_BACKOFF_REFUSED,
	MPCONV_STAT_CPE_QUIC_REFUSED,
	MPCONV_STAT_CONV_JOIN_DENIED,
	MPCONV_STAT_CPE_FOREIGN_PASSED,
	MPCONV_STAT_CONV_GUARD_REDIAL,

	__MPCONV_STAT_MAX
};

#define MPCONV_STAT_MAX (__MPCONV_STAT_MAX - 1)

#endif /* _UAPI_LINUX_MPCONV_H */
