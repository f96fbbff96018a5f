// SPDX-License-Identifier: GPL-2.0
/*
 * The "mpconv" generic netlink family: the control plane.
 *
 * The family is netnsok: every request acts on the namespace of the socket it
 * came from (genl_info_net()). Everything but STATUS_GET needs CAP_NET_ADMIN
 * in the user namespace owning that network namespace (admin(), which says
 * so in the extack; attributes are validated first): sessions, bindings,
 * configuration and counters name the LAN's hosts and where they connect.
 * STATUS_GET stays open: the module's version, the namespace's cookie and
 * age, which roles are on and how many sessions and bindings there are, no
 * address; it is what tells a user whether mpconv runs at all. The events
 * group is admin-only where the kernel can say so (GENL_MCAST_CAP_NET_ADMIN,
 * checked when a socket joins it). Requests are validated
 * strictly against a per-command policy; every refusal carries an extack
 * message.
 *
 * Notifications (the *_NTF commands) go to the "events" multicast group of
 * the namespace they happened in, only when someone listens there. They
 * are built outside any lock where the caller allows (sessions, configuration)
 * and with GFP_ATOMIC under the table lock (bindings); one that cannot be
 * allocated is dropped. Module unload turns them off (ntf_on) and waits for
 * senders under RCU before the family goes.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/mpconv.h>

#include "mpconv.h"
#include "netlink.h"

static const struct nla_policy mpconv_addr_policy[MPCONV_ADDR_A_MAX + 1] = {
	[MPCONV_ADDR_A_FAMILY] = { .type = NLA_U16 },
	[MPCONV_ADDR_A_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[MPCONV_ADDR_A_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[MPCONV_ADDR_A_PORT] = { .type = NLA_U16 },
	[MPCONV_ADDR_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static struct netlink_range_validation range_sessions = { .min = 1, .max = 1 << 20 };
static struct netlink_range_validation range_timeout = { .min = 100, .max = 600000 };
static struct netlink_range_validation range_idle = { .min = 1000, .max = 86400000 };
static struct netlink_range_validation range_lifetime = { .max = 86400000 };

/* Commands without request attributes: all-NLA_UNSPEC entries make strict
 * validation refuse any attribute with an extack message.
 */
static const struct nla_policy mpconv_none_policy[MPCONV_A_MAX + 1] = {};

static const struct nla_policy mpconv_conv_set_policy[MPCONV_A_MAX + 1] = {
	[MPCONV_A_CONV_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPCONV_A_CONV_LISTEN] = NLA_POLICY_NESTED(mpconv_addr_policy),
	[MPCONV_A_CONV_ALLOW] = NLA_POLICY_NESTED_ARRAY(mpconv_addr_policy),
	[MPCONV_A_CONV_DENY] = NLA_POLICY_NESTED_ARRAY(mpconv_addr_policy),
	[MPCONV_A_CONV_COOKIE_REQUIRED] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPCONV_A_CONV_MAX_SESSIONS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_sessions),
	[MPCONV_A_CONV_MAX_PER_CLIENT] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_sessions),
	[MPCONV_A_CONV_MAX_PENDING_PER_CLIENT] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_sessions),
	[MPCONV_A_CONV_READ_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_timeout),
	[MPCONV_A_CONV_CONNECT_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_timeout),
	[MPCONV_A_CONV_IDLE_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_idle),
	[MPCONV_A_CONV_BINDING_LIFETIME_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_lifetime),
	[MPCONV_A_CONV_SERVER_MPTCP] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPCONV_A_CONV_CLIENT_PREFIX4] = NLA_POLICY_RANGE(NLA_U8, 1, 32),
	[MPCONV_A_CONV_CLIENT_PREFIX6] = NLA_POLICY_RANGE(NLA_U8, 1, 128),
	[MPCONV_A_CONV_COOKIE_KEY] = NLA_POLICY_EXACT_LEN(16),
	[MPCONV_A_CONV_COOKIE_ROTATE_MS] = { .type = NLA_U32 },
};

