/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions (one converted connection) and bindings (one client host), the
 * two per-namespace tables.
 */
#ifndef _MPCONV_SESSION_H
#define _MPCONV_SESSION_H

#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "relay.h"
#include "sock.h"

struct mpconv_net;
struct mpconv_cpe_syn;

/* Buckets of each table; entries are bounded by configuration, not this. */
#define MPCONV_HASH_BITS	8

/**
 * struct mpconv_binding - one client host and its sessions
 * @node: in &mpconv_net.bindings, under &mpconv_net.lock
 * @idle: in &mpconv_net.idle_bindings (oldest first) while it has no
 *	session and is not static, under &mpconv_net.lock; empty otherwise
 * @rcu: frees the binding after readers (dumps) are done
 * @ref: one for the table, one per session
 * @addr: the host's address (IPv4 as IPv4-mapped), or the first address of
 *	the client prefix it stands for
 * @plen: prefix length of @addr in IPv6 terms (IPv4 /32 and IPv6 /128: one
 *	host; the converter groups a client's addresses per
 *	&struct mpconv_limits prefix)
 * @sessions: live sessions (those holding a reference)
 * @pending: its sessions connecting to their server (converter), bounded by
 *	the max-pending-per-client setting
 * @total: sessions it has had
 * @bytes_up: bytes from this host, ended sessions included
 * @bytes_down: bytes to this host, likewise
 * @created: jiffies_64 at creation
 * @idle_since: jiffies_64 when its last session ended
 * @mode: &enum mpconv_bind_mode (read by the CPE hook)
 * @is_static: added by an administrator: kept until deleted
 *
 * Lifetime: created with a host's first charged session (on the converter:
 * once the client has completed its handshake, see
 * mpconv_session_charge()) or by an administrator (static); unlinked by
 * the garbage collector (mpconv_binding_gc()) once it has had no session
 * for the configured lifetime (never for a static one), evicted earlier
 * (oldest idle first) when a new client needs room in a full table, or
 * unlinked by an administrator or when the namespace goes; freed after an
 * RCU grace period when the last reference is dropped.
 */
struct mpconv_binding {
	struct hlist_node node;
	struct list_head idle;
	struct rcu_head rcu;
	refcount_t ref;
	struct in6_addr addr;
	u8 plen;
	u32 sessions;
	atomic_t pending;
	atomic64_t total;
	atomic64_t bytes_up;
	atomic64_t bytes_down;
	u64 created;
	u64 idle_since;
	u8 mode;
	bool is_static;
};

struct mpconv_session;

/**
 * struct mpconv_limits - what a session is charged against
 * @max: sessions allowed in the namespace
 * @per_client: sessions allowed per binding
 * @plen4: IPv4 clients share a binding per prefix of this length (1-32;
 *	32: one per address)
 * @plen6: IPv6 clients likewise (1-128; 128: one per address)
 */
struct mpconv_limits {
	u32 max;
	u32 per_client;
	u8 plen4;
	u8 plen6;
};

/* Sessions allowed beyond the limit, only to send a refusal (Error 64). */
#define MPCONV_REFUSAL_SLOTS	64

/**
 * enum mpconv_step - what a session's state machine asks for next
 * @MPCONV_STEP_WAIT: sleep until a socket event or the session's deadline
 * @MPCONV_STEP_AGAIN: run again at once (work left, budget used up)
 * @MPCONV_STEP_POLL: run again shortly (for a change no socket event
 *	announces), or at the deadline if sooner
 * @MPCONV_STEP_DONE: the session is over: free it (sockets still set in
 *	the session are aborted)
 */
enum mpconv_step {
	MPCONV_STEP_WAIT,
	MPCONV_STEP_AGAIN,
	MPCONV_STEP_POLL,
	MPCONV_STEP_DONE,
};

/**
 * struct mpconv_session_ops - what a role does with its sessions
 * @step: run the session's state machine, from its work item only
 */
struct mpconv_session_ops {
	enum mpconv_step (*step)(struct mpconv_session *s);
};

