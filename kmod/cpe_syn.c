// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE's held SYNs: a LAN host's handshake completes only once the
 * converter has said that the server accepted, so that the LAN host sees
 * what a direct path would show it.
 *
 * The hook (cpe_hook.c) keeps a LAN SYN it converts here (NF_STOLEN)
 * instead of answering it, and the accept work (cpe.c) makes a session for
 * it, which opens the MPTCP connection to the converter with the Convert
 * request. The LAN host's retransmissions of that SYN meanwhile join the
 * conversion (they are dropped). Then:
 *  - the converter's reply says connected: the SYN is received again
 *    (netif_rx()); the hook now hands it, and any retransmission, to the
 *    transparent listener, which completes the handshake; the accepted
 *    socket is handed to the session, which relays;
 *  - the server reset (Error 96), or the converter refused the request (not
 *    authorized, resources, malformed, ...) or the MPTCP connection (it is
 *    down), or the session was flushed: a RST answers the SYN, and
 *    connect() fails with ECONNREFUSED;
 *  - Destination Unreachable (Error 97): an ICMP destination unreachable
 *    with the code the converter received;
 *  - no answer (Error 65, the converter silent for the connect timeout,
 *    Error 97 without a code): nothing. The LAN host's own retransmissions
 *    and timeout run; a SYN after the conversion failed starts a new one.
 *
 * A held SYN may be spoofed: the LAN host has not completed a handshake
 * when the converter is asked. So held SYNs are bounded per namespace
 * (max-sessions, at most %MPCONV_CPE_SYN_MAX) and per LAN host
 * (max-per-host, at most %MPCONV_CPE_SYN_PER_HOST), a host being its
 * Ethernet address (which a host spoofing IP sources keeps), else its IPv4
 * address or IPv6 /64, counted in hashed slots (hosts whose slots collide
 * share one limit). A SYN beyond is dropped and counted, as a congested
 * path would drop it; a host flooding SYNs delays its own connections
 * only.
 *
 * Lifetime of an entry: made by the hook and linked under
 * &mpconv_cpe.syn_lock; given a session by the accept work, which then owns
 * the entry's skb; unlinked and freed by that session when it ends or
 * starts relaying, by the accept work when no session can be made for it,
 * or by mpconv_cpe_syn_flush() when the role stops (hooks and accept work
 * gone). Entries are looked up under the lock only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/icmpv6.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/tcp.h>

#include "mpconv.h"

static u32 syn_hash(const struct mpconv_net *mn, const struct mpconv_flow *f)
{
	return jhash2((const u32 *)f, sizeof(*f) / sizeof(u32), mn->hash_seed);
}

/* The per-host slot: the sender's Ethernet address, which a LAN host
 * spoofing source addresses keeps; else its /64 (IPv6) or address (IPv4).
 */
static u16 syn_slot(const struct mpconv_net *mn, const struct sk_buff *skb,
		    const struct in6_addr *saddr)
{
	u32 h;

	if (skb->dev && skb->dev->type == ARPHRD_ETHER && skb_mac_header_was_set(skb) &&
	    skb_mac_header_len(skb) >= ETH_HLEN) {
		const u8 *mac = eth_hdr(skb)->h_source;

		h = jhash(mac, ETH_ALEN, mn->hash_seed);
	} else if (ipv6_addr_v4mapped(saddr)) {
		h = jhash_1word((__force u32)saddr->s6_addr32[3], mn->hash_seed);
	} else {
		h = jhash_2words((__force u32)saddr->s6_addr32[0],
				 (__force u32)saddr->s6_addr32[1], mn->hash_seed);
	}
	return h & (MPCONV_CPE_SYN_SLOTS - 1);
}

static bool flow_eq(const struct mpconv_flow *a, const struct mpconv_flow *b)
{
	return a->sport == b->sport && a->dport == b->dport &&
	       ipv6_addr_equal(&a->saddr, &b->saddr) && ipv6_addr_equal(&a->daddr, &b->daddr);
}

