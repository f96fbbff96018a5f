/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpconv: declarations shared between the module's files.
 */
#ifndef _MPCONV_H
#define _MPCONV_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#define MPCONV_VERSION "0.1.0"

/**
 * struct mpconv_net - mpconv's state in one network namespace
 * @net: the namespace. Not referenced: this state is created by the pernet
 *	init handler and freed by the netns core after the pernet exit
 *	handler, so it lives exactly as long as the namespace (or the module).
 * @created: jiffies_64 when this state was set up
 * @roles: bitmask of enabled &enum mpconv_role
 * @sessions: number of sessions in this namespace
 * @bindings: number of bindings in this namespace
 */
struct mpconv_net {
	struct net *net;
	u64 created;
	u32 roles;
	atomic_t sessions;
	atomic_t bindings;
};

extern unsigned int mpconv_net_id;

static inline struct mpconv_net *mpconv_pernet(const struct net *net)
{
	return net_generic(net, mpconv_net_id);
}

int mpconv_netns_init(void);
void mpconv_netns_exit(void);

int mpconv_genl_init(void);
void mpconv_genl_exit(void);

#endif /* _MPCONV_H */
