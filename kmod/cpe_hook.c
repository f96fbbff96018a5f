// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE's netfilter hook (PRE_ROUTING, IPv4 and IPv6, after DNAT): which
 * LAN TCP packets go to the conversion.
 *
 * The hook only ever touches connections whose SYN it steered. Everything
 * else passes untouched, whatever mpconv holds or has forgotten:
 *  - a packet of a connection mpconv's transparent sockets hold (request,
 *    established or TIME_WAIT) is handed to that socket; TCP itself then
 *    checks its sequence numbers, as for any local socket. A SYN on the
 *    4-tuple of a TIME_WAIT socket opens a new connection only when TCP
 *    would accept it there (its sequence number after the old
 *    connection's); otherwise the TIME_WAIT socket answers it;
 *  - an ACK that carries a valid SYN cookie of the transparent listener
 *    (the listener's queue overflowed, so TCP kept no request socket) is
 *    handed to the listener, which completes the connection;
 *  - a SYN from the LAN toward a destination the policy converts, its TCP
 *    checksum right, is held until the converter has answered
 *    (cpe_syn.c), then handed to the transparent listener, when the
 *    packet will be routed out of the site:
 *    not toward a private, ULA, link-local, loopback or multicast
 *    destination, not to the CPE itself, not back to the LAN (the route's
 *    device is the ingress or another LAN interface), and through a
 *    gateway or the interface that carries the route to the converter. A
 *    SYN carrying an MPTCP option (the host speaks MPTCP), from a host
 *    whose binding says bypass, or beyond max-sessions with overflow
 *    "bypass" is forwarded as it is. A SYN spoofed with the 4-tuple of a
 *    forwarded connection is taken (nothing tells it from a new
 *    connection: conntrack keeps no entry for a SYN on an established
 *    flow), but that connection's own segments never go to the request
 *    socket it makes: they acknowledge what their server sent, not the
 *    request's SYN+ACK, and TCP would answer them through the listener
 *    with a reset the real host takes (tcp_check_req() checks the ACK
 *    before the window). They pass untouched (cpe_req_foreign());
 *  - nothing else is looked at: native MPTCP connections (also after a
 *    fallback to TCP), bypassed ones, connections from outside toward a LAN
 *    host, flows older than the module or than the role, and the stray
 *    packets of a connection whose session ended are forwarded as the
 *    routing decides. No table remembers them, so no flood can fill one.
 *
 * With quic "refuse", a LAN UDP datagram to port 443 (QUIC) is answered
 * with an ICMP port unreachable and dropped when a TCP SYN from its sender
 * to the same destination and port would be converted (the same decision,
 * cpe_new_conn()): the browser falls back to TCP, which is converted.
 *
 * The hook runs after destination NAT (a port forward or a redirect has
 * already rewritten the destination, which then routes to the LAN or to
 * the CPE itself and is not converted) and uses the routing decision the
 * packet will get, reverse-path filter included. Frames that br_netfilter
 * passes through the IP hooks while bridging them are never taken.
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
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/tcp.h>

#include "mpconv.h"

/* QUIC's port: UDP to it is refused with quic "refuse". */
#define CPE_QUIC_PORT	443

/* What the hook needs of a packet: @th is NULL for UDP. */
struct cpe_pkt {
	struct mpconv_flow f;
	const struct tcphdr *th;
	unsigned int thoff;
};

/* The packet's addresses, and where its transport header starts (no IPv6
 * extension header: those are left alone before).
 */
static void cpe_pkt_addrs(const struct sk_buff *skb, u8 pf, struct cpe_pkt *p)
{
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		ipv6_addr_set_v4mapped(iph->saddr, &p->f.saddr);
		ipv6_addr_set_v4mapped(iph->daddr, &p->f.daddr);
		p->thoff = ip_hdrlen(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		p->f.saddr = ip6h->saddr;
		p->f.daddr = ip6h->daddr;
		p->thoff = sizeof(*ip6h);
	}
}

/* What becomes of a new LAN connection (cpe_new_conn()). */
enum cpe_new {
	CPE_NEW_CONVERT,	/* converted */
	CPE_NEW_OTHER,		/* the policy does not cover it */
	CPE_NEW_OUT_OF_SCOPE,	/* covered, but it does not leave through an uplink */
	CPE_NEW_NATIVE,		/* its SYN carries an MPTCP option */
	CPE_NEW_BYPASS,		/* its host's binding says bypass */
};

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

/* Whether @ifindex is one of the configured LAN interfaces. */
static bool cpe_lan_iface(const struct mpconv_cpe_cfg *cfg, int ifindex)
{
	unsigned int i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i] == ifindex)
			return true;
	return false;
}