static struct mpconv_cpe_syn *syn_find(struct mpconv_net *mn, const struct mpconv_flow *f)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_syn *e;

	lockdep_assert_held(&cpe->syn_lock);
	hlist_for_each_entry(e, &cpe->syn_hash[syn_hash(mn, f) & (MPCONV_CPE_SYN_BUCKETS - 1)],
			     node)
		if (flow_eq(&e->f, f))
			return e;
	return NULL;
}

/**
 * mpconv_cpe_syn_init() - set up the held-SYN table of a namespace
 * @cpe: the CPE role
 */
void mpconv_cpe_syn_init(struct mpconv_cpe *cpe)
{
	unsigned int i;

	spin_lock_init(&cpe->syn_lock);
	INIT_LIST_HEAD(&cpe->syn_fresh);
	for (i = 0; i < MPCONV_CPE_SYN_BUCKETS; i++)
		INIT_HLIST_HEAD(&cpe->syn_hash[i]);
}

/**
 * mpconv_cpe_syn_hook() - what becomes of a LAN SYN the hook converts
 * @mn: the namespace
 * @cfg: the CPE configuration (RCU)
 * @skb: the SYN
 * @f: its flow
 * @iif: its ingress interface
 * @bypass: a new connection is to be forwarded unconverted (its host has a
 *	bypass binding); overflow "bypass" with a full table is checked here
 *
 * Context: the hook (softirq, RCU read side).
 * Return: %MPCONV_SYN_STEER (hand it to the transparent listener: the
 * converter accepted), %MPCONV_SYN_STOLEN (kept: a new conversion),
 * %MPCONV_SYN_PASS (not converted: @bypass) or %MPCONV_SYN_DROP (a
 * retransmission while the conversion is pending, or no room to hold it).
 */
enum mpconv_syn_verdict mpconv_cpe_syn_hook(struct mpconv_net *mn,
					    const struct mpconv_cpe_cfg *cfg,
					    struct sk_buff *skb, const struct mpconv_flow *f,
					    int iif, bool bypass)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	u32 cap = min_t(u32, cfg->max_sessions, MPCONV_CPE_SYN_MAX);
	struct mpconv_cpe_syn *e;
	u16 slot = syn_slot(mn, skb, &f->saddr);
	u32 per_host = min_t(u32, cfg->max_per_host, MPCONV_CPE_SYN_PER_HOST);

	/* _bh: the hook also runs in process context (after an NFQUEUE
	 * verdict, nf_reinject()).
	 */
	spin_lock_bh(&cpe->syn_lock);
	e = syn_find(mn, f);
	if (e) {
		u8 state = e->state;

		spin_unlock_bh(&cpe->syn_lock);
		if (state == MPCONV_SYN_READY)
			return MPCONV_SYN_STEER;
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_SYN_JOINED);
		return MPCONV_SYN_DROP;
	}
	/* Held SYNs without a session yet count as sessions for overflow
	 * "bypass": a burst must not be refused what the next SYN would get.
	 */
	if (bypass || (cfg->overflow == MPCONV_OVERFLOW_BYPASS &&
		       READ_ONCE(mn->sessions.count) + cpe->syn_fresh_n >= cfg->max_sessions)) {
		spin_unlock_bh(&cpe->syn_lock);
		return MPCONV_SYN_PASS;
	}
	/* The converter asked for a pause (Error 64/65): "refuse" is
	 * answered by the session, which asks nobody (cpe.c).
	 */
	if (cfg->backoff == MPCONV_BACKOFF_BYPASS && mpconv_cpe_backing_off(cpe)) {
		spin_unlock_bh(&cpe->syn_lock);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_BACKOFF_BYPASSED);
		return MPCONV_SYN_PASS;
	}
	if (cpe->syn_count >= cap || cpe->syn_host[slot] >= per_host) {
		spin_unlock_bh(&cpe->syn_lock);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_SYN_FULL);
		return MPCONV_SYN_DROP;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e) {
		spin_unlock_bh(&cpe->syn_lock);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_SYN_FULL);
		return MPCONV_SYN_DROP;
	}
	/* Received again later as a new packet: no route, no conntrack, and
	 * no device pointer while held (the device may go; @iif finds it).
	 */
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	{
		enum ip_conntrack_info ctinfo;
		const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

		/* Destination NAT lives in this SYN's conntrack entry, which
		 * goes: such a SYN is not received again, the LAN host's
		 * retransmission (translated anew) completes the handshake.
		 */
		e->nat = ct && test_bit(IPS_DST_NAT_BIT, &ct->status);
	}
