// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE role: a LAN host's TCP connection, taken by the hook (cpe_hook.c)
 * and accepted on a transparent listener, is carried over MPTCP to the
 * converter.
 *
 * Per connection (a session, see session.h), made when the hook holds the
 * LAN host's SYN (cpe_syn.c), before the LAN host has a SYN+ACK:
 *  CONNECTING  an MPTCP socket toward the converter; the Convert request (a
 *              Connect TLV naming the LAN host's destination) goes in the
 *              SYN when MPTCP can use TCP Fast Open (Linux 6.2 and later),
 *              else as the first data once connected. Then the converter's
 *              reply is read and stripped. An Error, a malformed reply, no
 *              reply within the connect timeout, or no converter at all
 *              ends the session, and the held SYN gets what a direct path
 *              would have given (a RST, an ICMP error, or nothing: see
 *              cpe_syn.c), counted per cause. A reply that says connected
 *              releases the SYN to the transparent listener, and the
 *              session waits (still CONNECTING) for the LAN connection it
 *              accepts, within the connect timeout.
 *              With uplinks configured, the MPTCP connection is pinned to
 *              the first one that is up, and a second one through the
 *              next uplink races it after a stagger (cpe_race(), health
 *              and probes in cpe_uplink.c). An Error 3 or 32 about the
 *              converter's cookie is answered at once by asking again
 *              (cpe_cookie_retry()); an Error 64 or 65 with a delay makes
 *              the CPE leave the converter alone that long (cpe_backoff()).
 *  RELAY       the shared relay (relay.c), LAN socket <-> MPTCP socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "convert.h"
#include "mpconv.h"
#include "netlink.h"

/* The request; then the reply, and the server's first bytes after it. */
#define CPE_HS_CAP		(MPCONV_CONVERT_MAX_LEN + 1024)
/* Connections accepted per run of the accept work. */
#define ACCEPT_BUDGET		64

static const struct mpconv_cpe_cfg cpe_defaults = {
	.converter = { .family = AF_INET6, .port = MPCONV_CONVERT_PORT },
	.overflow = MPCONV_OVERFLOW_RESET,
	.quic = MPCONV_QUIC_PASS,
	.max_sessions = 4096,
	.max_per_host = 256,
	.connect_timeout_ms = 10000,
	.idle_timeout_ms = 600000,
	.binding_lifetime_ms = 30000,
};

static struct mpconv_cpe_cfg *cpe_cfg(struct mpconv_net *mn)
{
	return rcu_dereference_protected(mn->cpe.cfg, lockdep_is_held(&mn->cfg_lock));
}

/* ---- sessions ---- */

/* What a CPE session is charged against; the connect timeout. */
static u32 cpe_limits(struct mpconv_net *mn, struct mpconv_limits *lim)
{
	const struct mpconv_cpe_cfg *cfg;
	u32 timeout;

	rcu_read_lock();
	cfg = rcu_dereference(mn->cpe.cfg);
	lim->max = cfg->max_sessions;
	lim->per_client = cfg->max_per_host;
	timeout = cfg->connect_timeout_ms;
	rcu_read_unlock();
	lim->plen4 = 32;	/* one binding per LAN host */
	lim->plen6 = 128;
	return timeout;
}

/* The request for the session's destination, with the cookie held for
 * uplink @up_if if any (*gen: its generation). Return: its length or a
 * negative errno.
 */
static int cpe_request(struct mpconv_session *s, int up_if, u8 *buf, size_t cap, bool *cookie,
		       u32 *gen)
{
	struct mpconv_convert_builder b;
	u8 c[MPCONV_CPE_COOKIE_MAX];
	int err, clen;

	clen = mpconv_cpe_cookie_get(s->mn, up_if, c, gen);
	*cookie = clen > 0;
	mpconv_convert_begin(&b, buf, cap, MPCONV_CONVERT_REQUEST);
	err = mpconv_convert_add_connect(&b, s->dest.a6.s6_addr, s->dest.port, NULL, 0);
	if (!err && clen)
		err = mpconv_convert_add_cookie(&b, c, clen);
	if (!err)
		err = mpconv_convert_finish(&b);
	return err;
}

/* Open an MPTCP connection to the converter through uplink @up_if (0:
 * routing's choice), watched by @w, and send @req in its SYN when MPTCP
 * can (*sent: the bytes sent; the rest goes once connected).
 */
static int cpe_connect(struct mpconv_session *s, int up_if, struct mpconv_watch *w,
		       struct socket **res, const u8 *req, int len, u16 *sent)
{
	struct net *net = s->mn->net;
	struct sockaddr_storage ss;
	struct mpconv_addr conv;
	struct msghdr msg = {};
	struct socket *sock;
	struct kvec iov;
	bool fastopen;
	int err, slen, n;

	rcu_read_lock();
	conv = rcu_dereference(s->mn->cpe.cfg)->converter;
	rcu_read_unlock();
	fastopen = READ_ONCE(s->mn->cpe.fastopen);
	*sent = 0;

	err = mpconv_sock_create(net, conv.family, IPPROTO_MPTCP, &sock);
	if (err == -EPROTONOSUPPORT || err == -ENOPROTOOPT) {
		/* MPTCP off in this namespace: TCP still converts. */
		err = mpconv_sock_create(net, conv.family, IPPROTO_TCP, &sock);
		fastopen = false;
	}
	if (err)
		return err;
	if (up_if) {
		err = mpconv_sock_setopt_int(sock, SOL_SOCKET, SO_BINDTOIFINDEX, up_if);
		if (err) {
			sock_release(sock);
			return err;
		}
	}
	WRITE_ONCE(*res, sock);
	mpconv_watch_add(w, sock, &s->work);
	mpconv_addr_to_sockaddr(&conv, &ss, &slen);

	if (fastopen && !mpconv_sock_setopt_int(sock, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, 1)) {
		msg.msg_name = &ss;
		msg.msg_namelen = slen;
		msg.msg_flags = MSG_FASTOPEN | MSG_DONTWAIT | MSG_NOSIGNAL;
		iov.iov_base = (void *)req;
		iov.iov_len = len;
		n = kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
		if (n >= 0) {
			*sent = n;
			return 0;
		}
		if (n == -EINPROGRESS)
			return 0;
		if (n != -EOPNOTSUPP)
			return n;
	}
	err = kernel_connect(sock, (struct sockaddr *)&ss, slen, O_NONBLOCK);
	return err == -EINPROGRESS ? 0 : err;
}

/* Close one of the session's connections toward the converter. */
static void cpe_drop(struct mpconv_watch *w, struct socket **sock)
{
	struct socket *old = *sock;

	mpconv_watch_del(w);
	WRITE_ONCE(*sock, NULL);	/* read by mpconv_session_count_socks() */
	if (old)
		mpconv_sock_abort(old);
}

/* Open the session's (first, or only) connection, through s->up_if. */
static int cpe_open(struct mpconv_session *s)
{
	int len;

	if (!s->hs) {
		s->hs = kmalloc(CPE_HS_CAP, MPCONV_GFP);
		if (!s->hs)
			return -ENOMEM;
	}
	len = cpe_request(s, s->up_if, s->hs, MPCONV_CONVERT_MAX_LEN, &s->cookie_sent,
			  &s->cookie_gen);
	if (len < 0)
		return len;
	s->hs_len = len;
	s->sent = false;
	s->t_open = jiffies;
	return cpe_connect(s, s->up_if, &s->swatch, &s->ssock, s->hs, len, &s->hs_msg);
}

/* Open the second connection, through s->alt_if. Its request must go whole
 * in the SYN or not at all: the one sent once connected is made again.
 */
static int cpe_open_alt(struct mpconv_session *s)
{
	u8 req[128];
	int len, err;

	s->alt_started = true;
	s->t_alt = jiffies;
	mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_STAGGERED);
	len = cpe_request(s, s->alt_if, req, sizeof(req), &s->alt_cookie, &s->alt_gen);
	if (len < 0)
		return len;
	s->alt_len = len;
	err = cpe_connect(s, s->alt_if, &s->awatch, &s->alt, req, len, &s->alt_msg);
	if (!err && s->alt_msg && s->alt_msg != len)
		err = -EIO;	/* a part of ~100 bytes in a fresh socket: never */
	return err;
}

