// SPDX-License-Identifier: GPL-2.0
/*
 * The session and binding tables of a namespace.
 *
 * Both are hash tables of hlist heads under RCU: writers hold
 * &mpconv_net.lock (a spinlock, taken with bottom halves off because socket
 * wakeups queue work under it too), readers (netlink dumps) walk under
 * rcu_read_lock(). Entries are freed after a grace period once unlinked
 * (sessions come from their own slab cache, which keeps the ~600-byte
 * session from taking a 1 KiB kmalloc slot; the slab allocator may merge
 * it with another cache of that size; the module's exit waits for the last
 * of them). Sizes
 * are bounded by the role's limits: a session is only linked when the
 * table holds fewer than the configured maximum (plus a few slots kept for
 * sending refusals), a binding only with a session.
 */
#include <linux/jhash.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <net/ipv6.h>

#include "mpconv.h"
#include "netlink.h"
#include "session.h"

static struct hlist_head *session_bucket(struct mpconv_net *mn, u64 id)
{
	return &mn->sessions.buckets[hash_64(id, MPCONV_HASH_BITS)];
}

static struct hlist_head *binding_bucket(struct mpconv_net *mn, const struct in6_addr *a,
					 u8 plen)
{
	u32 h = jhash2((__force const u32 *)a->s6_addr32, 4, mn->hash_seed + plen);

	return &mn->bindings.buckets[h >> (32 - MPCONV_HASH_BITS)];
}

static void binding_put(struct mpconv_binding *b)
{
	if (refcount_dec_and_test(&b->ref))
		kfree_rcu(b, rcu);
}

/* Unlink @b (with mn->lock held) and drop the table's reference. */
static void binding_unlink(struct mpconv_net *mn, struct mpconv_binding *b, u8 reason)
{
	lockdep_assert_held(&mn->lock);
	if (b->is_static)
		mn->statics--;
	list_del_init(&b->idle);
	hlist_del_init_rcu(&b->node);	/* unhashed: session_end() sees it */
	mn->bindings.count--;
	mn->bindings.gen++;
	mpconv_ntf_binding(mn, b, MPCONV_CMD_BINDING_DEL_NTF, reason);
	/* Sessions may still hold it until they end; they no longer find it. */
	binding_put(b);
}

/* Find or add the binding of @addr/@plen (@addr masked to @plen); @spare
 * is used (and cleared) to add one. A full table makes room by evicting the
 * binding idle the longest, if any is idle. Called with mn->lock held.
 */
static struct mpconv_binding *binding_get_locked(struct mpconv_net *mn,
						 const struct in6_addr *addr, u8 plen,
						 struct mpconv_binding **spare)
{
	struct hlist_head *head = binding_bucket(mn, addr, plen);
	struct mpconv_binding *b;

	lockdep_assert_held(&mn->lock);
	hlist_for_each_entry(b, head, node)
		if (b->plen == plen && ipv6_addr_equal(&b->addr, addr))
			return b;

	/* Every binding but the idle ones has a session: bound like them. */
	if (mn->bindings.count >= mn->max_sessions) {
		b = list_first_entry_or_null(&mn->idle_bindings, struct mpconv_binding, idle);
		if (!b)
			return NULL;
		binding_unlink(mn, b, MPCONV_REASON_EXPIRED);
		mpconv_stat_inc(mn, MPCONV_STAT_BINDINGS_EVICTED);
	}
	b = *spare;
	*spare = NULL;
	b->addr = *addr;
	b->plen = plen;
	b->created = get_jiffies_64();
	INIT_LIST_HEAD(&b->idle);
	refcount_set(&b->ref, 1);
	hlist_add_head_rcu(&b->node, head);
	mn->bindings.count++;
	mn->bindings.gen++;
	mpconv_ntf_binding(mn, b, MPCONV_CMD_BINDING_NEW_NTF, 0);
	return b;
}

/* Charge one more session to @b, under mn->lock: it is not idle any more. */
static void binding_hold_locked(struct mpconv_binding *b)
{
	refcount_inc(&b->ref);
	list_del_init(&b->idle);
	b->sessions++;
	atomic64_inc(&b->total);
}

static void session_work(struct work_struct *work);
static struct mpconv_binding *binding_find(struct mpconv_net *mn, const struct in6_addr *addr,
					   u8 plen);

static struct kmem_cache *session_cache;