static const struct nla_policy mpconv_cpe_set_policy[MPCONV_A_MAX + 1] = {
	[MPCONV_A_CPE_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[MPCONV_A_CPE_CONVERTER] = NLA_POLICY_NESTED(mpconv_addr_policy),
	[MPCONV_A_CPE_IFACES] = { .type = NLA_NESTED },
	[MPCONV_A_CPE_SOURCES] = NLA_POLICY_NESTED_ARRAY(mpconv_addr_policy),
	[MPCONV_A_CPE_DESTS] = NLA_POLICY_NESTED_ARRAY(mpconv_addr_policy),
	[MPCONV_A_CPE_BYPASS] = NLA_POLICY_NESTED_ARRAY(mpconv_addr_policy),
	[MPCONV_A_CPE_PORTS] = { .type = NLA_NESTED },
	[MPCONV_A_CPE_BYPASS_PORTS] = { .type = NLA_NESTED },
	[MPCONV_A_CPE_MAX_SESSIONS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_sessions),
	[MPCONV_A_CPE_MAX_PER_HOST] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_sessions),
	[MPCONV_A_CPE_CONNECT_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_timeout),
	[MPCONV_A_CPE_IDLE_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_idle),
	[MPCONV_A_CPE_BINDING_LIFETIME_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &range_lifetime),
	[MPCONV_A_CPE_OVERFLOW] = NLA_POLICY_MAX(NLA_U8, MPCONV_OVERFLOW_BYPASS),
	[MPCONV_A_CPE_UPLINKS] = { .type = NLA_NESTED },
	[MPCONV_A_CPE_BACKOFF] = NLA_POLICY_MAX(NLA_U8, MPCONV_BACKOFF_REFUSE),
	[MPCONV_A_CPE_QUIC] = NLA_POLICY_MAX(NLA_U8, MPCONV_QUIC_REFUSE),
};

static const struct nla_policy mpconv_sess_del_policy[MPCONV_A_MAX + 1] = {
	[MPCONV_A_SESS_ID] = { .type = NLA_U64 },
};

static const struct nla_policy mpconv_bind_policy[MPCONV_A_MAX + 1] = {
	[MPCONV_A_BIND_ADDR] = NLA_POLICY_NESTED(mpconv_addr_policy),
	[MPCONV_A_BIND_MODE] = NLA_POLICY_MAX(NLA_U8, MPCONV_BIND_BYPASS),
};

static const struct nla_policy mpconv_sess_flush_policy[MPCONV_A_MAX + 1] = {
	[MPCONV_A_SESS_ROLE] = NLA_POLICY_RANGE(NLA_U8, MPCONV_ROLE_CPE, MPCONV_ROLE_CONVERTER),
	[MPCONV_A_SESS_CLIENT] = NLA_POLICY_NESTED(mpconv_addr_policy),
	[MPCONV_A_SESS_DEST] = NLA_POLICY_NESTED(mpconv_addr_policy),
};

static struct genl_family mpconv_genl_family;

static const struct genl_multicast_group mpconv_mcgrps[] = {
	{
		.name = MPCONV_MCGRP_EVENTS,
#ifdef MPCONV_HAVE_GENL_MCAST_CAP
		/* CAP_NET_ADMIN over the namespace, at join time */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

/* Notifications may be sent (the family is registered). */
static bool ntf_on;

#define REPLY_SIZE	(16 * 1024)

/**
 * mpconv_nla_get_addr() - read an address nest
 * @nest: the nest (&enum mpconv_addr_attr)
 * @a: the address; no address attribute means the unspecified address of
 *	%MPCONV_ADDR_A_FAMILY (default AF_INET6)
 * @plen: the prefix length over 128 bits (an IPv4 /n gives 96 + n)
 * @prefix: a prefix is wanted: the address is required, host bits are
 *	cleared, and the length defaults to the full address
 * @extack: for the error message
 *
 * Return: 0 or -EINVAL with an extack message.
 */
int mpconv_nla_get_addr(const struct nlattr *nest, struct mpconv_addr *a, u8 *plen,
			bool prefix, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MPCONV_ADDR_A_MAX + 1];
	u16 family = AF_INET6;
	int err, max;

	err = nla_parse_nested(tb, MPCONV_ADDR_A_MAX, nest, mpconv_addr_policy, extack);
	if (err)
		return err;

	memset(a, 0, sizeof(*a));
	if (tb[MPCONV_ADDR_A_FAMILY]) {
		family = nla_get_u16(tb[MPCONV_ADDR_A_FAMILY]);
		if (family != AF_INET && family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MPCONV_ADDR_A_FAMILY],
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	if (tb[MPCONV_ADDR_A_ADDR4] && tb[MPCONV_ADDR_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "give an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	if (tb[MPCONV_ADDR_A_ADDR4]) {
		if (tb[MPCONV_ADDR_A_FAMILY] && family != AF_INET) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "IPv4 address with family AF_INET6");
			return -EINVAL;
		}
		family = AF_INET;
		ipv6_addr_set_v4mapped(nla_get_in_addr(tb[MPCONV_ADDR_A_ADDR4]), &a->a6);
	} else if (tb[MPCONV_ADDR_A_ADDR6]) {
		if (tb[MPCONV_ADDR_A_FAMILY] && family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "IPv6 address with family AF_INET");
			return -EINVAL;
		}
		a->a6 = nla_get_in6_addr(tb[MPCONV_ADDR_A_ADDR6]);
		if (ipv6_addr_v4mapped(&a->a6)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MPCONV_ADDR_A_ADDR6],
					    "give IPv4 addresses as IPv4, not IPv4-mapped");
			return -EINVAL;
		}
	} else if (prefix) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a prefix needs an address");
		return -EINVAL;
	} else if (family == AF_INET) {
		ipv6_addr_set_v4mapped(htonl(INADDR_ANY), &a->a6);
	}
	a->family = family;
	if (tb[MPCONV_ADDR_A_PORT])
		a->port = nla_get_u16(tb[MPCONV_ADDR_A_PORT]);

	max = family == AF_INET ? 32 : 128;
	*plen = max;
	if (tb[MPCONV_ADDR_A_PREFIXLEN]) {
		*plen = nla_get_u8(tb[MPCONV_ADDR_A_PREFIXLEN]);
		if (*plen > max) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MPCONV_ADDR_A_PREFIXLEN],
					    "prefix length too long for the family");
			return -EINVAL;
		}
	}
	if (family == AF_INET)
		*plen += 96;
	if (prefix) {
		struct in6_addr full = a->a6;

		ipv6_addr_prefix(&a->a6, &full, *plen);
	}
	return 0;
}