#endif
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->dev = NULL;
	e->f = *f;
	e->skb = skb;
	e->iif = iif;
	e->slot = slot;
	e->state = MPCONV_SYN_WAIT;
	hlist_add_head(&e->node, &cpe->syn_hash[syn_hash(mn, f) & (MPCONV_CPE_SYN_BUCKETS - 1)]);
	list_add_tail(&e->fresh, &cpe->syn_fresh);
	cpe->syn_fresh_n++;
	cpe->syn_count++;
	cpe->syn_host[slot]++;
	spin_unlock_bh(&cpe->syn_lock);
	mod_delayed_work(mpconv_wq, &cpe->accept_work, 0);
	return MPCONV_SYN_STOLEN;
}

/**
 * mpconv_cpe_syn_fresh() - the next held SYN without a session yet
 * @cpe: the CPE role
 *
 * Context: the accept work, which makes its session or frees it.
 * Return: the entry (still linked), or NULL.
 */
struct mpconv_cpe_syn *mpconv_cpe_syn_fresh(struct mpconv_cpe *cpe)
{
	struct mpconv_cpe_syn *e;

	spin_lock_bh(&cpe->syn_lock);
	e = list_first_entry_or_null(&cpe->syn_fresh, struct mpconv_cpe_syn, fresh);
	if (e) {
		list_del_init(&e->fresh);
		cpe->syn_fresh_n--;
	}
	spin_unlock_bh(&cpe->syn_lock);
	return e;
}

/**
 * mpconv_cpe_syn_bind() - give a fresh entry its session
 * @cpe: the CPE role
 * @e: an entry from mpconv_cpe_syn_fresh()
 * @s: the session, which owns the entry from now on (s->syn)
 */
void mpconv_cpe_syn_bind(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e,
			 struct mpconv_session *s)
{
	spin_lock_bh(&cpe->syn_lock);
	e->s = s;
	spin_unlock_bh(&cpe->syn_lock);
	s->syn = e;
}

/**
 * mpconv_cpe_syn_free() - unlink and free an entry
 * @cpe: the CPE role
 * @e: the entry, from its owner (its session, or the accept work)
 *
 * A LAN connection handed to it and not taken is aborted.
 */
void mpconv_cpe_syn_free(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e)
{
	struct socket *csock;

	spin_lock_bh(&cpe->syn_lock);
	hlist_del(&e->node);
	list_del(&e->fresh);
	cpe->syn_count--;
	cpe->syn_host[e->slot]--;
	csock = e->csock;
	spin_unlock_bh(&cpe->syn_lock);
	if (csock)
		mpconv_sock_abort(csock);
	kfree_skb(e->skb);
	kfree(e);
}

/**
 * mpconv_cpe_syn_flush() - free the entries that have no session
 * @cpe: the CPE role, with its hooks unregistered and accept work stopped
 */
void mpconv_cpe_syn_flush(struct mpconv_cpe *cpe)
{
	struct mpconv_cpe_syn *e;

	while ((e = mpconv_cpe_syn_fresh(cpe)))
		mpconv_cpe_syn_free(cpe, e);
}

/**
 * mpconv_cpe_syn_ready() - the converter accepted: let the handshake finish
 * @mn: the namespace
 * @e: the session's entry
 *
 * The held SYN is received again, and the hook hands it to the listener.
 */