/**
 * mpconv_session_cache_init() - create the sessions' slab cache
 *
 * Return: 0 or -ENOMEM.
 */
int mpconv_session_cache_init(void)
{
	session_cache = KMEM_CACHE(mpconv_session, SLAB_ACCOUNT);
	return session_cache ? 0 : -ENOMEM;
}

/**
 * mpconv_session_cache_exit() - destroy it, once every session has ended
 *
 * Context: after every namespace's sessions ended; waits for the grace
 * periods that free the last ones.
 */
void mpconv_session_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(session_cache);
}

static void session_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(session_cache, container_of(rcu, struct mpconv_session, rcu));
}

/* Allocate a session for @csock, or for @client's connection to come when
 * @csock is NULL (NULL, with *err set, on failure).
 */
static struct mpconv_session *session_alloc(struct mpconv_net *mn, u8 role,
					    const struct mpconv_session_ops *ops,
					    struct socket *csock, const struct mpconv_addr *client,
					    int *err)
{
	struct mpconv_session *s;

	s = kmem_cache_zalloc(session_cache, MPCONV_GFP);
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->mn = mn;
	s->role = role;
	s->ops = ops;
	s->csock = csock;
	s->created = get_jiffies_64();
	INIT_DELAYED_WORK(&s->work, session_work);
	if (!csock) {
		s->client = *client;
	} else if (mpconv_sock_peer(csock, &s->client)) {
		kmem_cache_free(session_cache, s);
		*err = -ENOTCONN;
		return NULL;
	}
	return s;
}

/* Link @s in the table, with mn->lock held. */
static void session_link(struct mpconv_net *mn, struct mpconv_session *s)
{
	lockdep_assert_held(&mn->lock);
	s->id = ++mn->next_id;
	hlist_add_head_rcu(&s->node, session_bucket(mn, s->id));
	mn->sessions.count++;
	mn->live++;
	mn->sessions.gen++;
}

/* Sessions charged against max-sessions, with mn->lock held. */
static u32 sessions_charged(const struct mpconv_net *mn)
{
	return mn->sessions.count - mn->refusing - mn->unverified;
}

/* Charge @s to the binding of its client's prefix (made if needed), with
 * mn->lock held; @spare as for binding_get_locked(). Returns 0, -ENOSPC
 * (table or binding table full) or -EDQUOT (client full).
 */
static int session_charge_locked(struct mpconv_net *mn, struct mpconv_session *s,
				 const struct mpconv_limits *lim, struct mpconv_binding **spare)
{
	struct mpconv_binding *b;
	struct in6_addr key;
	u8 plen;

	if (sessions_charged(mn) >= lim->max)
		return -ENOSPC;
	plen = ipv6_addr_v4mapped(&s->client.a6) ? 96 + min_t(u8, lim->plen4, 32) :
						    min_t(u8, lim->plen6, 128);
	ipv6_addr_prefix(&key, &s->client.a6, plen);
	b = binding_get_locked(mn, &key, plen, spare);
	if (!b)
		return -ENOSPC;
	if (b->sessions >= lim->per_client)
		return -EDQUOT;
	binding_hold_locked(b);
	s->binding = b;
	return 0;
}

static struct mpconv_session *session_new(struct mpconv_net *mn, u8 role,
					  const struct mpconv_session_ops *ops,
					  struct socket *csock, const struct mpconv_addr *client,
					  const struct mpconv_limits *lim, int *err)
{
	struct mpconv_binding *spare = NULL;
	struct mpconv_session *s;

	if (lim) {
		spare = kzalloc(sizeof(*spare), MPCONV_GFP);
		if (!spare) {
			*err = -ENOMEM;
			return NULL;
		}
	}
	s = session_alloc(mn, role, ops, csock, client, err);
	if (!s)
		goto out;

	spin_lock_bh(&mn->lock);
	if (lim) {
		*err = session_charge_locked(mn, s, lim, &spare);
	} else {
		*err = mn->refusing >= MPCONV_REFUSAL_SLOTS ? -ENOSPC : 0;
		if (!*err)
			mn->refusing++;
	}
	if (!*err)
		session_link(mn, s);
	spin_unlock_bh(&mn->lock);
	if (*err) {
		kmem_cache_free(session_cache, s);
		s = NULL;
	}
out:
	kfree(spare);
	return s;
}

