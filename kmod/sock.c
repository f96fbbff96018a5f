// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel socket helpers: creation, event watching, abortive close and
 * address conversions.
 *
 * Every socket made here holds a reference on its network namespace, like
 * a user's socket: MPTCP subflows always take one (TCP timers need the
 * namespace), and plain TCP sockets are given one here. So a socket closed
 * gracefully may finish its FIN handshake after we released it, and a
 * namespace lives as long as mpconv has sockets in it: netns.c notices a
 * namespace nobody can reach any more and closes everything there.
 */
#include <linux/errqueue.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/ipv6.h>
#include <net/mptcp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/mptcp.h>

#include "mpconv.h"
#include "sock.h"

static int mpconv_watch_wake(struct wait_queue_entry *wait, unsigned int mode, int sync,
			     void *key)
{
	struct mpconv_watch *w = container_of(wait, struct mpconv_watch, wait);

	/* Runs under the wait queue lock, maybe in softirq: only queue. */
	mod_delayed_work(mpconv_wq, w->dwork, 0);
	return 0;
}

/**
 * mpconv_watch_add() - queue @dwork on every event of @sock
 * @w: the watch, not armed
 * @sock: the socket; must stay alive until mpconv_watch_del()
 * @dwork: the work to run
 */
void mpconv_watch_add(struct mpconv_watch *w, struct socket *sock, struct delayed_work *dwork)
{
	init_waitqueue_func_entry(&w->wait, mpconv_watch_wake);
	w->dwork = dwork;
	w->sock = sock;
	add_wait_queue(&sock->wq.wait, &w->wait);
}

/**
 * mpconv_watch_del() - stop watching; no wakeup runs after it returns
 * @w: the watch (armed or not)
 */
void mpconv_watch_del(struct mpconv_watch *w)
{
	if (!w->sock)
		return;
	remove_wait_queue(&w->sock->wq.wait, &w->wait);
	w->sock = NULL;
}

/**
 * mpconv_sock_create() - create a kernel socket in @net
 * @net: the namespace (the socket holds a reference, see the file comment)
 * @family: AF_INET or AF_INET6
 * @protocol: IPPROTO_TCP or IPPROTO_MPTCP
 * @res: the new socket
 *
 * Return: 0 or a negative errno (-EPROTONOSUPPORT when MPTCP is off).
 */
int mpconv_sock_create(struct net *net, int family, int protocol, struct socket **res)
{
	struct sock *sk;
	int err;

	/* An MPTCP socket is made as user space's are (kern = 0): MPTCP
	 * locks a subflow (always a kernel socket) inside its msk's lock in
	 * many places without a nesting annotation, which lockdep accepts
	 * only because the two are of different classes (sk_lock-AF_* and
	 * k-sk_lock-AF_*); an msk from sock_create_kern() would share its
	 * subflows' class and every such nesting would be reported as
	 * recursive locking. Its accepted sockets inherit the same. It takes
	 * a reference on the namespace, as the TCP sockets get below.
	 */
	if (protocol == IPPROTO_MPTCP)
		err = __sock_create(net, family, SOCK_STREAM, protocol, res, 0);
	else
		err = sock_create_kern(net, family, SOCK_STREAM, protocol, res);
	if (err)
		return err;
	sk = (*res)->sk;
	if (!sk->sk_net_refcnt) {
#ifdef MPCONV_HAVE_SK_NET_REFCNT_UPGRADE
		sk_net_refcnt_upgrade(sk);
#else
		sk->sk_net_refcnt = 1;
		get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
		sock_inuse_add(net, 1);
#endif
	}
	return 0;
}

/**
 * mpconv_sock_setopt_int() - setsockopt() of an int option on a kernel socket
 * @sock: the socket
 * @level: SOL_SOCKET, SOL_TCP, SOL_IPV6...
 * @name: option name
 * @val: value
 *
 * Goes through the protocol's own setsockopt, so MPTCP sockets propagate
 * the option to their subflows as they do for user space.
 *
 * Return: 0 or a negative errno.
 */
int mpconv_sock_setopt_int(struct socket *sock, int level, int name, int val)
{
	sockptr_t opt = KERNEL_SOCKPTR(&val);

	/* As setsockopt(2): MPTCP handles SOL_SOCKET itself, to pass options
	 * such as SO_REUSEADDR on to its subflows.
	 */
	if (level == SOL_SOCKET && sock->sk->sk_protocol != IPPROTO_MPTCP)
		return sock_setsockopt(sock, level, name, opt, sizeof(val));
	return sock->ops->setsockopt(sock, level, name, opt, sizeof(val));
}