/**
 * mpconv_nla_put_addr() - put an address nest
 * @msg: the message
 * @type: the nest's attribute type
 * @a: the address
 * @plen: prefix length over 128 bits, or negative for none
 *
 * Return: 0 or -EMSGSIZE.
 */
int mpconv_nla_put_addr(struct sk_buff *msg, int type, const struct mpconv_addr *a, int plen)
{
	bool v4 = ipv6_addr_v4mapped(&a->a6);
	struct nlattr *nest;

	nest = nla_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(msg, MPCONV_ADDR_A_FAMILY, v4 ? AF_INET : AF_INET6) ||
	    (v4 ? nla_put_in_addr(msg, MPCONV_ADDR_A_ADDR4, a->a6.s6_addr32[3]) :
		  nla_put_in6_addr(msg, MPCONV_ADDR_A_ADDR6, &a->a6)) ||
	    (a->port && nla_put_u16(msg, MPCONV_ADDR_A_PORT, a->port)) ||
	    (plen >= 0 && nla_put_u8(msg, MPCONV_ADDR_A_PREFIXLEN, v4 ? plen - 96 : plen))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/**
 * mpconv_nla_get_prefixes() - read a list of %MPCONV_A_PREFIX nests
 * @list: the list attribute
 * @out: room for MPCONV_MAX_PREFIXES prefixes
 * @n: the number read
 * @extack: for the error message
 *
 * Return: 0, -EINVAL or -E2BIG with an extack message.
 */
int mpconv_nla_get_prefixes(const struct nlattr *list, struct mpconv_prefix *out, u8 *n,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	struct mpconv_addr a;
	int rem, err;
	u8 plen;

	*n = 0;
	nla_for_each_nested(attr, list, rem) {
		if (nla_type(attr) != MPCONV_A_PREFIX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "expected a prefix nest");
			return -EINVAL;
		}
		if (*n >= MPCONV_MAX_PREFIXES) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "too many prefixes (at most " __stringify(MPCONV_MAX_PREFIXES) ")");
			return -E2BIG;
		}
		err = mpconv_nla_get_addr(attr, &a, &plen, true, extack);
		if (err)
			return err;
		out[*n].addr = a.a6;
		out[*n].len = plen;
		out[*n].family = a.family;
		(*n)++;
	}
	return 0;
}

/**
 * mpconv_nla_put_prefixes() - put a list of %MPCONV_A_PREFIX nests
 * @msg: the message
 * @type: the list attribute's type
 * @p: the prefixes
 * @n: their number
 *
 * Return: 0 or -EMSGSIZE.
 */
int mpconv_nla_put_prefixes(struct sk_buff *msg, int type, const struct mpconv_prefix *p,
			    unsigned int n)
{
	struct nlattr *list = nla_nest_start(msg, type);
	struct mpconv_addr a = {};
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		a.a6 = p[i].addr;
		a.family = p[i].family;
		if (mpconv_nla_put_addr(msg, MPCONV_A_PREFIX, &a, p[i].len))
			return -EMSGSIZE;
	}
	nla_nest_end(msg, list);
	return 0;
}