/**
 * mpconv_session_new() - make and link a session for a new connection
 * @mn: the namespace
 * @role: MPCONV_ROLE_* of the owner
 * @ops: the owner's state machine
 * @csock: the client's connected socket, whose peer has completed its
 *	handshake (owned by the session on success)
 * @lim: what it is charged against; NULL makes a refusal session, which
 *	has no binding and takes one of the MPCONV_REFUSAL_SLOTS slots kept
 *	beyond the limit for sending refusals
 * @err: on failure, -ENOMEM, -ENOTCONN, -ENOSPC (table or binding table
 *	full) or -EDQUOT (client full)
 *
 * Context: process context.
 * Return: the session, linked but not started (mpconv_session_start()).
 */
struct mpconv_session *mpconv_session_new(struct mpconv_net *mn, u8 role,
					  const struct mpconv_session_ops *ops,
					  struct socket *csock, const struct mpconv_limits *lim,
					  int *err)
{
	return session_new(mn, role, ops, csock, NULL, lim, err);
}

/**
 * mpconv_session_new_for() - make and link a session for a client whose
 *	connection is still to be accepted
 * @mn: the namespace
 * @role: MPCONV_ROLE_* of the owner
 * @ops: the owner's state machine
 * @client: the client (a CPE's LAN host, whose SYN the CPE holds)
 * @lim: what it is charged against
 * @err: on failure, as mpconv_session_new()
 *
 * The session starts without a client socket; its work gives it one with
 * mpconv_session_set_csock().
 *
 * Context: process context.
 * Return: the session, linked but not started (mpconv_session_start()).
 */
struct mpconv_session *mpconv_session_new_for(struct mpconv_net *mn, u8 role,
					      const struct mpconv_session_ops *ops,
					      const struct mpconv_addr *client,
					      const struct mpconv_limits *lim, int *err)
{
	return session_new(mn, role, ops, NULL, client, lim, err);
}

/**
 * mpconv_session_set_csock() - give a session its client socket
 * @s: a session made by mpconv_session_new_for(), from its work
 * @csock: the client's connected socket (owned by the session from now on)
 */
void mpconv_session_set_csock(struct mpconv_session *s, struct socket *csock)
{
	WRITE_ONCE(s->csock, csock);	/* read by mpconv_session_count_socks() */
	mpconv_watch_add(&s->cwatch, csock, &s->work);
}

/**
 * mpconv_session_new_unverified() - make and link a session for a
 *	connection whose client has not completed its handshake
 * @mn: the namespace
 * @role: MPCONV_ROLE_* of the owner
 * @ops: the owner's state machine
 * @csock: the accepted socket (a Fast Open child; owned by the session on
 *	success), or NULL for a connection still to be accepted (a CPE's held
 *	LAN SYN; mpconv_session_set_csock() gives it later)
 * @client: the client, when @csock is NULL
 * @max_unverified: such sessions allowed in the namespace
 * @err: on failure, -ENOMEM, -ENOTCONN or -ENOSPC
 *
 * The SYN that made @csock may have come from a spoofed address: the
 * session gets no binding and is counted against no limit but
 * @max_unverified until mpconv_session_charge() charges it.
 *
 * Context: process context.
 * Return: the session, linked but not started (mpconv_session_start()).
 */
struct mpconv_session *mpconv_session_new_unverified(struct mpconv_net *mn, u8 role,
						     const struct mpconv_session_ops *ops,
						     struct socket *csock,
						     const struct mpconv_addr *client,
						     u32 max_unverified, int *err)
{
	struct mpconv_session *s = session_alloc(mn, role, ops, csock, client, err);

	if (!s)
		return NULL;
	spin_lock_bh(&mn->lock);
	*err = mn->unverified >= max_unverified ? -ENOSPC : 0;
	if (!*err) {
		s->unverified = true;
		mn->unverified++;
		session_link(mn, s);
	}
	spin_unlock_bh(&mn->lock);
	if (*err) {
		kmem_cache_free(session_cache, s);
		return NULL;
	}
	return s;
}

/**
 * mpconv_session_charge() - charge a session whose client is now verified
 * @s: an unverified session (mpconv_session_new_unverified()), from its
 *	work, once its client has completed its handshake
 * @lim: what it is charged against
 *
 * Gives the session its client's binding (made, or made room for, here)
 * and counts it against the limits, as mpconv_session_new() does for a
 * verified client. When that fails, the session takes a refusal slot
 * instead, if one is free, to send its refusal from.
 *
 * Context: process context.
 * Return: 0 (charged); -ENOSPC or -EDQUOT as mpconv_session_new(), or
 * -ENOMEM, the session then being a refusal session; -ENOBUFS when no
 * refusal slot was free either (the session must end at once).
 */
