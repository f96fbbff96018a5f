// SPDX-License-Identifier: GPL-2.0
/*
 * The "mpconv" generic netlink family: the control plane.
 *
 * The family is netnsok: every request acts on the namespace of the socket it
 * came from (genl_info_net()). Reads are open; writes carry
 * GENL_UNS_ADMIN_PERM (CAP_NET_ADMIN in the user namespace owning that
 * network namespace). Requests are validated strictly against a per-command
 * policy.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <uapi/linux/mpconv.h>

#include "mpconv.h"

/* STATUS_GET takes no attributes: all-NLA_UNSPEC entries make strict
 * validation refuse any attribute with an extack message.
 */
static const struct nla_policy mpconv_status_get_policy[MPCONV_A_MAX + 1] = {};

static struct genl_family mpconv_genl_family;

static int mpconv_status_fill(struct sk_buff *msg, struct net *net)
{
	struct mpconv_net *mn = mpconv_pernet(net);
	u64 age = jiffies64_to_msecs(get_jiffies_64() - mn->created);

	if (nla_put_string(msg, MPCONV_A_VERSION, MPCONV_VERSION) ||
	    nla_put_u64_64bit(msg, MPCONV_A_NETNS_COOKIE, net->net_cookie, MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_NS_AGE_MS, age, MPCONV_A_PAD) ||
	    nla_put_u32(msg, MPCONV_A_ROLES, READ_ONCE(mn->roles)) ||
	    nla_put_u32(msg, MPCONV_A_SESSIONS, atomic_read(&mn->sessions)) ||
	    nla_put_u32(msg, MPCONV_A_BINDINGS, atomic_read(&mn->bindings)))
		return -EMSGSIZE;
	return 0;
}

static int mpconv_status_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &mpconv_genl_family, 0, MPCONV_CMD_STATUS_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}

	err = mpconv_status_fill(msg, genl_info_net(info));
	if (err)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static const struct genl_ops mpconv_genl_ops[] = {
	{
		.cmd = MPCONV_CMD_STATUS_GET,
		.doit = mpconv_status_get_doit,
		.policy = mpconv_status_get_policy,
		.maxattr = MPCONV_A_MAX,
	},
};

static struct genl_family mpconv_genl_family __ro_after_init = {
	.name = MPCONV_GENL_NAME,
	.version = MPCONV_GENL_VERSION,
	.maxattr = MPCONV_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = mpconv_genl_ops,
	.n_ops = ARRAY_SIZE(mpconv_genl_ops),
};

int __init mpconv_genl_init(void)
{
	return genl_register_family(&mpconv_genl_family);
}

void mpconv_genl_exit(void)
{
	genl_unregister_family(&mpconv_genl_family);
}