/* Where a connection toward the converter is: 1 answered, 0 under way, a
 * negative errno when it failed.
 */
static int cpe_attempt_state(struct socket *sock)
{
	struct sock *sk = sock->sk;
	int err = READ_ONCE(sk->sk_err);

	if (err)
		return -err;
	if (sk->sk_state == TCP_CLOSE)
		return -ECONNRESET;
	return sk->sk_state != TCP_SYN_SENT;
}

static u32 cpe_elapsed_us(unsigned long since)
{
	return max(jiffies_to_usecs(jiffies - since), 1U);
}

static void cpe_count_error(struct mpconv_net *mn, u8 code)
{
	enum mpconv_stat id;

	switch (code) {
	case MPCONV_CONVERT_E_UNREACH:
		id = MPCONV_STAT_CPE_RX_ERR_UNREACH;
		break;
	case MPCONV_CONVERT_E_CONN_RESET:
		id = MPCONV_STAT_CPE_RX_ERR_CONN_RESET;
		break;
	case MPCONV_CONVERT_E_NETWORK:
		id = MPCONV_STAT_CPE_RX_ERR_NETWORK;
		break;
	case MPCONV_CONVERT_E_RESOURCE:
		id = MPCONV_STAT_CPE_RX_ERR_RESOURCE;
		break;
	case MPCONV_CONVERT_E_MISSING_COOKIE:
	case MPCONV_CONVERT_E_NOT_AUTHORIZED:
	case MPCONV_CONVERT_E_TCPOPT:
		id = MPCONV_STAT_CPE_RX_ERR_AUTH;
		break;
	default:
		id = MPCONV_STAT_CPE_RX_ERR_OTHER;
	}
	mpconv_stat_inc(mn, id);
}

/* Whether the Extended TCP Header of the reply shows MP_CAPABLE. */
static bool reply_server_mptcp(const u8 *buf, const struct mpconv_convert_msg *m)
{
	struct mpconv_convert_opt opt;
	size_t pos = 0;

	if (!(m->present & MPCONV_CONVERT_F_TCPHDR))
		return false;
	while (mpconv_convert_opt_next(buf + m->tcp_opts.off, m->tcp_opts.len, &pos, &opt) > 0)
		if (opt.kind == TCPOPT_MPTCP)
			return true;
	return false;
}

/**
 * mpconv_cpe_backing_off() - is the converter not to be asked now?
 * @cpe: the CPE role
 *
 * Context: any.
 * Return: true while the wait an Error 64 or 65 asked for runs.
 */
bool mpconv_cpe_backing_off(struct mpconv_cpe *cpe)
{
	u64 until = atomic64_read(&cpe->backoff_until);

	return until && time_before64(get_jiffies_64(), until);
}

/* RFC 8803: Errors 64 and 65 may suggest a delay, in seconds, before the
 * converter is asked again. The value is read as one byte or as a 16-bit
 * number (the Error's padding follows it). Without a delay, only the
 * connection at hand fails: a converter that timed out reaching one
 * server must not divert a whole site's traffic.
 */
#define CPE_BACKOFF_MAX_S	300

static void cpe_backoff(struct mpconv_session *s, const struct mpconv_convert_msg *m)
{
	const u8 *v = s->hs + m->error_value.off;
	u32 delay = 0;

	if (m->error != MPCONV_CONVERT_E_RESOURCE && m->error != MPCONV_CONVERT_E_NETWORK)
		return;
	if (m->error_value.len == 1)
		delay = v[0];
	else if (m->error_value.len >= 2)
		delay = v[0] << 8 | v[1];
	if (!delay)
		return;
	delay = min_t(u32, delay, CPE_BACKOFF_MAX_S);
	WRITE_ONCE(s->mn->cpe.backoff_err, m->error);
	atomic64_set(&s->mn->cpe.backoff_until, get_jiffies_64() + (u64)delay * HZ);
	mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_BACKOFF);
}