int mpconv_session_charge(struct mpconv_session *s, const struct mpconv_limits *lim)
{
	struct mpconv_binding *spare = kzalloc(sizeof(*spare), MPCONV_GFP);
	struct mpconv_net *mn = s->mn;
	int err = -ENOMEM;

	spin_lock_bh(&mn->lock);
	if (spare)
		err = session_charge_locked(mn, s, lim, &spare);
	if (err && mn->refusing >= MPCONV_REFUSAL_SLOTS) {
		/* stays counted as unverified until it ends */
		err = -ENOBUFS;
	} else {
		s->unverified = false;
		mn->unverified--;
		if (err)
			mn->refusing++;
	}
	spin_unlock_bh(&mn->lock);
	kfree(spare);
	return err;
}

/**
 * mpconv_session_room() - whether a client's session would be charged now
 * @mn: the namespace
 * @client: the client
 * @lim: the limits
 *
 * Charges nothing (mpconv_session_charge() does, later, and may still
 * fail): lets a role refuse at once what the limits refuse anyway.
 *
 * Return: 0, -ENOSPC (the namespace is full) or -EDQUOT (the client is).
 */
int mpconv_session_room(struct mpconv_net *mn, const struct mpconv_addr *client,
			const struct mpconv_limits *lim)
{
	const struct mpconv_binding *b;
	struct in6_addr key;
	int err = 0;
	u8 plen;

	plen = ipv6_addr_v4mapped(&client->a6) ? 96 + min_t(u8, lim->plen4, 32) :
						  min_t(u8, lim->plen6, 128);
	ipv6_addr_prefix(&key, &client->a6, plen);
	spin_lock_bh(&mn->lock);
	if (sessions_charged(mn) >= lim->max) {
		err = -ENOSPC;
	} else {
		b = binding_find(mn, &key, plen);
		if (b && b->sessions >= lim->per_client)
			err = -EDQUOT;
	}
	spin_unlock_bh(&mn->lock);
	return err;
}

/**
 * mpconv_session_start() - start driving a new session
 * @s: the session from mpconv_session_new()
 */
void mpconv_session_start(struct mpconv_session *s)
{
	struct mpconv_net *mn = s->mn;

	/* Nothing runs its work before this point: a kill only marks it. */
	mpconv_ntf_session(s, MPCONV_CMD_SESSION_NEW_NTF);

	/* From the watch on, a socket event may run the work, which may end
	 * the session and free it after a grace period: stay in an RCU read
	 * section, and queue the work only if it has not ended.
	 */
	rcu_read_lock();
	if (s->csock)
		mpconv_watch_add(&s->cwatch, s->csock, &s->work);
	spin_lock_bh(&mn->lock);
	if (!s->ended) {
		s->started = true;
		mod_delayed_work(mpconv_wq, &s->work, 0);
	}
	spin_unlock_bh(&mn->lock);
	rcu_read_unlock();
}

/**
 * mpconv_session_pend() - count a session among its client's pending ones
 * @s: a session with a binding, from its work
 * @max: how many its client may have
 *
 * Return: false, counting nothing, when the client has @max already.
 */
bool mpconv_session_pend(struct mpconv_session *s, u32 max)
{
	atomic_t *p = &s->binding->pending;

	if (atomic_inc_return(p) > max) {
		atomic_dec(p);
		return false;
	}
	s->pending = true;
	return true;
}

/**
 * mpconv_session_unpend() - no longer pending (idempotent)
 * @s: the session, from its work
 */
void mpconv_session_unpend(struct mpconv_session *s)
{
	if (s->pending)
		atomic_dec(&s->binding->pending);
	s->pending = false;
}