/**
 * struct mpconv_session - one converted connection
 * @node: in &mpconv_net.sessions, under &mpconv_net.lock
 * @rcu: frees the session after readers (dumps) are done
 * @mn: the namespace's state (the namespace outlives its sessions: its exit
 *	handler ends them all)
 * @binding: the client's binding (a reference); NULL for a refusal session
 *	and for an unverified one
 * @unverified: accepted before the client completed its handshake (Fast
 *	Open): counted in &mpconv_net.unverified, not against any limit,
 *	until mpconv_session_charge(); under &mpconv_net.lock
 * @ops: the owning role
 * @id: identifier, unique in the namespace
 * @role: MPCONV_ROLE_* of the owner
 * @state: &enum mpconv_sess_state
 * @sent: CPE: the Convert request has been sent whole
 * @killed: asked to end, with this &enum mpconv_reason (flush, role off,
 *	namespace exit, module unload), 0 until then; set under
 *	&mpconv_net.lock
 * @server_mptcp: the server's SYN+ACK carried MP_CAPABLE
 * @pending: counted in its binding's @pending (converter: connecting)
 * @guarded: converter: connecting for a client that has not completed its
 *	handshake yet; @deadline is then when the server connection closes
 *	(before its first SYN retransmission) and, once it has (@ssock NULL,
 *	"parked"), when the session ends unless the client completes it
 * @started: mpconv_session_start() made it runnable (under &mpconv_net.lock)
 * @ended: session_end() unlinked it (under &mpconv_net.lock)
 * @reason: why it ended (&enum mpconv_reason), set by the step that ends it
 * @error: the RFC 8803 Error code, with %MPCONV_REASON_ERROR
 * @poll: how many MPCONV_STEP_POLL in a row (backoff)
 * @lan_wait: CPE: the converter accepted, the session waits for the LAN
 *	connection (its SYN released to the listener)
 * @graceful: the step ended the session with its sockets closed: release
 *	them as they are (otherwise they are aborted with a reset)
 * @client: the client's address (peer of @csock)
 * @dest: the destination
 * @csock: socket toward the client (a CPE session gets it once the
 *	converter has accepted and the LAN host's handshake completed)
 * @ssock: socket toward the server, NULL until connecting
 * @cwatch: events of @csock
 * @swatch: events of @ssock
 * @work: runs @ops->step on every socket event and at @deadline
 * @relay: the relay, once connected
 * @created: jiffies_64 when the connection arrived
 * @deadline: jiffies of the current timeout (handshake, connect, idle,
 *	refusal)
 * @hs: handshake buffer (the Convert message and what follows it), freed
 *	once relaying
 * @hs_len: bytes in @hs
 * @hs_msg: length of the Convert message at the start of @hs, once complete
 * @reply: the reply or Error still to send
 * @reply_len: its length
 * @reply_off: bytes of it already sent
 * @syn: CPE: the held LAN SYN (cpe_syn.c) until relaying, owned by the
 *	session
 * @syn_answer: CPE: how that SYN is answered if the session ends before
 *	relaying (MPCONV_SYN_ANSWER_*)
 * @icmp_code: CPE: the ICMP code for MPCONV_SYN_ANSWER_UNREACH
 * @alt: CPE: the second connection toward the converter, through the next
 *	uplink, while both race (see cpe_uplink.c); NULL otherwise
 * @awatch: events of @alt
 * @wake: jiffies of a wake-up the session needs before @deadline (CPE:
 *	when the second connection is due), 0 for none
 * @t_open: CPE: jiffies when @ssock's connection was opened
 * @t_alt: CPE: when @alt is due, then when it was opened
 * @up_if: CPE: the uplink of @ssock (0: routing's choice)
 * @alt_if: CPE: the uplink of @alt, 0 when there is none to try
 * @alt_len: CPE: length of the request @alt sent in its SYN
 * @alt_msg: CPE: bytes of it sent (all of it, or none)
 * @cookie_gen: CPE: generation of the cookie @ssock's request carries
 * @alt_gen: CPE: likewise for @alt
 * @cookie_tries: CPE: conversions asked again for a cookie
 * @cookie_sent: CPE: @ssock's request carries a cookie
 * @alt_cookie: CPE: @alt's does
 * @alt_started: CPE: @alt was opened (once per attempt)
 * @won: CPE: a connection toward the converter was answered and kept
 *
 * Lifetime: allocated by the role when a connection arrives, linked in the
 * table, and driven by @work only (one runner at a time). It ends inside
 * @work: the watches are removed, it is unlinked, pending work cancelled,
 * sockets released, and it is freed after an RCU grace period. Nothing but
 * @work frees it, and anyone else only queues @work under &mpconv_net.lock
 * while it is linked.
 */
