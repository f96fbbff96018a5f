// SPDX-License-Identifier: GPL-2.0
/*
 * The converter role: an RFC 8803 Transport Converter.
 *
 * An MPTCP listener (which also serves plain-TCP clients: MPTCP falls back)
 * accepts connections from the allowed client prefixes. For each one a
 * session reads the client's Convert message (from the SYN with TCP Fast
 * Open where the kernel allows it, else as first data), checks it, connects
 * to the destination with an MPTCP socket (plain TCP when the server does
 * not speak MPTCP), answers with a Convert reply (the server's SYN+ACK
 * options in an Extended TCP Header TLV) or an Error TLV, and relays.
 *
 * All of a session's work runs in its work item (session.c); the state
 * machine is conv_step().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <crypto/algapi.h>
#include <net/addrconf.h>
#include <net/genetlink.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/mptcp.h>
#include <uapi/linux/mptcp.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "convert.h"
#include "mpconv.h"
#include "netlink.h"

/* Room for a whole Convert message and what may follow it in one read. */
#define HS_CAP			(MPCONV_CONVERT_MAX_LEN + 4)
/* Time a refused client has to read the Error and close, then abort. */
#define CLOSE_LINGER		(5 * HZ)
/* Connections accepted per run of the accept work. */
#define ACCEPT_BUDGET		64
/* Reads of a refused client's leftovers per run. */
#define DRAIN_BUDGET		16
/* Before the kernel's first SYN retransmission (1 s): the server connection
 * of a conversion whose client has not completed its handshake by then is
 * closed, so that a spoofed SYN makes a server see one SYN, not its
 * retransmissions (as long as the session's work runs within the remaining
 * 250 ms). See conv_guard().
 */
#define SYN_GUARD_MS		750
/* Fast Open requests the listener holds before their third ACK: at most a
 * quarter of max-sessions, so that spoofed SYNs cannot fill the table.
 * Beyond it a SYN's data waits for the handshake (one more round trip).
 */
#define TFO_QLEN_MIN		16
#define TFO_QLEN_MAX		1024
/* The listener's backlog (SYN queue and accept queue) at most. */
#define BACKLOG_MAX		4096
/* The kernel's MPTCP token table: one bucket per MiB of low memory, a
 * power of two, at most 64K buckets (net/mptcp/token.c).
 */
#define MPTCP_TOKEN_BUCKETS_MAX	65536
/* Length of the cookies handed out with Error 3. */
#define COOKIE_LEN		8
/* TCP options a client may ask for toward the server (Connect TLV): those
 * the kernel negotiates by itself. MSS, WS, SACK permitted, TS, MPTCP.
 */
static const u8 conv_kinds[] = { 2, 3, 4, 8, 30 };
/* Private-use TLV types (192-255) understood in a request, as a set of
 * MPCONV_CONVERT_PRIV_BIT()s: none yet (a feature between mpconv peers adds
 * its types here). A request with any other is refused with Unsupported
 * Message: RFC 8803 answers "valid messages but with invalid or unknown
 * TLVs" with the 0-31 errors, and ignoring a TLV the client relies on would
 * silently drop what it asked for.
 */
#define CONV_PRIVATE_KNOWN	0ULL
/* What an Info request is told (RFC 8803: kinds 0-2 are never listed). */
static const u8 conv_supported[] = { 3, 4, 8, 30 };

static const struct mpconv_conv_cfg conv_defaults = {
	.listen = { .family = AF_INET6, .port = MPCONV_CONVERT_PORT },
	.max_sessions = 4096,
	.max_per_client = 256,
	.max_pending_per_client = 64,
	.read_timeout_ms = 5000,
	.connect_timeout_ms = 10000,
	.idle_timeout_ms = 600000,
	.binding_lifetime_ms = 30000,
	.client_plen4 = 32,
	.client_plen6 = 64,
	.cookie_rotate_ms = 3600000,
};

static struct mpconv_conv_cfg *conv_cfg(struct mpconv_net *mn)
{
	return rcu_dereference_protected(mn->conv.cfg, lockdep_is_held(&mn->cfg_lock));
}

/* ---- policy ---- */

/* Is @a delivered locally in @net: an "any-IP" local route (ip route add
 * local P dev lo), an address of ours, whatever table policy routing
 * finds it in?
 */
static bool dest_route_local(struct net *net, const struct in6_addr *a)
{
	if (ipv6_addr_v4mapped(a)) {
		struct flowi4 fl4 = { .daddr = a->s6_addr32[3] };
		struct rtable *rt;
		bool local;

		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return false;
		local = rt->rt_type == RTN_LOCAL || rt->rt_type == RTN_BROADCAST;
		ip_rt_put(rt);
		return local;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct flowi6 fl6 = { .daddr = *a };
		struct dst_entry *dst;
		bool local;

		dst = ip6_route_output(net, NULL, &fl6);
		local = !dst->error &&
			(container_of(dst, struct rt6_info, dst)->rt6i_flags &
			 (RTF_LOCAL | RTF_ANYCAST));
		dst_release(dst);
		return local;
	}
#else
	return false;
#endif
}

/* Is @a an address of ours in a VRF? ipv6_chk_addr() without a device
 * looks at the default VRF's addresses only.
 */