/* How the held SYN answers an Error (see cpe_syn.c). */
static void cpe_error_answer(struct mpconv_session *s, const struct mpconv_convert_msg *m)
{
	switch (m->error) {
	case MPCONV_CONVERT_E_NETWORK:
		s->syn_answer = MPCONV_SYN_ANSWER_NONE;
		break;
	case MPCONV_CONVERT_E_UNREACH:
		if (m->error_value.len) {
			s->syn_answer = MPCONV_SYN_ANSWER_UNREACH;
			s->icmp_code = s->hs[m->error_value.off];
		} else {
			s->syn_answer = MPCONV_SYN_ANSWER_NONE;
		}
		break;
	default:
		s->syn_answer = MPCONV_SYN_ANSWER_RST;
	}
}

/* The converter refused the MPTCP connection or cannot be reached: a
 * proxy that is down, and the LAN host learns it at once (a RST), rather
 * than after its own SYN timeout.
 */
static enum mpconv_step cpe_unreachable(struct mpconv_session *s)
{
	mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_UNREACHABLE);
	s->syn_answer = MPCONV_SYN_ANSWER_RST;
	return mpconv_session_fail(s, MPCONV_REASON_UNREACHABLE, 0);
}

/* An Error about the cookie: learn it (Error 3) or drop the one refused
 * (Error 32), and ask again at once through the same uplink; the LAN host
 * only waits a little longer. Return: a step, or -1 when the Error is not
 * one to retry (or the retries are spent: three, enough to relearn once).
 */
static int cpe_cookie_retry(struct mpconv_session *s, const struct mpconv_convert_msg *m)
{
	struct mpconv_net *mn = s->mn;
	const u8 *c = NULL;
	size_t len = 0;

	if (s->cookie_tries >= 3)
		return -1;
	if (m->error == MPCONV_CONVERT_E_MISSING_COOKIE) {
		/* the value is a zero byte and the cookie (RFC 8803); a
		 * Cookie TLV beside the Error is taken too
		 */
		if (m->present & MPCONV_CONVERT_F_COOKIE) {
			c = s->hs + m->cookie.off;
			len = m->cookie.len;
		} else if (m->error_value.len > 1 && !s->hs[m->error_value.off]) {
			c = s->hs + m->error_value.off + 1;
			len = m->error_value.len - 1;
		}
		if (!len || len > MPCONV_CPE_COOKIE_MAX)
			return -1;
		mpconv_cpe_cookie_learn(mn, s->up_if, c, len);
	} else if (m->error == MPCONV_CONVERT_E_NOT_AUTHORIZED && s->cookie_sent) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_COOKIE_REFUSED);
		mpconv_cpe_cookie_drop(mn, s->up_if, s->cookie_gen);
	} else {
		return -1;
	}
	s->cookie_tries++;
	mpconv_stat_inc(mn, MPCONV_STAT_CPE_COOKIE_RETRIED);
	cpe_drop(&s->swatch, &s->ssock);
	s->won = false;
	s->alt_if = 0;		/* that uplink answered: no second one */
	if (cpe_open(s)) {
		cpe_drop(&s->swatch, &s->ssock);
		return cpe_unreachable(s);
	}
	return MPCONV_STEP_AGAIN;
}

/* The converter's reply is complete: let the LAN handshake finish, or
 * answer the held SYN as the Error says.
 */
static enum mpconv_step cpe_reply(struct mpconv_session *s, const struct mpconv_convert_msg *m,
				  int len)
{
	struct mpconv_net *mn = s->mn;
	u32 timeout;

	if (m->present & MPCONV_CONVERT_F_ERROR) {
		int step = cpe_cookie_retry(s, m);

		if (step >= 0)
			return step;
		cpe_count_error(mn, m->error);
		cpe_backoff(s, m);
		cpe_error_answer(s, m);
		return mpconv_session_fail(s, MPCONV_REASON_ERROR, m->error);
	}
	s->server_mptcp = reply_server_mptcp(s->hs, m);
	s->hs_msg = len;	/* what follows it is the server's */
	s->lan_wait = true;

	rcu_read_lock();
	timeout = rcu_dereference(mn->cpe.cfg)->connect_timeout_ms;
	rcu_read_unlock();
	s->deadline = jiffies + msecs_to_jiffies(timeout);
	mpconv_cpe_syn_ready(mn, s->syn);
	return MPCONV_STEP_AGAIN;
}

/* The converter accepted: wait for the LAN connection, then relay. */
static enum mpconv_step cpe_lan_wait(struct mpconv_session *s)
{
	struct mpconv_net *mn = s->mn;
	struct mpconv_limits lim;
	struct socket *sock;
	u32 idle;

	sock = mpconv_cpe_syn_take(&mn->cpe, s->syn);
	if (!sock) {
		if (READ_ONCE(s->ssock->sk->sk_err) || s->ssock->sk->sk_state == TCP_CLOSE)
			return mpconv_session_fail(s, MPCONV_REASON_RESET, 0);
		if (time_after_eq(jiffies, s->deadline)) {
			mpconv_stat_inc(mn, MPCONV_STAT_CPE_TIMEOUT);
			return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
		}
		return MPCONV_STEP_WAIT;
	}
	mpconv_session_set_csock(s, sock);
	mpconv_cpe_syn_free(&mn->cpe, s->syn);
	s->syn = NULL;
	/* The LAN host is verified: charge it (its binding is made now). */
	cpe_limits(mn, &lim);
	if (mpconv_session_charge(s, &lim)) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_OVERFLOW);
		return mpconv_session_fail(s, MPCONV_REASON_RESET, 0);
	}

	mpconv_relay_init(&s->relay, s->csock, s->ssock);
	if (mpconv_relay_preload(&s->relay, 1, s->hs + s->hs_msg, s->hs_len - s->hs_msg))
		return MPCONV_STEP_DONE;
	kfree(s->hs);
	s->hs = NULL;
	s->hs_len = 0;

	rcu_read_lock();
	idle = rcu_dereference(mn->cpe.cfg)->idle_timeout_ms;
	rcu_read_unlock();
	s->state = MPCONV_SESS_RELAY;
	s->deadline = jiffies + msecs_to_jiffies(idle);
	mpconv_stat_inc(mn, MPCONV_STAT_CPE_CONVERTED);
	return MPCONV_STEP_AGAIN;
}