struct mpconv_session {
	struct hlist_node node;
	struct rcu_head rcu;
	struct mpconv_net *mn;
	struct mpconv_binding *binding;
	const struct mpconv_session_ops *ops;
	u64 id;
	u8 role;
	u8 state;
	u8 killed;
	bool started;
	bool ended;
	bool unverified;
	u8 reason;
	u8 error;
	bool sent;
	bool server_mptcp;
	bool pending;
	bool guarded;
	bool graceful;
	bool lan_wait;
	u8 poll;
	struct mpconv_addr client;
	struct mpconv_addr dest;
	struct socket *csock;
	struct socket *ssock;
	struct mpconv_watch cwatch;
	struct mpconv_watch swatch;
	struct delayed_work work;
	struct mpconv_relay relay;
	u64 created;
	unsigned long deadline;
	u8 *hs;
	u16 hs_len;
	u16 hs_msg;
	u8 reply[96];
	u16 reply_len;
	u16 reply_off;
	struct mpconv_cpe_syn *syn;
	u8 syn_answer;
	u8 icmp_code;
	struct socket *alt;
	struct mpconv_watch awatch;
	unsigned long wake;
	unsigned long t_open;
	unsigned long t_alt;
	int up_if;
	int alt_if;
	u16 alt_len;
	u16 alt_msg;
	u32 cookie_gen;
	u32 alt_gen;
	u8 cookie_tries;
	bool cookie_sent;
	bool alt_cookie;
	bool alt_started;
	bool won;
};

/**
 * struct mpconv_table - a per-namespace hash table
 * @buckets: hash buckets
 * @count: entries linked
 * @gen: bumped on every link and unlink (dump consistency)
 */
struct mpconv_table {
	struct hlist_head buckets[1 << MPCONV_HASH_BITS];
	u32 count;
	u32 gen;
};

int mpconv_session_cache_init(void);
void mpconv_session_cache_exit(void);
struct mpconv_session *mpconv_session_new(struct mpconv_net *mn, u8 role,
					  const struct mpconv_session_ops *ops,
					  struct socket *csock, const struct mpconv_limits *lim,
					  int *err);
struct mpconv_session *mpconv_session_new_for(struct mpconv_net *mn, u8 role,
					      const struct mpconv_session_ops *ops,
					      const struct mpconv_addr *client,
					      const struct mpconv_limits *lim, int *err);
void mpconv_session_set_csock(struct mpconv_session *s, struct socket *csock);
struct mpconv_session *mpconv_session_new_unverified(struct mpconv_net *mn, u8 role,
						     const struct mpconv_session_ops *ops,
						     struct socket *csock,
						     const struct mpconv_addr *client,
						     u32 max_unverified, int *err);
int mpconv_session_room(struct mpconv_net *mn, const struct mpconv_addr *client,
			const struct mpconv_limits *lim);
int mpconv_session_charge(struct mpconv_session *s, const struct mpconv_limits *lim);
void mpconv_session_start(struct mpconv_session *s);
void mpconv_session_kill(struct mpconv_session *s, u8 reason);
void mpconv_session_kill_all(struct mpconv_net *mn, u8 role);
unsigned int mpconv_session_count_socks(struct mpconv_net *mn);
u32 mpconv_session_flush(struct mpconv_net *mn, u8 role, const struct in6_addr *client,
			 const struct mpconv_prefix *dest, u16 dport);

/**
 * mpconv_session_fail() - end a session from its step, saying why
 * @s: the session
 * @reason: &enum mpconv_reason
 * @error: the RFC 8803 Error code for %MPCONV_REASON_ERROR, else 0
 *
 * Return: %MPCONV_STEP_DONE, for the step to return.
 */
static inline enum mpconv_step mpconv_session_fail(struct mpconv_session *s, u8 reason,
						   u8 error)
{
	s->reason = reason;
	s->error = error;
	return MPCONV_STEP_DONE;
}

bool mpconv_session_pend(struct mpconv_session *s, u32 max);
void mpconv_session_unpend(struct mpconv_session *s);
void mpconv_session_wait_all(struct mpconv_net *mn);

enum mpconv_step mpconv_session_relay(struct mpconv_session *s, u32 idle_ms);
int mpconv_session_del(struct mpconv_net *mn, u64 id);

bool mpconv_binding_gc(struct mpconv_net *mn, bool all);
int mpconv_binding_mode(struct mpconv_net *mn, const struct in6_addr *addr);
int mpconv_binding_add(struct mpconv_net *mn, const struct in6_addr *addr, u8 mode,
		       struct mpconv_binding *out);
int mpconv_binding_del(struct mpconv_net *mn, const struct in6_addr *addr, u8 plen);
u32 mpconv_binding_flush(struct mpconv_net *mn);

#endif /* _MPCONV_SESSION_H */
