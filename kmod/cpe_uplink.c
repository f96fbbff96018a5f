// SPDX-License-Identifier: GPL-2.0
/*
 * The CPE's uplinks toward the converter, and the converter's cookies.
 *
 * Uplinks. A CPE with several uplinks (MPCONV_A_CPE_UPLINKS, most preferred
 * first) opens each conversion's first MPTCP subflow through the first
 * uplink that is up, pinned to it (SO_BINDTOIFINDEX; the in-kernel path
 * manager adds the other subflows from its endpoints). If no SYN+ACK has
 * come back after twice that uplink's smoothed handshake time (250-1000 ms),
 * the session opens a second connection through the next uplink, and the
 * first of the two to be answered carries the conversion; the other is
 * aborted (cpe.c). That is Happy Eyeballs over uplinks: a black-holed
 * uplink (link up, every packet lost), which no carrier or routing event
 * reveals, costs a new connection at most the stagger.
 *
 * Health comes from those handshakes only, as nothing else sees a black
 * hole: an attempt that lost to a later one, failed, or was still
 * unanswered when its session gave up is a miss; two misses in a row mark
 * the uplink down, and new connections then start on the next uplink at
 * once. A down uplink is probed (an RFC 8803 Info request through it, each
 * second, given 2 s: fewer than two SYN timeouts, so that Linux 6.12's
 * MPTCP black hole detection, which turns MPTCP off for the namespace
 * after repeated SYN timeouts, is not triggered by probes) until two
 * probes in a row are answered; it is then up again. Every change is
 * counted and announced (MPCONV_CMD_UPLINK_NTF).
 *
 * Cookies. A converter that requires cookies binds each one to the address
 * it sees the client at, which differs per uplink: the cookie learned from
 * its Error 3 is kept per uplink (without configured uplinks, in the one
 * entry routing uses), sent in every later request through that uplink,
 * and dropped when the converter refuses it (Error 32). A generation number
 * lets a session drop only the cookie it sent, not a newer one.
 *
 * Locking: everything here is under &mpconv_cpe.up_mutex, taken from
 * process context only (session works, the probe work, configuration).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "convert.h"
#include "mpconv.h"
#include "netlink.h"

/* Stagger between the attempts of one conversion: twice the first uplink's
 * smoothed handshake time, within these bounds (a slow preferred uplink,
 * satellite or a loaded LTE cell, must still win its races: a cap too low
 * would have the backup win every one and the preferred uplink marked down
 * and up in turn), and its default before the first handshake through it
 * was timed.
 */
#define STAGGER_MIN_MS		250
#define STAGGER_MAX_MS		1000
#define STAGGER_DEFAULT_MS	500
/* Misses in a row that mark an uplink down; probes in a row that bring it
 * back.
 */
#define DOWN_AFTER		2
#define UP_AFTER		2
/* A probe every PROBE_EVERY, each given PROBE_TIMEOUT. */
#define PROBE_EVERY		HZ
#define PROBE_TIMEOUT		(2 * HZ)

static struct mpconv_cpe_uplink *uplink_find(struct mpconv_cpe *cpe, int ifindex)
{
	int i;

	for (i = 0; i < cpe->n_up; i++)
		if (cpe->up[i].ifindex == ifindex)
			return &cpe->up[i];
	return NULL;
}

static void uplink_info(const struct mpconv_cpe_uplink *u, struct mpconv_uplink_info *info)
{
	info->ifindex = u->ifindex;
	info->state = u->state;
	info->cookie = u->cookie_len;
	info->srtt_us = u->srtt_us;
	info->changed_ms = jiffies64_to_msecs(get_jiffies_64() - u->changed);
	info->attempts = u->attempts;
	info->missed = u->missed;
}

static void probe_close(struct mpconv_cpe_uplink *u)
{
	if (!u->probe)
		return;
	mpconv_watch_del(&u->pwatch);
	mpconv_sock_abort(u->probe);
	u->probe = NULL;
}