/* Reply to a doit with what @fill puts in it. */
static int reply(struct genl_info *info, u8 cmd,
		 int (*fill)(struct mpconv_net *mn, struct sk_buff *msg))
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	/* The converter's configuration with 2 x 64 IPv6 prefixes is ~6 kB. */
	msg = genlmsg_new(REPLY_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mpconv_genl_family, 0, cmd);
	err = hdr ? fill(mn, msg) : -EMSGSIZE;
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

#define NOCAP_MSG	"needs CAP_NET_ADMIN in the network namespace's user namespace"

/*
 * Every command but STATUS_GET needs CAP_NET_ADMIN in the user namespace
 * owning the network namespace (what GENL_UNS_ADMIN_PERM checks), tested
 * here rather than by the genetlink core so that the refusal carries an
 * extack message.
 */
static bool admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_ns_capable(skb, genl_info_net(info)->user_ns, CAP_NET_ADMIN))
		return true;
	NL_SET_ERR_MSG(info->extack, NOCAP_MSG);
	return false;
}

/* The same for a dump, on each of its parts: the requester's socket (not
 * whoever reads the next part) and the namespace dumped. The first part
 * runs when the request arrives: its error and message go in NLMSG_DONE.
 */
static bool admin_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	if (netlink_ns_capable(cb->skb, sock_net(skb->sk)->user_ns, CAP_NET_ADMIN))
		return true;
	NL_SET_ERR_MSG(cb->extack, NOCAP_MSG);
	return false;
}

static int status_fill(struct mpconv_net *mn, struct sk_buff *msg)
{
	u64 age = jiffies64_to_msecs(get_jiffies_64() - mn->created);

	if (nla_put_string(msg, MPCONV_A_VERSION, MPCONV_VERSION) ||
	    nla_put_u64_64bit(msg, MPCONV_A_NETNS_COOKIE, mn->net->net_cookie, MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_NS_AGE_MS, age, MPCONV_A_PAD) ||
	    nla_put_u32(msg, MPCONV_A_ROLES, READ_ONCE(mn->roles)) ||
	    nla_put_u32(msg, MPCONV_A_SESSIONS, READ_ONCE(mn->sessions.count)) ||
	    nla_put_u32(msg, MPCONV_A_BINDINGS, READ_ONCE(mn->bindings.count)))
		return -EMSGSIZE;
	return 0;
}

static int mpconv_status_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply(info, MPCONV_CMD_STATUS_GET, status_fill);
}

static int mpconv_conv_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	if (!admin(skb, info))
		return -EPERM;

	err = mpconv_converter_set(mpconv_pernet(genl_info_net(info)), info);
	if (err)
		return err;
	return reply(info, MPCONV_CMD_CONVERTER_SET, mpconv_converter_fill);
}

static int mpconv_conv_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!admin(skb, info))
		return -EPERM;
	return reply(info, MPCONV_CMD_CONVERTER_GET, mpconv_converter_fill);
}

static int stats_fill(struct mpconv_net *mn, struct sk_buff *msg)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(msg, MPCONV_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= MPCONV_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, i, atomic64_read(&mn->stats[i]), MPCONV_STAT_UNSPEC))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int mpconv_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!admin(skb, info))
		return -EPERM;
	return reply(info, MPCONV_CMD_STATS_GET, stats_fill);
}

static u64 age_ms(u64 since)
{
	return jiffies64_to_msecs(get_jiffies_64() - since);
}

/* Runs under RCU, beside the session's own work: s->dest is read only once
 * the state says it was set (release in the role); the byte counts are read
 * through their u64_stats_sync (whole on 32-bit machines too).
 */