/* The second connection was answered first: it carries the conversion. */
static int cpe_take_alt(struct mpconv_session *s)
{
	int len;

	if (s->ssock)
		mpconv_cpe_uplink_report(s->mn, s->up_if, false, 0);
	cpe_drop(&s->swatch, &s->ssock);
	mpconv_watch_del(&s->awatch);
	WRITE_ONCE(s->ssock, s->alt);
	WRITE_ONCE(s->alt, NULL);
	mpconv_watch_add(&s->swatch, s->ssock, &s->work);
	s->up_if = s->alt_if;
	s->t_open = s->t_alt;
	s->cookie_sent = s->alt_cookie;
	s->cookie_gen = s->alt_gen;
	if (s->alt_msg == s->alt_len) {
		s->hs_len = s->alt_len;
		s->hs_msg = s->alt_len;
		return 0;
	}
	len = cpe_request(s, s->up_if, s->hs, MPCONV_CONVERT_MAX_LEN, &s->cookie_sent,
			  &s->cookie_gen);
	if (len < 0)
		return len;
	s->hs_len = len;
	s->hs_msg = 0;
	return 0;
}

/* Whether a failure to open a connection says something of its uplink
 * (rather than of this machine: memory, MPTCP off).
 */
static bool cpe_path_error(int err)
{
	return err != -ENOMEM && err != -ENOBUFS && err != -EPROTONOSUPPORT &&
	       err != -ENOPROTOOPT;
}

/* The first run: pick the uplinks, open the first connection. Return: 0,
 * 1 when the converter asked for a pause (backoff "refuse"), or a negative
 * errno when no connection could be opened.
 */
static int cpe_start(struct mpconv_session *s)
{
	struct mpconv_cpe_pick p;
	int err;

	if (mpconv_cpe_backing_off(&s->mn->cpe)) {
		/* backoff "refuse" (a "bypass" one never took the SYN) */
		mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_BACKOFF_REFUSED);
		return 1;
	}
	mpconv_cpe_uplink_pick(s->mn, &p);
	s->up_if = p.first;
	s->alt_if = p.next;
	s->t_alt = jiffies + p.stagger;
	err = cpe_open(s);
	if (!err || !s->hs)
		return err ?: 0;
	/* no route through that uplink, say: the next one at once */
	if (cpe_path_error(err))
		mpconv_cpe_uplink_report(s->mn, s->up_if, false, 0);
	cpe_drop(&s->swatch, &s->ssock);
	s->t_alt = jiffies;
	return s->alt_if ? 0 : err;
}

/* Until a connection toward the converter is answered: the first one, and
 * the second through the next uplink once it is due (cpe_uplink.c). The
 * first answered is kept, the other aborted (the converter drops what it
 * had started for it: its client reset). Return: a step, or -1 when a
 * connection was answered and the session goes on with it.
 */
static int cpe_race(struct mpconv_session *s)
{
	struct mpconv_net *mn = s->mn;
	int st;

	if (s->ssock) {
		st = cpe_attempt_state(s->ssock);
		if (st > 0) {
			mpconv_cpe_uplink_report(mn, s->up_if, true, cpe_elapsed_us(s->t_open));
			cpe_drop(&s->awatch, &s->alt);	/* opened later: no verdict */
			goto won;
		}
		/* A reset (or an ICMP error) counts as a miss too: a path
		 * whose firewall or captive portal refuses the converter's
		 * port is no path to it, and the next uplink is tried at once.
		 */
		if (st < 0) {
			mpconv_cpe_uplink_report(mn, s->up_if, false, 0);
			cpe_drop(&s->swatch, &s->ssock);
			s->t_alt = jiffies;
		}
	}
	if (s->alt_if && !s->alt_started && time_after_eq(jiffies, s->t_alt)) {
		st = cpe_open_alt(s);
		if (st) {
			if (cpe_path_error(st))
				mpconv_cpe_uplink_report(mn, s->alt_if, false, 0);
			cpe_drop(&s->awatch, &s->alt);
		}
	}
	if (s->alt) {
		st = cpe_attempt_state(s->alt);
		if (st > 0) {
			mpconv_cpe_uplink_report(mn, s->alt_if, true, cpe_elapsed_us(s->t_alt));
			if (cpe_take_alt(s))
				return cpe_unreachable(s);
			goto won;
		}
		if (st < 0) {
			mpconv_cpe_uplink_report(mn, s->alt_if, false, 0);
			cpe_drop(&s->awatch, &s->alt);
		}
	}
	if (!s->ssock && !s->alt && (s->alt_started || !s->alt_if))
		return cpe_unreachable(s);
	if (time_after_eq(jiffies, s->deadline)) {
		if (s->ssock)
			mpconv_cpe_uplink_report(mn, s->up_if, false, 0);
		if (s->alt)
			mpconv_cpe_uplink_report(mn, s->alt_if, false, 0);
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_TIMEOUT);
		return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
	}
	s->wake = s->alt_if && !s->alt_started ? s->t_alt | 1 : 0;
	return MPCONV_STEP_WAIT;
won:
	s->won = true;
	s->wake = 0;
	return -1;
}

static enum mpconv_step cpe_connecting(struct mpconv_session *s)
{
	struct mpconv_convert_msg m;
	struct sock *sk;
	bool eof = false;
	int ret;
	u8 code;