/* Destinations never converted, whatever the policy says: they are not
 * reached through the converter's network. IPv4: "this network", RFC 1918,
 * shared address space (RFC 6598), loopback, link-local, multicast, class E
 * and broadcast; IPv6: unspecified, loopback, IPv4-mapped, link-local,
 * site-local, unique local (fc00::/7) and multicast.
 */
static bool cpe_dest_private(const struct in6_addr *a)
{
	int type;

	if (ipv6_addr_v4mapped(a)) {
		__be32 v4 = a->s6_addr32[3];

		return ipv4_is_zeronet(v4) || ipv4_is_private_10(v4) ||
		       ipv4_is_private_172(v4) || ipv4_is_private_192(v4) ||
		       (v4 & htonl(0xffc00000)) == htonl(0x64400000) ||
		       ipv4_is_loopback(v4) || ipv4_is_linklocal_169(v4) ||
		       ipv4_is_multicast(v4) || (v4 & htonl(0xf0000000)) == htonl(0xf0000000);
	}
	type = ipv6_addr_type(a);
	return type == IPV6_ADDR_ANY || (a->s6_addr[0] & 0xfe) == 0xfc ||
	       (type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_MAPPED | IPV6_ADDR_LINKLOCAL |
			IPV6_ADDR_SITELOCAL | IPV6_ADDR_MULTICAST));
}

/* Whether the route toward the converter leaves through @dev. */
static bool cpe_converter_dev(struct net *net, const struct mpconv_addr *conv,
			      const struct net_device *dev)
{
	bool same;

	if (ipv6_addr_v4mapped(&conv->a6)) {
		struct flowi4 fl4 = {
			.daddr = conv->a6.s6_addr32[3],
			.flowi4_proto = IPPROTO_TCP,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (IS_ERR(rt))
			return false;
		same = rt->dst.dev == dev;
		ip_rt_put(rt);
	} else {
		struct flowi6 fl6 = {
			.daddr = conv->a6,
			.flowi6_proto = IPPROTO_TCP,
		};
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		same = !dst->error && dst->dev == dev;
		dst_release(dst);
	}
	return same;
}

/* The route an IPv6 TCP packet from @in to @daddr (its own destination,
 * or one of ours) gets as the stack receives it (ip6_route_input(), which
 * is not exported), with a reference. The hook only looks at packets whose
 * TCP header follows the IPv6 header. The ports and the tunnel key are
 * what policy rules may match on (ip -6 rule ... dport 443 table wan2).
 */
static struct dst_entry *cpe_route6_input(struct net *net, struct sk_buff *skb,
					  struct net_device *in, const struct in6_addr *daddr)
{
	const struct ip_tunnel_info *tun_info = skb_tunnel_info(skb);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = in->ifindex,
		.flowi6_mark = skb->mark,
		.flowi6_proto = IPPROTO_TCP,
		.daddr = *daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
	};
	__be16 _ports[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, sizeof(*ip6h), sizeof(_ports), _ports);
	if (ports) {
		fl6.fl6_sport = ports[0];
		fl6.fl6_dport = ports[1];
	}
	if (tun_info && !(tun_info->mode & IP_TUNNEL_INFO_TX))
		fl6.flowi6_tun_key.tun_id = tun_info->key.tun_id;
	return ip6_route_input_lookup(net, in, &fl6, skb, RT6_LOOKUP_F_HAS_SADDR);
}

/**
 * cpe_route_out() - the routing decision a LAN packet will get
 * @net: the namespace
 * @skb: the packet, without a route yet
 * @in: its ingress device
 * @gw: set when the route goes through a gateway
 *
 * Looks the route up as the IP layer will (policy rules, the
 * reverse-path filter, forwarding settings) and leaves the skb without
 * one, so that the IP layer decides again after the hooks.
 *
 * Context: the hook (RCU read side).
 * Return: the device a forwarded packet leaves through, or NULL when it
 * is not forwarded (delivered locally, broadcast, rejected, no route).
 */