/* End a session from its own work: after this no one can queue its work. */
static void session_end(struct mpconv_session *s)
{
	struct mpconv_net *mn = s->mn;
	struct mpconv_binding *b = s->binding;
	u64 up = mpconv_relay_bytes(&s->relay, 0), down = mpconv_relay_bytes(&s->relay, 1);
	void (*release)(struct socket *sock) = s->graceful ? sock_release : mpconv_sock_abort;

	mpconv_watch_del(&s->cwatch);
	mpconv_watch_del(&s->swatch);
	mpconv_watch_del(&s->awatch);
	mpconv_session_unpend(s);

	spin_lock_bh(&mn->lock);
	s->ended = true;
	hlist_del_rcu(&s->node);
	mn->sessions.gen++;
	mn->sessions.count--;
	if (s->unverified) {
		mn->unverified--;
	} else if (!b) {
		mn->refusing--;
	} else if (--b->sessions == 0) {
		b->idle_since = get_jiffies_64();
		/* still linked (a reference is ours): idle from now on */
		if (!b->is_static && !hlist_unhashed(&b->node))
			list_add_tail(&b->idle, &mn->idle_bindings);
	}
	spin_unlock_bh(&mn->lock);

	/* A wakeup may have queued the work again before the watches went. */
	cancel_delayed_work(&s->work);

	if (!s->reason)
		s->reason = s->killed ?: MPCONV_REASON_RESET;
	mpconv_ntf_session(s, MPCONV_CMD_SESSION_DEL_NTF);

	if (s->csock)
		release(s->csock);
	if (s->ssock)
		release(s->ssock);
	if (s->alt)
		mpconv_sock_abort(s->alt);
	mpconv_relay_release(&s->relay);
	kfree(s->hs);

	mpconv_stat_add(mn, MPCONV_STAT_BYTES_UP, up);
	mpconv_stat_add(mn, MPCONV_STAT_BYTES_DOWN, down);
	if (b) {
		atomic64_add(up, &b->bytes_up);
		atomic64_add(down, &b->bytes_down);
		binding_put(b);
		mpconv_housekeeping_start(mn);
	}
	call_rcu(&s->rcu, session_free_rcu);

	/* Last touch of mn: once live is 0 (seen under the lock) the namespace
	 * exit may free it.
	 */
	spin_lock_bh(&mn->lock);
	if (--mn->live == 0)
		wake_up_all(&mn->wait);
	spin_unlock_bh(&mn->lock);
}

static void session_work(struct work_struct *work)
{
	struct mpconv_session *s = container_of(to_delayed_work(work), struct mpconv_session,
						work);
	struct mem_cgroup *old;
	enum mpconv_step step;
	unsigned long delay;

	old = mpconv_memcg_enter(s->mn);
	step = s->ops->step(s);
	set_active_memcg(old);
	switch (step) {
	case MPCONV_STEP_DONE:
		session_end(s);
		return;
	case MPCONV_STEP_AGAIN:
		mod_delayed_work(mpconv_wq, &s->work, 0);
		return;
	case MPCONV_STEP_POLL:
		/* 4 ms, doubling up to 256 ms: quick for a handshake that
		 * is about to finish, cheap for one that never will.
		 */
		delay = time_after(s->deadline, jiffies) ? s->deadline - jiffies : 0;
		delay = min_t(unsigned long, delay, max(msecs_to_jiffies(4 << s->poll), 1UL));
		if (s->poll < 6)
			s->poll++;
		queue_delayed_work(mpconv_wq, &s->work, delay);
		return;
	case MPCONV_STEP_WAIT:
		break;
	}
	/* Wake up at the deadline, or when the relay wants a pump without an
	 * event (buffers to give back, bytes to retry), unless an event is
	 * already queued.
	 */
	delay = time_after(s->deadline, jiffies) ? s->deadline - jiffies : 0;
	delay = min(delay, mpconv_relay_next_delay(&s->relay));
	if (s->wake)
		delay = min(delay, time_after(s->wake, jiffies) ? s->wake - jiffies : 0);
	queue_delayed_work(mpconv_wq, &s->work, delay);
}

/**
 * mpconv_session_relay() - the relaying state, shared by the roles
 * @s: a session whose relay is set up
 * @idle_ms: the idle timeout
 *
 * Return: the next step; a relay that ended both ways releases its sockets
 * gracefully, one that failed aborts them (the reset goes both ways).
 */
enum mpconv_step mpconv_session_relay(struct mpconv_session *s, u32 idle_ms)
{
	bool moved = false;