/* Set @u's state, count and announce the change, start probing a down one. */
static void uplink_set(struct mpconv_net *mn, struct mpconv_cpe_uplink *u, u8 state)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_uplink_info info;

	lockdep_assert_held(&cpe->up_mutex);
	if (u->state == state)
		return;
	u->state = state;
	u->changed = get_jiffies_64();
	u->misses = 0;
	u->probe_ok = 0;
	if (state == MPCONV_UPLINK_DOWN) {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_UPLINK_DOWN);
		u->probe_at = jiffies + PROBE_EVERY;
		if (cpe->up_active)
			queue_delayed_work(mpconv_wq, &cpe->probe_work, PROBE_EVERY);
	} else {
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_UPLINK_UP);
		probe_close(u);
	}
	uplink_info(u, &info);
	mpconv_ntf_uplink(mn, &info);
}

/**
 * mpconv_cpe_uplink_pick() - the uplinks a new conversion tries
 * @mn: the namespace
 * @p: filled in: the first uplink, the next one and the stagger between
 *
 * Uplinks that are up come first, in the configured order, then those that
 * are down (when all are, trying one is better than refusing).
 */
void mpconv_cpe_uplink_pick(struct mpconv_net *mn, struct mpconv_cpe_pick *p)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	int i, pass, order[2] = { -1, -1 }, n = 0;
	u32 ms = STAGGER_DEFAULT_MS;

	mutex_lock(&cpe->up_mutex);
	for (pass = MPCONV_UPLINK_UP; pass <= MPCONV_UPLINK_DOWN && n < 2; pass++)
		for (i = 0; i < cpe->n_up && n < 2; i++)
			if (cpe->up[i].ifindex && cpe->up[i].state == pass)
				order[n++] = i;
	p->first = n ? cpe->up[order[0]].ifindex : 0;
	p->next = n > 1 ? cpe->up[order[1]].ifindex : 0;
	if (n && cpe->up[order[0]].srtt_us)
		ms = clamp_t(u32, 2 * cpe->up[order[0]].srtt_us / USEC_PER_MSEC, STAGGER_MIN_MS,
			     STAGGER_MAX_MS);
	mutex_unlock(&cpe->up_mutex);
	p->stagger = msecs_to_jiffies(ms);
}

/**
 * mpconv_cpe_uplink_report() - the verdict of one attempt through an uplink
 * @mn: the namespace
 * @ifindex: the uplink (0: routing's choice)
 * @answered: the converter answered through it (SYN+ACK, or a RST: the
 *	path works); false: it lost to a later attempt, failed, or was still
 *	unanswered when its session gave up
 * @rtt_us: the handshake's time when answered, 0 when not timed
 */
void mpconv_cpe_uplink_report(struct mpconv_net *mn, int ifindex, bool answered, u32 rtt_us)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_uplink *u;

	mutex_lock(&cpe->up_mutex);
	u = uplink_find(cpe, ifindex);
	if (!u)
		goto out;
	u->attempts++;
	if (answered) {
		u->misses = 0;
		if (rtt_us)
			u->srtt_us = u->srtt_us ? (7 * u->srtt_us + rtt_us) / 8 : rtt_us;
		if (u->ifindex)
			uplink_set(mn, u, MPCONV_UPLINK_UP);
	} else {
		u->missed++;
		if (++u->misses >= DOWN_AFTER && u->ifindex)
			uplink_set(mn, u, MPCONV_UPLINK_DOWN);
	}
out:
	mutex_unlock(&cpe->up_mutex);
}

/**
 * mpconv_cpe_cookie_get() - the cookie to send through an uplink
 * @mn: the namespace
 * @ifindex: the uplink (0: routing's choice)
 * @cookie: at least %MPCONV_CPE_COOKIE_MAX bytes
 * @gen: its generation, for mpconv_cpe_cookie_drop()
 *
 * Return: its length, 0 when none is held.
 */
int mpconv_cpe_cookie_get(struct mpconv_net *mn, int ifindex, u8 *cookie, u32 *gen)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_uplink *u;
	int len = 0;

	mutex_lock(&cpe->up_mutex);
	u = uplink_find(cpe, ifindex);
	if (u && u->cookie_len) {
		len = u->cookie_len;
		memcpy(cookie, u->cookie, len);
		*gen = u->cookie_gen;
	}
	mutex_unlock(&cpe->up_mutex);
	return len;
}

