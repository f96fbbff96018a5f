// SPDX-License-Identifier: GPL-2.0
/*
 * The relay: moves bytes both ways between two connected kernel sockets,
 * for both roles (converter: MPTCP client <-> TCP/MPTCP server; CPE: LAN TCP
 * <-> MPTCP to the converter).
 *
 * The owner calls mpconv_relay_pump() from its work item whenever either
 * socket has an event (see struct mpconv_watch). Each direction reads from
 * its source only when everything read before has been written to its
 * destination, so at most MPCONV_RELAY_BUF bytes per direction sit here and
 * a slow receiver slows the sender down through the sockets' own windows:
 * backpressure without unbounded buffering. End of stream on one side is
 * passed on as a half-close (shutdown SHUT_WR) while the other direction
 * keeps flowing; an error or reset on either side ends the relay, and the
 * owner aborts both sockets so the reset reaches the other peer.
 */
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "relay.h"
#include "sock.h"

/* Rounds of read+write per direction and pump call, so that one busy
 * session cannot hold a worker for long.
 */
#define RELAY_BUDGET	16

/* Bytes of the first read of a direction without a buffer. */
#define RELAY_FIRST	128

/**
 * mpconv_relay_init() - set up a relay between two connected sockets
 * @r: the relay
 * @a: one socket (the owner's "client" side)
 * @b: the other (the "server" side)
 */
void mpconv_relay_init(struct mpconv_relay *r, struct socket *a, struct socket *b)
{
	memset(r, 0, sizeof(*r));
	u64_stats_init(&r->dir[0].syncp);
	u64_stats_init(&r->dir[1].syncp);
	r->dir[0].active = jiffies;
	r->dir[1].active = jiffies;
	r->dir[0].src = a;
	r->dir[0].dst = b;
	r->dir[1].src = b;
	r->dir[1].dst = a;
}

/**
 * mpconv_relay_preload() - queue bytes already read from a source
 * @r: the relay, before the first pump
 * @d: direction
 * @data: the bytes (e.g. application data that followed a Convert message)
 * @len: their number, at most MPCONV_RELAY_BUF
 *
 * Return: 0 or -ENOMEM.
 */
int mpconv_relay_preload(struct mpconv_relay *r, int d, const u8 *data, u32 len)
{
	struct mpconv_relay_dir *dir = &r->dir[d];

	if (!len)
		return 0;
	if (WARN_ON_ONCE(len > MPCONV_RELAY_BUF || dir->len))
		return -EINVAL;
	dir->buf = kmalloc(MPCONV_RELAY_BUF, MPCONV_GFP);
	if (!dir->buf)
		return -ENOMEM;
	memcpy(dir->buf, data, len);
	dir->off = 0;
	dir->len = len;
	return 0;
}

/* A drained direction holding a buffer: one a quiet spell will trim. */
static bool dir_trimmable(const struct mpconv_relay_dir *d)
{
	return d->buf && !d->len;
}

/* Read into the direction's buffer. Without one, a small read on the stack
 * comes first and the buffer is only allocated when it brought data: the
 * quiet direction of a busy relay is pumped on every event of the other and
 * must not allocate (and free, once idle) 32 KiB each time. A first read
 * that filled the stack buffer is topped up at once, so that what arrived
 * together leaves together: written in two pieces, the second would wait
 * (Nagle) for the peer to acknowledge the first, a delayed ACK away (a
 * 1000-byte answer reached the LAN host 60 ms late that way).
 */
static int relay_read(struct mpconv_relay_dir *d)
{
	u8 first[RELAY_FIRST];
	int n, more;

	if (d->err) {
		n = d->err;
		d->err = 0;
		return n;
	}
	if (d->buf)
		return mpconv_sock_recv(d->src, d->buf, MPCONV_RELAY_BUF);
	n = mpconv_sock_recv(d->src, first, sizeof(first));
	if (n <= 0)
		return n;
	d->buf = kmalloc(MPCONV_RELAY_BUF, MPCONV_GFP);
	if (!d->buf)
		return -ENOMEM;	/* the relay is reset: nothing is lost silently */
	memcpy(d->buf, first, n);
	if (n < RELAY_FIRST)
		return n;
	more = mpconv_sock_recv(d->src, d->buf + n, MPCONV_RELAY_BUF - n);
	if (more > 0)
		n += more;
	else if (!more)
		d->eof = true;		/* passed on once these bytes are written */
	else if (more != -EAGAIN)
		d->err = more;
	return n;
}

/* Move what can move in one direction. Returns a negative errno on error
 * (*dst_failed tells which socket failed), 1 when the budget ran out with
 * data still flowing, 0 otherwise.
 */
static int pump_dir(struct mpconv_relay_dir *d, bool *moved, bool *dst_failed)
{
	int i, n;

	for (i = 0; i < RELAY_BUDGET; i++) {
		if (!d->len) {
			if (d->eof) {
				kfree(d->buf);
				d->buf = NULL;
				if (!d->shut) {
					d->shut = true;
					*moved = true;
					*dst_failed = true;
					return kernel_sock_shutdown(d->dst, SHUT_WR);
				}
				return 0;
			}
			n = relay_read(d);
			if (n == -EAGAIN)
				return 0;	/* drained; the buffer stays a while */
			if (n < 0)
				return n;
			if (n == 0) {
				d->eof = true;
				continue;
			}
			d->off = 0;
			d->len = n;
		}

		n = mpconv_sock_send(d->dst, d->buf + d->off, d->len);
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			*dst_failed = true;
			return n;
		}
		d->off += n;
		d->len -= n;
		preempt_disable();
		u64_stats_update_begin(&d->syncp);
		u64_stats_add(&d->bytes, n);
		u64_stats_update_end(&d->syncp);
		preempt_enable();
		d->active = jiffies;
		*moved = true;
	}
	return 1;
}

