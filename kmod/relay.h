/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay: moves bytes both ways between two connected kernel sockets.
 */
#ifndef _MPCONV_RELAY_H
#define _MPCONV_RELAY_H

#include <linux/net.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

/* Bytes held per direction while the destination cannot take them. */
#define MPCONV_RELAY_BUF	(32 * 1024)

/* A direction idle this long gives its buffer back. Freeing it as soon as
 * its source is drained made a bulk transfer allocate (and, with Debian's
 * init_on_alloc, zero) 32 KiB every time the relay caught up with it.
 */
#define MPCONV_RELAY_TRIM	HZ

/**
 * struct mpconv_relay_dir - one direction of a relay
 * @src: the socket read from
 * @dst: the socket written to
 * @buf: bytes read from @src not yet written to @dst; allocated when data
 *	comes, freed when the direction has been idle for %MPCONV_RELAY_TRIM
 *	or has ended
 * @active: jiffies when data last moved this way
 * @off: first pending byte in @buf
 * @len: number of pending bytes
 * @bytes: bytes delivered to @dst; read with mpconv_relay_bytes() (dumps run
 *	beside the relay, and a u64 tears on 32-bit machines)
 * @syncp: guards @bytes for those readers
 * @err: an error @src reported on a read that also brought data; returned
 *	by the next read (a socket reports an error once)
 * @eof: @src has reached its end of stream
 * @shut: @dst has been shut down for writing (half-close passed on)
 */
struct mpconv_relay_dir {
	struct socket *src;
	struct socket *dst;
	u8 *buf;
	u32 off;
	u32 len;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
	unsigned long active;
	int err;
	bool eof;
	bool shut;
};

/**
 * enum mpconv_relay_state - what mpconv_relay_pump() found
 * @MPCONV_RELAY_WAIT: nothing more can move now; wait for a socket event
 * @MPCONV_RELAY_AGAIN: the budget ran out with data still moving; run again
 * @MPCONV_RELAY_DONE: both directions ended and were passed on (FIN both ways)
 * @MPCONV_RELAY_RESET: a socket was reset or failed: abort both
 */
enum mpconv_relay_state {
	MPCONV_RELAY_WAIT,
	MPCONV_RELAY_AGAIN,
	MPCONV_RELAY_DONE,
	MPCONV_RELAY_RESET,
};

/**
 * struct mpconv_relay - a relay between sockets a and b
 * @dir: [0] a to b, [1] b to a
 * @err: the error that reset the relay (negative errno), 0 otherwise
 * @reset_by: 0 when socket a failed, 1 when b did (valid with @err)
 */
struct mpconv_relay {
	struct mpconv_relay_dir dir[2];
	int err;
	u8 reset_by;
};

/**
 * mpconv_relay_set_bytes() - set the byte count of one direction
 * @r: the relay
 * @d: the direction, 0 or 1
 * @n: the count
 *
 * Context: the relay's owner (its session's work), the only writer.
 */
static inline void mpconv_relay_set_bytes(struct mpconv_relay *r, int d, u64 n)
{
	/* the writer side of u64_stats_sync runs with preemption off */
	preempt_disable();
	u64_stats_update_begin(&r->dir[d].syncp);
	u64_stats_set(&r->dir[d].bytes, n);
	u64_stats_update_end(&r->dir[d].syncp);
	preempt_enable();
}

/**
 * mpconv_relay_bytes() - the byte count of one direction, untorn
 * @r: the relay
 * @d: the direction, 0 or 1
 *
 * Context: any; beside the writer too (dumps, notifications).
 *
 * Return: bytes delivered in that direction.
 */
static inline u64 mpconv_relay_bytes(const struct mpconv_relay *r, int d)
{
	unsigned int start;
	u64 n;

	do {
		start = u64_stats_fetch_begin(&r->dir[d].syncp);
		n = u64_stats_read(&r->dir[d].bytes);
	} while (u64_stats_fetch_retry(&r->dir[d].syncp, start));
	return n;
}

void mpconv_relay_init(struct mpconv_relay *r, struct socket *a, struct socket *b);
int mpconv_relay_preload(struct mpconv_relay *r, int d, const u8 *data, u32 len);
enum mpconv_relay_state mpconv_relay_pump(struct mpconv_relay *r, bool *moved);
unsigned long mpconv_relay_next_delay(const struct mpconv_relay *r);
void mpconv_relay_release(struct mpconv_relay *r);

#endif /* _MPCONV_RELAY_H */