static int session_fill(struct sk_buff *msg, const struct mpconv_session *s)
{
	/* pairs with the smp_store_release() that publishes s->dest */
	u8 state = smp_load_acquire(&s->state);

	if (nla_put_u64_64bit(msg, MPCONV_A_SESS_ID, s->id, MPCONV_A_PAD) ||
	    nla_put_u8(msg, MPCONV_A_SESS_ROLE, s->role) ||
	    nla_put_u8(msg, MPCONV_A_SESS_STATE, state) ||
	    mpconv_nla_put_addr(msg, MPCONV_A_SESS_CLIENT, &s->client, -1) ||
	    (state >= MPCONV_SESS_CONNECTING && state != MPCONV_SESS_REFUSING &&
	     mpconv_nla_put_addr(msg, MPCONV_A_SESS_DEST, &s->dest, -1)) ||
	    nla_put_u64_64bit(msg, MPCONV_A_SESS_BYTES_UP, mpconv_relay_bytes(&s->relay, 0),
			      MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_SESS_BYTES_DOWN, mpconv_relay_bytes(&s->relay, 1),
			      MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_SESS_AGE_MS, age_ms(s->created), MPCONV_A_PAD) ||
	    nla_put_u8(msg, MPCONV_A_SESS_SERVER_MPTCP, READ_ONCE(s->server_mptcp)))
		return -EMSGSIZE;
	return 0;
}

/* ---- notifications ---- */

/* Room for a session's or a binding's attributes (about 220 and 160 bytes
 * with IPv6 addresses): small enough for atomic allocations.
 */
#define NTF_SESSION_SIZE	512
#define NTF_BINDING_SIZE	256

static bool ntf_wanted(struct net *net)
{
	return READ_ONCE(ntf_on) && genl_has_listeners(&mpconv_genl_family, net, 0);
}

/* Start a notification of @cmd; NULL when it cannot be had. */
static struct sk_buff *ntf_new(u8 cmd, size_t size, gfp_t gfp, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(size, gfp);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &mpconv_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Finish and send @msg to @net's listeners, or drop it on @err. */
static void ntf_send(struct net *net, struct sk_buff *msg, void *hdr, int err)
{
	if (err) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	rcu_read_lock();
	if (READ_ONCE(ntf_on))
		genlmsg_multicast_netns(&mpconv_genl_family, net, msg, 0, 0, GFP_ATOMIC);
	else
		nlmsg_free(msg);
	rcu_read_unlock();
}

/**
 * mpconv_ntf_session() - announce a session's creation or end
 * @s: the session (a new one, or one ending: unlinked, reason set)
 * @cmd: %MPCONV_CMD_SESSION_NEW_NTF or %MPCONV_CMD_SESSION_DEL_NTF
 *
 * Context: process context (the session's work or its creator).
 */
void mpconv_ntf_session(const struct mpconv_session *s, u8 cmd)
{
	struct net *net = s->mn->net;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!ntf_wanted(net))
		return;
	msg = ntf_new(cmd, NTF_SESSION_SIZE, GFP_KERNEL, &hdr);
	if (!msg)
		return;
	err = session_fill(msg, s);
	if (!err && cmd == MPCONV_CMD_SESSION_DEL_NTF &&
	    (nla_put_u8(msg, MPCONV_A_SESS_REASON, s->reason) ||
	     (s->reason == MPCONV_REASON_ERROR && nla_put_u8(msg, MPCONV_A_SESS_ERROR, s->error))))
		err = -EMSGSIZE;
	ntf_send(net, msg, hdr, err);
}

static int binding_fill(struct sk_buff *msg, const struct mpconv_binding *b);

/**
 * mpconv_ntf_binding() - announce a binding's creation or removal
 * @mn: the namespace
 * @b: the binding
 * @cmd: %MPCONV_CMD_BINDING_NEW_NTF or %MPCONV_CMD_BINDING_DEL_NTF
 * @reason: &enum mpconv_reason of a removal
 *
 * Context: any (called under &mpconv_net.lock).
 */
void mpconv_ntf_binding(struct mpconv_net *mn, const struct mpconv_binding *b, u8 cmd,
			u8 reason)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!ntf_wanted(mn->net))
		return;
	msg = ntf_new(cmd, NTF_BINDING_SIZE, GFP_ATOMIC, &hdr);
	if (!msg)
		return;
	err = binding_fill(msg, b);
	if (!err && reason && nla_put_u8(msg, MPCONV_A_BIND_REASON, reason))
		err = -EMSGSIZE;
	ntf_send(mn->net, msg, hdr, err);
}

/**
 * mpconv_ntf_config() - announce a role's new configuration
 * @mn: the namespace
 * @role: the &enum mpconv_role bit
 *
 * Context: process context, &mpconv_net.cfg_lock not held.
 */
void mpconv_ntf_config(struct mpconv_net *mn, u32 role)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!ntf_wanted(mn->net))
		return;
	msg = ntf_new(MPCONV_CMD_CONFIG_NTF, REPLY_SIZE, GFP_KERNEL, &hdr);
	if (!msg)
		return;
	err = nla_put_u32(msg, MPCONV_A_CONFIG_ROLE, role);
	if (!err)
		err = role == MPCONV_ROLE_CPE ? mpconv_cpe_fill(mn, msg) :
						mpconv_converter_fill(mn, msg);
	ntf_send(mn->net, msg, hdr, err);
}

