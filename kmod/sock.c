// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel socket helpers: creation, event watching, abortive close and
 * address conversions.
 *
 * Sockets made here come from sock_create_kern(): they hold no reference on
 * their network namespace, so their owner must close them from the pernet
 * exit handler at the latest (see netns.c).
 */
#include <linux/in.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/ipv6.h>

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
 * @net: the namespace (no reference is taken, see the file comment)
 * @family: AF_INET or AF_INET6
 * @protocol: IPPROTO_TCP or IPPROTO_MPTCP
 * @res: the new socket
 *
 * Return: 0 or a negative errno (-EPROTONOSUPPORT when MPTCP is off).
 */
int mpconv_sock_create(struct net *net, int family, int protocol, struct socket **res)
{
	int err;

	err = sock_create_kern(net, family, SOCK_STREAM, protocol, res);
	if (err)
		return err;
	(*res)->sk->sk_allocation = GFP_KERNEL;
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

	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, name, opt, sizeof(val));
	return sock->ops->setsockopt(sock, level, name, opt, sizeof(val));
}

/**
 * mpconv_sock_abort() - close a socket with a reset
 * @sock: the socket, released here
 *
 * SO_LINGER with a zero timeout makes close() send a RST (TCP) or an MPTCP
 * fast close, and leaves nothing behind.
 */
void mpconv_sock_abort(struct socket *sock)
{
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
 * mpconv_addr_in_prefix() - is @a inside @prefix/@plen?
 * @a: address (IPv4 as IPv4-mapped)
 * @prefix: prefix (IPv4 as IPv4-mapped, length counted over the 128 bits)
 * @plen: prefix length, 0-128
 *
 * Return: true when the first @plen bits are equal.
 */
bool mpconv_addr_in_prefix(const struct in6_addr *a, const struct in6_addr *prefix, u8 plen)
{
	return ipv6_prefix_equal(a, prefix, plen);
}