void mpconv_cpe_syn_ready(struct mpconv_net *mn, struct mpconv_cpe_syn *e)
{
	struct sk_buff *skb = e->skb;
	struct net_device *dev;

	spin_lock_bh(&mn->cpe.syn_lock);
	e->state = MPCONV_SYN_READY;
	spin_unlock_bh(&mn->cpe.syn_lock);
	if (!skb)
		return;
	e->skb = NULL;
	if (e->nat) {
		kfree_skb(skb);
		return;
	}
	rcu_read_lock();
	dev = dev_get_by_index_rcu(mn->net, e->iif);
	if (!dev || !(dev->flags & IFF_UP)) {
		rcu_read_unlock();
		kfree_skb(skb);	/* the LAN host's retransmission will do */
		return;
	}
	skb->dev = dev;
	skb->skb_iif = dev->ifindex;
	netif_rx(skb);
	rcu_read_unlock();
}

/**
 * mpconv_cpe_syn_attach() - hand an accepted LAN connection to its session
 * @mn: the namespace
 * @f: the connection's flow, as the LAN host sent it
 * @sock: the accepted socket
 *
 * Return: true when a session waited for it (it owns @sock from now on).
 */
bool mpconv_cpe_syn_attach(struct mpconv_net *mn, const struct mpconv_flow *f,
			   struct socket *sock)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_syn *e;
	bool ok = false;

	spin_lock_bh(&cpe->syn_lock);
	e = syn_find(mn, f);
	/* A linked entry's session has not ended: its work may be queued. */
	if (e && e->state == MPCONV_SYN_READY && e->s && !e->csock) {
		e->csock = sock;
		mod_delayed_work(mpconv_wq, &e->s->work, 0);
		ok = true;
	}
	spin_unlock_bh(&cpe->syn_lock);
	return ok;
}

/**
 * mpconv_cpe_syn_take() - the LAN connection handed to an entry, if any
 * @cpe: the CPE role
 * @e: the session's entry
 *
 * Return: the socket, now the caller's, or NULL.
 */
struct socket *mpconv_cpe_syn_take(struct mpconv_cpe *cpe, struct mpconv_cpe_syn *e)
{
	struct socket *sock;

	spin_lock_bh(&cpe->syn_lock);
	sock = e->csock;
	e->csock = NULL;
	spin_unlock_bh(&cpe->syn_lock);
	return sock;
}

/* A RST answering the held SYN, from its destination, out through the
 * SYN's ingress interface @iif.
 */
static void syn_send_rst(struct net *net, const struct sk_buff *syn, int iif)
{
	unsigned int thoff = skb_network_header_len(syn), hlen, plen;
	const struct tcphdr *oth;
	struct sk_buff *nskb;
	struct tcphdr _oth, *th;

	oth = skb_header_pointer(syn, thoff, sizeof(_oth), &_oth);
	if (!oth)
		return;
	hlen = syn->protocol == htons(ETH_P_IP) ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	plen = syn->len - thoff - oth->doff * 4;
	nskb = alloc_skb(MAX_HEADER + hlen + sizeof(*th), GFP_ATOMIC);
	if (!nskb)
		return;
	skb_reserve(nskb, MAX_HEADER + hlen);
	th = skb_put_zero(nskb, sizeof(*th));
	skb_reset_transport_header(nskb);
	th->source = oth->dest;
	th->dest = oth->source;
	th->ack_seq = htonl(ntohl(oth->seq) + 1 + plen);
	th->doff = sizeof(*th) / 4;
	th->rst = 1;
	th->ack = 1;
	nskb->protocol = syn->protocol;
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);	/* its SYN was never confirmed */
#endif

	if (syn->protocol == htons(ETH_P_IP)) {
		const struct iphdr *oiph = ip_hdr(syn);
		struct flowi4 fl4 = {
			.daddr = oiph->saddr,
			.saddr = oiph->daddr,
			.flowi4_oif = iif,
			.flowi4_proto = IPPROTO_TCP,
			.flowi4_flags = FLOWI_FLAG_ANYSRC,
		};
		struct rtable *rt;
		struct iphdr *iph;

		th->check = tcp_v4_check(sizeof(*th), oiph->daddr, oiph->saddr,
					 csum_partial(th, sizeof(*th), 0));
		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			goto drop;
		skb_dst_set(nskb, &rt->dst);
		iph = skb_push(nskb, sizeof(*iph));
		skb_reset_network_header(nskb);
		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = sizeof(*iph) / 4;
		iph->frag_off = htons(IP_DF);
		iph->ttl = ip4_dst_hoplimit(&rt->dst);
		iph->protocol = IPPROTO_TCP;
		iph->saddr = oiph->daddr;
		iph->daddr = oiph->saddr;
		nskb->ip_summed = CHECKSUM_NONE;
		ip_local_out(net, NULL, nskb);
		return;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct ipv6hdr *oip6h = ipv6_hdr(syn);
		struct flowi6 fl6 = {
			.daddr = oip6h->saddr,
			.saddr = oip6h->daddr,
			.flowi6_oif = iif,
			.flowi6_proto = IPPROTO_TCP,
		};
		struct dst_entry *dst;
		struct ipv6hdr *ip6h;

		th->check = tcp_v6_check(sizeof(*th), &oip6h->daddr, &oip6h->saddr,
					 csum_partial(th, sizeof(*th), 0));
		dst = ip6_route_output(net, NULL, &fl6);
		if (dst->error) {
			dst_release(dst);
			goto drop;
		}
		skb_dst_set(nskb, dst);
		ip6h = skb_push(nskb, sizeof(*ip6h));
		skb_reset_network_header(nskb);
		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->nexthdr = IPPROTO_TCP;
		ip6h->hop_limit = ip6_dst_hoplimit(dst);
		ip6h->saddr = oip6h->daddr;
		ip6h->daddr = oip6h->saddr;
		nskb->ip_summed = CHECKSUM_NONE;
		ip6_local_out(net, NULL, nskb);
		return;
	}
