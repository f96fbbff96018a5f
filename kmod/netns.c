// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.
 *
 * Lifetime: the netns core allocates struct mpconv_net (pernet .size) for
 * every namespace that exists when the module loads and for every namespace
 * created afterwards, calls mpconv_net_init() on it, and frees it after
 * mpconv_net_exit() when the namespace dies or the module unloads. The exit
 * handler closes the listeners, ends every session and waits for them,
 * then drops the bindings. (A namespace with live mpconv sockets only dies
 * through module unload, or after mpconv_gc_work() found it unreachable.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "mpconv.h"
#include "netlink.h"

unsigned int mpconv_net_id __read_mostly;

/* Period of the housekeeping work. */
#define GC_PERIOD	HZ

/*
 * A namespace in which mpconv runs a role stays alive as long as mpconv's
 * sockets are there: each holds a reference (see sock.c). When only
 * mpconv's sockets hold it -- no process, no bind mount (ip netns del), no
 * open nsfs file, no socket of anyone else (a daemon may keep one after
 * setns() back to its own namespace, and use the namespace through it) --
 * nobody can reach it any more: mpconv turns its roles off there, which
 * closes those sockets and lets the namespace go. Seen twice in a row, to
 * step over a count read in the middle of a change.
 *
 * mpconv's own are its listeners, its sessions' sockets and the MPTCP
 * subflows in the namespace (those of a user's MPTCP socket too: that
 * socket itself is not counted, so the namespace still is not abandoned).
 * Sockets it closed that linger (FIN_WAIT, an orphaned MPTCP socket) and
 * children not yet accepted are not counted: they only delay the verdict.
 * The cheap test (only sockets hold it) comes first; the count, which walks
 * the tables, runs only when it passes, and counts only when the
 * namespace's references and sockets are the same after it as before (a
 * socket made or freed meanwhile could be counted wrong). While the count
 * keeps finding somebody else's socket (a daemon's, for hours), it runs
 * after ever longer pauses: 2, 4, ... up to 64 housekeeping periods, and
 * at once when the namespace's reference count changed since.
 */
#define ABANDON_BACKOFF_MAX	6

static bool netns_abandoned(struct mpconv_net *mn)
{
	struct net *net = mn->net;
	unsigned int refs, own;
	int inuse;

	if (net_eq(net, &init_net))
		return false;
	refs = refcount_read(&net->ns.count);
	inuse = sock_inuse_get(net);
	if (refs > inuse) {
		mn->abandon_backoff = 0;
		mn->abandon_wait = 0;
		return false;
	}
	if (mn->abandon_wait && refs == mn->abandon_refs) {
		mn->abandon_wait--;
		return false;
	}
	own = mpconv_converter_listeners(mn) + mpconv_cpe_listeners(mn) +
	      mpconv_session_count_socks(mn) + mpconv_sock_count_subflows(net);
	if (refs != refcount_read(&net->ns.count) || inuse != sock_inuse_get(net))
		return false;
	if (refs <= own)
		return true;
	mn->abandon_refs = refs;
	if (mn->abandon_backoff < ABANDON_BACKOFF_MAX)
		mn->abandon_backoff++;
	mn->abandon_wait = (1 << mn->abandon_backoff) - 1;
	return false;
}

static void mpconv_gc_work(struct work_struct *work)
{
	struct mpconv_net *mn = container_of(to_delayed_work(work), struct mpconv_net, gc_work);
	bool again;

	again = mpconv_binding_gc(mn, false);
	if (READ_ONCE(mn->roles)) {
		again = true;
		if (!netns_abandoned(mn)) {
			mn->abandoned = 0;
		} else if (++mn->abandoned >= 2) {
			pr_info("namespace %llu is held only by sockets: turning mpconv off there\n",
				mn->net->net_cookie);
			mpconv_converter_stop(mn);
			mpconv_cpe_stop(mn);
			mpconv_session_kill_all(mn, MPCONV_ROLE_CPE | MPCONV_ROLE_CONVERTER);
		}
	}
	if (again)
		queue_delayed_work(mpconv_wq, &mn->gc_work, GC_PERIOD);
}

/**
 * mpconv_housekeeping_start() - make sure housekeeping runs in a namespace
 * @mn: the namespace (a role was enabled, or a binding became idle)
 */
void mpconv_housekeeping_start(struct mpconv_net *mn)
{
	queue_delayed_work(mpconv_wq, &mn->gc_work, GC_PERIOD);
}

/**
 * mpconv_memcg_enter() - charge what a work item allocates to the namespace
 * @mn: the namespace
 *
 * Work items run in kworkers, whose allocations would be charged to no
 * cgroup: between this and set_active_memcg(old), allocations that ask
 * for accounting (SLAB_ACCOUNT, MPCONV_GFP) go to @mn->memcg.
 *
 * Return: the previous active memory cgroup, to restore.
 */
struct mem_cgroup *mpconv_memcg_enter(struct mpconv_net *mn)
{
	return set_active_memcg(READ_ONCE(mn->memcg));
}

/**
 * mpconv_role_published() - finish publishing a role's new configuration
 * @mn: the namespace, with &mpconv_net.cfg_lock held (released here)
 * @role: the role's &enum mpconv_role bit
 * @enabled: the new configuration turns it on
 *
 * The role has just rcu_assign_pointer()ed its configuration: record
 * whether it runs, recompute the shared bounds, and make sure housekeeping
 * runs while it does.
 */
void mpconv_role_published(struct mpconv_net *mn, u32 role, bool enabled)
{
	/* A container that runs a role pays for its state (see @memcg). */
	if (enabled && !mn->memcg && current->mm)
		WRITE_ONCE(mn->memcg, get_mem_cgroup_from_mm(current->mm));
	WRITE_ONCE(mn->roles, enabled ? mn->roles | role : mn->roles & ~role);
	mpconv_limits_update(mn);
	mutex_unlock(&mn->cfg_lock);
	if (enabled)
		mpconv_housekeeping_start(mn);
	mpconv_ntf_config(mn, role);
}

/**
 * mpconv_limits_update() - the bounds shared by the roles' tables
 * @mn: the namespace, with &mpconv_net.cfg_lock held (or not yet shared)
 *
 * The binding table is bounded by the larger session limit of the enabled
 * roles, and bindings live as long as the longer lifetime of those says;
 * a role that is off has no say (with none on, both count).
 */
void mpconv_limits_update(struct mpconv_net *mn)
{
	const struct mpconv_conv_cfg *c = rcu_dereference_protected(mn->conv.cfg, 1);
	const struct mpconv_cpe_cfg *p = rcu_dereference_protected(mn->cpe.cfg, 1);
	bool any = c->enabled || p->enabled;
	u32 sessions = 0, lifetime = 0;

	if (c->enabled || !any) {
		sessions = c->max_sessions;
		lifetime = c->binding_lifetime_ms;
	}
	if (p->enabled || !any) {
		sessions = max(sessions, p->max_sessions);
		lifetime = max(lifetime, p->binding_lifetime_ms);
	}
	WRITE_ONCE(mn->max_sessions, sessions);
	WRITE_ONCE(mn->binding_lifetime, msecs_to_jiffies(lifetime));
}

static int __net_init mpconv_net_init(struct net *net)
{
	struct mpconv_net *mn = mpconv_pernet(net);
	int err;

	mn->net = net;
	mn->created = get_jiffies_64();
	mutex_init(&mn->cfg_lock);
	spin_lock_init(&mn->lock);
	init_waitqueue_head(&mn->wait);
	INIT_DELAYED_WORK(&mn->gc_work, mpconv_gc_work);
	INIT_LIST_HEAD(&mn->idle_bindings);
	mn->hash_seed = get_random_u32();
	err = mpconv_converter_init(mn);
	if (err)
		return err;
	err = mpconv_cpe_init(mn);
	if (err) {
		mpconv_converter_free(mn);
		return err;
	}
	mpconv_limits_update(mn);
	return 0;
}

static void __net_exit mpconv_net_exit(struct net *net)
{
	struct mpconv_net *mn = mpconv_pernet(net);

	mpconv_converter_stop(mn);
	mpconv_cpe_stop(mn);
	mpconv_session_kill_all(mn, MPCONV_ROLE_CPE | MPCONV_ROLE_CONVERTER);
	mpconv_session_wait_all(mn);
	cancel_delayed_work_sync(&mn->gc_work);
	mpconv_binding_gc(mn, true);
	mpconv_cpe_free(mn);
	mpconv_converter_free(mn);
	/* no work of this namespace runs any more */
	mem_cgroup_put(mn->memcg);
}

static struct pernet_operations mpconv_net_ops = {
	.init = mpconv_net_init,
	.exit = mpconv_net_exit,
	.id = &mpconv_net_id,
	.size = sizeof(struct mpconv_net),
};

int mpconv_netns_init(void)
{
	return register_pernet_subsys(&mpconv_net_ops);
}

void mpconv_netns_exit(void)
{
	unregister_pernet_subsys(&mpconv_net_ops);
}
