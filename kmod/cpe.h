/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPE role: LAN TCP connections carried over MPTCP to a converter.
 */
#ifndef _MPCONV_CPE_H
#define _MPCONV_CPE_H

#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "sock.h"

struct genl_info;
struct sk_buff;
struct mpconv_net;

/* LAN interfaces, port ranges in one list, and uplinks, at most. */
#define MPCONV_CPE_MAX_IFACES	16
#define MPCONV_CPE_MAX_PORTS	16
#define MPCONV_CPE_MAX_UPLINKS	8
/* Bytes of a converter cookie kept, at most. */
#define MPCONV_CPE_COOKIE_MAX	64

/**
 * struct mpconv_port_range - destination ports @lo to @hi (host order)
 * @lo: first port
 * @hi: last port
 */
struct mpconv_port_range {
	u16 lo;
	u16 hi;
};

/**
 * struct mpconv_flow - a TCP connection as the CPE hook sees it from the LAN
 * @saddr: the LAN host's address (IPv4 as IPv4-mapped)
 * @daddr: the remote address
 * @sport: the LAN host's port
 * @dport: the remote port
 */
struct mpconv_flow {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
};

/**
 * struct mpconv_cpe_cfg - configuration of the CPE role (see the uapi)
 * @rcu: frees a replaced configuration after readers (the hook) are done
 * @enabled: the hook takes LAN SYNs
 * @converter: where the converter listens
 * @overflow: &enum mpconv_overflow
 * @quic: &enum mpconv_quic: LAN UDP to port 443 of converted destinations
 * @max_sessions: converted connections in the namespace
 * @max_per_host: converted connections per LAN host
 * @connect_timeout_ms: to reach the converter and get its reply
 * @idle_timeout_ms: a session idle that long is reset both ways
 * @binding_lifetime_ms: a binding outlives its last session that long
 * @backoff: &enum mpconv_backoff
 * @n_ifaces: entries in @ifaces
 * @n_sources: entries in @sources
 * @n_dests: entries in @dests
 * @n_bypass: entries in @bypass
 * @n_ports: entries in @ports
 * @n_bypass_ports: entries in @bypass_ports
 * @n_uplinks: entries in @uplinks
 * @ifaces: LAN interface indexes
 * @uplinks: interface indexes of the uplinks toward the converter, most
 *	preferred first (none: routing chooses, no failover)
 * @ports: destination ports converted (none: all)
 * @bypass_ports: destination ports never converted
 * @sources: LAN source prefixes
 * @dests: destinations converted (none: all)
 * @bypass: destinations never converted
 *
 * Lifetime: replaced whole under &mpconv_net.cfg_lock and published with
 * RCU; the hook reads it under rcu_read_lock().
 */
struct mpconv_cpe_cfg {
	struct rcu_head rcu;
	bool enabled;
	struct mpconv_addr converter;
	u8 overflow;
	u8 quic;
	u32 max_sessions;
	u32 max_per_host;
	u32 connect_timeout_ms;
	u32 idle_timeout_ms;
	u32 binding_lifetime_ms;
	u8 backoff;
	u8 n_ifaces;
	u8 n_sources;
	u8 n_dests;
	u8 n_bypass;
	u8 n_ports;
	u8 n_bypass_ports;
	u8 n_uplinks;
	int ifaces[MPCONV_CPE_MAX_IFACES];
	int uplinks[MPCONV_CPE_MAX_UPLINKS];
	struct mpconv_port_range ports[MPCONV_CPE_MAX_PORTS];
	struct mpconv_port_range bypass_ports[MPCONV_CPE_MAX_PORTS];
	struct mpconv_prefix sources[MPCONV_MAX_PREFIXES];
	struct mpconv_prefix dests[MPCONV_MAX_PREFIXES];
	struct mpconv_prefix bypass[MPCONV_MAX_PREFIXES];
};

/* Held LAN SYNs (cpe_syn.c): hash buckets, at most entries, per-host slots. */
#define MPCONV_CPE_SYN_BUCKETS	256
#define MPCONV_CPE_SYN_MAX	1024
#define MPCONV_CPE_SYN_SLOTS	1024
#define MPCONV_CPE_SYN_PER_HOST	64

/**
 * enum mpconv_syn_state - where a held LAN SYN's conversion is
 * @MPCONV_SYN_WAIT: waiting for the converter's reply; retransmissions of
 *	the SYN are dropped
 * @MPCONV_SYN_READY: the converter accepted: the SYN (received again) and
 *	its retransmissions go to the transparent listener
 */
enum mpconv_syn_state {
	MPCONV_SYN_WAIT,
	MPCONV_SYN_READY,
};

/* What the hook does with a SYN it converts (mpconv_cpe_syn_hook()). */
enum mpconv_syn_verdict {
	MPCONV_SYN_STEER,
	MPCONV_SYN_STOLEN,
	MPCONV_SYN_PASS,
	MPCONV_SYN_DROP,
};