	if (s->lan_wait)
		return cpe_lan_wait(s);
	if (!s->hs) {
		ret = cpe_start(s);
		if (ret > 0) {
			s->syn_answer = MPCONV_SYN_ANSWER_RST;
			return mpconv_session_fail(s, MPCONV_REASON_ERROR,
						   READ_ONCE(s->mn->cpe.backoff_err));
		}
		if (ret)
			return cpe_unreachable(s);
	}
	if (!s->won) {
		ret = cpe_race(s);
		if (ret >= 0)
			return ret;
	}
	sk = s->ssock->sk;
	if (READ_ONCE(sk->sk_err) || sk->sk_state == TCP_CLOSE) {
		/* answered, then reset before any reply: whatever answered
		 * was not a converter (a middlebox, a captive portal)
		 */
		mpconv_cpe_uplink_report(s->mn, s->up_if, false, 0);
		return cpe_unreachable(s);
	}
	if (time_after_eq(jiffies, s->deadline)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_TIMEOUT);
		return mpconv_session_fail(s, MPCONV_REASON_TIMEOUT, 0);
	}

	/* Connected: the rest of the request, then the reply. */
	if (!s->sent) {
		while (s->hs_msg < s->hs_len) {
			ret = mpconv_sock_send(s->ssock, s->hs + s->hs_msg, s->hs_len - s->hs_msg);
			if (ret == -EAGAIN)
				return MPCONV_STEP_WAIT;
			if (ret < 0)
				return cpe_unreachable(s);
			s->hs_msg += ret;
		}
		s->sent = true;
		s->hs_len = 0;
	}

	while (s->hs_len < CPE_HS_CAP) {
		ret = mpconv_sock_recv(s->ssock, s->hs + s->hs_len, CPE_HS_CAP - s->hs_len);
		if (ret == -EAGAIN)
			break;
		if (ret <= 0) {
			eof = true;
			break;
		}
		s->hs_len += ret;
	}
	ret = mpconv_convert_decode(s->hs, s->hs_len, MPCONV_CONVERT_REPLY, &m, &code);
	if (ret < 0 || (!ret && eof)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_CPE_BAD_REPLY);
		mpconv_cpe_uplink_report(s->mn, s->up_if, false, 0);
		s->syn_answer = MPCONV_SYN_ANSWER_RST;
		return mpconv_session_fail(s, MPCONV_REASON_MALFORMED, 0);
	}
	if (ret > 0)
		return cpe_reply(s, &m, ret);
	return MPCONV_STEP_WAIT;
}

static enum mpconv_step cpe_run(struct mpconv_session *s)
{
	u32 idle;

	if (READ_ONCE(s->killed)) {
		mpconv_stat_inc(s->mn, MPCONV_STAT_SESS_FLUSHED);
		s->syn_answer = MPCONV_SYN_ANSWER_RST;
		return mpconv_session_fail(s, READ_ONCE(s->killed), 0);
	}
	switch (s->state) {
	case MPCONV_SESS_CONNECTING:
		return cpe_connecting(s);
	case MPCONV_SESS_RELAY:
		rcu_read_lock();
		idle = rcu_dereference(s->mn->cpe.cfg)->idle_timeout_ms;
		rcu_read_unlock();
		return mpconv_session_relay(s, idle);
	}
	return MPCONV_STEP_DONE;
}

static enum mpconv_step cpe_step(struct mpconv_session *s)
{
	enum mpconv_step step = cpe_run(s);

	/* Ended before relaying: the held SYN gets its answer. */
	if (step == MPCONV_STEP_DONE && s->syn) {
		mpconv_cpe_syn_answer(s->mn, s->syn, s->syn_answer, s->icmp_code);
		mpconv_cpe_syn_free(&s->mn->cpe, s->syn);
		s->syn = NULL;
	}
	return step;
}

static const struct mpconv_session_ops cpe_ops = {
	.step = cpe_step,
};

/* ---- the transparent listeners ---- */

/* A held LAN SYN: its session, which asks the converter. The SYN may be
 * spoofed: the session is unverified (no binding, nothing charged) until
 * the LAN host completes its handshake, but a SYN the limits would refuse
 * anyway is refused at once.
 */
static void cpe_syn_session(struct mpconv_net *mn, struct mpconv_cpe_syn *e)
{
	struct mpconv_session *s = NULL;
	struct mpconv_addr client;
	struct mpconv_limits lim;
	u32 timeout;
	int err;

	timeout = cpe_limits(mn, &lim);
	client.a6 = e->f.saddr;
	client.port = ntohs(e->f.sport);
	client.family = ipv6_addr_v4mapped(&client.a6) ? AF_INET : AF_INET6;
	err = mpconv_session_room(mn, &client, &lim);
	if (!err)
		s = mpconv_session_new_unverified(mn, MPCONV_ROLE_CPE, &cpe_ops, NULL, &client,
						  min_t(u32, lim.max, MPCONV_CPE_SYN_MAX), &err);
	if (!s) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_OVERFLOW);
		mpconv_cpe_syn_answer(mn, e, MPCONV_SYN_ANSWER_RST, 0);
		mpconv_cpe_syn_free(&mn->cpe, e);
		return;
	}
	mpconv_cpe_syn_bind(&mn->cpe, e, s);
	s->dest.a6 = e->f.daddr;
	s->dest.port = ntohs(e->f.dport);
	s->dest.family = client.family;
	s->deadline = jiffies + msecs_to_jiffies(timeout);
	/* publishes s->dest to dumps */
	smp_store_release(&s->state, MPCONV_SESS_CONNECTING);
	mpconv_session_start(s);
}

/* A LAN connection the listener accepted: to the session that released its
 * SYN, or reset.
 */
static void cpe_accept_one(struct mpconv_net *mn, struct socket *sock)
{
	struct mpconv_addr dest, peer;
	struct mpconv_flow f;

	/* The listeners are bound to loopback: only the hook's connections
	 * reach them with another destination.
	 */
	if (mpconv_sock_local(sock, &dest) || mpconv_sock_peer(sock, &peer) ||
	    ipv6_addr_loopback(&dest.a6) ||
	    (ipv6_addr_v4mapped(&dest.a6) && ipv4_is_loopback(dest.a6.s6_addr32[3]))) {
		mpconv_sock_abort(sock);
		return;
	}
	f.saddr = peer.a6;
	f.daddr = dest.a6;
	f.sport = htons(peer.port);
	f.dport = htons(dest.port);
	if (!mpconv_cpe_syn_attach(mn, &f, sock))
		mpconv_sock_abort(sock);
}