static bool dest_vrf_addr6(struct net *net, const struct in6_addr *a)
{
	struct net_device *dev;
	bool found = false;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (netif_is_l3_master(dev) &&
		    ipv6_chk_addr_and_flags(net, a, dev, true, 0, IFA_F_TENTATIVE)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* The destinations nobody may reach through the converter. */
static bool dest_builtin_denied(struct net *net, const struct in6_addr *a)
{
	if (ipv6_addr_v4mapped(a)) {
		__be32 v4 = a->s6_addr32[3];

		if (ipv4_is_loopback(v4) || ipv4_is_zeronet(v4) || ipv4_is_multicast(v4) ||
		    ipv4_is_linklocal_169(v4) || ipv4_is_lbcast(v4))
			return true;
		/* Our own addresses, and broadcast addresses of our subnets. */
		switch (inet_addr_type(net, v4)) {
		case RTN_LOCAL:
		case RTN_BROADCAST:
		case RTN_MULTICAST:
			return true;
		}
		/* An address of ours in a VRF, whose local routes are in the
		 * VRF's table: the interface addresses are one list.
		 */
		if (__ip_dev_find(net, v4, false))
			return true;
		return dest_route_local(net, a);
	}
	if (ipv6_addr_any(a) || ipv6_addr_loopback(a) || ipv6_addr_is_multicast(a))
		return true;
	if (ipv6_addr_type(a) & IPV6_ADDR_LINKLOCAL)
		return true;
	/* Our addresses, in the default VRF and in the others. */
	if (ipv6_chk_addr(net, a, NULL, 0) || dest_vrf_addr6(net, a))
		return true;
	return dest_route_local(net, a);
}

/*
 * Cookies: a client's cookie is its address hashed with the key and the
 * number of the current period of the wall clock. Converters that share
 * the key (a farm behind one address) so hand out and accept the same
 * cookies without talking to each other, and rotation needs no timer: a
 * cookie of the previous period is still accepted, an older one is not
 * (nor is the next period's, handed out by a farm member whose clock is a
 * little ahead). The address is the client's prefix (client-prefix4/6),
 * as for its binding: a subscriber whose addresses rotate within its /64,
 * or a CGNAT pool, keeps its cookie. The hash input and output are fixed
 * little-endian, so that machines of either byte order agree.
 */
static u64 cookie_period(const struct mpconv_conv_cfg *cfg)
{
	if (!cfg->cookie_rotate_ms)
		return 0;
	return div64_u64(ktime_get_real_ns(), (u64)cfg->cookie_rotate_ms * NSEC_PER_MSEC);
}

static void conv_cookie(const struct mpconv_conv_cfg *cfg, const struct in6_addr *client,
			u64 period, u8 *cookie)
{
	struct {
		struct in6_addr addr;
		__le64 period;
	} in = { .period = cpu_to_le64(period) };
	__le64 h;

	ipv6_addr_prefix(&in.addr, client, ipv6_addr_v4mapped(client) ?
			 96 + cfg->client_plen4 : cfg->client_plen6);
	BUILD_BUG_ON(sizeof(in) != 24);
	h = cpu_to_le64(siphash(&in, sizeof(in), &cfg->cookie_key));
	memcpy(cookie, &h, COOKIE_LEN);
}

/* A fingerprint of the key (MPCONV_A_CONV_COOKIE_KEY_ID). */
static u32 cookie_key_id(const struct mpconv_conv_cfg *cfg)
{
	return (u32)siphash_1u64(0x6d70636f6e76ULL, &cfg->cookie_key);
}

enum { COOKIE_OK, COOKIE_MISSING, COOKIE_BAD };

/* Check the request's cookie; @fresh gets the client's cookie of now. */
static int cookie_check(struct mpconv_session *s, const struct mpconv_conv_cfg *cfg,
			const struct mpconv_convert_msg *m, u8 *fresh)
{
	u64 period = cookie_period(cfg);
	u8 prev[COOKIE_LEN];
	const u8 *got;

	conv_cookie(cfg, &s->client.a6, period, fresh);
	if (!(m->present & MPCONV_CONVERT_F_COOKIE))
		return COOKIE_MISSING;
	if (m->cookie.len < COOKIE_LEN)
		return COOKIE_BAD;
	got = s->hs + m->cookie.off;
	if (!crypto_memneq(got, fresh, COOKIE_LEN))
		return COOKIE_OK;
	if (!cfg->cookie_rotate_ms)
		return COOKIE_BAD;
	conv_cookie(cfg, &s->client.a6, period + 1, prev);
	if (!crypto_memneq(got, prev, COOKIE_LEN))
		return COOKIE_OK;
	if (!period)
		return COOKIE_BAD;
	conv_cookie(cfg, &s->client.a6, period - 1, prev);
	if (crypto_memneq(got, prev, COOKIE_LEN))
		return COOKIE_BAD;
	mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_COOKIE_PREV);
	return COOKIE_OK;
}

/* ---- replies ---- */

/* Prepare a refusal: the reply carries Error @code; the session then closes
 * the client's side gracefully (RFC 8803: no reset at once, so that the
 * error reaches the client).
 */
static enum mpconv_step conv_refuse(struct mpconv_session *s, u8 code, const u8 *value,
				    size_t len, bool echo)
{
	static const u8 stat_of[] = {
		[MPCONV_CONVERT_E_VERSION] = MPCONV_STAT_ERR_VERSION,
		[MPCONV_CONVERT_E_MALFORMED] = MPCONV_STAT_ERR_MALFORMED,
		[MPCONV_CONVERT_E_UNSUPPORTED] = MPCONV_STAT_ERR_UNSUPPORTED,
		[MPCONV_CONVERT_E_MISSING_COOKIE] = MPCONV_STAT_ERR_MISSING_COOKIE,
		[MPCONV_CONVERT_E_NOT_AUTHORIZED] = MPCONV_STAT_ERR_NOT_AUTHORIZED,
		[MPCONV_CONVERT_E_TCPOPT] = MPCONV_STAT_ERR_TCPOPT,
		[MPCONV_CONVERT_E_RESOURCE] = MPCONV_STAT_ERR_RESOURCE,
		[MPCONV_CONVERT_E_NETWORK] = MPCONV_STAT_ERR_NETWORK,
		[MPCONV_CONVERT_E_CONN_RESET] = MPCONV_STAT_ERR_CONN_RESET,
		[MPCONV_CONVERT_E_UNREACH] = MPCONV_STAT_ERR_UNREACH,
	};
	struct mpconv_convert_builder b;
	int ret;

	mpconv_session_unpend(s);
	s->guarded = false;
	s->reason = MPCONV_REASON_ERROR;
	s->error = code;
	mpconv_convert_begin(&b, s->reply, sizeof(s->reply), MPCONV_CONVERT_REPLY);
	if (echo)
		ret = mpconv_convert_add_error_echo(&b, code, value, len);
	else
		ret = mpconv_convert_add_error(&b, code, value, len);
	if (!ret)
		ret = mpconv_convert_finish(&b);
	/* Fail closed: a session that could not encode its refusal still
	 * only refuses (and is aborted by the caller when it can).
	 */
	s->state = MPCONV_SESS_REFUSING;
	if (ret < 0) {
		s->reply_len = 0;
		return MPCONV_STEP_DONE;
	}
	s->reply_len = ret;
	s->reply_off = 0;
	s->deadline = jiffies + CLOSE_LINGER;
	if (code < ARRAY_SIZE(stat_of) && stat_of[code])
		mpconv_stat_inc(s->mn, stat_of[code]);
	return MPCONV_STEP_AGAIN;
}

/* Send what is left of s->reply. Returns 1 when all of it is out, 0 when
 * the socket is full, a negative errno on failure.
 */
static int send_reply(struct mpconv_session *s)
{
	int n;

	while (s->reply_off < s->reply_len) {
		n = mpconv_sock_send(s->csock, s->reply + s->reply_off,
				     s->reply_len - s->reply_off);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n;
		s->reply_off += n;
	}
	return 1;
}

/* The options of the server's SYN+ACK, rebuilt from what its first
 * subflow negotiated (the kernel keeps no copy of the segment): MSS, window
 * scale, SACK permitted, timestamps, and MP_CAPABLE (without keys) when the
 * server speaks MPTCP.
 */
static int server_opts(struct mpconv_session *s, u8 *opts)
{
	struct sock *ssk = mpconv_sock_subflow(s->ssock);
	int n = 0;

	if (!ssk)
		return 0;
	if (ssk->sk_state == TCP_ESTABLISHED || ssk->sk_state == TCP_CLOSE_WAIT) {
		const struct tcp_sock *tp = tcp_sk(ssk);

		opts[n++] = TCPOPT_MSS;
		opts[n++] = TCPOLEN_MSS;
		opts[n++] = tp->rx_opt.mss_clamp >> 8;
		opts[n++] = tp->rx_opt.mss_clamp & 0xff;
		if (tp->rx_opt.sack_ok) {
			opts[n++] = TCPOPT_SACK_PERM;
			opts[n++] = TCPOLEN_SACK_PERM;
		}
		if (tp->rx_opt.tstamp_ok) {
			u32 tsval = tp->rx_opt.ts_recent;

			opts[n++] = TCPOPT_TIMESTAMP;
			opts[n++] = TCPOLEN_TIMESTAMP;
			opts[n++] = tsval >> 24;
			opts[n++] = tsval >> 16;
			opts[n++] = tsval >> 8;
			opts[n++] = tsval;
			memset(opts + n, 0, 4);
			n += 4;
		}
		if (tp->rx_opt.wscale_ok) {
			opts[n++] = TCPOPT_WINDOW;
			opts[n++] = TCPOLEN_WINDOW;
			opts[n++] = tp->rx_opt.snd_wscale;
		}
		if (s->server_mptcp) {
			opts[n++] = TCPOPT_MPTCP;
			opts[n++] = 4;
			opts[n++] = 0x01;	/* MP_CAPABLE, version 1 */
			opts[n++] = 0x00;
		}
		while (n & 3)
			opts[n++] = TCPOPT_NOP;
	}
	sock_gen_put(ssk);
	return n;
}

/* ---- the session's state machine ---- */

static void conv_limits(const struct mpconv_conv_cfg *cfg, struct mpconv_limits *lim)
{
	lim->max = cfg->max_sessions;
	lim->per_client = cfg->max_per_client;
	lim->plen4 = cfg->client_plen4;
	lim->plen6 = cfg->client_plen6;
}

/*
 * What the connection to the server ended with, as RFC 8803 names it:
 * an ICMP destination unreachable (queued on the socket's error queue, see
 * conv_connect()) is Destination Unreachable with the ICMP code as value; a
 * refusal without one was the server's RST: Connection Reset. A local
 * failure (no route, a prohibiting rule) is Destination Unreachable with
 * the code an ICMP would have carried; anything else (a timeout, another
 * ICMP type) is Network Failure. An MPTCP server socket queues no ICMP:
 * its refusals all read as Connection Reset.
 */
static u8 connect_error(struct mpconv_session *s, int err, u8 *value)
{
	bool v6 = s->dest.family == AF_INET6;
	u8 type, code;

	*value = 0;
	if (mpconv_sock_icmp_error(s->ssock, &type, &code)) {
		if (type != (v6 ? ICMPV6_DEST_UNREACH : ICMP_DEST_UNREACH))
			return MPCONV_CONVERT_E_NETWORK;
		*value = code;
		return MPCONV_CONVERT_E_UNREACH;
	}
	switch (err) {
	case -ECONNREFUSED:
	case -ECONNRESET:
		return MPCONV_CONVERT_E_CONN_RESET;
	case -ENETUNREACH:
		*value = v6 ? ICMPV6_NOROUTE : ICMP_NET_UNREACH;
		return MPCONV_CONVERT_E_UNREACH;
	case -EHOSTUNREACH:
	case -EADDRNOTAVAIL:
		*value = v6 ? ICMPV6_ADDR_UNREACH : ICMP_HOST_UNREACH;
		return MPCONV_CONVERT_E_UNREACH;
	case -EACCES:
	case -EPERM:
		*value = v6 ? ICMPV6_ADM_PROHIBITED : ICMP_PKT_FILTERED;
		return MPCONV_CONVERT_E_UNREACH;
	default:
		return MPCONV_CONVERT_E_NETWORK;
	}
}

/* The connection to the server failed with @err: drop it, refuse. */
static enum mpconv_step conv_connect_failed(struct mpconv_session *s, int err)
{
	u8 code, value;

	code = connect_error(s, err, &value);
	mpconv_watch_del(&s->swatch);
	mpconv_sock_abort(s->ssock);
	s->ssock = NULL;
	return conv_refuse(s, code, &value, 1, false);
}

/* Open the connection to s->dest: 0, or a negative error; a refusal made
 * already (MPCONV_STEP_*) when no socket could be made, in @step.
 */
static int conv_dial(struct mpconv_session *s, bool mptcp)
{
	struct net *net = s->mn->net;
	struct sockaddr_storage ss;
	int err = -EPROTONOSUPPORT, len;

	if (mptcp)
		err = mpconv_sock_create(net, s->dest.family, IPPROTO_MPTCP, &s->ssock);
	if (err)	/* not asked for, or MPTCP off in this namespace */
		err = mpconv_sock_create(net, s->dest.family, IPPROTO_TCP, &s->ssock);
	if (err)
		return err;

	/* ICMP errors to the error queue, to tell them from a RST (a TCP
	 * socket only; off again once connected: see conv_connecting())
	 */
	mpconv_sock_recverr(s->ssock, true);
	mpconv_watch_add(&s->swatch, s->ssock, &s->work);
	mpconv_addr_to_sockaddr(&s->dest, &ss, &len);
	err = kernel_connect(s->ssock, (struct sockaddr *)&ss, len, O_NONBLOCK);
	return err == -EINPROGRESS ? 0 : err;
}

static enum mpconv_step conv_connect(struct mpconv_session *s, const struct in6_addr *dest,
				     u16 port)
{
	const struct mpconv_conv_cfg *cfg;
	u32 timeout, max_pending;
	bool mptcp;
	int err;

	s->dest.a6 = *dest;
	s->dest.port = port;
	s->dest.family = ipv6_addr_v4mapped(&s->dest.a6) ? AF_INET : AF_INET6;

	rcu_read_lock();
	cfg = rcu_dereference(s->mn->conv.cfg);
	timeout = cfg->connect_timeout_ms;
	mptcp = cfg->server_mptcp;
	max_pending = cfg->max_pending_per_client;
	rcu_read_unlock();

	/* An unverified client is charged (pending included) once verified. */
	if (s->binding && !mpconv_session_pend(s, max_pending)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_PENDING_LIMIT);
		return conv_refuse(s, MPCONV_CONVERT_E_RESOURCE, NULL, 0, false);
	}
	err = conv_dial(s, mptcp);
	if (err && !s->ssock)
		return conv_refuse(s, MPCONV_CONVERT_E_RESOURCE, NULL, 0, false);
	if (err)
		return conv_connect_failed(s, err);

	/* publishes s->dest to dumps (session_fill()) */
	smp_store_release(&s->state, MPCONV_SESS_CONNECTING);
	/* Whatever the connect timeout, nothing goes to or comes from the
	 * server for a client that may be spoofed (conv_connecting()).
	 */
	s->guarded = s->unverified || !mpconv_sock_verified(s->csock);
	s->deadline = jiffies + msecs_to_jiffies(s->guarded ? min_t(u32, timeout, SYN_GUARD_MS) :
						  timeout);
	return MPCONV_STEP_AGAIN;
}

