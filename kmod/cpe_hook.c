// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE's netfilter hook (PRE_ROUTING, IPv4 and IPv6): which LAN TCP
 * packets go to the conversion.
 *
 * For a LAN host's TCP packet the policy covers (ingress interface, source
 * prefix):
 *  - a packet of a connection mpconv's transparent sockets already hold
 *    (request, established or TIME_WAIT) is handed to that socket;
 *  - a packet of a connection forwarded unconverted (the pass table,
 *    cpe_pass.c) is forwarded;
 *  - a SYN toward a converted destination is handed to the role's
 *    transparent listener, unless it carries an MPTCP option (the host
 *    speaks MPTCP), the host's binding says bypass, or the table is full
 *    with overflow "bypass": then it is forwarded as it is and the
 *    connection goes in the pass table;
 *  - a SYN+ACK is a LAN host accepting a connection from outside: forwarded,
 *    and the connection goes in the pass table;
 *  - any other packet toward a converted destination belongs to a
 *    connection mpconv does not know (any more: session deleted, module
 *    reloaded): it goes to the listener too, which answers it with a reset
 *    (or completes a connection from a valid SYN cookie), so it is never
 *    forwarded unconverted to the server. Packets carrying an MPTCP option
 *    and those of hosts pinned to bypass are the exception: they belong to
 *    connections forwarded as they are that a full pass table could not
 *    remember.
 *
 * "Handed to a socket" is what TPROXY does: the skb gets the socket
 * (skb->sk, early demux style) and a route for local delivery, which is
 * looked up here for one of the CPE's own addresses instead of through a
 * policy routing rule, so the user sets up no rule and none is left
 * behind. The LAN host keeps seeing the server's address: the transparent
 * socket answers from it.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/addrconf.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/tcp.h>

#include "mpconv.h"

/* What the hook needs of a packet. */
struct cpe_pkt {
	struct mpconv_flow f;
	const struct tcphdr *th;
	unsigned int thoff;
};

/* Whether the packet carries an MPTCP option. */
static bool tcp_mptcp_opt(const struct sk_buff *skb, const struct cpe_pkt *p)
{
	u8 buf[MAX_TCP_OPTION_SPACE];
	unsigned int len = p->th->doff * 4 - sizeof(struct tcphdr), i = 0;
	const u8 *o;

	if (p->th->doff <= 5)
		return false;
	o = skb_header_pointer(skb, p->thoff + sizeof(struct tcphdr), len, buf);
	if (!o)
		return false;
	while (i < len) {
		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break;
		if (o[i] == TCPOPT_MPTCP)
			return true;
		i += o[i + 1];
	}
	return false;
}

static bool port_in(const struct mpconv_port_range *r, unsigned int n, u16 port)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

/* The LAN side of the policy: ingress interface and source prefix. */
static bool cpe_lan_match(const struct mpconv_cpe_cfg *cfg, int ifindex,
			  const struct in6_addr *saddr)
{
	unsigned int i;

	if (cfg->n_ifaces) {
		for (i = 0; i < cfg->n_ifaces; i++)
			if (cfg->ifaces[i] == ifindex)
				break;
		if (i == cfg->n_ifaces)
			return false;
	}
	return !cfg->n_sources || mpconv_prefix_match(cfg->sources, cfg->n_sources, saddr);
}

/* The destination side: converted destinations and ports, minus bypass. */
static bool cpe_dest_match(const struct mpconv_cpe_cfg *cfg, const struct in6_addr *daddr,
			   u16 dport)
{
	if (cfg->n_dests && !mpconv_prefix_match(cfg->dests, cfg->n_dests, daddr))
		return false;
	if (mpconv_prefix_match(cfg->bypass, cfg->n_bypass, daddr))
		return false;
	if (cfg->n_ports && !port_in(cfg->ports, cfg->n_ports, dport))
		return false;
	return !port_in(cfg->bypass_ports, cfg->n_bypass_ports, dport);
}

/* Whether @daddr is one of this namespace's own addresses (traffic to the
 * CPE itself is never converted).
 */