#endif
drop:
	kfree_skb(nskb);
}

/* An ICMP destination unreachable with @code answering the held SYN, as
 * the router that could not reach the destination sends it.
 */
static void syn_send_unreach(struct mpconv_net *mn, struct sk_buff *syn, int iif, u8 code)
{
	struct net_device *dev;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(mn->net, iif);
	if (!dev)
		goto out;
	syn->dev = dev;
	if (syn->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(syn);

		/* Fragmentation needed is path MTU news, not an error: a
		 * converter must not shrink a LAN host's path MTU with it.
		 */
		if (code > NR_ICMP_UNREACH || code == ICMP_FRAG_NEEDED)
			goto out;
		/* the route a forwarded packet gets: the source of the ICMP */
		if (ip_route_input_noref(syn, iph->daddr, iph->saddr, iph->tos, dev))
			goto out;
		local_bh_disable();
		icmp_send(syn, ICMP_DEST_UNREACH, code, 0);
		local_bh_enable();
	} else if (IS_ENABLED(CONFIG_IPV6) && code <= ICMPV6_REJECT_ROUTE) {
		local_bh_disable();
		icmpv6_send(syn, ICMPV6_DEST_UNREACH, code, 0);
		local_bh_enable();
	}
out:
	skb_dst_drop(syn);
	syn->dev = NULL;	/* valid under RCU only */
	rcu_read_unlock();
}

/**
 * mpconv_cpe_syn_answer() - answer the held SYN of a failed conversion
 * @mn: the namespace
 * @e: the entry, from its owner
 * @how: %MPCONV_SYN_ANSWER_RST, %MPCONV_SYN_ANSWER_UNREACH (ICMP @code) or
 *	%MPCONV_SYN_ANSWER_NONE
 * @code: the ICMP code for %MPCONV_SYN_ANSWER_UNREACH
 *
 * Only a SYN not received again yet is answered: once the converter has
 * accepted, the LAN host has its SYN+ACK and the listener's socket ends the
 * connection.
 */
void mpconv_cpe_syn_answer(struct mpconv_net *mn, struct mpconv_cpe_syn *e, int how, u8 code)
{
	if (!e->skb)
		return;
	switch (how) {
	case MPCONV_SYN_ANSWER_RST:
		local_bh_disable();
		syn_send_rst(mn->net, e->skb, e->iif);
		local_bh_enable();
		break;
	case MPCONV_SYN_ANSWER_UNREACH:
		syn_send_unreach(mn, e->skb, e->iif, code);
		break;
	}
}