/* Check a complete request and act on it. */
static enum mpconv_step conv_request(struct mpconv_session *s, const struct mpconv_convert_msg *m)
{
	struct mpconv_net *mn = s->mn;
	const struct mpconv_conv_cfg *cfg;
	struct mpconv_convert_opt opt;
	u8 bad[MPCONV_MAX_PREFIXES], cookie[1 + COOKIE_LEN];
	int cookie_verdict = COOKIE_OK;
	size_t pos = 0, nbad = 0;
	bool denied;
	struct in6_addr dest;

	if (!(m->present & (MPCONV_CONVERT_F_CONNECT | MPCONV_CONVERT_F_INFO)))
		return conv_refuse(s, MPCONV_CONVERT_E_MALFORMED, s->hs, m->len, true);
	if (mpconv_convert_priv_unknown(m, CONV_PRIVATE_KNOWN))
		return conv_refuse(s, MPCONV_CONVERT_E_UNSUPPORTED, s->hs, m->len, true);

	/* m->addr is a byte array at an odd offset: copy, never cast */
	memcpy(&dest, m->addr, sizeof(dest));
	rcu_read_lock();
	cfg = rcu_dereference(mn->conv.cfg);
	if (cfg->cookie_required)
		cookie_verdict = cookie_check(s, cfg, m, cookie + 1);
	denied = mpconv_prefix_match(cfg->deny, cfg->n_deny, &dest);
	rcu_read_unlock();

	if (cookie_verdict == COOKIE_MISSING) {
		cookie[0] = 0;
		return conv_refuse(s, MPCONV_CONVERT_E_MISSING_COOKIE, cookie, sizeof(cookie),
				   false);
	}
	if (cookie_verdict == COOKIE_BAD)
		return conv_refuse(s, MPCONV_CONVERT_E_NOT_AUTHORIZED, NULL, 0, false);