/**
 * mpconv_sock_recverr() - queue ICMP errors on a socket's error queue
 * @sock: a TCP socket (an MPTCP one refuses: its subflows keep theirs)
 * @on: true to queue them (and make them fatal, as IP_RECVERR does), false
 *	to stop and drop what is queued
 *
 * Return: 0 or a negative errno.
 */
int mpconv_sock_recverr(struct socket *sock, bool on)
{
	if (sock->sk->sk_family == AF_INET6)
		return mpconv_sock_setopt_int(sock, SOL_IPV6, IPV6_RECVERR, on);
	return mpconv_sock_setopt_int(sock, SOL_IP, IP_RECVERR, on);
}

/**
 * mpconv_sock_icmp_error() - the ICMP error a socket received, if any
 * @sock: a socket with mpconv_sock_recverr() on
 * @type: the ICMP (or ICMPv6) type
 * @code: its code
 *
 * Looks at the oldest entry of the error queue without taking it.
 *
 * Return: true when it holds an ICMP error.
 */
bool mpconv_sock_icmp_error(struct socket *sock, u8 *type, u8 *code)
{
	struct sk_buff_head *q = &sock->sk->sk_error_queue;
	const struct sock_extended_err *ee;
	struct sk_buff *skb;
	bool found = false;

	spin_lock_bh(&q->lock);
	skb = skb_peek(q);
	if (skb) {
		ee = &SKB_EXT_ERR(skb)->ee;
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
			*type = ee->ee_type;
			*code = ee->ee_code;
			found = true;
		}
	}
	spin_unlock_bh(&q->lock);
	return found;
}

/**
 * mpconv_sock_recv() - read what is there, without waiting
 * @sock: the socket
 * @buf: where to
 * @len: at most this many bytes
 *
 * Return: bytes read, 0 at end of stream, -EAGAIN or another negative errno.
 */
int mpconv_sock_recv(struct socket *sock, u8 *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec iov = { .iov_base = buf, .iov_len = len };

	return kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_DONTWAIT);
}

/**
 * mpconv_sock_send() - write what the socket takes, without waiting
 * @sock: the socket
 * @buf: the bytes
 * @len: their number
 *
 * Return: bytes taken, -EAGAIN or another negative errno.
 */
int mpconv_sock_send(struct socket *sock, const u8 *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	return kernel_sendmsg(sock, &msg, &iov, 1, len);
}

/**
 * mpconv_sock_subflow() - the TCP socket carrying a connected socket
 * @sock: a connected TCP or MPTCP socket
 *
 * For MPTCP, the first subflow: it has the 4-tuple the MPTCP socket reports.
 * Looked up in the namespace's established hash, since the MPTCP socket's
 * internals are private to net/mptcp.
 *
 * Return: the socket with a reference (sock_gen_put() it; it may be a
 * request or timewait socket), or NULL.
 */
struct sock *mpconv_sock_subflow(struct socket *sock)
{
	struct net *net = sock_net(sock->sk);
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct mpconv_addr l, r;
	struct sock *ssk = NULL;

	if (mpconv_sock_local(sock, &l) || mpconv_sock_peer(sock, &r))
		return NULL;
	rcu_read_lock();
	if (r.family == AF_INET)
		ssk = __inet_lookup_established(net, hinfo, r.a6.s6_addr32[3], htons(r.port),
						l.a6.s6_addr32[3], l.port, 0, 0);
#if IS_ENABLED(CONFIG_IPV6)
	else
		ssk = __inet6_lookup_established(net, hinfo, &r.a6, htons(r.port), &l.a6,
						 l.port, 0, 0);
#endif
	rcu_read_unlock();
	return ssk;
}

/* An MPTCP subflow: a TCP socket with the "mptcp" upper layer. */
static bool is_subflow(const struct sock *sk)
{
	const struct tcp_ulp_ops *ulp;

	if (!sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP)
		return false;
	ulp = READ_ONCE(inet_csk(sk)->icsk_ulp_ops);
	return ulp && !strcmp(ulp->name, "mptcp");
}

/* Buckets walked per RCU read-side section. */
#define SUBFLOW_WALK_BATCH	256

/* Subflows of @net in one chain, under rcu_read_lock(). */
static unsigned int chain_subflows(struct net *net, const struct hlist_nulls_head *head)
{
	const struct hlist_nulls_node *node;
	unsigned int n = 0;
	struct sock *sk;

	sk_nulls_for_each_rcu(sk, node, head)
		if (net_eq(sock_net(sk), net) && is_subflow(sk))
			n++;
	return n;
}