/**
 * mpconv_nla_put_uplink() - put an uplink's state in a message
 * @msg: the message
 * @info: the uplink
 *
 * Return: 0 or -EMSGSIZE.
 */
int mpconv_nla_put_uplink(struct sk_buff *msg, const struct mpconv_uplink_info *info)
{
	struct nlattr *nest = nla_nest_start(msg, MPCONV_A_UPLINK);

	if (!nest ||
	    nla_put_u32(msg, MPCONV_UPLINK_A_IFINDEX, info->ifindex) ||
	    nla_put_u8(msg, MPCONV_UPLINK_A_STATE, info->state) ||
	    nla_put_u32(msg, MPCONV_UPLINK_A_SRTT_US, info->srtt_us) ||
	    nla_put_u64_64bit(msg, MPCONV_UPLINK_A_CHANGED_MS, info->changed_ms,
			      MPCONV_UPLINK_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_UPLINK_A_ATTEMPTS, info->attempts,
			      MPCONV_UPLINK_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_UPLINK_A_MISSES, info->missed, MPCONV_UPLINK_A_PAD) ||
	    nla_put_u8(msg, MPCONV_UPLINK_A_COOKIE, info->cookie))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/**
 * mpconv_ntf_uplink() - announce an uplink's new state
 * @mn: the namespace
 * @info: the uplink
 *
 * Context: process context.
 */
void mpconv_ntf_uplink(struct mpconv_net *mn, const struct mpconv_uplink_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	if (!ntf_wanted(mn->net))
		return;
	msg = ntf_new(MPCONV_CMD_UPLINK_NTF, NTF_BINDING_SIZE, GFP_KERNEL, &hdr);
	if (!msg)
		return;
	ntf_send(mn->net, msg, hdr, mpconv_nla_put_uplink(msg, info));
}

static int binding_fill(struct sk_buff *msg, const struct mpconv_binding *b)
{
	struct mpconv_addr a = { .a6 = b->addr };

	if (mpconv_nla_put_addr(msg, MPCONV_A_BIND_ADDR, &a, b->plen < 128 ? b->plen : -1) ||
	    nla_put_u32(msg, MPCONV_A_BIND_SESSIONS, READ_ONCE(b->sessions)) ||
	    nla_put_u8(msg, MPCONV_A_BIND_MODE, READ_ONCE(b->mode)) ||
	    nla_put_u8(msg, MPCONV_A_BIND_STATIC, READ_ONCE(b->is_static)) ||
	    nla_put_u64_64bit(msg, MPCONV_A_BIND_TOTAL, atomic64_read(&b->total), MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_BIND_BYTES_UP, atomic64_read(&b->bytes_up),
			      MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_BIND_BYTES_DOWN, atomic64_read(&b->bytes_down),
			      MPCONV_A_PAD) ||
	    nla_put_u64_64bit(msg, MPCONV_A_BIND_AGE_MS, age_ms(b->created), MPCONV_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * Dumps walk a table under RCU, resuming at (bucket, index) in cb->args[0]
 * and [1]. The table's generation goes in cb->seq, so a dump that spans a
 * change is flagged NLM_F_DUMP_INTR.
 */
static int dump_table(struct sk_buff *skb, struct netlink_callback *cb, bool sessions)
{
	struct mpconv_net *mn = mpconv_pernet(sock_net(skb->sk));
	struct mpconv_table *t = sessions ? &mn->sessions : &mn->bindings;
	long bucket = cb->args[0], skip = cb->args[1], idx = skip;
	u8 cmd = sessions ? MPCONV_CMD_SESSION_GET : MPCONV_CMD_BINDING_GET;
	struct mpconv_session *s;
	struct mpconv_binding *b;
	int err = 0;
	void *hdr;

	rcu_read_lock();
	cb->seq = READ_ONCE(t->gen);
	for (; bucket < ARRAY_SIZE(t->buckets); bucket++, skip = 0) {
		idx = 0;
		if (sessions) {
			hlist_for_each_entry_rcu(s, &t->buckets[bucket], node) {
				if (idx++ < skip)
					continue;
				hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
						  &mpconv_genl_family, NLM_F_MULTI, cmd);
				if (!hdr || session_fill(skb, s))
					goto full;
				genl_dump_check_consistent(cb, hdr);
				genlmsg_end(skb, hdr);
			}
		} else {
			hlist_for_each_entry_rcu(b, &t->buckets[bucket], node) {
				if (idx++ < skip)
					continue;
				hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
						  &mpconv_genl_family, NLM_F_MULTI, cmd);
				if (!hdr || binding_fill(skb, b))
					goto full;
				genl_dump_check_consistent(cb, hdr);
				genlmsg_end(skb, hdr);
			}
		}
	}
	goto out;
full:
	if (hdr)
		genlmsg_cancel(skb, hdr);
	idx--;
	err = skb->len ? skb->len : -EMSGSIZE;
out:
	rcu_read_unlock();
	cb->args[0] = bucket;
	cb->args[1] = idx;
	return err ?: skb->len;
}

static int mpconv_session_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return admin_dump(skb, cb) ? dump_table(skb, cb, true) : -EPERM;
}

static int mpconv_binding_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return admin_dump(skb, cb) ? dump_table(skb, cb, false) : -EPERM;
}