	if (!(m->present & MPCONV_CONVERT_F_CONNECT)) {
		/* Info alone: say what we support, then close. */
		struct mpconv_convert_builder b;
		int ret;

		mpconv_convert_begin(&b, s->reply, sizeof(s->reply), MPCONV_CONVERT_REPLY);
		ret = mpconv_convert_add_supported(&b, conv_supported, sizeof(conv_supported));
		if (!ret)
			ret = mpconv_convert_finish(&b);
		if (ret < 0)
			return MPCONV_STEP_DONE;
		s->reply_len = ret;
		s->state = MPCONV_SESS_REFUSING;
		s->deadline = jiffies + CLOSE_LINGER;
		mpconv_stat_inc(mn, MPCONV_STAT_CONV_INFO);
		return MPCONV_STEP_AGAIN;
	}

	/* TCP options the client wants toward the server: only those the
	 * kernel negotiates by itself are supported.
	 */
	while (mpconv_convert_opt_next(s->hs + m->connect_opts.off, m->connect_opts.len, &pos,
				       &opt) > 0)
		if (!memchr(conv_kinds, opt.kind, sizeof(conv_kinds)) && nbad < sizeof(bad))
			bad[nbad++] = opt.kind;
	if (nbad)
		return conv_refuse(s, MPCONV_CONVERT_E_TCPOPT, bad, nbad, false);

	if (denied || dest_builtin_denied(mn->net, &dest)) {
		mpconv_stat_inc(mn, MPCONV_STAT_CONV_REFUSED_DEST);
		return conv_refuse(s, MPCONV_CONVERT_E_NOT_AUTHORIZED, NULL, 0, false);
	}
	return conv_connect(s, &dest, m->port);
}

static enum mpconv_step conv_handshake(struct mpconv_session *s)
{
	struct mpconv_convert_msg m;
	bool eof = false;
	int ret;
	u8 err;

	if (!s->hs) {
		s->hs = kmalloc(HS_CAP, MPCONV_GFP);
		if (!s->hs)
			return MPCONV_STEP_DONE;
	}
	while (s->hs_len < HS_CAP) {
		ret = mpconv_sock_recv(s->csock, s->hs + s->hs_len, HS_CAP - s->hs_len);
		if (ret == -EAGAIN)
			break;
		if (ret < 0)
			return MPCONV_STEP_DONE;
		if (ret == 0) {
			eof = true;
			break;
		}
		s->hs_len += ret;
	}

	ret = mpconv_convert_decode(s->hs, s->hs_len, MPCONV_CONVERT_REQUEST, &m, &err);
	if (ret == -ECONNRESET) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_RESET_MSG);
		return MPCONV_STEP_DONE;
	}
	if (ret < 0) {
		if (err == MPCONV_CONVERT_E_VERSION) {
			static const u8 versions[] = { MPCONV_CONVERT_VERSION };

			return conv_refuse(s, err, versions, sizeof(versions), false);
		}
		return conv_refuse(s, err, s->hs, s->hs_len, true);
	}
	if (ret == 0) {
		if (eof)
			return mpconv_session_fail(s, MPCONV_REASON_CLOSED, 0);
		if (time_after_eq(jiffies, s->deadline)) {
			mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_READ_TIMEOUT);
			return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
		}
		return MPCONV_STEP_WAIT;
	}
	s->hs_msg = ret;
	return conv_request(s, &m);
}

/**
 * conv_guard() - connecting for a client that has not completed its handshake
 * @s: the session, guarded
 *
 * RFC 8803 section 7: no SYN retransmitted toward a server for a client
 * that may be spoofed. The server connection gets SYN_GUARD_MS, less than
 * the kernel's first SYN retransmission; a client still unverified then
 * loses it (parked: the server saw one SYN) but keeps the rest of the
 * connect timeout to complete its handshake: a real client whose third
 * ACK or whose SYN+ACK was lost does so at its first retransmission (1 s),
 * and the server connection is opened again, with a whole connect timeout.
 * Once the client is verified and its session charged (conv_step() does
 * both, before this step; the third ACK may arrive between the two, so
 * verification alone is not enough), the rest of the connect timeout
 * applies to the first connection.
 *
 * Return: MPCONV_STEP_AGAIN to go on connecting (s->ssock set), or the step.
 */
static enum mpconv_step conv_guard(struct mpconv_session *s)
{
	u32 timeout;
	bool mptcp;
	int err;

	rcu_read_lock();
	timeout = rcu_dereference(s->mn->conv.cfg)->connect_timeout_ms;
	mptcp = rcu_dereference(s->mn->conv.cfg)->server_mptcp;
	rcu_read_unlock();

	if (!s->unverified && mpconv_sock_verified(s->csock)) {
		s->guarded = false;
		if (s->ssock) {
			if (timeout > SYN_GUARD_MS)
				s->deadline += msecs_to_jiffies(timeout - SYN_GUARD_MS);
			return MPCONV_STEP_AGAIN;
		}
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_GUARD_REDIAL);
		s->deadline = jiffies + msecs_to_jiffies(timeout);
		err = conv_dial(s, mptcp);
		if (err && !s->ssock)
			return conv_refuse(s, MPCONV_CONVERT_E_RESOURCE, NULL, 0, false);
		if (err)
			return conv_connect_failed(s, err);
		return MPCONV_STEP_AGAIN;
	}
	/* parked: the third ACK may wake no socket watch (MPTCP), so poll */
	if (time_before(jiffies, s->deadline))
		return s->ssock ? MPCONV_STEP_AGAIN : MPCONV_STEP_POLL;
	if (!s->ssock || timeout <= SYN_GUARD_MS) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_UNVERIFIED);
		return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
	}
	/* Park: the server connection goes before its SYN is retransmitted. */
	mpconv_watch_del(&s->swatch);
	mpconv_sock_abort(s->ssock);
	s->ssock = NULL;
	s->deadline += msecs_to_jiffies(timeout - SYN_GUARD_MS);
	s->poll = 0;
	return MPCONV_STEP_POLL;
}

static enum mpconv_step conv_connecting(struct mpconv_session *s)
{
	struct sock *sk = s->ssock ? s->ssock->sk : NULL;
	struct mpconv_convert_builder b;
	enum mpconv_step step;
	u8 opts[40];
	u32 idle;
	int n;

	/* The client went (reset, or never was): stop connecting for it. */
	if (s->csock->sk->sk_err || s->csock->sk->sk_state == TCP_CLOSE)
		return mpconv_session_fail(s, MPCONV_REASON_RESET, 0);
	if (s->guarded) {
		step = conv_guard(s);
		if (step != MPCONV_STEP_AGAIN)
			return step;
		sk = s->ssock->sk;
	}
	if (sk->sk_err || sk->sk_state == TCP_CLOSE)
		return conv_connect_failed(s, sock_error(sk) ?: -ECONNREFUSED);
	if (sk->sk_state != TCP_ESTABLISHED && sk->sk_state != TCP_CLOSE_WAIT) {
		if (time_after_eq(jiffies, s->deadline)) {
			mpconv_watch_del(&s->swatch);
			mpconv_sock_abort(s->ssock);
			s->ssock = NULL;
			return conv_refuse(s, MPCONV_CONVERT_E_NETWORK, NULL, 0, false);
		}
		return MPCONV_STEP_WAIT;
	}