/**
 * mpconv_cpe_cookie_learn() - keep the cookie a converter handed out
 * @mn: the namespace
 * @ifindex: the uplink the request went through
 * @cookie: the cookie
 * @len: its length, 1 to %MPCONV_CPE_COOKIE_MAX
 */
void mpconv_cpe_cookie_learn(struct mpconv_net *mn, int ifindex, const u8 *cookie, u8 len)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_uplink *u;

	if (!len || len > MPCONV_CPE_COOKIE_MAX)
		return;
	mutex_lock(&cpe->up_mutex);
	u = uplink_find(cpe, ifindex);
	if (u) {
		memcpy(u->cookie, cookie, len);
		u->cookie_len = len;
		u->cookie_gen++;
		mpconv_stat_inc(mn, MPCONV_STAT_CPE_COOKIE_LEARNED);
	}
	mutex_unlock(&cpe->up_mutex);
}

/**
 * mpconv_cpe_cookie_drop() - forget a cookie the converter refused
 * @mn: the namespace
 * @ifindex: the uplink
 * @gen: the generation of the cookie sent
 *
 * Return: true when it was still held (a newer one is kept).
 */
bool mpconv_cpe_cookie_drop(struct mpconv_net *mn, int ifindex, u32 gen)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_uplink *u;
	bool dropped = false;

	mutex_lock(&cpe->up_mutex);
	u = uplink_find(cpe, ifindex);
	if (u && u->cookie_len && u->cookie_gen == gen) {
		u->cookie_len = 0;
		u->cookie_gen++;
		dropped = true;
	}
	mutex_unlock(&cpe->up_mutex);
	return dropped;
}

/**
 * mpconv_cpe_uplink_snapshot() - the configured uplinks' state
 * @mn: the namespace
 * @info: room for %MPCONV_CPE_MAX_UPLINKS entries
 *
 * Return: the number of entries filled (0 without configured uplinks).
 */
int mpconv_cpe_uplink_snapshot(struct mpconv_net *mn, struct mpconv_uplink_info *info)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	int i, n = 0;

	mutex_lock(&cpe->up_mutex);
	for (i = 0; i < cpe->n_up; i++)
		if (cpe->up[i].ifindex)
			uplink_info(&cpe->up[i], &info[n++]);
	mutex_unlock(&cpe->up_mutex);
	return n;
}

/**
 * mpconv_cpe_uplink_socks() - the probe sockets held
 * @mn: the namespace
 *
 * Return: their number (they hold the namespace as the sessions' do).
 */
unsigned int mpconv_cpe_uplink_socks(struct mpconv_net *mn)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	unsigned int i, n = 0;

	mutex_lock(&cpe->up_mutex);
	for (i = 0; i < cpe->n_up; i++)
		n += !!cpe->up[i].probe;
	mutex_unlock(&cpe->up_mutex);
	return n;
}

/* ---- probes ---- */

