// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE's pass table: LAN connections forwarded unconverted.
 *
 * The hook resets LAN packets of connections it does not know, so that a
 * converted connection whose session is gone is never leaked unconverted
 * to its server. Connections it deliberately forwards as they are must
 * therefore be remembered:
 *  - a native MPTCP host's connections (SYN with MP_CAPABLE or MP_JOIN):
 *    once one falls back to TCP its packets carry no MPTCP option;
 *  - connections of hosts pinned to bypass, and those a full table let
 *    through with overflow "bypass";
 *  - connections opened from outside toward a LAN host (port forwarding):
 *    the hook sees the host's SYN+ACK.
 *
 * One entry per connection (its LAN-side 4-tuple), in a hash table read
 * under RCU by the hook and written under &mpconv_cpe.pass_lock. Every LAN
 * packet of the connection pushes its expiry forward: a connection seen
 * only as SYNs so far lives PASS_SYN_TIMEOUT, then the role's idle timeout,
 * and PASS_FIN_TIMEOUT once the LAN host has sent a FIN; a RST from the
 * LAN host removes it. The housekeeping work frees expired entries.
 *
 * Bounded: at most the configured max-passthrough entries. When the table
 * is full the connection is still forwarded, counted, and not remembered:
 * its later packets are forwarded only while they carry an MPTCP option.
 *
 * Lifetime: the bucket array is allocated when the role is first enabled
 * and freed with the namespace; entries are allocated by the hook (atomic),
 * unlinked under the lock (expired, reset, role disabled, namespace gone)
 * and freed after an RCU grace period.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/ipv6.h>

#include "mpconv.h"

/* 4096 buckets: chains of 4 at the default bound. */
#define PASS_HASH_BITS		12
#define PASS_SYN_TIMEOUT	(60 * HZ)
#define PASS_FIN_TIMEOUT	(60 * HZ)

/**
 * struct mpconv_pass - one connection forwarded unconverted
 * @node: in &mpconv_cpe.pass, under &mpconv_cpe.pass_lock
 * @rcu: frees it after readers (the hook) are done
 * @saddr: the LAN host's address (IPv4 as IPv4-mapped)
 * @daddr: the remote address
 * @sport: the LAN host's port
 * @dport: the remote port
 * @expires: jiffies after which it is forgotten
 * @established: a LAN packet other than a SYN has been seen
 * @fin: the LAN host has sent a FIN
 */
struct mpconv_pass {
	struct hlist_node node;
	struct rcu_head rcu;
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
	unsigned long expires;
	bool established;
	bool fin;
};

static struct hlist_head *pass_bucket(struct mpconv_net *mn, struct hlist_head *pass,
				      const struct mpconv_flow *f)
{
	u32 ports = (__force u32)f->sport << 16 | (__force u32)f->dport;
	u32 h = jhash2((__force const u32 *)f->saddr.s6_addr32, 4,
		       jhash2((__force const u32 *)f->daddr.s6_addr32, 4, mn->hash_seed ^ ports));

	return &pass[h >> (32 - PASS_HASH_BITS)];
}

/* The bucket array, once allocated (it then stays until the namespace goes). */
static struct hlist_head *pass_table(struct mpconv_net *mn)
{
	return rcu_dereference_check(mn->cpe.pass, 1);
}

static bool pass_match(const struct mpconv_pass *e, const struct mpconv_flow *f)
{
	return e->sport == f->sport && e->dport == f->dport &&
	       ipv6_addr_equal(&e->saddr, &f->saddr) && ipv6_addr_equal(&e->daddr, &f->daddr);
}

static void pass_unlink(struct mpconv_net *mn, struct mpconv_pass *e)
{
	lockdep_assert_held(&mn->cpe.pass_lock);
	/* _init: a reader that found @e sees it unhashed (RST, new SYN) */
	hlist_del_init_rcu(&e->node);
	WRITE_ONCE(mn->cpe.n_pass, mn->cpe.n_pass - 1);
	kfree_rcu(e, rcu);
}

/* Push @e's expiry forward for a LAN packet with TCP header @th; only
 * written when it moves by a second or more, to keep bulk flows from
 * bouncing the cache line between CPUs.
 */
static void pass_refresh(struct mpconv_pass *e, const struct tcphdr *th, u32 idle_ms)
{
	unsigned long timeout, expires;

	if (!th->syn && !READ_ONCE(e->established))
		WRITE_ONCE(e->established, true);
	if (th->fin && !READ_ONCE(e->fin))
		WRITE_ONCE(e->fin, true);
	if (READ_ONCE(e->fin))
		timeout = PASS_FIN_TIMEOUT;
	else if (READ_ONCE(e->established))
		timeout = msecs_to_jiffies(idle_ms);
	else
		timeout = PASS_SYN_TIMEOUT;
	expires = jiffies + timeout;
	if (abs((long)(expires - READ_ONCE(e->expires))) >= HZ || th->fin)
		WRITE_ONCE(e->expires, expires);
}

/**
 * mpconv_pass_seen() - account a LAN packet to a connection forwarded as is
 * @mn: the namespace
 * @f: the packet's connection
 * @th: its TCP header
 * @idle_ms: the role's idle timeout
 *
 * Context: the hook (RCU read side, softirq).
 * Return: true when the connection is in the pass table (the packet is to
 * be forwarded); a RST removes it, and so does a new SYN on the 4-tuple of
 * an established one (false then: the new connection is decided afresh).
 */