	/* Connected. Both MPTCP connections must know their peer's key (or
	 * have fallen back) to tell whether the server speaks MPTCP and to
	 * carry the reply.
	 */
	if (s->guarded || !mpconv_sock_ready(s->ssock) || !mpconv_sock_ready(s->csock)) {
		if (time_after_eq(jiffies, s->deadline))
			return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
		return MPCONV_STEP_POLL;
	}

	/* Reply, then relay (first what followed the request). An ICMP error
	 * no longer ends the server connection (it would with IP_RECVERR on).
	 */
	mpconv_sock_recverr(s->ssock, false);
	s->server_mptcp = !mpconv_sock_fallback(s->ssock);
	n = server_opts(s, opts);
	mpconv_convert_begin(&b, s->reply, sizeof(s->reply), MPCONV_CONVERT_REPLY);
	if (n && mpconv_convert_add_tcphdr(&b, opts, n))
		return MPCONV_STEP_DONE;
	s->reply_len = mpconv_convert_finish(&b);
	s->reply_off = 0;
	if (send_reply(s) != 1)
		return MPCONV_STEP_DONE;	/* a fresh socket takes ~40 bytes */

	mpconv_relay_init(&s->relay, s->csock, s->ssock);
	if (mpconv_relay_preload(&s->relay, 0, s->hs + s->hs_msg, s->hs_len - s->hs_msg))
		return MPCONV_STEP_DONE;
	kfree(s->hs);
	s->hs = NULL;
	s->hs_len = 0;

	rcu_read_lock();
	idle = rcu_dereference(s->mn->conv.cfg)->idle_timeout_ms;
	rcu_read_unlock();
	mpconv_session_unpend(s);
	s->state = MPCONV_SESS_RELAY;
	s->deadline = jiffies + msecs_to_jiffies(idle);
	mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_CONVERTED);
	return MPCONV_STEP_AGAIN;
}

static bool sock_closed(struct socket *sock)
{
	return sock->sk->sk_state == TCP_CLOSE;
}

static enum mpconv_step conv_relay(struct mpconv_session *s)
{
	u32 idle;

	rcu_read_lock();
	idle = rcu_dereference(s->mn->conv.cfg)->idle_timeout_ms;
	rcu_read_unlock();
	return mpconv_session_relay(s, idle);
}

/* Send the reply or Error, close our side, wait for the client to close. */
static enum mpconv_step conv_refusing(struct mpconv_session *s)
{
	u8 sink[256];
	int i, ret;

	/* Nothing is sent to a client that has not proven its address: the
	 * SYN may have been spoofed, the refusal would go to its victim.
	 */
	if (!s->reply_off && !sock_closed(s->csock) &&
	    (!mpconv_sock_ready(s->csock) || !mpconv_sock_verified(s->csock)))
		return time_after_eq(jiffies, s->deadline) ? MPCONV_STEP_DONE : MPCONV_STEP_POLL;
	ret = send_reply(s);
	if (ret < 0)
		return MPCONV_STEP_DONE;
	if (ret == 0)
		return time_after_eq(jiffies, s->deadline) ? MPCONV_STEP_DONE : MPCONV_STEP_WAIT;
	if (!(s->csock->sk->sk_shutdown & SEND_SHUTDOWN))
		kernel_sock_shutdown(s->csock, SHUT_WR);

	/* Discard what the client still sends until it closes (unread data
	 * would make the close a reset), a bounded amount per run.
	 */
	for (i = 0; i < DRAIN_BUDGET; i++) {
		ret = mpconv_sock_recv(s->csock, sink, sizeof(sink));
		if (ret <= 0)
			break;
	}
	if (time_after_eq(jiffies, s->deadline))
		return MPCONV_STEP_DONE;
	if (ret > 0)
		return MPCONV_STEP_AGAIN;
	if (ret < 0 && ret != -EAGAIN && !sock_closed(s->csock))
		return MPCONV_STEP_DONE;
	/* EOF: the client has closed its side; so have we. */
	s->graceful = ret == 0 || sock_closed(s->csock);
	return s->graceful ? MPCONV_STEP_DONE : MPCONV_STEP_WAIT;
}

/* The client of an unverified session has completed its handshake: charge
 * its session to its binding and the limits, as if it had been verified
 * when accepted. Returns false when the session must refuse or end instead,
 * with the step to return in @step.
 */
static bool conv_charge(struct mpconv_session *s, enum mpconv_step *step)
{
	const struct mpconv_conv_cfg *cfg;
	struct mpconv_limits lim;
	u32 max_pending;
	int err;

	rcu_read_lock();
	cfg = rcu_dereference(s->mn->conv.cfg);
	conv_limits(cfg, &lim);
	max_pending = cfg->max_pending_per_client;
	rcu_read_unlock();

	err = mpconv_session_charge(s, &lim);
	if (!err && (s->state != MPCONV_SESS_CONNECTING || mpconv_session_pend(s, max_pending)))
		return true;
	if (s->ssock) {
		mpconv_watch_del(&s->swatch);
		mpconv_sock_abort(s->ssock);
		s->ssock = NULL;
	}
	if (err == -ENOBUFS) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_OVERFLOW);
		*step = MPCONV_STEP_DONE;
		return false;
	}
	if (!err)
		mpconv_stat_inc(s->mn, MPCONV_STAT_CONV_PENDING_LIMIT);
	*step = conv_refuse(s, MPCONV_CONVERT_E_RESOURCE, NULL, 0, false);
	return false;
}

static enum mpconv_step conv_step(struct mpconv_session *s)
{
	enum mpconv_step step;

	if (READ_ONCE(s->killed)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_SESS_FLUSHED);
		return mpconv_session_fail(s, READ_ONCE(s->killed), 0);
	}
	/* A refusal needs no charge: it ends without one. */
	if (s->unverified && s->state != MPCONV_SESS_REFUSING &&
	    mpconv_sock_verified(s->csock) && !conv_charge(s, &step))
		return step;
	switch (s->state) {
	case MPCONV_SESS_HANDSHAKE:
		return conv_handshake(s);
	case MPCONV_SESS_CONNECTING:
		return conv_connecting(s);
	case MPCONV_SESS_RELAY:
		return conv_relay(s);
	case MPCONV_SESS_REFUSING:
		return conv_refusing(s);
	}
	return MPCONV_STEP_DONE;
}

static const struct mpconv_session_ops conv_ops = {
	.step = conv_step,
};

/* ---- the listener ---- */

/* Sessions of clients that have not completed their handshake: the kernel
 * holds at most its Fast Open queue of such children, and a child leaves
 * that queue with its third ACK a little before its session is charged.
 */
static u32 unverified_max(struct mpconv_net *mn)
{
	return max_t(u32, 2 * READ_ONCE(mn->conv.tfo_qlen), TFO_QLEN_MIN);
}