/* How a failed conversion answers its held SYN (mpconv_cpe_syn_answer()). */
enum {
	MPCONV_SYN_ANSWER_NONE,
	MPCONV_SYN_ANSWER_RST,
	MPCONV_SYN_ANSWER_UNREACH,
};

struct mpconv_session;

/**
 * struct mpconv_cpe_uplink - an uplink toward the converter (cpe_uplink.c)
 * @ifindex: its interface; 0 for the one entry used without configured
 *	uplinks (routing chooses; it only keeps the cookie and handshake time)
 * @state: &enum mpconv_uplink_state
 * @misses: attempts through it that missed, in a row
 * @probe_ok: probes answered in a row while down
 * @cookie_len: bytes in @cookie, 0 for none
 * @cookie_gen: bumped whenever @cookie changes
 * @srtt_us: smoothed handshake time with the converter, 0 before the first
 * @changed: jiffies_64 of the last change of @state
 * @attempts: attempts through it that came to a verdict
 * @missed: of those, the ones that missed
 * @cookie: the converter's cookie for connections through it
 * @probe: the probe in flight while down, NULL otherwise
 * @pwatch: events of @probe
 * @probe_at: jiffies when @probe started, or when the next one is due
 * @probe_sent: the probe's request has been sent whole
 * @plen: bytes of the probe's reply in @pbuf
 * @pbuf: the probe's reply
 *
 * Lifetime: an array in &struct mpconv_cpe, rebuilt when the uplinks are
 * configured (state kept for those still listed); everything under
 * &mpconv_cpe.up_mutex.
 */
struct mpconv_cpe_uplink {
	int ifindex;
	u8 state;
	u8 misses;
	u8 probe_ok;
	u8 cookie_len;
	u32 cookie_gen;
	u32 srtt_us;
	u64 changed;
	u64 attempts;
	u64 missed;
	u8 cookie[MPCONV_CPE_COOKIE_MAX];
	struct socket *probe;
	struct mpconv_watch pwatch;
	unsigned long probe_at;
	bool probe_sent;
	u16 plen;
	u8 pbuf[64];
};

/**
 * struct mpconv_uplink_info - a snapshot of an uplink, for netlink
 * @ifindex: its interface
 * @state: &enum mpconv_uplink_state
 * @cookie: a cookie is held for it
 * @srtt_us: smoothed handshake time
 * @changed_ms: time since its state changed
 * @attempts: attempts that came to a verdict
 * @missed: of those, the ones that missed
 */
struct mpconv_uplink_info {
	int ifindex;
	u8 state;
	bool cookie;
	u32 srtt_us;
	u64 changed_ms;
	u64 attempts;
	u64 missed;
};

/**
 * struct mpconv_cpe_syn - a LAN SYN held until the converter answers
 * @node: in &mpconv_cpe.syn_hash, under &mpconv_cpe.syn_lock
 * @fresh: in &mpconv_cpe.syn_fresh until the accept work takes it
 * @f: the LAN connection
 * @skb: the SYN as first received (owned by the entry's owner), NULL once
 *	received again or answered
 * @s: its session, once made (under &mpconv_cpe.syn_lock)
 * @csock: the accepted LAN connection, handed over until the session takes
 *	it (under &mpconv_cpe.syn_lock)
 * @iif: the SYN's ingress interface
 * @slot: its host's slot in &mpconv_cpe.syn_host
 * @state: &enum mpconv_syn_state (under &mpconv_cpe.syn_lock)
 * @nat: destination NAT translated the SYN: it is not received again (its
 *	translation went with its conntrack entry), the LAN host's
 *	retransmission completes the handshake
 *
 * Lifetime: see cpe_syn.c.
 */
struct mpconv_cpe_syn {
	struct hlist_node node;
	struct list_head fresh;
	struct mpconv_flow f;
	struct sk_buff *skb;
	struct mpconv_session *s;
	struct socket *csock;
	int iif;
	u16 slot;
	u8 state;
	bool nat;
};

/**
 * struct mpconv_cpe - the CPE role of a namespace
 * @cfg: the configuration (RCU)
 * @lsock: the transparent listeners the hook hands LAN SYNs to, IPv4 and
 *	IPv6, while enabled
 * @lwatch: their events
 * @accept_work: accepts their connections
 * @hooks: the netfilter hooks are registered
 * @fastopen: the Convert message goes in the SYN (MPTCP with TCP Fast Open)
 * @syn_lock: protects the held SYNs (cpe_syn.c)
 * @syn_fresh: held SYNs waiting for the accept work to make their session
 * @syn_fresh_n: entries in @syn_fresh
 * @syn_count: held SYNs
 * @syn_host: held SYNs per host slot
 * @syn_hash: held SYNs by flow
 * @up_mutex: protects the uplinks (cpe_uplink.c)
 * @up_active: the role is on: uplink changes may start the probe work
 * @n_up: entries in @up (1 without configured uplinks)
 * @up: the uplinks, most preferred first
 * @probe_work: probes the uplinks that are down
 * @backoff_until: jiffies_64 until which the converter is not asked (its
 *	Error 64 or 65 said so), 0 for none (64 bits: a 32-bit jiffies value
 *	left behind would come back "in the future" after 2^31 ticks)
 * @probe_to: the converter the probes ask (under @up_mutex; set with the
 *	uplinks, so that no probe goes to a converter being replaced)
 * @backoff_err: that Error's code
 *
 * Lifetime: the listeners and hooks exist while the role is enabled; the
 * hooks are unregistered (which waits for running hooks) before the
 * listeners are released.
 */