static void cpe_accept_work(struct work_struct *work)
{
	struct mpconv_cpe *cpe = container_of(to_delayed_work(work), struct mpconv_cpe,
					      accept_work);
	struct mpconv_net *mn = container_of(cpe, struct mpconv_net, cpe);
	struct mpconv_cpe_syn *e;
	struct mem_cgroup *old;
	struct socket *sock;
	int i, l, n = 0;

	old = mpconv_memcg_enter(mn);
	for (i = 0; i < ACCEPT_BUDGET; i++, n++) {
		e = mpconv_cpe_syn_fresh(cpe);
		if (!e)
			break;
		cpe_syn_session(mn, e);
	}
	for (l = 0; l < ARRAY_SIZE(cpe->lsock); l++) {
		for (i = 0; cpe->lsock[l] && i < ACCEPT_BUDGET; i++) {
			if (kernel_accept(cpe->lsock[l], &sock, O_NONBLOCK))
				break;
			cpe_accept_one(mn, sock);
			n++;
		}
	}
	set_active_memcg(old);
	if (n)
		mod_delayed_work(mpconv_wq, &cpe->accept_work, 0);
}

static int cpe_listen_one(struct mpconv_net *mn, int family, u32 backlog, struct socket **res)
{
	struct sockaddr_storage ss;
	struct mpconv_addr a = { .family = family };
	struct socket *sock;
	int err, len;

	err = mpconv_sock_create(mn->net, family, IPPROTO_TCP, &sock);
	if (err)
		return err;
	if (family == AF_INET) {
		ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK), &a.a6);
		err = mpconv_sock_setopt_int(sock, SOL_IP, IP_TRANSPARENT, 1);
	} else {
		a.a6 = in6addr_loopback;
		err = mpconv_sock_setopt_int(sock, SOL_IPV6, IPV6_V6ONLY, 1) ?:
		      mpconv_sock_setopt_int(sock, SOL_IPV6, IPV6_TRANSPARENT, 1);
	}
	if (err)
		goto err_release;
	mpconv_addr_to_sockaddr(&a, &ss, &len);
	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (!err)
		err = kernel_listen(sock, backlog);
	if (err)
		goto err_release;
	*res = sock;
	return 0;

err_release:
	sock_release(sock);
	return err;
}

/* Whether MPTCP sockets can send data in the SYN (Linux 6.2 and later). */
static bool cpe_probe_fastopen(struct mpconv_net *mn, int family)
{
	struct socket *sock;
	bool ok;

	if (mpconv_sock_create(mn->net, family, IPPROTO_MPTCP, &sock))
		return false;
	ok = !mpconv_sock_setopt_int(sock, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, 1);
	sock_release(sock);
	return ok;
}

static void cpe_unlisten(struct mpconv_net *mn)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	int l;

	/* No hook may hand a packet to a listener being released. */
	mpconv_cpe_hooks_unregister(mn);
	mpconv_cpe_uplink_stop(mn);
	for (l = 0; l < ARRAY_SIZE(cpe->lsock); l++) {
		if (!cpe->lsock[l])
			continue;
		mpconv_watch_del(&cpe->lwatch[l]);
	}
	cancel_delayed_work_sync(&cpe->accept_work);
	mpconv_cpe_syn_flush(cpe);
	for (l = 0; l < ARRAY_SIZE(cpe->lsock); l++) {
		if (cpe->lsock[l])
			sock_release(cpe->lsock[l]);
		cpe->lsock[l] = NULL;
	}
}

static int cpe_listen(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
		      struct netlink_ext_ack *extack)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	u32 backlog = min_t(u32, cfg->max_sessions, 4096);
	int err, l;

	err = cpe_listen_one(mn, AF_INET, backlog, &cpe->lsock[0]);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the transparent IPv4 listener");
		return err;
	}
	/* IPv6 may be off in the namespace: then only IPv4 is taken. */
	if (cpe_listen_one(mn, AF_INET6, backlog, &cpe->lsock[1]))
		cpe->lsock[1] = NULL;
	for (l = 0; l < ARRAY_SIZE(cpe->lsock); l++)
		if (cpe->lsock[l])
			mpconv_watch_add(&cpe->lwatch[l], cpe->lsock[l], &cpe->accept_work);
	WRITE_ONCE(cpe->fastopen, cpe_probe_fastopen(mn, cfg->converter.family));

	err = mpconv_cpe_hooks_register(mn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		cpe_unlisten(mn);
	}
	return err;
}

/* ---- configuration ---- */

