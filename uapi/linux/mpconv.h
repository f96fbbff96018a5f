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
 * - Read commands are open to everyone in the network namespace; commands
 *   that change state need CAP_NET_ADMIN in the user namespace owning the
 *   network namespace.
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
 */
enum mpconv_cmd {
	MPCONV_CMD_UNSPEC,
	MPCONV_CMD_STATUS_GET,

	__MPCONV_CMD_MAX
};

#define MPCONV_CMD_MAX (__MPCONV_CMD_MAX - 1)

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
 * @MPCONV_A_SESSIONS: u32, number of sessions in this namespace
 * @MPCONV_A_BINDINGS: u32, number of bindings in this namespace
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

	__MPCONV_A_MAX
};

#define MPCONV_A_MAX (__MPCONV_A_MAX - 1)

#endif /* _UAPI_LINUX_MPCONV_H */