static void conv_accept_one(struct mpconv_net *mn, struct socket *sock)
{
	const struct mpconv_conv_cfg *cfg;
	struct mpconv_limits lim;
	struct mpconv_session *s;
	struct mpconv_addr peer;
	u32 read_ms;
	bool allowed, verified;
	int err;

	mpconv_stat_inc(mn, MPCONV_STAT_CONV_ACCEPTED);
	if (mpconv_sock_peer(sock, &peer)) {
		mpconv_sock_abort(sock);
		return;
	}
	rcu_read_lock();
	cfg = rcu_dereference(mn->conv.cfg);
	conv_limits(cfg, &lim);
	read_ms = cfg->read_timeout_ms;
	allowed = mpconv_prefix_match(cfg->allow, cfg->n_allow, &peer.a6);
	rcu_read_unlock();

	/* Only a Fast Open child exists before its client's third ACK. */
	verified = !READ_ONCE(mn->conv.tfo_qlen) || mpconv_sock_verified(sock);

	/* An unverified client, allowed or not, takes a place in the pool
	 * of unverified sessions (bounded by the Fast Open queue): a refusal
	 * for a source that may be spoofed must not hold one of the slots
	 * that tell verified clients why they are refused.
	 */
	s = NULL;
	err = -EACCES;
	if (allowed && verified)
		s = mpconv_session_new(mn, MPCONV_ROLE_CONVERTER, &conv_ops, sock, &lim, &err);
	else if (!verified)
		s = mpconv_session_new_unverified(mn, MPCONV_ROLE_CONVERTER, &conv_ops, sock, NULL,
						  unverified_max(mn), &err);
	if (s && allowed) {
		s->state = MPCONV_SESS_HANDSHAKE;
		s->deadline = jiffies + msecs_to_jiffies(read_ms);
		mpconv_session_start(s);
		return;
	}
	if (!s && (err == -ENOMEM || !verified)) {
		/* no room for one more unverified client: a reset costs nothing */
		if (err != -ENOMEM)
			mpconv_stat_inc(mn, MPCONV_STAT_CONV_OVERFLOW);
		mpconv_sock_abort(sock);
		return;
	}

	/* Refused: say why with an Error, in one of the slots kept for that
	 * (a verified client) or in its unverified place (sent once verified).
	 */
	if (!s)
		s = mpconv_session_new(mn, MPCONV_ROLE_CONVERTER, &conv_ops, sock, NULL, &err);
	if (!s) {
		mpconv_stat_inc(mn, MPCONV_STAT_CONV_OVERFLOW);
		mpconv_sock_abort(sock);
		return;
	}
	if (!allowed) {
		mpconv_stat_inc(mn, MPCONV_STAT_CONV_REFUSED_CLIENT);
		conv_refuse(s, MPCONV_CONVERT_E_NOT_AUTHORIZED, NULL, 0, false);
	} else {
		conv_refuse(s, MPCONV_CONVERT_E_RESOURCE, NULL, 0, false);
	}
	mpconv_session_start(s);
}

static void conv_accept_work(struct work_struct *work)
{
	struct mpconv_converter *conv = container_of(to_delayed_work(work),
						     struct mpconv_converter, accept_work);
	struct mpconv_net *mn = container_of(conv, struct mpconv_net, conv);
	struct mem_cgroup *old;
	struct socket *sock;
	int i, err = 0;

	old = mpconv_memcg_enter(mn);
	for (i = 0; i < ACCEPT_BUDGET && !err; i++) {
		err = kernel_accept(conv->lsock, &sock, O_NONBLOCK);
		if (!err)
			conv_accept_one(mn, sock);
	}
	set_active_memcg(old);
	if (!err)
		mod_delayed_work(mpconv_wq, &conv->accept_work, 0);
}

/*
 * Fast Open on the listener needs the namespace's TFO server bit
 * (net.ipv4.tcp_fastopen & 2): tcp_try_fastopen() (net/ipv4/tcp_fastopen.c)
 * takes data in a SYN only when that bit is set, whatever the listener's
 * own options; there is no per-socket or per-route equivalent. So the bit
 * is turned on when it is off, and that is all: the listener asks for
 * no cookie with its own TCP_FASTOPEN_NO_COOKIE, never with the namespace's
 * TFO_SERVER_COOKIE_NOT_REQD (0x200). Listeners that did not set
 * TCP_FASTOPEN have no Fast Open queue and are not affected; those that
 * did get Fast Open with cookies, as their owner asked.
 *
 * The change is a compare-and-exchange, so a concurrent write of the sysctl
 * is never undone, and it is undone only if the sysctl still holds what
 * mpconv wrote: an administrator who wrote it meanwhile keeps that value.
 */
static void conv_tfo_enable(struct mpconv_net *mn)
{
	int *tfo = &mn->net->ipv4.sysctl_tcp_fastopen;
	int v = READ_ONCE(*tfo);

	do {
		if (v & TFO_SERVER_ENABLE)
			return;
	} while (!try_cmpxchg(tfo, &v, v | TFO_SERVER_ENABLE));
	mn->conv.tfo_written = v | TFO_SERVER_ENABLE;
}

static void conv_tfo_restore(struct mpconv_net *mn)
{
	int written = mn->conv.tfo_written;

	if (written)
		cmpxchg(&mn->net->ipv4.sysctl_tcp_fastopen, written,
			written & ~TFO_SERVER_ENABLE);
	mn->conv.tfo_written = 0;
}

/* Every MPTCP connection's token, and every pending MPTCP request's, lives
 * in one kernel hash table with at most 4 entries per bucket. A request
 * answered with a SYN cookie takes its slot only when its third ACK
 * arrives, and if the bucket is full then the kernel drops that ACK (and
 * the client's retransmissions, while the bucket stays full). Spoofed SYNs
 * must not be able to fill the table, or real clients stall for as long as
 * a flood lasts: the requests the listener holds (its SYN queue, and its
 * Fast Open queue, whose children live until their handshake or our guard
 * gives up on them) are kept to an eighth of the buckets each, 0.25 per
 * bucket together; beyond them the kernel answers with SYN cookies, which
 * hold nothing. The table's size is estimated the way the kernel sized it
 * at boot, from low memory (1 GiB: 1024 buckets, so 128 requests each).
 */
static u32 conv_token_share(void)
{
	unsigned long mib = (totalram_pages() - totalhigh_pages()) >> (20 - PAGE_SHIFT);

	mib = clamp_t(unsigned long, mib, 1, MPTCP_TOKEN_BUCKETS_MAX);
	return roundup_pow_of_two(mib) / 8;
}

static u32 tfo_qlen(const struct mpconv_conv_cfg *cfg)
{
	return clamp_t(u32, min(cfg->max_sessions / 4, conv_token_share()),
		       TFO_QLEN_MIN, TFO_QLEN_MAX);
}

static u32 conv_backlog(const struct mpconv_conv_cfg *cfg)
{
	return min3(cfg->max_sessions, max_t(u32, conv_token_share(), TFO_QLEN_MIN),
		    (u32)BACKLOG_MAX);
}

/* ---- the path manager's subflows ---- */

#define MPTCP_SUB_JOIN	1	/* RFC 8684 MP_JOIN */

/*
 * A client may announce any address (ADD_ADDR), and with add_addr_accepted
 * above 0 the namespace's path manager opens subflows toward what it
 * announced without asking mpconv: a client could make the converter's
 * namespace send SYNs to destinations the converter refuses to reach (an
 * internal server on the deny list, an address of its own). A converter
 * never needs a subflow toward a client, whose own joins it accepts. While
 * the role is on, an MP_JOIN SYN leaving the namespace toward a denied
 * destination (the deny list or the built-in one, as a Connect would be
 * judged) is dropped and counted; joins toward anything else (an MPTCP
 * server's other addresses, with server-mptcp on) leave as before. The
 * hook runs before conntrack, so a dropped SYN leaves no entry behind.
 */