static int parse_ifaces(struct net *net, const struct nlattr *list, int *out, u8 *n, u8 max,
			struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	int rem, ifindex, i, j;

	*n = 0;
	nla_for_each_nested(attr, list, rem) {
		if (nla_type(attr) != MPCONV_A_IFINDEX || nla_len(attr) != sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "expected a u32 interface index");
			return -EINVAL;
		}
		if (*n >= max) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many interfaces in the list");
			return -E2BIG;
		}
		ifindex = nla_get_u32(attr);
		if (!__dev_get_by_index(net, ifindex)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "no such interface in this namespace");
			return -ENODEV;
		}
		out[(*n)++] = ifindex;
	}
	/* after the count: a list too long is E2BIG whatever it holds */
	for (i = 0; i < *n; i++) {
		for (j = 0; j < i; j++) {
			if (out[i] == out[j]) {
				NL_SET_ERR_MSG_ATTR(extack, list, "an interface is listed twice");
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int parse_ports(const struct nlattr *list, struct mpconv_port_range *out, u8 *n,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	u32 v;
	int rem;

	*n = 0;
	nla_for_each_nested(attr, list, rem) {
		if (nla_type(attr) != MPCONV_A_PORT_RANGE || nla_len(attr) != sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "expected a u32 port range");
			return -EINVAL;
		}
		if (*n >= MPCONV_CPE_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many port ranges (at most 16)");
			return -E2BIG;
		}
		v = nla_get_u32(attr);
		out[*n].lo = v >> 16;
		out[*n].hi = v & 0xffff;
		if (!out[*n].lo || out[*n].lo > out[*n].hi) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a port range is first << 16 | last, 1 <= first <= last");
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

static int put_ports(struct sk_buff *msg, int type, const struct mpconv_port_range *r,
		     unsigned int n)
{
	struct nlattr *list = nla_nest_start(msg, type);
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u32(msg, MPCONV_A_PORT_RANGE, (u32)r[i].lo << 16 | r[i].hi))
			return -EMSGSIZE;
	nla_nest_end(msg, list);
	return 0;
}

static int put_ifaces(struct sk_buff *msg, int type, const int *ifaces, unsigned int n)
{
	struct nlattr *list = nla_nest_start(msg, type);
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u32(msg, MPCONV_A_IFINDEX, ifaces[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, list);
	return 0;
}

static int put_uplink_state(struct mpconv_net *mn, struct sk_buff *msg)
{
	struct mpconv_uplink_info info[MPCONV_CPE_MAX_UPLINKS];
	struct nlattr *list;
	int i, n;

	n = mpconv_cpe_uplink_snapshot(mn, info);
	list = nla_nest_start(msg, MPCONV_A_CPE_UPLINK_STATE);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (mpconv_nla_put_uplink(msg, &info[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, list);
	return 0;
}

static u32 cpe_backoff_left(struct mpconv_cpe *cpe)
{
	u64 until = atomic64_read(&cpe->backoff_until), now = get_jiffies_64();

	if (!until || !time_before64(now, until))
		return 0;
	return jiffies64_to_msecs(until - now);
}

/* Make @cfg the configuration, free @old after readers; drops cfg_lock. */
static void cpe_publish(struct mpconv_net *mn, struct mpconv_cpe_cfg *cfg,
			struct mpconv_cpe_cfg *old)
{
	rcu_assign_pointer(mn->cpe.cfg, cfg);
	mpconv_role_published(mn, MPCONV_ROLE_CPE, cfg->enabled);
	kfree_rcu(old, rcu);
}

static int cpe_parse(struct mpconv_net *mn, struct nlattr **tb, struct mpconv_cpe_cfg *cfg,
		     struct netlink_ext_ack *extack)
{
	u8 plen;
	int err;

	if (tb[MPCONV_A_CPE_ENABLED])
		cfg->enabled = nla_get_u8(tb[MPCONV_A_CPE_ENABLED]);
	if (tb[MPCONV_A_CPE_CONVERTER]) {
		err = mpconv_nla_get_addr(tb[MPCONV_A_CPE_CONVERTER], &cfg->converter, &plen,
					  false, extack);
		if (err)
			return err;
		if (!cfg->converter.port)
			cfg->converter.port = MPCONV_CONVERT_PORT;
	}
	if (tb[MPCONV_A_CPE_IFACES]) {
		err = parse_ifaces(mn->net, tb[MPCONV_A_CPE_IFACES], cfg->ifaces, &cfg->n_ifaces,
				   MPCONV_CPE_MAX_IFACES, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_UPLINKS]) {
		err = parse_ifaces(mn->net, tb[MPCONV_A_CPE_UPLINKS], cfg->uplinks, &cfg->n_uplinks,
				   MPCONV_CPE_MAX_UPLINKS, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_SOURCES]) {
		err = mpconv_nla_get_prefixes(tb[MPCONV_A_CPE_SOURCES], cfg->sources,
					      &cfg->n_sources, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_DESTS]) {
		err = mpconv_nla_get_prefixes(tb[MPCONV_A_CPE_DESTS], cfg->dests, &cfg->n_dests,
					      extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_BYPASS]) {
		err = mpconv_nla_get_prefixes(tb[MPCONV_A_CPE_BYPASS], cfg->bypass,
					      &cfg->n_bypass, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_PORTS]) {
		err = parse_ports(tb[MPCONV_A_CPE_PORTS], cfg->ports, &cfg->n_ports, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_BYPASS_PORTS]) {
		err = parse_ports(tb[MPCONV_A_CPE_BYPASS_PORTS], cfg->bypass_ports,
				  &cfg->n_bypass_ports, extack);
		if (err)
			return err;
	}
	if (tb[MPCONV_A_CPE_OVERFLOW])
		cfg->overflow = nla_get_u8(tb[MPCONV_A_CPE_OVERFLOW]);
	if (tb[MPCONV_A_CPE_BACKOFF])
		cfg->backoff = nla_get_u8(tb[MPCONV_A_CPE_BACKOFF]);
	if (tb[MPCONV_A_CPE_QUIC])
		cfg->quic = nla_get_u8(tb[MPCONV_A_CPE_QUIC]);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CPE_MAX_SESSIONS, &cfg->max_sessions);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CPE_MAX_PER_HOST, &cfg->max_per_host);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CPE_CONNECT_TIMEOUT_MS, &cfg->connect_timeout_ms);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CPE_IDLE_TIMEOUT_MS, &cfg->idle_timeout_ms);
	mpconv_nla_get_u32_opt(tb, MPCONV_A_CPE_BINDING_LIFETIME_MS, &cfg->binding_lifetime_ms);

	if (!cfg->enabled)
		return 0;
	if (ipv6_addr_any(&cfg->converter.a6) ||
	    (ipv6_addr_v4mapped(&cfg->converter.a6) && !cfg->converter.a6.s6_addr32[3])) {
		NL_SET_ERR_MSG(extack, "enabling the CPE role needs the converter's address");
		return -EINVAL;
	}
	if (!cfg->n_ifaces && !cfg->n_sources) {
		NL_SET_ERR_MSG(extack, "say which LAN traffic to take: interfaces or source prefixes");
		return -EINVAL;
	}
	return 0;
}

/**
 * mpconv_cpe_set() - apply a CPE_SET request
 * @mn: the namespace
 * @info: the request (validated against the command's policy)
 *
 * Nothing changes when any part fails.
 *
 * Return: 0 or a negative errno, with an extack message.
 */
int mpconv_cpe_set(struct mpconv_net *mn, struct genl_info *info)
{
	struct mpconv_cpe_cfg *old, *cfg;
	int err;

	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&mn->cfg_lock);
	old = cpe_cfg(mn);
	*cfg = *old;
	rtnl_lock();	/* interface indexes stay valid while checked */
	err = cpe_parse(mn, info->attrs, cfg, info->extack);
	rtnl_unlock();
	if (err)
		goto out;

	if (cfg->enabled && !old->enabled) {
		err = cpe_listen(mn, cfg, info->extack);
		if (err)
			goto out;
	} else if (cfg->enabled &&
		   (cfg->converter.family != old->converter.family)) {
		WRITE_ONCE(mn->cpe.fastopen, cpe_probe_fastopen(mn, cfg->converter.family));
	}
	if (!cfg->enabled && old->enabled) {
		cpe_unlisten(mn);
		mpconv_session_kill_all(mn, MPCONV_ROLE_CPE);
	}
	if (memcmp(&cfg->converter, &old->converter, sizeof(cfg->converter)))
		atomic64_set(&mn->cpe.backoff_until, 0);	/* a new converter */
	if (cfg->enabled)
		mpconv_cpe_uplink_config(mn, cfg, memcmp(&cfg->converter, &old->converter,
							 sizeof(cfg->converter)));
	cpe_publish(mn, cfg, old);
	return 0;

out:
	mutex_unlock(&mn->cfg_lock);
	kfree(cfg);
	return err;
}

/**
 * mpconv_cpe_fill() - put the CPE role's configuration in a message
 * @mn: the namespace
 * @msg: the message
 *
 * Return: 0 or -EMSGSIZE.
 */
int mpconv_cpe_fill(struct mpconv_net *mn, struct sk_buff *msg)
{
	const struct mpconv_cpe_cfg *cfg;
	int err = -EMSGSIZE;

	mutex_lock(&mn->cfg_lock);
	cfg = cpe_cfg(mn);
	if (nla_put_u8(msg, MPCONV_A_CPE_ENABLED, cfg->enabled) ||
	    mpconv_nla_put_addr(msg, MPCONV_A_CPE_CONVERTER, &cfg->converter, -1) ||
	    put_ifaces(msg, MPCONV_A_CPE_IFACES, cfg->ifaces, cfg->n_ifaces) ||
	    put_ifaces(msg, MPCONV_A_CPE_UPLINKS, cfg->uplinks, cfg->n_uplinks) ||
	    put_uplink_state(mn, msg) ||
	    mpconv_nla_put_prefixes(msg, MPCONV_A_CPE_SOURCES, cfg->sources, cfg->n_sources) ||
	    mpconv_nla_put_prefixes(msg, MPCONV_A_CPE_DESTS, cfg->dests, cfg->n_dests) ||
	    mpconv_nla_put_prefixes(msg, MPCONV_A_CPE_BYPASS, cfg->bypass, cfg->n_bypass) ||
	    put_ports(msg, MPCONV_A_CPE_PORTS, cfg->ports, cfg->n_ports) ||
	    put_ports(msg, MPCONV_A_CPE_BYPASS_PORTS, cfg->bypass_ports, cfg->n_bypass_ports) ||
	    nla_put_u32(msg, MPCONV_A_CPE_MAX_SESSIONS, cfg->max_sessions) ||
	    nla_put_u32(msg, MPCONV_A_CPE_MAX_PER_HOST, cfg->max_per_host) ||
	    nla_put_u32(msg, MPCONV_A_CPE_CONNECT_TIMEOUT_MS, cfg->connect_timeout_ms) ||
	    nla_put_u32(msg, MPCONV_A_CPE_IDLE_TIMEOUT_MS, cfg->idle_timeout_ms) ||
	    nla_put_u32(msg, MPCONV_A_CPE_BINDING_LIFETIME_MS, cfg->binding_lifetime_ms) ||
	    nla_put_u8(msg, MPCONV_A_CPE_OVERFLOW, cfg->overflow) ||
	    nla_put_u8(msg, MPCONV_A_CPE_BACKOFF, cfg->backoff) ||
	    nla_put_u32(msg, MPCONV_A_CPE_BACKOFF_MS, cpe_backoff_left(&mn->cpe)) ||
	    nla_put_u8(msg, MPCONV_A_CPE_QUIC, cfg->quic) ||
	    nla_put_u8(msg, MPCONV_A_CPE_FASTOPEN, READ_ONCE(mn->cpe.fastopen)))
		goto out;
	err = 0;
out:
	mutex_unlock(&mn->cfg_lock);
	return err;
}

/**
 * mpconv_cpe_init() - set up the CPE role of a namespace (off)
 * @mn: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int mpconv_cpe_init(struct mpconv_net *mn)
{
	struct mpconv_cpe_cfg *cfg;

	cfg = kmemdup(&cpe_defaults, sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	RCU_INIT_POINTER(mn->cpe.cfg, cfg);
	INIT_DELAYED_WORK(&mn->cpe.accept_work, cpe_accept_work);
	mpconv_cpe_syn_init(&mn->cpe);
	mpconv_cpe_uplink_init(&mn->cpe);
	return 0;
}

/**
 * mpconv_cpe_listeners() - the listening sockets the CPE holds
 * @mn: the namespace
 *
 * The uplink probes count too: they hold the namespace as listeners do.
 *
 * Return: the listeners (0 to 2, read without the configuration lock: a
 * moment old) and the probes.
 */
unsigned int mpconv_cpe_listeners(struct mpconv_net *mn)
{
	return !!READ_ONCE(mn->cpe.lsock[0]) + !!READ_ONCE(mn->cpe.lsock[1]) +
	       mpconv_cpe_uplink_socks(mn);
}

/**
 * mpconv_cpe_stop() - turn the CPE role off
 * @mn: the namespace (going away, or that nobody can reach any more)
 *
 * Unregisters the hooks and closes the listeners; the caller ends the
 * sessions.
 */
void mpconv_cpe_stop(struct mpconv_net *mn)
{
	struct mpconv_cpe_cfg *old, *cfg;

	mutex_lock(&mn->cfg_lock);
	cpe_unlisten(mn);
	old = cpe_cfg(mn);
	cfg = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!cfg) {
		/* Off in place (the hooks are gone), so that enabling again
		 * sets everything up.
		 */
		WRITE_ONCE(old->enabled, false);
		WRITE_ONCE(mn->roles, mn->roles & ~MPCONV_ROLE_CPE);
		mutex_unlock(&mn->cfg_lock);
		return;
	}
	cfg->enabled = false;
	cpe_publish(mn, cfg, old);
}

/**
 * mpconv_cpe_free() - free the CPE role's configuration
 * @mn: the namespace, with no session left
 */
void mpconv_cpe_free(struct mpconv_net *mn)
{
	kfree(rcu_dereference_protected(mn->cpe.cfg, 1));
	RCU_INIT_POINTER(mn->cpe.cfg, NULL);
}