struct mpconv_cpe {
	struct mpconv_cpe_cfg __rcu *cfg;
	struct socket *lsock[2];
	struct mpconv_watch lwatch[2];
	struct delayed_work accept_work;
	bool hooks;
	bool fastopen;
	spinlock_t syn_lock;
	struct list_head syn_fresh;
	u32 syn_fresh_n;
	u32 syn_count;
	u16 syn_host[MPCONV_CPE_SYN_SLOTS];
	struct hlist_head syn_hash[MPCONV_CPE_SYN_BUCKETS];
	struct mutex up_mutex;	/* guards @up, @n_up, @up_active */
	bool up_active;
	u8 n_up;
	struct mpconv_cpe_uplink up[MPCONV_CPE_MAX_UPLINKS];
	struct delayed_work probe_work;
	atomic64_t backoff_until;
	u8 backoff_err;
	struct mpconv_addr probe_to;
};

int mpconv_cpe_init(struct mpconv_net *mn);
void mpconv_cpe_stop(struct mpconv_net *mn);
unsigned int mpconv_cpe_listeners(struct mpconv_net *mn);
void mpconv_cpe_free(struct mpconv_net *mn);
int mpconv_cpe_set(struct mpconv_net *mn, struct genl_info *info);
int mpconv_cpe_fill(struct mpconv_net *mn, struct sk_buff *msg);

/* cpe_syn.c */
void mpconv_cpe_syn_init(struct mpconv_cpe *cpe);
enum mpconv_syn_verdict mpconv_cpe_syn_hook(struct mpconv_net *mn,
					    const struct mpconv_cpe_cfg *cfg,
					    struct sk_buff *skb, const struct mpconv_flow *f,
					    int iif, bool bypass);
struct mpconv_cpe_syn *mpconv_cpe_syn_fresh(struct mpconv_cpe *cpe);
void mpconv_cpe_syn_bind(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e,
			 struct mpconv_session *s);
void mpconv_cpe_syn_free(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e);
void mpconv_cpe_syn_flush(struct mpconv_cpe *cpe);
void mpconv_cpe_syn_ready(struct mpconv_net *mn, struct mpconv_cpe_syn *e);
bool mpconv_cpe_syn_attach(struct mpconv_net *mn, const struct mpconv_flow *f,
			   struct socket *sock);
struct socket *mpconv_cpe_syn_take(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e);
void mpconv_cpe_syn_answer(struct mpconv_net *mn, struct mpconv_cpe_syn *e, int how, u8 code);

/* cpe_uplink.c */

/**
 * struct mpconv_cpe_pick - the uplinks a new conversion tries
 * @first: the uplink tried first (0: routing's choice)
 * @next: the one tried after @stagger, 0 for none
 * @stagger: jiffies to wait for @first before trying @next
 */
struct mpconv_cpe_pick {
	int first;
	int next;
	unsigned long stagger;
};

void mpconv_cpe_uplink_init(struct mpconv_cpe *cpe);
void mpconv_cpe_uplink_config(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
			      bool forget);
void mpconv_cpe_uplink_stop(struct mpconv_net *mn);
void mpconv_cpe_uplink_pick(struct mpconv_net *mn, struct mpconv_cpe_pick *p);
void mpconv_cpe_uplink_report(struct mpconv_net *mn, int ifindex, bool answered, u32 rtt_us);
int mpconv_cpe_cookie_get(struct mpconv_net *mn, int ifindex, u8 *cookie, u32 *gen);
void mpconv_cpe_cookie_learn(struct mpconv_net *mn, int ifindex, const u8 *cookie, u8 len);
bool mpconv_cpe_cookie_drop(struct mpconv_net *mn, int ifindex, u32 gen);
int mpconv_cpe_uplink_snapshot(struct mpconv_net *mn, struct mpconv_uplink_info *info);
unsigned int mpconv_cpe_uplink_socks(struct mpconv_net *mn);

bool mpconv_cpe_backing_off(struct mpconv_cpe *cpe);

/* cpe_hook.c */
int mpconv_cpe_hooks_register(struct mpconv_net *mn);
void mpconv_cpe_hooks_unregister(struct mpconv_net *mn);

#endif /* _MPCONV_CPE_H */
