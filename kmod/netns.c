// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.
 *
 * Lifetime: the netns core allocates struct mpconv_net (pernet .size) for
 * every namespace that exists when the module loads and for every namespace
 * created afterwards, calls mpconv_net_init() on it, and frees it after
 * mpconv_net_exit() when the namespace dies or the module unloads.
 */
#include <linux/jiffies.h>
#include <net/net_namespace.h>

#include "mpconv.h"

unsigned int mpconv_net_id __read_mostly;

static int __net_init mpconv_net_init(struct net *net)
{
	struct mpconv_net *mn = mpconv_pernet(net);

	mn->net = net;
	mn->created = get_jiffies_64();
	mn->roles = 0;
	atomic_set(&mn->sessions, 0);
	atomic_set(&mn->bindings, 0);
	return 0;
}

static void __net_exit mpconv_net_exit(struct net *net)
{
	struct mpconv_net *mn = mpconv_pernet(net);

	/* Nothing may outlive the namespace: sessions and bindings, once
	 * they exist, are all gone by here.
	 */
	WARN_ON_ONCE(atomic_read(&mn->sessions) || atomic_read(&mn->bindings));
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