/**
 * mpconv_sock_count_subflows() - the MPTCP subflows in a namespace
 * @net: the namespace
 *
 * Counts the full sockets of @net in the TCP established and listening
 * tables that carry an MPTCP connection (each holds a reference on @net).
 * Walks whole tables: for the rare moment when nothing but sockets holds
 * the namespace (netns.c). Sockets moving during the walk may be missed or
 * seen twice; callers check twice in a row.
 *
 * Context: process context.
 * Return: the count.
 */
unsigned int mpconv_sock_count_subflows(struct net *net)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	unsigned int i, j, n = 0;

	for (i = 0; i <= h->ehash_mask; i += SUBFLOW_WALK_BATCH) {
		rcu_read_lock();
		for (j = i; j <= min(i + SUBFLOW_WALK_BATCH - 1, h->ehash_mask); j++)
			n += chain_subflows(net, &h->ehash[j].chain);
		rcu_read_unlock();
		cond_resched();
	}
	for (i = 0; i <= h->lhash2_mask; i += SUBFLOW_WALK_BATCH) {
		rcu_read_lock();
		for (j = i; j <= min(i + SUBFLOW_WALK_BATCH - 1, h->lhash2_mask); j++)
			n += chain_subflows(net, &h->lhash2[j].nulls_head);
		rcu_read_unlock();
		cond_resched();
	}
	return n;
}

/**
 * mpconv_sock_fallback() - has an MPTCP socket fallen back to TCP?
 * @sock: a connected socket
 *
 * Return: true for a plain TCP socket or an MPTCP one that fell back (the
 * peer does not speak MPTCP, or a middlebox stripped the options).
 */
bool mpconv_sock_fallback(struct socket *sock)
{
	struct mptcp_info info = {};

	if (sock->sk->sk_protocol != IPPROTO_MPTCP)
		return true;
	mptcp_diag_fill_info((struct mptcp_sock *)sock->sk, &info);
	return info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK;
}

/**
 * mpconv_sock_ready() - can a new connection carry data both ways yet?
 * @sock: an accepted socket
 *
 * An MPTCP connection accepted with Fast Open exists before the client's
 * third ACK, which carries the key MPTCP needs to send data mappings; data
 * and DATA_FIN queued before it were seen not to reach the client. TCP and
 * fallen-back sockets are always ready.
 *
 * Return: true when the peer's key has arrived (or there is none to wait
 * for).
 */
bool mpconv_sock_ready(struct socket *sock)
{
	struct mptcp_info info = {};

	if (sock->sk->sk_protocol != IPPROTO_MPTCP)
		return true;
	mptcp_diag_fill_info((struct mptcp_sock *)sock->sk, &info);
	return info.mptcpi_flags & (MPTCP_INFO_FLAG_FALLBACK | MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED);
}

/**
 * mpconv_sock_verified() - has the peer of an accepted socket proven its
 *	address?
 * @sock: an accepted socket
 *
 * Only Fast Open accepts a connection before the peer's third ACK: until
 * that ACK (or data acknowledging the SYN+ACK) arrives, the SYN that made
 * it may have come from a spoofed address. The MPTCP key arrives with
 * that ACK; a fallen-back MPTCP connection is judged by its subflow.
 *
 * Return: true once the handshake is complete (and the connection not
 * reset).
 */
bool mpconv_sock_verified(struct socket *sock)
{
	struct sock *sk = sock->sk, *ssk;
	bool ok;

	/* A reset proves nothing: a Fast Open child takes any in-window RST,
	 * and whoever spoofed the SYN chose its sequence numbers.
	 */
	if (sk->sk_protocol != IPPROTO_MPTCP)
		return !((1 << sk->sk_state) & (TCPF_SYN_RECV | TCPF_CLOSE)) && !sk->sk_err;
	if (!mpconv_sock_fallback(sock))
		return mpconv_sock_ready(sock);
	ssk = mpconv_sock_subflow(sock);
	if (!ssk)
		return false;
	ok = sk_fullsock(ssk) && !((1 << ssk->sk_state) & (TCPF_SYN_RECV | TCPF_CLOSE)) &&
	     !ssk->sk_err;
	sock_gen_put(ssk);
	return ok;
}

/**
 * mpconv_sock_abort() - close a socket with a reset
 * @sock: the socket, released here
 *
 * SO_LINGER with a zero timeout makes close() send a RST (TCP) or an MPTCP
 * fast close, and leaves nothing behind. An MPTCP socket that fell back to
 * TCP would close its subflow with a FIN instead: that subflow is reset
 * first.
 */
void mpconv_sock_abort(struct socket *sock)
{
	struct sock *ssk;

	if (sock->sk->sk_protocol == IPPROTO_MPTCP && sock->sk->sk_state != TCP_CLOSE &&
	    mpconv_sock_fallback(sock)) {
		ssk = mpconv_sock_subflow(sock);
		if (ssk) {
			if (sk_fullsock(ssk))
				tcp_abort(ssk, ECONNRESET);
			sock_gen_put(ssk);
		}
	}
	sock_no_linger(sock->sk);
	sock_release(sock);
}