	switch (mpconv_relay_pump(&s->relay, &moved)) {
	case MPCONV_RELAY_RESET:
		mpconv_stat_inc(s->mn, MPCONV_STAT_SESS_RESET);
		return mpconv_session_fail(s, MPCONV_REASON_RESET, 0);
	case MPCONV_RELAY_DONE:
		/* Both ways closed and all read: release the sockets as they
		 * are; the kernel delivers what is queued and finishes the FIN
		 * handshakes (our sockets hold their namespace meanwhile).
		 */
		s->graceful = true;
		mpconv_stat_inc(s->mn, MPCONV_STAT_SESS_CLOSED);
		return mpconv_session_fail(s, MPCONV_REASON_CLOSED, 0);
	case MPCONV_RELAY_AGAIN:
		/* data is moving: not idle, however long the run of budgets */
		s->deadline = jiffies + msecs_to_jiffies(idle_ms);
		return MPCONV_STEP_AGAIN;
	case MPCONV_RELAY_WAIT:
		break;
	}
	if (moved) {
		s->deadline = jiffies + msecs_to_jiffies(idle_ms);
	} else if (time_after_eq(jiffies, s->deadline)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_SESS_IDLE);
		return mpconv_session_fail(s, MPCONV_REASON_IDLE, 0);
	}
	return MPCONV_STEP_WAIT;
}

/**
 * mpconv_session_kill() - end a session, whatever its state
 * @s: a linked session; called with mn->lock held
 * @reason: &enum mpconv_reason its end reports (the first one given wins)
 */
void mpconv_session_kill(struct mpconv_session *s, u8 reason)
{
	lockdep_assert_held(&s->mn->lock);
	if (!s->killed)
		WRITE_ONCE(s->killed, reason);
	/* Not started yet: mpconv_session_start() runs it, and it sees this. */
	if (s->started)
		mod_delayed_work(mpconv_wq, &s->work, 0);
}

/*
 * The walks that end sessions (kill all, flush) take mn->lock one bucket at
 * a time and let the scheduler in between: bottom halves (the CPE hook,
 * the listeners' callbacks) wait for one chain at most, not the table.
 * Killing is idempotent and a session stays in its bucket until its work
 * item ends it, so a session linked during the walk may be missed, never
 * one that was there before it began. Process context.
 */
/**
 * mpconv_session_kill_all() - end every session of a role in a namespace
 * @mn: the namespace
 * @role: MPCONV_ROLE_* bits; the sessions end asynchronously
 *
 * Context: process context.
 */