static unsigned int conv_join_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct mpconv_net *mn = mpconv_pernet(state->net);
	const struct mpconv_conv_cfg *cfg;
	const struct tcphdr *th;
	struct in6_addr dest;
	unsigned int thoff;
	struct tcphdr _th;
	bool denied;

	if (state->pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return NF_ACCEPT;
		ipv6_addr_set_v4mapped(iph->daddr, &dest);
		thoff = ip_hdrlen(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (ip6h->nexthdr != IPPROTO_TCP)
			return NF_ACCEPT;
		dest = ip6h->daddr;
		thoff = sizeof(*ip6h);
	}
	th = skb_header_pointer(skb, skb_network_offset(skb) + thoff, sizeof(_th), &_th);
	if (!th || !th->syn || th->ack ||
	    mpconv_tcp_mptcp_subtype(skb, skb_network_offset(skb) + thoff, th) != MPTCP_SUB_JOIN)
		return NF_ACCEPT;

	rcu_read_lock();
	cfg = rcu_dereference(mn->conv.cfg);
	denied = mpconv_prefix_match(cfg->deny, cfg->n_deny, &dest);
	rcu_read_unlock();
	if (!denied && !dest_builtin_denied(state->net, &dest))
		return NF_ACCEPT;
	mpconv_stat_inc(mn, MPCONV_STAT_CONV_JOIN_DENIED);
	return NF_DROP;
}

static const struct nf_hook_ops conv_hook_ops[] = {
	{
		.hook = conv_join_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_RAW - 1,
	},
	{
		.hook = conv_join_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_RAW - 1,
	},
};

static int conv_listen(struct mpconv_net *mn, const struct mpconv_conv_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	struct mpconv_converter *conv = &mn->conv;
	struct sockaddr_storage ss;
	struct socket *sock;
	int err, len;

	err = mpconv_sock_create(mn->net, cfg->listen.family, IPPROTO_MPTCP, &sock);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot create an MPTCP socket (is net.mptcp.enabled 0?)");
		return err;
	}
	mpconv_sock_setopt_int(sock, SOL_SOCKET, SO_REUSEADDR, 1);
	if (cfg->listen.family == AF_INET6)
		mpconv_sock_setopt_int(sock, SOL_IPV6, IPV6_V6ONLY, 0);

	mpconv_addr_to_sockaddr(&cfg->listen, &ss, &len);
	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot bind the listening address");
		goto err_release;
	}

	/* Fast Open with no cookie, on this listener only. MPTCP listeners
	 * refuse TCP_FASTOPEN before Linux 6.2: the Convert message then
	 * comes as the first data.
	 */
	conv->tfo_qlen = tfo_qlen(cfg);
	if (!mpconv_sock_setopt_int(sock, SOL_TCP, TCP_FASTOPEN, conv->tfo_qlen) &&
	    !mpconv_sock_setopt_int(sock, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, 1))
		conv_tfo_enable(mn);
	else
		conv->tfo_qlen = 0;

	conv->backlog = conv_backlog(cfg);
	err = kernel_listen(sock, conv->backlog);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot listen");
		goto err_release;
	}
	err = nf_register_net_hooks(mn->net, conv_hook_ops, ARRAY_SIZE(conv_hook_ops));
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		goto err_release;
	}
	conv->hooks = true;
	conv->lsock = sock;
	mpconv_watch_add(&conv->lwatch, sock, &conv->accept_work);
	mod_delayed_work(mpconv_wq, &conv->accept_work, 0);
	return 0;

err_release:
	conv_tfo_restore(mn);
	conv->backlog = 0;
	conv->tfo_qlen = 0;
	sock_release(sock);
	return err;
}

static void conv_unlisten(struct mpconv_net *mn)
{
	struct mpconv_converter *conv = &mn->conv;

	if (!conv->lsock)
		return;
	if (conv->hooks) {
		nf_unregister_net_hooks(mn->net, conv_hook_ops, ARRAY_SIZE(conv_hook_ops));
		conv->hooks = false;
	}
	mpconv_watch_del(&conv->lwatch);
	cancel_delayed_work_sync(&conv->accept_work);
	sock_release(conv->lsock);
	conv->lsock = NULL;
	conv->backlog = 0;
	conv->tfo_qlen = 0;
	conv_tfo_restore(mn);
}

/* ---- configuration ---- */

/* Make @cfg the configuration, free @old after readers; drops cfg_lock. */
/* A configuration holds the cookie key: wiped when freed. */
static void conv_cfg_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct mpconv_conv_cfg, rcu));
}

static void publish(struct mpconv_net *mn, struct mpconv_conv_cfg *cfg,
		    struct mpconv_conv_cfg *old)
{
	rcu_assign_pointer(mn->conv.cfg, cfg);
	mpconv_role_published(mn, MPCONV_ROLE_CONVERTER, cfg->enabled);
	call_rcu(&old->rcu, conv_cfg_free_rcu);
}

/**
 * mpconv_converter_set() - apply a CONVERTER_SET request
 * @mn: the namespace
 * @info: the request (validated against the command's policy)
 *
 * Builds the new configuration from the current one and the attributes
 * present, (re)starts or stops the listener as needed, and publishes it.
 * Nothing changes when any part fails.
 *
 * Return: 0 or a negative errno, with an extack message.
 */
int mpconv_converter_set(struct mpconv_net *mn, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct mpconv_conv_cfg *old, *cfg;
	struct nlattr **tb = info->attrs;
	bool relisten;
	u32 qlen;
	int err = 0;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&mn->cfg_lock);
	old = conv_cfg(mn);
	*cfg = *old;

	if (tb[MPCONV_A_CONV_ENABLED])
		cfg->enabled = nla_get_u8(tb[MPCONV_A_CONV_ENABLED]);
	if (tb[MPCONV_A_CONV_LISTEN]) {
		u8 plen;

		err = mpconv_nla_get_addr(tb[MPCONV_A_CONV_LISTEN], &cfg->listen, &plen, false,
					  extack);
		if (err)
			goto out;
		if (!cfg->listen.port)
			cfg->listen.port = MPCONV_CONVERT_PORT;
	}
	if (tb[MPCONV_A_CONV_ALLOW]) {
		err = mpconv_nla_get_prefixes(tb[MPCONV_A_CONV_ALLOW], cfg->allow, &cfg->n_allow, extack);
		if (err)
			goto out;
	}
	if (tb[MPCONV_A_CONV_DENY]) {
		err = mpconv_nla_get_prefixes(tb[MPCONV_A_CONV_DENY], cfg->deny, &cfg->n_deny, extack);
		if (err)
			goto out;
	}
	if (tb[MPCONV_A_CONV_COOKIE_REQUIRED])
		cfg->cookie_required = nla_get_u8(tb[MPCONV_A_CONV_COOKIE_REQUIRED]);
	if (tb[MPCONV_A_CONV_COOKIE_KEY]) {
		__le64 k[2];

		memcpy(k, nla_data(tb[MPCONV_A_CONV_COOKIE_KEY]), sizeof(k));
		cfg->cookie_key.key[0] = le64_to_cpu(k[0]);
		cfg->cookie_key.key[1] = le64_to_cpu(k[1]);
	}
	if (tb[MPCONV_A_CONV_COOKIE_ROTATE_MS]) {
		cfg->cookie_rotate_ms = nla_get_u32(tb[MPCONV_A_CONV_COOKIE_ROTATE_MS]);
		if (cfg->cookie_rotate_ms && cfg->cookie_rotate_ms < 1000) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MPCONV_A_CONV_COOKIE_ROTATE_MS],
					    "the cookie rotation period is 0 (never) or at least 1000 ms");
			err = -EINVAL;
			goto out;
		}
	}
	if (tb[MPCONV_A_CONV_SERVER_MPTCP])
		cfg->server_mptcp = nla_get_u8(tb[MPCONV_A_CONV_SERVER_MPTCP]);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_MAX_SESSIONS, &cfg->max_sessions);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_MAX_PER_CLIENT, &cfg->max_per_client);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_MAX_PENDING_PER_CLIENT,
			       &cfg->max_pending_per_client);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_READ_TIMEOUT_MS, &cfg->read_timeout_ms);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_CONNECT_TIMEOUT_MS, &cfg->connect_timeout_ms);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_IDLE_TIMEOUT_MS, &cfg->idle_timeout_ms);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CONV_BINDING_LIFETIME_MS, &cfg->binding_lifetime_ms);
	if (tb[MPCONV_A_CONV_CLIENT_PREFIX4])
		cfg->client_plen4 = nla_get_u8(tb[MPCONV_A_CONV_CLIENT_PREFIX4]);
	if (tb[MPCONV_A_CONV_CLIENT_PREFIX6])
		cfg->client_plen6 = nla_get_u8(tb[MPCONV_A_CONV_CLIENT_PREFIX6]);

	relisten = cfg->enabled &&
		   (!old->enabled || memcmp(&cfg->listen, &old->listen, sizeof(cfg->listen)));
	if (relisten || !cfg->enabled)
		conv_unlisten(mn);
	if (relisten) {
		err = conv_listen(mn, cfg, extack);
		if (err) {
			/* Keep the old configuration, with its listener if it
			 * had one and that can be had again.
			 */
			*cfg = *old;
			if (!old->enabled || !conv_listen(mn, old, NULL))
				goto out;
			cfg->enabled = false;
			NL_SET_ERR_MSG(extack, "cannot listen; the old listener could not be restored either: converter disabled");
			mpconv_session_kill_all(mn, MPCONV_ROLE_CONVERTER);
			publish(mn, cfg, old);
			return err;
		}
	}
	if (!cfg->enabled && old->enabled)
		mpconv_session_kill_all(mn, MPCONV_ROLE_CONVERTER);
	/* The Fast Open queue follows max-sessions on the live listener. */
	qlen = tfo_qlen(cfg);
	if (!relisten && mn->conv.tfo_qlen && qlen != mn->conv.tfo_qlen &&
	    !mpconv_sock_setopt_int(mn->conv.lsock, SOL_TCP, TCP_FASTOPEN, qlen))
		mn->conv.tfo_qlen = qlen;

	publish(mn, cfg, old);
	return 0;