static bool cpe_dest_local(struct net *net, const struct net_device *dev,
			   const struct in6_addr *daddr)
{
	if (ipv6_addr_v4mapped(daddr))
		return inet_addr_type_dev_table(net, dev, daddr->s6_addr32[3]) != RTN_UNICAST;
	return ipv6_chk_addr(net, daddr, NULL, 0) || ipv6_addr_is_multicast(daddr);
}

/* Give the skb a route that delivers it locally, whatever its destination:
 * the route of one of our own addresses on the ingress device.
 */
static int cpe_local_route(struct net *net, struct sk_buff *skb, struct net_device *dev)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);
		__be32 local = inet_select_addr(dev, 0, RT_SCOPE_LINK);
		int err;

		if (!local)
			return -EADDRNOTAVAIL;
		skb_dst_drop(skb);
		err = ip_route_input_noref(skb, local, iph->saddr, iph->tos, dev);
		if (err)
			return err;
		return skb_rtable(skb)->rt_type == RTN_LOCAL ? 0 : -EINVAL;
	}
	{
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct flowi6 fl6 = {
			.flowi6_iif = dev->ifindex,
			.flowi6_mark = skb->mark,
			.flowi6_proto = IPPROTO_TCP,
			.saddr = ip6h->saddr,
		};
		struct dst_entry *dst;

		if (ipv6_dev_get_saddr(net, dev, &ip6h->saddr, 0, &fl6.daddr))
			return -EADDRNOTAVAIL;
		dst = ip6_route_input_lookup(net, dev, &fl6, skb, RT6_LOOKUP_F_HAS_SADDR);
		if (dst->error || !(((struct rt6_info *)dst)->rt6i_flags & RTF_LOCAL)) {
			dst_release(dst);
			return -EINVAL;
		}
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		return 0;
	}
}

/* Hand the skb to @sk (a reference the skb takes over) for local delivery. */
static unsigned int cpe_steer(struct net *net, struct sk_buff *skb, struct sock *sk,
			      const struct nf_hook_state *state)
{
	if (cpe_local_route(net, skb, state->in)) {
		sock_gen_put(sk);
		return NF_DROP;
	}
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = sock_edemux;
	return NF_ACCEPT;
}

/* A socket mpconv's transparent sockets hold for this packet's connection,
 * with a reference, or NULL.
 */
static struct sock *cpe_lookup(struct net *net, const struct sk_buff *skb,
			       const struct cpe_pkt *p, const struct nf_hook_state *state)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct sock *sk;

	if (ipv6_addr_v4mapped(&p->f.saddr))
		sk = __inet_lookup_established(net, hinfo, p->f.saddr.s6_addr32[3], p->f.sport,
					       p->f.daddr.s6_addr32[3], ntohs(p->f.dport),
					       state->in->ifindex, 0);
	else
		sk = __inet6_lookup_established(net, hinfo, &p->f.saddr, p->f.sport, &p->f.daddr,
						ntohs(p->f.dport), state->in->ifindex, 0);
	if (sk && !inet_sk_transparent(sk)) {
		/* A socket of the CPE itself (traffic to its own address). */
		sock_gen_put(sk);
		return NULL;
	}
	return sk;
}