bool mpconv_pass_seen(struct mpconv_net *mn, const struct mpconv_flow *f,
		      const struct tcphdr *th, u32 idle_ms)
{
	struct hlist_head *pass = pass_table(mn);
	struct mpconv_pass *e;

	if (!pass || !READ_ONCE(mn->cpe.n_pass))
		return false;
	hlist_for_each_entry_rcu(e, pass_bucket(mn, pass, f), node) {
		if (!pass_match(e, f))
			continue;
		if (time_after(jiffies, READ_ONCE(e->expires)))
			return false;
		/* A RST ends the connection; a SYN after it was established
		 * opens a new one on the same 4-tuple, decided afresh.
		 */
		if (th->rst || (th->syn && !th->ack && READ_ONCE(e->established))) {
			spin_lock_bh(&mn->cpe.pass_lock);
			if (!hlist_unhashed(&e->node))
				pass_unlink(mn, e);
			spin_unlock_bh(&mn->cpe.pass_lock);
			return th->rst;
		}
		pass_refresh(e, th, idle_ms);
		return true;
	}
	return false;
}

/**
 * mpconv_pass_add() - remember a LAN connection forwarded as is
 * @mn: the namespace
 * @f: the connection
 * @th: the TCP header of its first packet seen (SYN, or the LAN host's
 *	SYN+ACK)
 * @max: the table's bound
 *
 * An entry for the same connection whose time ran out is replaced; a full
 * table is counted (%MPCONV_STAT_CPE_PASS_FULL).
 *
 * Context: the hook (RCU read side, softirq).
 */
void mpconv_pass_add(struct mpconv_net *mn, const struct mpconv_flow *f,
		     const struct tcphdr *th, u32 max)
{
	struct hlist_head *pass = pass_table(mn), *head;
	struct mpconv_pass *e, *old;
	struct hlist_node *tmp;

	if (!pass)
		return;
	/* Full (a flood): not even an allocation. Expired entries only go
	 * with the housekeeping then, at most a second later.
	 */
	if (READ_ONCE(mn->cpe.n_pass) >= max) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_PASS_FULL);
		return;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_PASS_FULL);
		return;
	}
	e->saddr = f->saddr;
	e->daddr = f->daddr;
	e->sport = f->sport;
	e->dport = f->dport;
	e->expires = jiffies + PASS_SYN_TIMEOUT;

	spin_lock_bh(&mn->cpe.pass_lock);
	head = pass_bucket(mn, pass, f);
	hlist_for_each_entry_safe(old, tmp, head, node) {
		if (pass_match(old, f) || time_after(jiffies, old->expires))
			pass_unlink(mn, old);
	}
	if (mn->cpe.n_pass >= max) {
		spin_unlock_bh(&mn->cpe.pass_lock);
		kfree(e);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_PASS_FULL);
		return;
	}
	hlist_add_head_rcu(&e->node, head);
	WRITE_ONCE(mn->cpe.n_pass, mn->cpe.n_pass + 1);
	spin_unlock_bh(&mn->cpe.pass_lock);
}

/**
 * mpconv_pass_gc() - free expired entries of the pass table
 * @mn: the namespace
 * @all: free every entry (role disabled, namespace going)
 *
 * Context: process context.
 */
void mpconv_pass_gc(struct mpconv_net *mn, bool all)
{
	struct hlist_head *pass = pass_table(mn);
	struct mpconv_pass *e;
	struct hlist_node *tmp;
	unsigned int i;

	if (!pass || !READ_ONCE(mn->cpe.n_pass))
		return;
	for (i = 0; i < 1U << PASS_HASH_BITS; i++) {
		spin_lock_bh(&mn->cpe.pass_lock);
		hlist_for_each_entry_safe(e, tmp, &pass[i], node)
			if (all || time_after(jiffies, e->expires))
				pass_unlink(mn, e);
		spin_unlock_bh(&mn->cpe.pass_lock);
	}
}

/**
 * mpconv_pass_alloc() - make the pass table's buckets, once
 * @mn: the namespace, with &mpconv_net.cfg_lock held
 *
 * Return: 0 or -ENOMEM.
 */
int mpconv_pass_alloc(struct mpconv_net *mn)
{
	struct hlist_head *pass;

	lockdep_assert_held(&mn->cfg_lock);
	if (pass_table(mn))
		return 0;
	pass = kvcalloc(1U << PASS_HASH_BITS, sizeof(*pass), GFP_KERNEL);
	if (!pass)
		return -ENOMEM;
	rcu_assign_pointer(mn->cpe.pass, pass);
	return 0;
}

/**
 * mpconv_pass_free() - free the pass table
 * @mn: the namespace, going away: its hooks are unregistered
 */
void mpconv_pass_free(struct mpconv_net *mn)
{
	mpconv_pass_gc(mn, true);
	/* Entries are freed with kfree_rcu(); the array has no reader left. */
	kvfree(pass_table(mn));
	RCU_INIT_POINTER(mn->cpe.pass, NULL);
}