/**
 * mpconv_relay_pump() - move bytes both ways as far as the sockets allow
 * @r: the relay
 * @moved: set to true when any byte or end of stream moved
 *
 * Context: process context (the owner's work item); may sleep briefly on
 * socket locks, never waits for the network.
 * Return: what the owner should do next, see &enum mpconv_relay_state.
 */
enum mpconv_relay_state mpconv_relay_pump(struct mpconv_relay *r, bool *moved)
{
	bool again = false, dst_failed;
	int i, ret;

	/* A reset of a side whose direction has already ended is seen by no
	 * read or write: look for it.
	 */
	for (i = 0; i < 2; i++) {
		if (READ_ONCE(r->dir[i].src->sk->sk_err)) {
			r->err = sock_error(r->dir[i].src->sk) ?: -ECONNRESET;
			r->reset_by = i;
			return MPCONV_RELAY_RESET;
		}
	}

	for (i = 0; i < 2; i++) {
		dst_failed = false;
		ret = pump_dir(&r->dir[i], moved, &dst_failed);
		if (ret < 0) {
			/* dir[i] reads socket i and writes socket !i */
			r->err = ret;
			r->reset_by = dst_failed ? !i : i;
			return MPCONV_RELAY_RESET;
		}
		again |= ret > 0;
	}
	if (r->dir[0].shut && r->dir[1].shut)
		return MPCONV_RELAY_DONE;
	/* Drained directions idle for a while give their buffer back. */
	for (i = 0; i < 2; i++) {
		struct mpconv_relay_dir *d = &r->dir[i];

		if (dir_trimmable(d) && time_after_eq(jiffies, d->active + MPCONV_RELAY_TRIM)) {
			kfree(d->buf);
			d->buf = NULL;
		}
	}
	return again ? MPCONV_RELAY_AGAIN : MPCONV_RELAY_WAIT;
}

/*
 * Socket events drive the relay; these pumps are its safety net. A
 * direction holding bytes its destination did not take waits for a write
 * space event; one whose MPTCP source went quiet waits for data ready. The
 * MPTCP socket does not raise every such event (data acknowledged while
 * the socket is owned, data left in a subflow's queue after a reinjection
 * until somebody reads), and bytes must never wait for the idle timeout:
 * such a direction is pumped again after a quarter of its idle time,
 * between RELAY_RETRY_MIN and RELAY_RETRY_MAX. A quiet MPTCP source is
 * pumped so for RELAY_PROBE_SPAN after it last moved, then every
 * RELAY_PROBE_LATE for as long as it has not ended: a subflow that died
 * mid-transfer may bring its bytes minutes later (its retransmission
 * timer backs off to TCP_RTO_MAX, 120 s, and an MPTCP-level reinjection
 * waits for the subflow to be judged stale), and a relay that stopped
 * looking would strand them until the idle timeout resets the
 * connection (issue 16: a session kept 480 bytes short, in relay state,
 * long after its last pump). A pump with nothing to move costs a failed
 * read or write and leaves the idle deadline alone.
 */
#define RELAY_RETRY_MIN		(HZ / 4)
#define RELAY_RETRY_MAX		(8 * HZ)
#define RELAY_PROBE_SPAN	(120 * HZ)
#define RELAY_PROBE_LATE	(30 * HZ)

static unsigned long dir_retry_delay(const struct mpconv_relay_dir *d, unsigned long now)
{
	unsigned long idle = now - d->active;

	if (!d->src || d->shut)
		return MAX_JIFFY_OFFSET;
	if (!d->len) {
		/* drained: only a quiet MPTCP source is looked at */
		if (d->eof || d->src->sk->sk_protocol != IPPROTO_MPTCP)
			return MAX_JIFFY_OFFSET;
		if (idle >= RELAY_PROBE_SPAN)
			return RELAY_PROBE_LATE;
	}
	return clamp(idle / 4, (unsigned long)RELAY_RETRY_MIN, (unsigned long)RELAY_RETRY_MAX);
}

/**
 * mpconv_relay_next_delay() - when the relay should be pumped again without
 *	a socket event
 * @r: the relay (or a zeroed one, before mpconv_relay_init())
 *
 * A direction whose source stays quiet keeps its buffer until a pump finds
 * it idle for %MPCONV_RELAY_TRIM; a blocked direction, or one whose MPTCP
 * source has not ended, is pumped again now and then (see above).
 *
 * Return: jiffies from now (at least 1), or MAX_JIFFY_OFFSET for none.
 */
unsigned long mpconv_relay_next_delay(const struct mpconv_relay *r)
{
	unsigned long now = jiffies, delay = MAX_JIFFY_OFFSET, at;
	int i;

	for (i = 0; i < 2; i++) {
		const struct mpconv_relay_dir *d = &r->dir[i];

		delay = min(delay, dir_retry_delay(d, now));
		if (!dir_trimmable(d))
			continue;
		at = d->active + MPCONV_RELAY_TRIM;
		delay = min(delay, time_after(at, now) ? at - now : 1UL);
	}
	return delay;
}

/**
 * mpconv_relay_release() - free the relay's buffers (not the sockets)
 * @r: the relay
 */
void mpconv_relay_release(struct mpconv_relay *r)
{
	kfree(r->dir[0].buf);
	kfree(r->dir[1].buf);
	r->dir[0].buf = NULL;
	r->dir[1].buf = NULL;
}