static unsigned int cpe_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct mpconv_net *mn = mpconv_pernet(state->net);
	const struct mpconv_cpe_cfg *cfg;
	struct net *net = state->net;
	struct socket *lsock;
	struct tcphdr _th;
	struct cpe_pkt p;
	struct sock *sk;
	bool mptcp;

	if (skb->pkt_type != PACKET_HOST || skb->sk || !state->in)
		return NF_ACCEPT;
	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return NF_ACCEPT;
		ipv6_addr_set_v4mapped(iph->saddr, &p.f.saddr);
		ipv6_addr_set_v4mapped(iph->daddr, &p.f.daddr);
		p.thoff = ip_hdrlen(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		/* Extension headers are left alone: not taken. */
		if (ip6h->nexthdr != IPPROTO_TCP)
			return NF_ACCEPT;
		p.f.saddr = ip6h->saddr;
		p.f.daddr = ip6h->daddr;
		p.thoff = sizeof(*ip6h);
	}
	p.th = skb_header_pointer(skb, p.thoff, sizeof(_th), &_th);
	if (!p.th)
		return NF_ACCEPT;
	p.f.sport = p.th->source;
	p.f.dport = p.th->dest;

	cfg = rcu_dereference(mn->cpe.cfg);
	if (!cfg->enabled || !cpe_lan_match(cfg, state->in->ifindex, &p.f.saddr))
		return NF_ACCEPT;

	sk = cpe_lookup(net, skb, &p, state);
	if (sk && sk->sk_state == TCP_TIME_WAIT && p.th->syn && !p.th->ack) {
		/* A new connection reusing the 4-tuple: the old one is over. */
		inet_twsk_deschedule_put(inet_twsk(sk));
		sk = NULL;
	}
	if (sk)
		return cpe_steer(net, skb, sk, state);

	if (!cpe_dest_match(cfg, &p.f.daddr, ntohs(p.f.dport)) ||
	    cpe_dest_local(net, state->in, &p.f.daddr))
		return NF_ACCEPT;

	lsock = mn->cpe.lsock[state->pf == NFPROTO_IPV4 ? 0 : 1];
	if (!lsock)
		return NF_ACCEPT;	/* no IPv6 in this namespace */
	mptcp = tcp_mptcp_opt(skb, &p);
	if (mpconv_pass_seen(mn, &p.f, p.th, cfg->idle_timeout_ms))
		return NF_ACCEPT;
	if (p.th->syn && !p.th->ack) {
		u32 max = cfg->max_sessions;

		if (mptcp) {
			mpconv_stat_inc(mn, MPCONV_STAT_CPE_NATIVE);
			goto pass;
		}
		if (mpconv_binding_mode(mn, &p.f.saddr) == MPCONV_BIND_BYPASS ||
		    (cfg->overflow == MPCONV_OVERFLOW_BYPASS &&
		     READ_ONCE(mn->sessions.count) >= max)) {
			mpconv_stat_inc(mn, MPCONV_STAT_CPE_BYPASSED);
			goto pass;
		}
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_TAKEN);
		sock_hold(lsock->sk);
		return cpe_steer(net, skb, lsock->sk, state);
	}
	if (p.th->syn && !p.th->rst) {
		/* SYN+ACK: the host accepts a connection from outside. */
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_INBOUND);
		goto pass;
	}
	/* Connections forwarded as they are that a full pass table could not
	 * remember: a native MPTCP host's (while it speaks MPTCP), a host
	 * pinned to bypass.
	 */
	if (mptcp || mpconv_binding_mode(mn, &p.f.saddr) == MPCONV_BIND_BYPASS)
		return NF_ACCEPT;

	/* A connection no socket holds: never forward it unconverted. The
	 * listener answers it as TCP does: an ACK carrying a valid SYN
	 * cookie (the listener's queue overflowed) becomes a connection,
	 * anything else gets a reset from the server's address.
	 */
	if (!p.th->rst)
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_STALE_RESET);
	sock_hold(lsock->sk);
	return cpe_steer(net, skb, lsock->sk, state);

pass:
	mpconv_pass_add(mn, &p.f, p.th, cfg->max_pass);
	return NF_ACCEPT;
}

static const struct nf_hook_ops cpe_hook_ops[] = {
	{
		.hook = cpe_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_MANGLE + 1,
	},
	{
		.hook = cpe_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_MANGLE + 1,
	},
};

/**
 * mpconv_cpe_hooks_register() - start taking LAN SYNs in a namespace
 * @mn: the namespace, with its listeners open
 *
 * Return: 0 or a negative errno.
 */
int mpconv_cpe_hooks_register(struct mpconv_net *mn)
{
	int err;

	if (mn->cpe.hooks)
		return 0;
	err = nf_register_net_hooks(mn->net, cpe_hook_ops, ARRAY_SIZE(cpe_hook_ops));
	if (!err)
		mn->cpe.hooks = true;
	return err;
}

/**
 * mpconv_cpe_hooks_unregister() - stop; returns once no hook runs any more
 * @mn: the namespace
 */
void mpconv_cpe_hooks_unregister(struct mpconv_net *mn)
{
	if (!mn->cpe.hooks)
		return;
	nf_unregister_net_hooks(mn->net, cpe_hook_ops, ARRAY_SIZE(cpe_hook_ops));
	mn->cpe.hooks = false;
}
