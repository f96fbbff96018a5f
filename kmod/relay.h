/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay: moves bytes both ways between two connected kernel sockets.
 */
#ifndef _MPCONV_RELAY_H
#define _MPCONV_RELAY_H

#include <linux/net.h>
#include <linux/types.h>

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
 * @bytes: bytes delivered to @dst
 * @eof: @src has reached its end of stream
 * @shut: @dst has been shut down for writing (half-close passed on)
 */
struct mpconv_relay_dir {
	struct socket *src;
	struct socket *dst;
	u8 *buf;
	u32 off;
	u32 len;
	u64 bytes;
	unsigned long active;
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

void mpconv_relay_init(struct mpconv_relay *r, struct socket *a, struct socket *b);
int mpconv_relay_preload(struct mpconv_relay *r, int d, const u8 *data, u32 len);
enum mpconv_relay_state mpconv_relay_pump(struct mpconv_relay *r, bool *moved);
unsigned long mpconv_relay_trim_delay(const struct mpconv_relay *r);
void mpconv_relay_release(struct mpconv_relay *r);

#endif /* _MPCONV_RELAY_H */
