/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The converter role: an RFC 8803 Transport Converter (MPTCP in, TCP out).
 */
#ifndef _MPCONV_CONVERTER_H
#define _MPCONV_CONVERTER_H

#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/workqueue.h>

#include "sock.h"

struct genl_info;
struct sk_buff;
struct mpconv_net;

/**
 * struct mpconv_conv_cfg - the converter's configuration
 * @rcu: frees a replaced configuration after readers are done
 * @enabled: the role is on
 * @listen: listening address and port
 * @cookie_required: requests must carry this client's cookie
 * @cookie_rotate_ms: the cookie key's period: a cookie is made with the
 *	key of the current period and accepted in the next one; 0: never
 * @cookie_key: the secret the cookies derive from (random at start, or set
 *	by the administrator so that several converters accept each other's
 *	cookies); never reported
 * @server_mptcp: connect to servers with MPTCP (else plain TCP)
 * @max_sessions: sessions allowed in the namespace
 * @max_per_client: sessions allowed per client
 * @max_pending_per_client: sessions per client allowed to be connecting to
 *	their servers at once
 * @read_timeout_ms: time for the whole Convert message
 * @connect_timeout_ms: time to reach the server
 * @idle_timeout_ms: time without traffic before a session is reset
 * @binding_lifetime_ms: how long a binding outlives its last session
 * @client_plen4: IPv4 clients are counted per prefix of this length
 * @client_plen6: IPv6 clients likewise
 * @n_allow: entries in @allow
 * @n_deny: entries in @deny
 * @allow: client prefixes allowed
 * @deny: destination prefixes refused (besides the built-in ones)
 *
 * Immutable once published: a change makes a new copy under
 * &mpconv_net.cfg_lock and frees the old one after a grace period.
 */
struct mpconv_conv_cfg {
	struct rcu_head rcu;
	bool enabled;
	struct mpconv_addr listen;
	bool cookie_required;
	bool server_mptcp;
	u32 cookie_rotate_ms;
	siphash_key_t cookie_key;
	u32 max_sessions;
	u32 max_per_client;
	u32 max_pending_per_client;
	u32 read_timeout_ms;
	u32 connect_timeout_ms;
	u32 idle_timeout_ms;
	u32 binding_lifetime_ms;
	u8 client_plen4;
	u8 client_plen6;
	u8 n_allow;
	u8 n_deny;
	struct mpconv_prefix allow[MPCONV_MAX_PREFIXES];
	struct mpconv_prefix deny[MPCONV_MAX_PREFIXES];
};

/**
 * struct mpconv_converter - the converter role of a namespace
 * @cfg: the configuration (RCU; written under &mpconv_net.cfg_lock)
 * @lsock: the MPTCP listener while enabled
 * @lwatch: events of @lsock
 * @accept_work: accepts new connections
 * @backlog: the listener's backlog (SYN queue), 0 without a listener
 * @tfo_qlen: its Fast Open queue; 0 when it takes no data in the SYN (no
 *	TFO, cookie-less, on this kernel or no listener)
 * @tfo_written: the value mpconv gave net.ipv4.tcp_fastopen when it turned
 *	the TFO server bit (2) on, 0 when it did not; the bit is turned off
 *	again only if nobody wrote the sysctl since
 * @hooks: the join guard (conv_join_hook()) is registered: while @lsock is
 */
struct mpconv_converter {
	struct mpconv_conv_cfg __rcu *cfg;
	struct socket *lsock;
	struct mpconv_watch lwatch;
	struct delayed_work accept_work;
	int tfo_written;
	u32 backlog;
	u32 tfo_qlen;
	bool hooks;
};

int mpconv_converter_init(struct mpconv_net *mn);
void mpconv_converter_stop(struct mpconv_net *mn);
unsigned int mpconv_converter_listeners(struct mpconv_net *mn);
void mpconv_converter_free(struct mpconv_net *mn);
int mpconv_converter_set(struct mpconv_net *mn, struct genl_info *info);
int mpconv_converter_fill(struct mpconv_net *mn, struct sk_buff *msg);

#endif /* _MPCONV_CONVERTER_H */
