/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel socket helpers shared by both roles.
 */
#ifndef _MPCONV_SOCK_H
#define _MPCONV_SOCK_H

#include <linux/gfp.h>
#include <linux/net.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/in6.h>

/*
 * Allocations peers cause (sessions, relay buffers, bindings): charged to
 * the namespace's memory cgroup (see mpconv_memcg_enter()); at its limit
 * they fail -- the peer's connection is refused or reset -- instead of
 * waking the cgroup's OOM killer, and without a warning in the log.
 */
#define MPCONV_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN)

/**
 * struct mpconv_watch - wakes a work item on any event of a socket
 * @wait: entry on the socket's wait queue
 * @sock: the watched socket, NULL when not armed
 * @dwork: work queued (at once) on every wakeup: data, write space, state
 *	change, error
 *
 * Socket callbacks (sk_data_ready, sk_write_space, ...) are not usable on
 * MPTCP sockets, which wake their wait queue directly; an entry on the wait
 * queue sees every event of both TCP and MPTCP sockets.
 */
struct mpconv_watch {
	struct wait_queue_entry wait;
	struct socket *sock;
	struct delayed_work *dwork;
};

void mpconv_watch_add(struct mpconv_watch *w, struct socket *sock, struct delayed_work *dwork);
void mpconv_watch_del(struct mpconv_watch *w);

/**
 * struct mpconv_addr - an IPv4 or IPv6 transport address
 * @family: AF_INET or AF_INET6
 * @port: port, host order
 * @a6: the address; IPv4 as ::ffff:a.b.c.d
 */
struct mpconv_addr {
	u16 family;
	u16 port;
	struct in6_addr a6;
};

/* Prefixes in one configured list, at most. */
#define MPCONV_MAX_PREFIXES	64

/**
 * struct mpconv_prefix - an address prefix
 * @addr: the prefix (IPv4 as IPv4-mapped)
 * @len: its length over the 128 bits (IPv4 /n is 96 + n)
 * @family: AF_INET or AF_INET6: an IPv6 prefix never holds an IPv4
 *	address, even one that covers ::ffff:0:0/96 (::/0 is "all IPv6")
 */
struct mpconv_prefix {
	struct in6_addr addr;
	u8 len;
	u8 family;
};

void mpconv_addr_to_sockaddr(const struct mpconv_addr *a, struct sockaddr_storage *ss,
			     int *len);
void mpconv_addr_from_sockaddr(struct mpconv_addr *a, const struct sockaddr_storage *ss);
bool mpconv_addr_in_prefix(const struct in6_addr *a, const struct mpconv_prefix *p);
bool mpconv_prefix_match(const struct mpconv_prefix *p, unsigned int n,
			 const struct in6_addr *a);

int mpconv_sock_create(struct net *net, int family, int protocol, struct socket **res);
int mpconv_sock_setopt_int(struct socket *sock, int level, int name, int val);
int mpconv_sock_recv(struct socket *sock, u8 *buf, size_t len);
int mpconv_sock_send(struct socket *sock, const u8 *buf, size_t len);
void mpconv_sock_abort(struct socket *sock);
unsigned int mpconv_sock_count_subflows(struct net *net);
int mpconv_sock_recverr(struct socket *sock, bool on);
bool mpconv_sock_icmp_error(struct socket *sock, u8 *type, u8 *code);
struct sock *mpconv_sock_subflow(struct socket *sock);
bool mpconv_sock_fallback(struct socket *sock);
bool mpconv_sock_ready(struct socket *sock);
bool mpconv_sock_verified(struct socket *sock);
int mpconv_sock_peer(struct socket *sock, struct mpconv_addr *a);
int mpconv_sock_local(struct socket *sock, struct mpconv_addr *a);

struct sk_buff;
struct tcphdr;
int mpconv_tcp_mptcp_subtype(const struct sk_buff *skb, unsigned int thoff,
			     const struct tcphdr *th);

#endif /* _MPCONV_SOCK_H */