static struct net_device *cpe_route_out(struct net *net, struct sk_buff *skb,
					struct net_device *in, bool *gw)
{
	struct net_device *out = NULL;

	if (skb_dst(skb))
		return NULL;	/* routed by someone else already: leave it */
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);
		struct rtable *rt;

		if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, in)) {
			skb_dst_drop(skb);
			return NULL;
		}
		rt = skb_rtable(skb);
		if (rt && rt->rt_type == RTN_UNICAST && !rt->dst.error) {
			out = rt->dst.dev;
			*gw = rt->rt_uses_gateway;
		}
	} else {
		struct dst_entry *dst;
		struct rt6_info *rt;

		if (!READ_ONCE(net->ipv6.devconf_all->forwarding))
			return NULL;
		dst = cpe_route6_input(net, skb, in, &ipv6_hdr(skb)->daddr);
		rt = dst_rt6_info(dst);
		if (!dst->error && !(rt->rt6i_flags & (RTF_LOCAL | RTF_REJECT | RTF_ANYCAST))) {
			out = dst->dev;
			*gw = rt->rt6i_flags & RTF_GATEWAY;
		}
		dst_release(dst);
		return out;
	}
	skb_dst_drop(skb);
	return out;
}

/* Whether a LAN SYN toward @daddr leaves the site through an uplink: a
 * public destination, forwarded, neither back to the LAN nor to the CPE
 * itself, through a gateway or the converter's interface.
 */
static bool cpe_dest_uplink(struct net *net, struct sk_buff *skb,
			    const struct mpconv_cpe_cfg *cfg, struct net_device *in,
			    const struct in6_addr *daddr)
{
	struct net_device *out;
	bool gw = false;

	if (cpe_dest_private(daddr))
		return false;
	out = cpe_route_out(net, skb, in, &gw);
	if (!out || out == in || cpe_lan_iface(cfg, out->ifindex))
		return false;
	return gw || cpe_converter_dev(net, &cfg->converter, out);
}

/* The transparent listener of the packet's family when the CPE takes LAN
 * traffic from @saddr arriving on @state->in, else NULL (the role is off,
 * the LAN side of the policy does not match, or no IPv6 in this
 * namespace).
 */
static struct socket *cpe_lan_listener(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
				       const struct nf_hook_state *state,
				       const struct in6_addr *saddr)
{
	if (!cfg->enabled || !cpe_lan_match(cfg, state->in->ifindex, saddr))
		return NULL;
	return mn->cpe.lsock[state->pf == NFPROTO_IPV4 ? 0 : 1];
}

/**
 * cpe_new_conn() - whether a new LAN connection is converted
 * @mn: the namespace
 * @cfg: the CPE configuration, whose LAN side @p matches (cpe_lan_listener())
 * @skb: the connection's first packet, without a route yet
 * @p: its flow, and its TCP header (a SYN), or NULL for UDP: what a SYN
 *	toward the same destination and port would get
 * @in: its ingress device
 *
 * The destination side of the policy, the route out through an uplink,
 * a SYN's MPTCP option and the host's binding, in that order. Whether
 * the tables have room is the held-SYN code's business
 * (mpconv_cpe_syn_hook()).
 *
 * Context: the hook (RCU read side).
 * Return: %CPE_NEW_CONVERT, or why not.
 */
static enum cpe_new cpe_new_conn(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
				 struct sk_buff *skb, const struct cpe_pkt *p,
				 struct net_device *in)
{
	if (!cpe_dest_match(cfg, &p->f.daddr, ntohs(p->f.dport)))
		return CPE_NEW_OTHER;
	if (!cpe_dest_uplink(mn->net, skb, cfg, in, &p->f.daddr))
		return CPE_NEW_OUT_OF_SCOPE;
	if (p->th && mpconv_tcp_mptcp_subtype(skb, p->thoff, p->th) >= 0)
		return CPE_NEW_NATIVE;
	if (mpconv_binding_mode(mn, &p->f.saddr) == MPCONV_BIND_BYPASS)
		return CPE_NEW_BYPASS;
	return CPE_NEW_CONVERT;
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
		struct dst_entry *dst;
		struct in6_addr local;