static int mpconv_cpe_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));
	int err;

	if (!admin(skb, info))
		return -EPERM;

	err = mpconv_cpe_set(mn, info);
	if (err)
		return err;
	return reply(info, MPCONV_CMD_CPE_SET, mpconv_cpe_fill);
}

static int mpconv_cpe_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!admin(skb, info))
		return -EPERM;
	return reply(info, MPCONV_CMD_CPE_GET, mpconv_cpe_fill);
}

static int mpconv_session_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));

	if (!admin(skb, info))
		return -EPERM;

	if (GENL_REQ_ATTR_CHECK(info, MPCONV_A_SESS_ID)) {
		NL_SET_ERR_MSG(info->extack, "the session id is missing");
		return -EINVAL;
	}
	if (mpconv_session_del(mn, nla_get_u64(info->attrs[MPCONV_A_SESS_ID]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPCONV_A_SESS_ID],
				    "no such session");
		return -ENOENT;
	}
	return 0;
}

/* The address of a BINDING_ADD/DEL request: a host (no port, no prefix),
 * or with @plen a client prefix (the converter's bindings), its length in
 * IPv6 terms in *@plen.
 */
static int bind_addr(struct genl_info *info, struct mpconv_addr *a, u8 *prefix)
{
	u8 plen;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MPCONV_A_BIND_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "the host address is missing");
		return -EINVAL;
	}
	err = mpconv_nla_get_addr(info->attrs[MPCONV_A_BIND_ADDR], a, &plen, true,
				  info->extack);
	if (err)
		return err;
	if (prefix && !a->port) {	/* masked to its length already */
		*prefix = plen;
		return 0;
	}
	if (a->port || plen != 128) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPCONV_A_BIND_ADDR],
				    "a binding is one host address: no port, no prefix");
		return -EINVAL;
	}
	return 0;
}

static int mpconv_binding_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));
	struct mpconv_binding b;
	struct sk_buff *msg;
	struct mpconv_addr a;
	u8 mode = MPCONV_BIND_CONVERT;
	void *hdr;
	int err;

	if (!admin(skb, info))
		return -EPERM;

	err = bind_addr(info, &a, NULL);
	if (err)
		return err;
	if (info->attrs[MPCONV_A_BIND_MODE])
		mode = nla_get_u8(info->attrs[MPCONV_A_BIND_MODE]);
	err = mpconv_binding_add(mn, &a.a6, mode, &b);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many static bindings");
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mpconv_genl_family, 0, MPCONV_CMD_BINDING_ADD);
	if (!hdr || binding_fill(msg, &b)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int mpconv_binding_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));
	struct mpconv_addr a;
	u8 plen;
	int err;

	if (!admin(skb, info))
		return -EPERM;

	err = bind_addr(info, &a, &plen);
	if (err)
		return err;
	if (mpconv_binding_del(mn, &a.a6, plen)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MPCONV_A_BIND_ADDR],
				    "no such binding");
		return -ENOENT;
	}
	return 0;
}