out:
	mutex_unlock(&mn->cfg_lock);
	kfree_sensitive(cfg);
	return err;
}

/**
 * mpconv_converter_fill() - put the converter's configuration in a message
 * @mn: the namespace
 * @msg: the message
 *
 * Return: 0 or -EMSGSIZE.
 */
int mpconv_converter_fill(struct mpconv_net *mn, struct sk_buff *msg)
{
	const struct mpconv_conv_cfg *cfg;
	int err = -EMSGSIZE;

	mutex_lock(&mn->cfg_lock);
	cfg = conv_cfg(mn);
	if (nla_put_u8(msg, MPCONV_A_CONV_ENABLED, cfg->enabled) ||
	    mpconv_nla_put_addr(msg, MPCONV_A_CONV_LISTEN, &cfg->listen, -1) ||
	    mpconv_nla_put_prefixes(msg, MPCONV_A_CONV_ALLOW, cfg->allow, cfg->n_allow) ||
	    mpconv_nla_put_prefixes(msg, MPCONV_A_CONV_DENY, cfg->deny, cfg->n_deny) ||
	    nla_put_u8(msg, MPCONV_A_CONV_COOKIE_REQUIRED, cfg->cookie_required) ||
	    nla_put_u32(msg, MPCONV_A_CONV_COOKIE_KEY_ID, cookie_key_id(cfg)) ||
	    nla_put_u32(msg, MPCONV_A_CONV_COOKIE_ROTATE_MS, cfg->cookie_rotate_ms) ||
	    nla_put_u8(msg, MPCONV_A_CONV_SERVER_MPTCP, cfg->server_mptcp) ||
	    nla_put_u32(msg, MPCONV_A_CONV_MAX_SESSIONS, cfg->max_sessions) ||
	    nla_put_u32(msg, MPCONV_A_CONV_MAX_PER_CLIENT, cfg->max_per_client) ||
	    nla_put_u32(msg, MPCONV_A_CONV_MAX_PENDING_PER_CLIENT, cfg->max_pending_per_client) ||
	    nla_put_u32(msg, MPCONV_A_CONV_READ_TIMEOUT_MS, cfg->read_timeout_ms) ||
	    nla_put_u32(msg, MPCONV_A_CONV_CONNECT_TIMEOUT_MS, cfg->connect_timeout_ms) ||
	    nla_put_u32(msg, MPCONV_A_CONV_IDLE_TIMEOUT_MS, cfg->idle_timeout_ms) ||
	    nla_put_u32(msg, MPCONV_A_CONV_BINDING_LIFETIME_MS, cfg->binding_lifetime_ms) ||
	    nla_put_u8(msg, MPCONV_A_CONV_FASTOPEN, !!mn->conv.tfo_qlen) ||
	    nla_put_u32(msg, MPCONV_A_CONV_BACKLOG, mn->conv.backlog) ||
	    nla_put_u32(msg, MPCONV_A_CONV_FASTOPEN_QLEN, mn->conv.tfo_qlen) ||
	    nla_put_u8(msg, MPCONV_A_CONV_CLIENT_PREFIX4, cfg->client_plen4) ||
	    nla_put_u8(msg, MPCONV_A_CONV_CLIENT_PREFIX6, cfg->client_plen6))
		goto out;
	err = 0;
out:
	mutex_unlock(&mn->cfg_lock);
	return err;
}

/**
 * mpconv_converter_init() - set up the converter role of a namespace (off)
 * @mn: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int mpconv_converter_init(struct mpconv_net *mn)
{
	struct mpconv_conv_cfg *cfg;

	cfg = kmemdup(&conv_defaults, sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	get_random_bytes(&cfg->cookie_key, sizeof(cfg->cookie_key));
	RCU_INIT_POINTER(mn->conv.cfg, cfg);
	INIT_DELAYED_WORK(&mn->conv.accept_work, conv_accept_work);
	return 0;
}

/**
 * mpconv_converter_listeners() - the listening sockets the converter holds
 * @mn: the namespace
 *
 * Return: 0 or 1 (read without the configuration lock: a moment old).
 */
unsigned int mpconv_converter_listeners(struct mpconv_net *mn)
{
	return !!READ_ONCE(mn->conv.lsock);
}

/**
 * mpconv_converter_stop() - turn the converter role off
 * @mn: the namespace (going away, or that nobody can reach any more)
 *
 * Closes the listener and records the role as disabled; the caller ends
 * the sessions.
 */
void mpconv_converter_stop(struct mpconv_net *mn)
{
	struct mpconv_conv_cfg *old, *cfg;

	mutex_lock(&mn->cfg_lock);
	conv_unlisten(mn);
	old = conv_cfg(mn);
	cfg = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!cfg) {
		/* Not listening any more: off in place, so that enabling
		 * again listens.
		 */
		WRITE_ONCE(old->enabled, false);
		WRITE_ONCE(mn->roles, mn->roles & ~MPCONV_ROLE_CONVERTER);
		mutex_unlock(&mn->cfg_lock);
		return;
	}
	cfg->enabled = false;
	publish(mn, cfg, old);
}

/**
 * mpconv_converter_free() - free the converter's configuration
 * @mn: the namespace, with no session left
 */
void mpconv_converter_free(struct mpconv_net *mn)
{
	kfree_sensitive(rcu_dereference_protected(mn->conv.cfg, 1));
	RCU_INIT_POINTER(mn->conv.cfg, NULL);
}