		if (ipv6_dev_get_saddr(net, dev, &ipv6_hdr(skb)->saddr, 0, &local))
			return -EADDRNOTAVAIL;
		dst = cpe_route6_input(net, skb, dev, &local);
		if (dst->error || !(dst_rt6_info(dst)->rt6i_flags & RTF_LOCAL)) {
			dst_release(dst);
			return -EINVAL;
		}
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		return 0;
	}
}

/* Route a packet that passes one of our sockets (its 4-tuple is that
 * socket's, but it is not for it) as the stack would. Early demux runs only
 * on packets without a route, and would give it that socket, which
 * forwarding then refuses (ip_forward() and ip6_forward() drop a packet
 * that has one): every segment of the connection would be lost.
 */
static void cpe_route_past(struct net *net, struct sk_buff *skb, struct net_device *in)
{
	if (skb_dst(skb))
		return;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		/* on an error the stack routes it again, and fails the same way */
		if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, in))
			skb_dst_drop(skb);
		return;
	}
	skb_dst_set(skb, cpe_route6_input(net, skb, in, &ipv6_hdr(skb)->daddr));
}

/* Hand the skb to @sk (a reference the skb takes over) for local delivery. */
static unsigned int cpe_steer(struct net *net, struct sk_buff *skb, struct sock *sk,
			      const struct nf_hook_state *state)
{
	if (cpe_local_route(net, skb, state->in)) {
		sock_gen_put(sk);
		return NF_DROP;
	}
	/* Received in a batch (ip_list_rcv(), ip6_list_rcv()), a packet lends
	 * its route to the next ones to the same destination: ours is local,
	 * and a packet we did not take must not be delivered with it. The
	 * multipath flag makes the stack route each of them itself.
	 */
	if (skb->protocol == htons(ETH_P_IP))
		IPCB(skb)->flags |= IPSKB_MULTIPATH;
	else
		IP6CB(skb)->flags |= IP6SKB_MULTIPATH;
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

/* Whether a LAN segment for request socket @sk is another connection's: a
 * SYN spoofed with the 4-tuple of a connection the CPE forwards made the
 * request, and the forwarded connection's segments acknowledge what its
 * server sent, never the request's SYN+ACK. An ACK of anything but that
 * SYN+ACK, or a RST without ACK outside the request's sequence number, is
 * not the request's: TCP would answer it through the listener with a
 * reset (or drop the RST), breaking the forwarded connection.
 */
static bool cpe_req_foreign(const struct sock *sk, const struct tcphdr *th)
{
	const struct tcp_request_sock *treq;

	if (sk->sk_state != TCP_NEW_SYN_RECV)
		return false;
	treq = tcp_rsk(inet_reqsk(sk));
	if (th->ack)
		return ntohl(th->ack_seq) != treq->snt_isn + 1;
	return th->rst && ntohl(th->seq) != treq->rcv_isn + 1;
}

/* Whether an ACK no socket holds carries a valid SYN cookie of the
 * transparent listener @lsk: TCP answered a LAN SYN with a cookie when the
 * listener's queue overflowed, and this completes that handshake.
 */
static bool cpe_cookie_ack(const struct sk_buff *skb, const struct cpe_pkt *p,
			   const struct sock *lsk)
{
	const struct tcphdr *th = p->th;

	if (!IS_ENABLED(CONFIG_SYN_COOKIES) || !th->ack || th->syn || th->rst ||
	    tcp_synq_no_recent_overflow(lsk))
		return false;
#ifdef MPCONV_HAVE_COOKIE_CHECK_2ARGS
	if (skb->protocol == htons(ETH_P_IP))
		return __cookie_v4_check(ip_hdr(skb), th) > 0;
	return __cookie_v6_check(ipv6_hdr(skb), th) > 0;
#else
	if (skb->protocol == htons(ETH_P_IP))
		return __cookie_v4_check(ip_hdr(skb), th, ntohl(th->ack_seq) - 1) > 0;
	return __cookie_v6_check(ipv6_hdr(skb), th, ntohl(th->ack_seq) - 1) > 0;
#endif
}

/* A SYN on the 4-tuple of TIME_WAIT socket @sk: whether TCP would take it
 * as a new connection (its sequence number is after what the old one
 * received). Then the TIME_WAIT socket is released (consumes the
 * reference) and the SYN goes to the listener; otherwise the TIME_WAIT
 * socket answers it as TCP does.
 */
static bool cpe_tw_reuse(struct sock *sk, const struct tcphdr *th)
{
	if (sk->sk_state != TCP_TIME_WAIT || !th->syn || th->ack || th->rst ||
	    !after(ntohl(th->seq), READ_ONCE(tcp_twsk(sk)->tw_rcv_nxt)))
		return false;
	inet_twsk_deschedule_put(inet_twsk(sk));
	return true;
}

/* Whether a whole UDP datagram at @uhoff is what a host would take: its
 * length fits the packet and its checksum is right (none, in IPv4, is).
 */
static bool udp_intact(struct sk_buff *skb, const struct udphdr *uh, unsigned int uhoff)
{
	unsigned int ulen = ntohs(uh->len);

	if (ulen < sizeof(*uh) || ulen > skb->len - uhoff)
		return false;
	if (skb_csum_unnecessary(skb))
		return true;
	if (skb->protocol == htons(ETH_P_IP))
		return !uh->check || !nf_ip_checksum(skb, NF_INET_PRE_ROUTING, uhoff, IPPROTO_UDP);
	return !nf_ip6_checksum(skb, NF_INET_PRE_ROUTING, uhoff, IPPROTO_UDP);
}

/**
 * cpe_quic() - a LAN UDP datagram, with quic "refuse"
 * @mn: the namespace
 * @cfg: the CPE configuration
 * @skb: the datagram (IPv4: UDP; IPv6: no extension header, as for TCP)
 * @state: the hook's state
 *
 * One to port 443 of a destination a TCP SYN from its sender would be
 * converted to is answered as a host without a QUIC server answers it,
 * an ICMP port unreachable (a connected UDP socket gets ECONNREFUSED),
 * sent by the kernel's icmp_send()/icmpv6_send() under their rate limits,
 * and dropped. The ICMP comes from the CPE's own address, as from a
 * router that refuses to forward (icmp_send() cannot source it from the
 * destination); the client's socket is found by the datagram it quotes.
 * Anything else passes untouched: IPv4 fragments but the first (the
 * first is refused unchecked: the checksum covers the whole datagram),
 * datagrams too short for a UDP header, with a wrong length or checksum.
 *
 * Context: the hook (RCU read side).
 * Return: the hook's verdict.
 */
static unsigned int cpe_quic(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
			     struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct udphdr *uh;
	struct udphdr _uh;
	struct cpe_pkt p;
	bool frag = false;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->frag_off & htons(IP_OFFSET))
			return NF_ACCEPT;
		frag = ip_is_fragment(iph);
	}
	cpe_pkt_addrs(skb, state->pf, &p);
	uh = skb_header_pointer(skb, p.thoff, sizeof(_uh), &_uh);
	if (!uh || uh->dest != htons(CPE_QUIC_PORT))
		return NF_ACCEPT;
	p.f.sport = uh->source;
	p.f.dport = uh->dest;
	p.th = NULL;

	if (!cpe_lan_listener(mn, cfg, state, &p.f.saddr) ||
	    cpe_new_conn(mn, cfg, skb, &p, state->in) != CPE_NEW_CONVERT ||
	    (!frag && !udp_intact(skb, uh, p.thoff)))
		return NF_ACCEPT;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		/* icmp_send() wants the route: the one a forwarded packet gets */
		if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, state->in)) {
			skb_dst_drop(skb);
			return NF_ACCEPT;
		}
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
	} else {
		icmpv6_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	}
	mpconv_stat_inc(mn, MPCONV_STAT_CPE_QUIC_REFUSED);
	return NF_DROP;
}