static int sock_name(struct socket *sock, struct mpconv_addr *a, int peer)
{
	struct sockaddr_storage ss = {};
	int len;

	len = sock->ops->getname(sock, (struct sockaddr *)&ss, peer);
	if (len < 0)
		return len;
	mpconv_addr_from_sockaddr(a, &ss);
	return 0;
}

/**
 * mpconv_sock_peer() - the remote address of a connected socket
 * @sock: the socket
 * @a: the address
 *
 * Return: 0 or a negative errno.
 */
int mpconv_sock_peer(struct socket *sock, struct mpconv_addr *a)
{
	return sock_name(sock, a, 1);
}

/**
 * mpconv_sock_local() - the local address of a socket
 * @sock: the socket
 * @a: the address
 *
 * Return: 0 or a negative errno.
 */
int mpconv_sock_local(struct socket *sock, struct mpconv_addr *a)
{
	return sock_name(sock, a, 0);
}

/**
 * mpconv_addr_to_sockaddr() - fill a sockaddr from an address
 * @a: the address (an IPv4-mapped IPv6 address becomes AF_INET)
 * @ss: the result
 * @len: its length
 */
void mpconv_addr_to_sockaddr(const struct mpconv_addr *a, struct sockaddr_storage *ss, int *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ipv6_addr_v4mapped(&a->a6)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		sin->sin_addr.s_addr = a->a6.s6_addr32[3];
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_addr = a->a6;
		*len = sizeof(*sin6);
	}
}

/**
 * mpconv_addr_from_sockaddr() - an address from a sockaddr
 * @a: the result; IPv4 (and IPv4-mapped IPv6) as ::ffff:a.b.c.d, AF_INET
 * @ss: AF_INET or AF_INET6 sockaddr
 */
void mpconv_addr_from_sockaddr(struct mpconv_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ipv6_addr_set_v4mapped(sin->sin_addr.s_addr, &a->a6);
		a->port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		a->a6 = sin6->sin6_addr;
		a->port = ntohs(sin6->sin6_port);
	}
	a->family = ipv6_addr_v4mapped(&a->a6) ? AF_INET : AF_INET6;
}

/**
 * mpconv_addr_in_prefix() - is @a inside prefix @p?
 * @a: address (IPv4 as IPv4-mapped)
 * @p: the prefix
 *
 * The families are compared first: IPv4 addresses are stored as
 * ::ffff:a.b.c.d, which an IPv6 prefix such as ::/0 would cover bit for bit.
 *
 * Return: true when @a is of @p's family and its first @p->len bits are
 * @p's.
 */
bool mpconv_addr_in_prefix(const struct in6_addr *a, const struct mpconv_prefix *p)
{
	bool v4 = p->family == AF_INET;

	if (ipv6_addr_v4mapped(a) != v4)
		return false;
	return ipv6_prefix_equal(a, &p->addr, p->len);
}

/**
 * mpconv_prefix_match() - whether an address is in one of a list of prefixes
 * @p: the prefixes
 * @n: their number
 * @a: the address (IPv4 as IPv4-mapped)
 *
 * Return: true when one of the prefixes, of the address's family, covers it.
 */
bool mpconv_prefix_match(const struct mpconv_prefix *p, unsigned int n,
			 const struct in6_addr *a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (mpconv_addr_in_prefix(a, &p[i]))
			return true;
	return false;
}

/**
 * mpconv_tcp_mptcp_subtype() - the MPTCP option a TCP segment carries
 * @skb: the packet
 * @thoff: offset of its TCP header
 * @th: that header (its first 20 bytes)
 *
 * Return: the subtype (RFC 8684: 0 MP_CAPABLE, 1 MP_JOIN, ...) of the
 * segment's first MPTCP option, 16 for one too short to have a subtype, or
 * -1 without one.
 */
int mpconv_tcp_mptcp_subtype(const struct sk_buff *skb, unsigned int thoff,
			     const struct tcphdr *th)
{
	unsigned int len = th->doff * 4 - sizeof(*th), i = 0;
	u8 buf[MAX_TCP_OPTION_SPACE];
	const u8 *o;

	if (th->doff <= 5)
		return -1;
	o = skb_header_pointer(skb, thoff + sizeof(*th), len, buf);
	if (!o)
		return -1;
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
			return o[i + 1] > 2 ? o[i + 2] >> 4 : 16;
		i += o[i + 1];
	}
	return -1;
}