/* Open a probe through @u: an Info request, in the SYN when MPTCP can. */
static int probe_open(struct mpconv_net *mn, struct mpconv_cpe_uplink *u)
{
	struct mpconv_convert_builder b;
	struct sockaddr_storage ss;
	struct mpconv_addr conv;
	struct msghdr msg = {};
	struct socket *sock;
	u8 req[16];
	struct kvec iov = { .iov_base = req };
	bool fastopen = READ_ONCE(mn->cpe.fastopen);
	int err, len, n;

	conv = mn->cpe.probe_to;
	mpconv_convert_begin(&b, req, sizeof(req), MPCONV_CONVERT_REQUEST);
	err = mpconv_convert_add_info(&b);
	if (!err)
		err = mpconv_convert_finish(&b);
	if (err < 0)
		return err;
	iov.iov_len = err;

	err = mpconv_sock_create(mn->net, conv.family, IPPROTO_MPTCP, &sock);
	if (err == -EPROTONOSUPPORT || err == -ENOPROTOOPT) {
		err = mpconv_sock_create(mn->net, conv.family, IPPROTO_TCP, &sock);
		fastopen = false;
	}
	if (err)
		return err;
	err = mpconv_sock_setopt_int(sock, SOL_SOCKET, SO_BINDTOIFINDEX, u->ifindex);
	if (err) {
		sock_release(sock);
		return err;
	}
	mpconv_watch_add(&u->pwatch, sock, &mn->cpe.probe_work);
	u->probe = sock;
	u->probe_at = jiffies;
	u->probe_sent = false;
	u->plen = 0;
	mpconv_stat_inc(mn, MPCONV_STAT_CPE_PROBES);
	mpconv_addr_to_sockaddr(&conv, &ss, &len);
	if (fastopen && !mpconv_sock_setopt_int(sock, SOL_TCP, TCP_FASTOPEN_NO_COOKIE, 1)) {
		msg.msg_name = &ss;
		msg.msg_namelen = len;
		msg.msg_flags = MSG_FASTOPEN | MSG_DONTWAIT | MSG_NOSIGNAL;
		n = kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
		if (n == iov.iov_len) {
			u->probe_sent = true;
			return 0;
		}
		if (!n || n == -EINPROGRESS)
			return 0;	/* sent once connected */
		if (n > 0)
			return -EIO;	/* a part of 8 bytes: never */
		if (n != -EOPNOTSUPP)
			return n;
	}
	err = kernel_connect(sock, (struct sockaddr *)&ss, len, O_NONBLOCK);
	return err == -EINPROGRESS ? 0 : err;
}

/* Where @u's probe is: 1 answered, 0 under way, negative: failed. */
static int probe_check(struct mpconv_cpe_uplink *u)
{
	struct sock *sk = u->probe->sk;
	struct mpconv_convert_msg m;
	u8 req[16], err;
	int n;

	if (READ_ONCE(sk->sk_err) || sk->sk_state == TCP_CLOSE)
		return -ECONNRESET;
	if (sk->sk_state == TCP_SYN_SENT)
		return 0;
	if (!u->probe_sent) {
		struct mpconv_convert_builder b;

		mpconv_convert_begin(&b, req, sizeof(req), MPCONV_CONVERT_REQUEST);
		n = mpconv_convert_add_info(&b);
		if (!n)
			n = mpconv_convert_finish(&b);
		if (n < 0 || mpconv_sock_send(u->probe, req, n) != n)
			return -EIO;
		u->probe_sent = true;
	}
	n = mpconv_sock_recv(u->probe, u->pbuf + u->plen, sizeof(u->pbuf) - u->plen);
	if (n == -EAGAIN)
		n = 0;
	else if (n <= 0)
		return -ECONNRESET;
	u->plen += n;
	n = mpconv_convert_decode(u->pbuf, u->plen, MPCONV_CONVERT_REPLY, &m, &err);
	if (n < 0)
		return n;
	/* a well-formed reply, whatever it says: the path works both ways */
	return n > 0 || u->plen == sizeof(u->pbuf);
}

static void probe_work(struct work_struct *work)
{
	struct mpconv_cpe *cpe = container_of(to_delayed_work(work), struct mpconv_cpe,
					      probe_work);
	struct mpconv_net *mn = container_of(cpe, struct mpconv_net, cpe);
	unsigned long now = jiffies, next = MAX_JIFFY_OFFSET, at;
	struct mpconv_cpe_uplink *u;
	struct mem_cgroup *old;
	int i, ret;

	old = mpconv_memcg_enter(mn);
	mutex_lock(&cpe->up_mutex);
	if (!cpe->up_active)
		goto out;
	for (i = 0; i < cpe->n_up; i++) {
		u = &cpe->up[i];
		if (u->state != MPCONV_UPLINK_DOWN)
			continue;
		if (u->probe) {
			ret = probe_check(u);
			if (!ret && time_before(now, u->probe_at + PROBE_TIMEOUT)) {
				next = min(next, u->probe_at + PROBE_TIMEOUT - now);
				continue;
			}
			probe_close(u);
			u->probe_at = now + PROBE_EVERY;
			if (ret > 0 && ++u->probe_ok >= UP_AFTER) {
				uplink_set(mn, u, MPCONV_UPLINK_UP);
				continue;
			}
			if (ret <= 0)
				u->probe_ok = 0;
		}
		if (time_after_eq(now, u->probe_at)) {
			if (probe_open(mn, u)) {
				probe_close(u);
				u->probe_ok = 0;
				u->probe_at = now + PROBE_EVERY;
			}
		}
		at = u->probe ? u->probe_at + PROBE_TIMEOUT : u->probe_at;
		next = min(next, time_after(at, now) ? at - now : 1UL);
	}
	if (next != MAX_JIFFY_OFFSET)
		queue_delayed_work(mpconv_wq, &cpe->probe_work, next);
out:
	mutex_unlock(&cpe->up_mutex);
	set_active_memcg(old);
}

