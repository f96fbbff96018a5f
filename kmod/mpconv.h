/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpconv: declarations shared between the module's files.
 */
#ifndef _MPCONV_H
#define _MPCONV_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/mpconv.h>

#include "converter.h"
#include "cpe.h"
#include "session.h"

#define MPCONV_VERSION "0.1.0"

/**
 * struct mpconv_net - mpconv's state in one network namespace
 * @net: the namespace. Not referenced: this state is created by the pernet
 *	init handler and freed by the netns core after the pernet exit
 *	handler, so it lives exactly as long as the namespace (or the module).
 * @created: jiffies_64 when this state was set up
 * @roles: bitmask of enabled &enum mpconv_role (written under @cfg_lock)
 * @cfg_lock: serializes configuration changes (netlink writes, exit)
 * @lock: protects the tables' lists and counts, and session kills
 * @sessions: the session table
 * @bindings: the binding table
 * @live: sessions not yet completely ended (mpconv_session_wait_all())
 * @next_id: last session identifier given
 * @hash_seed: seed of the binding hash (not guessable from outside)
 * @refusing: sessions in the table that only send a refusal (no binding)
 * @unverified: sessions in the table whose client has not completed its
 *	handshake yet (no binding, no limit charged)
 * @idle_bindings: bindings without a session (static ones excepted), the
 *	longest idle first: expired from the head, evicted from it when the
 *	table is full
 * @statics: static bindings (added by an administrator)
 * @max_sessions: the configured session limit (also bounds the bindings)
 * @abandoned: consecutive housekeeping runs that found the namespace held
 *	by sockets only
 * @abandon_backoff: how many times in a row the count of mpconv's own
 *	sockets found another socket holding the namespace (netns.c)
 * @abandon_wait: housekeeping runs to skip before counting again, while
 *	the namespace's reference count stays @abandon_refs
 * @binding_lifetime: how long an idle binding is kept, in jiffies
 * @wait: woken when the session table becomes empty
 * @gc_work: housekeeping: expires idle bindings, notices an unreachable
 *	namespace (see netns.c)
 * @memcg: the memory cgroup charged with this namespace's sessions, relay
 *	buffers and bindings: that of the first process to enable a role
 *	here, taken then (cfg_lock) and kept until the namespace's exit, once
 *	no work of it runs; NULL before (and without CONFIG_MEMCG)
 * @conv: the converter role
 * @cpe: the CPE role
 * @stats: counters, indexed by &enum mpconv_stat
 */
struct mpconv_net {
	struct net *net;
	u64 created;
	u32 roles;
	struct mutex cfg_lock;
	spinlock_t lock;
	struct mpconv_table sessions;
	struct mpconv_table bindings;
	u32 live;
	u64 next_id;
	u32 hash_seed;
	u32 refusing;
	u32 unverified;
	struct list_head idle_bindings;
	u32 statics;
	u32 max_sessions;
	u8 abandoned;
	u8 abandon_backoff;
	u8 abandon_wait;
	unsigned int abandon_refs;
	u64 binding_lifetime;
	wait_queue_head_t wait;
	struct delayed_work gc_work;
	struct mem_cgroup *memcg;
	struct mpconv_converter conv;
	struct mpconv_cpe cpe;
	atomic64_t stats[MPCONV_STAT_MAX + 1];
};

static inline void mpconv_stat_add(struct mpconv_net *mn, enum mpconv_stat id, u64 n)
{
	atomic64_add(n, &mn->stats[id]);
}

static inline void mpconv_stat_inc(struct mpconv_net *mn, enum mpconv_stat id)
{
	atomic64_inc(&mn->stats[id]);
}

extern unsigned int mpconv_net_id;

/* Runs every session's work (relay, handshakes, timeouts). */
extern struct workqueue_struct *mpconv_wq;

static inline struct mpconv_net *mpconv_pernet(const struct net *net)
{
	return net_generic(net, mpconv_net_id);
}

void mpconv_housekeeping_start(struct mpconv_net *mn);
struct mem_cgroup *mpconv_memcg_enter(struct mpconv_net *mn);
void mpconv_limits_update(struct mpconv_net *mn);
void mpconv_role_published(struct mpconv_net *mn, u32 role, bool enabled);
int mpconv_netns_init(void);
void mpconv_netns_exit(void);

int mpconv_genl_init(void);
void mpconv_genl_exit(void);

#endif /* _MPCONV_H */