/* Reply to a flush with the number of entries it removed. */
static int reply_flushed(struct genl_info *info, u8 cmd, u32 n)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mpconv_genl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, MPCONV_A_FLUSHED, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int mpconv_session_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct mpconv_addr client, dest;
	struct mpconv_prefix prefix;
	u8 role = MPCONV_ROLE_CPE | MPCONV_ROLE_CONVERTER;
	bool has_prefix = false;
	u8 plen;
	int err;

	if (!admin(skb, info))
		return -EPERM;

	if (tb[MPCONV_A_SESS_ROLE]) {
		role = nla_get_u8(tb[MPCONV_A_SESS_ROLE]);
		if (role != MPCONV_ROLE_CPE && role != MPCONV_ROLE_CONVERTER) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[MPCONV_A_SESS_ROLE],
					    "one role: 1 (cpe) or 2 (converter)");
			return -EINVAL;
		}
	}
	if (tb[MPCONV_A_SESS_CLIENT]) {
		err = mpconv_nla_get_addr(tb[MPCONV_A_SESS_CLIENT], &client, &plen, true,
					  info->extack);
		if (err)
			return err;
		if (client.port || plen != 128) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[MPCONV_A_SESS_CLIENT],
					    "the client is one host address: no port, no prefix");
			return -EINVAL;
		}
	}
	if (tb[MPCONV_A_SESS_DEST]) {
		/* a port alone (no address): that port, whatever the address */
		has_prefix = nla_find_nested(tb[MPCONV_A_SESS_DEST], MPCONV_ADDR_A_ADDR4) ||
			     nla_find_nested(tb[MPCONV_A_SESS_DEST], MPCONV_ADDR_A_ADDR6);
		err = mpconv_nla_get_addr(tb[MPCONV_A_SESS_DEST], &dest, &plen, has_prefix,
					  info->extack);
		if (err)
			return err;
		if (!has_prefix &&
		    nla_find_nested(tb[MPCONV_A_SESS_DEST], MPCONV_ADDR_A_FAMILY)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[MPCONV_A_SESS_DEST],
					    "a port alone matches both families: for one, give its prefix (0.0.0.0/0, ::/0)");
			return -EINVAL;
		}
		if (!has_prefix && !dest.port) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[MPCONV_A_SESS_DEST],
					    "a destination needs an address or a port");
			return -EINVAL;
		}
		prefix.addr = dest.a6;
		prefix.len = plen;
		prefix.family = dest.family;
	}
	return reply_flushed(info, MPCONV_CMD_SESSION_FLUSH,
			     mpconv_session_flush(mn, role,
						  tb[MPCONV_A_SESS_CLIENT] ? &client.a6 : NULL,
						  has_prefix ? &prefix : NULL,
						  tb[MPCONV_A_SESS_DEST] ? dest.port : 0));
}

static int mpconv_binding_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mpconv_net *mn = mpconv_pernet(genl_info_net(info));

	if (!admin(skb, info))
		return -EPERM;

	return reply_flushed(info, MPCONV_CMD_BINDING_FLUSH, mpconv_binding_flush(mn));
}

static const struct genl_ops mpconv_genl_ops[] = {
	{
		.cmd = MPCONV_CMD_STATUS_GET,
		.doit = mpconv_status_get_doit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_CONVERTER_SET,
		.doit = mpconv_conv_set_doit,
		.policy = mpconv_conv_set_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_CONVERTER_GET,
		.doit = mpconv_conv_get_doit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_SESSION_GET,
		.dumpit = mpconv_session_dumpit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_BINDING_GET,
		.dumpit = mpconv_binding_dumpit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_STATS_GET,
		.doit = mpconv_stats_get_doit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_CPE_SET,
		.doit = mpconv_cpe_set_doit,
		.policy = mpconv_cpe_set_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_CPE_GET,
		.doit = mpconv_cpe_get_doit,
		.policy = mpconv_none_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_SESSION_DEL,
		.doit = mpconv_session_del_doit,
		.policy = mpconv_sess_del_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_BINDING_ADD,
		.doit = mpconv_binding_add_doit,
		.policy = mpconv_bind_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_BINDING_DEL,
		.doit = mpconv_binding_del_doit,
		.policy = mpconv_bind_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_SESSION_FLUSH,
		.doit = mpconv_session_flush_doit,
		.policy = mpconv_sess_flush_policy,
		.maxattr = MPCONV_A_MAX,
	},
	{
		.cmd = MPCONV_CMD_BINDING_FLUSH,
		.doit = mpconv_binding_flush_doit,
		.policy = mpconv_none_policy,
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
	.mcgrps = mpconv_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mpconv_mcgrps),
};

int __init mpconv_genl_init(void)
{
	int err = genl_register_family(&mpconv_genl_family);

	if (!err)
		WRITE_ONCE(ntf_on, true);
	return err;
}

void mpconv_genl_exit(void)
{
	WRITE_ONCE(ntf_on, false);
	synchronize_rcu();	/* no notification is being sent any more */
	genl_unregister_family(&mpconv_genl_family);
}