/* ---- configuration ---- */

/**
 * mpconv_cpe_uplink_init() - set up the uplinks of a namespace (none)
 * @cpe: the CPE role
 */
void mpconv_cpe_uplink_init(struct mpconv_cpe *cpe)
{
	mutex_init(&cpe->up_mutex);
	INIT_DELAYED_WORK(&cpe->probe_work, probe_work);
	cpe->n_up = 1;		/* the entry routing uses */
	cpe->up[0].changed = get_jiffies_64();
}

/**
 * mpconv_cpe_uplink_config() - take the configured uplinks
 * @mn: the namespace
 * @cfg: the configuration about to be published (role enabled)
 * @forget: the converter changed: forget its cookies
 *
 * Uplinks still listed keep their state; new ones start up.
 *
 * Context: &mpconv_net.cfg_lock held.
 */
void mpconv_cpe_uplink_config(struct mpconv_net *mn, const struct mpconv_cpe_cfg *cfg,
			      bool forget)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	struct mpconv_cpe_uplink *old, *u;
	int i, n = cfg->n_uplinks ?: 1;
	bool down = false;

	mutex_lock(&cpe->up_mutex);
	for (i = 0; i < cpe->n_up; i++)
		probe_close(&cpe->up[i]);
	/* without memory, every uplink starts afresh */
	old = kmemdup(cpe->up, sizeof(cpe->up), GFP_KERNEL);
	for (i = 0; i < n; i++) {
		int ifindex = cfg->n_uplinks ? cfg->uplinks[i] : 0;
		int j;

		u = &cpe->up[i];
		memset(u, 0, sizeof(*u));
		u->ifindex = ifindex;
		u->changed = get_jiffies_64();
		for (j = 0; old && j < cpe->n_up; j++) {
			if (old[j].ifindex != ifindex)
				continue;
			*u = old[j];
			memset(&u->pwatch, 0, sizeof(u->pwatch));
			u->probe_at = jiffies;
			break;
		}
		if (forget) {
			u->cookie_len = 0;
			u->cookie_gen++;
		}
		down |= u->state == MPCONV_UPLINK_DOWN;
	}
	cpe->n_up = n;
	cpe->probe_to = cfg->converter;
	cpe->up_active = true;
	if (down)
		mod_delayed_work(mpconv_wq, &cpe->probe_work, 0);
	mutex_unlock(&cpe->up_mutex);
	kfree(old);
}

/**
 * mpconv_cpe_uplink_stop() - stop probing (the role goes off)
 * @mn: the namespace
 *
 * Context: &mpconv_net.cfg_lock held. Sessions may still report; they
 * no longer start the probe work.
 */
void mpconv_cpe_uplink_stop(struct mpconv_net *mn)
{
	struct mpconv_cpe *cpe = &mn->cpe;
	int i;

	mutex_lock(&cpe->up_mutex);
	cpe->up_active = false;
	for (i = 0; i < cpe->n_up; i++)
		probe_close(&cpe->up[i]);
	mutex_unlock(&cpe->up_mutex);
	cancel_delayed_work_sync(&cpe->probe_work);
}