void mpconv_session_kill_all(struct mpconv_net *mn, u8 role)
{
	struct mpconv_session *s;
	int i;

	for (i = 0; i < ARRAY_SIZE(mn->sessions.buckets); i++) {
		spin_lock_bh(&mn->lock);
		hlist_for_each_entry(s, &mn->sessions.buckets[i], node)
			if (s->role & role)
				mpconv_session_kill(s, MPCONV_REASON_SHUTDOWN);
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
}

/**
 * mpconv_session_count_socks() - the sockets the sessions of a namespace hold
 * @mn: the namespace
 *
 * A socket is counted from when its session has it until the session ends
 * (unlinked before it releases them); the server socket of a converter
 * session may be counted for a moment after an early abort.
 *
 * Context: process context (one bucket per hold of mn->lock).
 * Return: the count.
 */
unsigned int mpconv_session_count_socks(struct mpconv_net *mn)
{
	struct mpconv_session *s;
	unsigned int n = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(mn->sessions.buckets); i++) {
		spin_lock_bh(&mn->lock);
		hlist_for_each_entry(s, &mn->sessions.buckets[i], node)
			n += !!READ_ONCE(s->csock) + !!READ_ONCE(s->ssock) + !!READ_ONCE(s->alt);
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
	return n;
}

static bool sessions_gone(struct mpconv_net *mn)
{
	bool gone;

	spin_lock_bh(&mn->lock);
	gone = mn->live == 0;
	spin_unlock_bh(&mn->lock);
	return gone;
}

/**
 * mpconv_session_wait_all() - wait until a namespace has no session left
 * @mn: the namespace; all its sessions must have been killed
 *
 * Returns once every session's end has stopped touching @mn.
 */
void mpconv_session_wait_all(struct mpconv_net *mn)
{
	wait_event(mn->wait, sessions_gone(mn));
}

/* Bindings unlinked per hold of mn->lock by the walks over a table. */
#define WALK_BATCH	64

/**
 * mpconv_binding_gc() - unlink the bindings whose lifetime has run out
 * @mn: the namespace
 * @all: unlink every binding without a session, whatever its age, static
 *	ones too (the namespace is going)
 *
 * The idle bindings are in the order they became idle: the expired ones
 * are at the head of &mpconv_net.idle_bindings, the walk stops at the
 * first that is not. At most WALK_BATCH are unlinked per lock hold.
 *
 * Context: process context.
 * Return: true when bindings without sessions remain (run again later).
 */
bool mpconv_binding_gc(struct mpconv_net *mn, bool all)
{
	u64 now = get_jiffies_64(), life = READ_ONCE(mn->binding_lifetime);
	struct mpconv_binding *b;
	struct hlist_node *tmp;
	bool idle_left = false, more = true;
	int i, n;

	if (all) {
		for (i = 0; i < ARRAY_SIZE(mn->bindings.buckets); i++) {
			spin_lock_bh(&mn->lock);
			hlist_for_each_entry_safe(b, tmp, &mn->bindings.buckets[i], node)
				if (!b->sessions)
					binding_unlink(mn, b, MPCONV_REASON_SHUTDOWN);
			spin_unlock_bh(&mn->lock);
			cond_resched();
		}
		return false;
	}
	while (more) {
		spin_lock_bh(&mn->lock);
		for (n = 0; n < WALK_BATCH; n++) {
			b = list_first_entry_or_null(&mn->idle_bindings, struct mpconv_binding,
						     idle);
			if (!b || time_before64(now, b->idle_since + life))
				break;
			binding_unlink(mn, b, MPCONV_REASON_EXPIRED);
		}
		more = n == WALK_BATCH;
		idle_left = !list_empty(&mn->idle_bindings);
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
	return idle_left;
}

/* The binding of @addr/@plen, or NULL; under mn->lock or RCU. */
static struct mpconv_binding *binding_find(struct mpconv_net *mn, const struct in6_addr *addr,
					   u8 plen)
{
	struct mpconv_binding *b;

	hlist_for_each_entry_rcu(b, binding_bucket(mn, addr, plen), node,
				 lockdep_is_held(&mn->lock))
		if (b->plen == plen && ipv6_addr_equal(&b->addr, addr))
			return b;
	return NULL;
}

/**
 * mpconv_binding_mode() - what a host's binding says, from the data path
 * @mn: the namespace
 * @addr: the host (IPv4 as IPv4-mapped)
 *
 * Context: RCU read side (the netfilter hook).
 * Return: &enum mpconv_bind_mode; MPCONV_BIND_CONVERT without a binding.
 */
int mpconv_binding_mode(struct mpconv_net *mn, const struct in6_addr *addr)
{
	struct mpconv_binding *b = binding_find(mn, addr, 128);

	return b ? READ_ONCE(b->mode) : MPCONV_BIND_CONVERT;
}

/* Static bindings, at most (on top of those the sessions make). */
#define MPCONV_MAX_STATIC	4096

/**
 * mpconv_binding_add() - add a static binding, or make one static
 * @mn: the namespace
 * @addr: the host
 * @mode: &enum mpconv_bind_mode
 * @out: a copy of the binding, for the reply
 *
 * Return: 0, -ENOMEM or -ENOSPC (MPCONV_MAX_STATIC reached).
 */
int mpconv_binding_add(struct mpconv_net *mn, const struct in6_addr *addr, u8 mode,
		       struct mpconv_binding *out)
{
	struct mpconv_binding *spare, *b;
	int err = 0;

	spare = kzalloc(sizeof(*spare), MPCONV_GFP);
	if (!spare)
		return -ENOMEM;
	spin_lock_bh(&mn->lock);
	b = binding_find(mn, addr, 128);
	if (!b || !b->is_static) {
		if (mn->statics >= MPCONV_MAX_STATIC) {
			err = -ENOSPC;
			goto out;
		}
	}
	if (!b) {
		b = spare;
		spare = NULL;
		b->addr = *addr;
		b->plen = 128;
		b->created = get_jiffies_64();
		b->idle_since = b->created;
		INIT_LIST_HEAD(&b->idle);
		refcount_set(&b->ref, 1);
		hlist_add_head_rcu(&b->node, binding_bucket(mn, addr, 128));
		mn->bindings.count++;
		mn->bindings.gen++;
	}
	if (!b->is_static)
		mn->statics++;
	b->is_static = true;
	list_del_init(&b->idle);	/* kept until deleted: never idle */
	WRITE_ONCE(b->mode, mode);
	*out = *b;
	if (!spare)	/* created here */
		mpconv_ntf_binding(mn, b, MPCONV_CMD_BINDING_NEW_NTF, 0);
out:
	spin_unlock_bh(&mn->lock);
	kfree(spare);
	return err;
}

/**
 * mpconv_session_flush() - end the sessions that match, reset both ways
 * @mn: the namespace
 * @role: MPCONV_ROLE_* bits of the sessions to end
 * @client: only this client's sessions, or NULL
 * @dest: only sessions toward this prefix, or NULL
 * @dport: only sessions toward this port, or 0
 *
 * A session still reading its Convert message has no destination yet: it
 * matches only when @dest and @dport are not given.
 *
 * Context: process context (one bucket per hold of mn->lock).
 * Return: the number of sessions asked to end.
 */
u32 mpconv_session_flush(struct mpconv_net *mn, u8 role, const struct in6_addr *client,
			 const struct mpconv_prefix *dest, u16 dport)
{
	struct mpconv_session *s;
	u32 n = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(mn->sessions.buckets); i++) {
		spin_lock_bh(&mn->lock);
		hlist_for_each_entry(s, &mn->sessions.buckets[i], node) {
			/* dest is set before the state leaves HANDSHAKE */
			u8 state = smp_load_acquire(&s->state);
			bool has_dest = state != MPCONV_SESS_HANDSHAKE &&
					state != MPCONV_SESS_REFUSING;

			if (!(s->role & role) || s->killed)
				continue;
			if (client && !ipv6_addr_equal(&s->client.a6, client))
				continue;
			if ((dest || dport) && !has_dest)
				continue;
			if (dest && !mpconv_prefix_match(dest, 1, &s->dest.a6))
				continue;
			if (dport && s->dest.port != dport)
				continue;
			mpconv_session_kill(s, MPCONV_REASON_FLUSHED);
			n++;
		}
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
	return n;
}

/**
 * mpconv_binding_del() - delete a binding and end its sessions
 * @mn: the namespace
 * @addr: the host, or the first address of the client prefix
 * @plen: prefix length of @addr in IPv6 terms (128: one host)
 *
 * Return: 0 or -ENOENT.
 */
int mpconv_binding_del(struct mpconv_net *mn, const struct in6_addr *addr, u8 plen)
{
	struct mpconv_session *s;
	struct mpconv_binding *b;
	int i;

	spin_lock_bh(&mn->lock);
	b = binding_find(mn, addr, plen);
	if (!b) {
		spin_unlock_bh(&mn->lock);
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(mn->sessions.buckets); i++)
		hlist_for_each_entry(s, &mn->sessions.buckets[i], node)
			if (s->binding == b)
				mpconv_session_kill(s, MPCONV_REASON_FLUSHED);
	binding_unlink(mn, b, MPCONV_REASON_FLUSHED);
	spin_unlock_bh(&mn->lock);
	return 0;
}

/**
 * mpconv_binding_flush() - delete every binding and end its sessions
 * @mn: the namespace
 *
 * Return: the number of bindings deleted.
 */
u32 mpconv_binding_flush(struct mpconv_net *mn)
{
	struct mpconv_session *s;
	struct mpconv_binding *b;
	struct hlist_node *tmp;
	u32 n = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(mn->sessions.buckets); i++) {
		spin_lock_bh(&mn->lock);
		hlist_for_each_entry(s, &mn->sessions.buckets[i], node)
			if (s->binding)
				mpconv_session_kill(s, MPCONV_REASON_FLUSHED);
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(mn->bindings.buckets); i++) {
		spin_lock_bh(&mn->lock);
		hlist_for_each_entry_safe(b, tmp, &mn->bindings.buckets[i], node) {
			binding_unlink(mn, b, MPCONV_REASON_FLUSHED);
			n++;
		}
		spin_unlock_bh(&mn->lock);
		cond_resched();
	}
	return n;
}

/**
 * mpconv_session_del() - end one session (reset both ways)
 * @mn: the namespace
 * @id: the session's identifier
 *
 * Return: 0 or -ENOENT.
 */
int mpconv_session_del(struct mpconv_net *mn, u64 id)
{
	struct mpconv_session *s;
	int err = -ENOENT;

	spin_lock_bh(&mn->lock);
	hlist_for_each_entry(s, session_bucket(mn, id), node) {
		if (s->id == id) {
			mpconv_session_kill(s, MPCONV_REASON_FLUSHED);
			err = 0;
			break;
		}
	}
	spin_unlock_bh(&mn->lock);
	return err;
}