static unsigned int cpe_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct mpconv_net *mn = mpconv_pernet(state->net);
	const struct mpconv_cpe_cfg *cfg;
	struct net *net = state->net;
	struct socket *lsock;
	struct tcphdr _th;
	struct cpe_pkt p;
	enum cpe_new verdict;
	struct sock *sk;
	u8 proto;

	if (skb->pkt_type != PACKET_HOST || skb->sk || !state->in)
		return NF_ACCEPT;
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	/* br_netfilter runs the IP hooks for frames it bridges, and undoes
	 * a socket assignment for those it delivers: never taken.
	 */
	if (nf_bridge_info_exists(skb))
		return NF_ACCEPT;
#endif
	cfg = rcu_dereference(mn->cpe.cfg);
	/* Extension headers are left alone: not taken. */
	proto = state->pf == NFPROTO_IPV4 ? ip_hdr(skb)->protocol : ipv6_hdr(skb)->nexthdr;
	if (proto == IPPROTO_UDP && cfg->quic == MPCONV_QUIC_REFUSE)
		return cpe_quic(mn, cfg, skb, state);
	if (proto != IPPROTO_TCP)
		return NF_ACCEPT;
	if (state->pf == NFPROTO_IPV4 && ip_is_fragment(ip_hdr(skb)))
		return NF_ACCEPT;
	cpe_pkt_addrs(skb, state->pf, &p);
	p.th = skb_header_pointer(skb, p.thoff, sizeof(_th), &_th);
	if (!p.th)
		return NF_ACCEPT;
	p.f.sport = p.th->source;
	p.f.dport = p.th->dest;

	lsock = cpe_lan_listener(mn, cfg, state, &p.f.saddr);
	if (!lsock)
		return NF_ACCEPT;

	/* TCP drops a SYN whose checksum is wrong before it looks for a
	 * socket. Held here, it would be converted first (the converter
	 * dials the server for a corrupted packet), or end a TIME_WAIT
	 * socket (cpe_tw_reuse()). It passes, for TCP to drop where it is
	 * going and count (InCsumErrors), as without mpconv.
	 */
	if (p.th->syn && !p.th->ack &&
	    nf_checksum(skb, state->hook, p.thoff, IPPROTO_TCP, state->pf))
		return NF_ACCEPT;

	/* A connection mpconv holds: its socket decides, as TCP does. */
	sk = cpe_lookup(net, skb, &p, state);
	if (sk && cpe_req_foreign(sk, p.th)) {
		sock_gen_put(sk);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_FOREIGN_PASSED);
		cpe_route_past(net, skb, state->in);
		return NF_ACCEPT;
	}
	if (sk && !cpe_tw_reuse(sk, p.th))
		return cpe_steer(net, skb, sk, state);

	if (!p.th->syn || p.th->ack || p.th->rst) {
		if (p.th->syn && p.th->ack && !p.th->rst)
			mpconv_stat_inc(mn, MPCONV_STAT_CPE_INBOUND);
		/* The end of a handshake the listener answered with a SYN
		 * cookie; anything else is not mpconv's: untouched.
		 */
		if (!cpe_cookie_ack(skb, &p, lsock->sk))
			return NF_ACCEPT;
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_COOKIE_ACK);
		sock_hold(lsock->sk);
		return cpe_steer(net, skb, lsock->sk, state);
	}

	/* A SYN: a new connection, converted or left alone. One whose header
	 * does not fit is not worth a conversion: TCP drops it.
	 */
	if (p.th->doff < 5 || p.thoff + p.th->doff * 4 > skb->len)
		return NF_ACCEPT;
	verdict = cpe_new_conn(mn, cfg, skb, &p, state->in);
	switch (verdict) {
	case CPE_NEW_OTHER:
		return NF_ACCEPT;
	case CPE_NEW_OUT_OF_SCOPE:
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_OUT_OF_SCOPE);
		return NF_ACCEPT;
	case CPE_NEW_NATIVE:
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_NATIVE);
		return NF_ACCEPT;
	case CPE_NEW_BYPASS:
	case CPE_NEW_CONVERT:
		break;
	}

	/* Held until the converter answers (cpe_syn.c); handed to the
	 * listener once it has accepted. A bypass binding's SYN passes
	 * there, unless a conversion of its flow is under way.
	 */
	switch (mpconv_cpe_syn_hook(mn, cfg, skb, &p.f, state->in->ifindex,
				    verdict == CPE_NEW_BYPASS)) {
	case MPCONV_SYN_PASS:
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_BYPASSED);
		return NF_ACCEPT;
	case MPCONV_SYN_STOLEN:
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_TAKEN);
		return NF_STOLEN;
	case MPCONV_SYN_DROP:
		return NF_DROP;
	case MPCONV_SYN_STEER:
		break;
	}
	sock_hold(lsock->sk);
	return cpe_steer(net, skb, lsock->sk, state);
}

static const struct nf_hook_ops cpe_hook_ops[] = {
	{
		.hook = cpe_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_NAT_DST + 1,
	},
	{
		.hook = cpe_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_NAT_DST + 1,
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
