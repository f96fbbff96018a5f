// SPDX-License-Identifier: GPL-2.0
/*
 * Codec for the messages of the 0-RTT TCP Convert Protocol (RFC 8803).
 *
 * The decoder is a pure function of the bytes received so far: it walks
 * them in order, judges each field once all of its bytes are present and
 * stops at the first field that is incomplete (need more) or invalid. The
 * rules and the answer to each invalid case are listed in convert.h.
 */
#include "convert.h"

/* Internal result of the decoding helpers, next to 0 (done) and -EBADMSG */
#define NEED_MORE	1

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2

static const u8 v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static const u8 zero_field[2];

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static int bad(u8 *err, u8 code)
{
	*err = code;
	return -EBADMSG;
}

/* Bytes of [start, limit) present when the first @avail bytes are */
static size_t present(size_t avail, size_t start)
{
	return avail > start ? avail - start : 0;
}

/*
 * The MPCONV_CONVERT_F_* bit of a known TLV type, or 0 when the type is
 * unassigned, reserved (0), private use, or not accepted in @dir.
 */
static u16 tlv_flag(u8 type, enum mpconv_convert_dir dir)
{
	bool req = dir == MPCONV_CONVERT_REQUEST;

	switch (type) {
	case MPCONV_CONVERT_TLV_INFO:
		return req ? MPCONV_CONVERT_F_INFO : 0;
	case MPCONV_CONVERT_TLV_CONNECT:
		return req ? MPCONV_CONVERT_F_CONNECT : 0;
	case MPCONV_CONVERT_TLV_TCPHDR:
		return req ? 0 : MPCONV_CONVERT_F_TCPHDR;
	case MPCONV_CONVERT_TLV_SUPPORTED:
		return req ? 0 : MPCONV_CONVERT_F_SUPPORTED;
	case MPCONV_CONVERT_TLV_COOKIE:
		return MPCONV_CONVERT_F_COOKIE;
	case MPCONV_CONVERT_TLV_ERROR:
		return req ? 0 : MPCONV_CONVERT_F_ERROR;
	default:
		return 0;
	}
}

/* Smallest valid Length, in words, of a TLV of a known type */
static unsigned int tlv_min_words(u8 type)
{
	switch (type) {
	case MPCONV_CONVERT_TLV_CONNECT:
		return MPCONV_CONVERT_CONNECT_MIN_LEN / 4;
	case MPCONV_CONVERT_TLV_COOKIE:
		return 2;
	default:
		return 1;
	}
}

/*
 * Walk the TCP option list opts[0, end) of which the first @avail bytes are
 * present. Returns 0 when the whole list is valid, with *used set to its
 * length up to the first EOL; NEED_MORE when the bytes present are valid so
 * far; -EBADMSG when they are not. With @zero_pad, every byte after an EOL
 * must be zero; without, they are ignored.
 */
static int walk_opts(const u8 *opts, size_t end, size_t avail, bool zero_pad,
		     size_t *used)
{
	size_t pos = 0;

	while (pos < end) {
		u8 olen;

		if (pos >= avail)
			return NEED_MORE;
		if (opts[pos] == TCPOPT_EOL) {
			*used = pos;
			if (!zero_pad)
				return 0;
			for (pos++; pos < end; pos++) {
				if (pos >= avail)
					return NEED_MORE;
				if (opts[pos])
					return -EBADMSG;
			}
			return 0;
		}
		if (opts[pos] == TCPOPT_NOP) {
			pos++;
			continue;
		}
		/* a kind with no room left for its length byte */
		if (end - pos < 2)
			return -EBADMSG;
		if (pos + 1 >= avail)
			return NEED_MORE;
		olen = opts[pos + 1];
		if (olen < 2 || olen > end - pos)
			return -EBADMSG;
		pos += olen;
	}
	*used = end;
	return 0;
}

/**
 * mpconv_convert_opts_check() - validate a list of TCP options
 * @opts: the options (the body of a Connect or Extended TCP Header TLV)
 * @len: their length in bytes, at most MPCONV_CONVERT_MAX_LEN
 * @zero_pad: true for Connect options, where every byte after an EOL must be
 *	zero; false for a copy of a TCP header's options, where they are ignored
 *
 * Every option other than EOL (0) and NOP (1) must have a length byte of at
 * least 2 and fit in @len. Never reads outside opts[0, @len).
 *
 * Return: the length of the list up to its first EOL (@len if none),
 * -EBADMSG if it is malformed, -EINVAL if @len is too large.
 */
int mpconv_convert_opts_check(const u8 *opts, size_t len, bool zero_pad)
{
	size_t used = 0;

	if (len > MPCONV_CONVERT_MAX_LEN)
		return -EINVAL;
	if (walk_opts(opts, len, len, zero_pad, &used))
		return -EBADMSG;
	return (int)used;
}

/**
 * mpconv_convert_opt_next() - iterate over a list of TCP options
 * @opts: the options
 * @len: their length in bytes, at most MPCONV_CONVERT_MAX_LEN
 * @pos: in: where to start, 0 for the first call; out: where to continue
 * @opt: filled with the option found
 *
 * NOPs are skipped; an EOL or the end of the list ends the walk. Never reads
 * outside opts[0, @len).
 *
 * Return: 1 when @opt was filled, 0 at the end of the list, -EBADMSG on an
 * option whose length is below 2 or runs past @len, -EINVAL if @len is too
 * large.
 */
int mpconv_convert_opt_next(const u8 *opts, size_t len, size_t *pos,
			    struct mpconv_convert_opt *opt)
{
	size_t p = *pos;

	if (len > MPCONV_CONVERT_MAX_LEN)
		return -EINVAL;
	while (p < len && opts[p] != TCPOPT_EOL) {
		if (opts[p] == TCPOPT_NOP) {
			p++;
			continue;
		}
		if (len - p < 2 || opts[p + 1] < 2 || opts[p + 1] > len - p)
			return -EBADMSG;
		opt->kind = opts[p];
		opt->len = opts[p + 1];
		opt->off = (u16)p;
		*pos = p + opt->len;
		return 1;
	}
	*pos = len;
	return 0;
}

/**
 * mpconv_convert_addr_is_v4mapped() - tell an IPv4-mapped IPv6 address
 * @addr: 16 bytes, network order
 *
 * Return: true if @addr is in ::ffff:0:0/96.
 */
bool mpconv_convert_addr_is_v4mapped(const u8 *addr)
{
	return !memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix));
}

/**
 * mpconv_convert_addr_v4mapped() - build ::ffff:a.b.c.d
 * @addr: 16 bytes, filled in network order
 * @v4: the IPv4 address, 4 bytes in network order
 */
void mpconv_convert_addr_v4mapped(u8 *addr, const u8 *v4)
{
	memcpy(addr, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(addr + sizeof(v4mapped_prefix), v4, 4);
}

/**
 * mpconv_convert_addr_valid() - may this address be a Connect destination?
 * @addr: 16 bytes, network order, IPv4 as ::ffff:a.b.c.d
 *
 * RFC 8803 forbids multicast, broadcast and loopback addresses. The
 * unspecified addresses are refused too: connecting to one reaches the
 * local host.
 *
 * Return: false for ::, ::1, ff00::/8 and the IPv4-mapped 0.0.0.0/8,
 * 127.0.0.0/8, 224.0.0.0/4 and 255.255.255.255; true otherwise.
 */
bool mpconv_convert_addr_valid(const u8 *addr)
{
	unsigned int i;

	if (mpconv_convert_addr_is_v4mapped(addr)) {
		const u8 *v4 = addr + sizeof(v4mapped_prefix);

		if (v4[0] == 0 || v4[0] == 127 || (v4[0] & 0xf0) == 0xe0)
			return false;
		return !(v4[0] == 0xff && v4[1] == 0xff && v4[2] == 0xff && v4[3] == 0xff);
	}
	if (addr[0] == 0xff)
		return false;
	for (i = 0; i < 15; i++)
		if (addr[i])
			return true;
	return addr[15] > 1;
}

static int decode_connect(const u8 *buf, size_t pos, size_t end, size_t avail,
			  struct mpconv_convert_msg *msg, u8 *err)
{
	size_t start = pos + MPCONV_CONVERT_CONNECT_MIN_LEN;
	size_t used = 0;
	int ret;

	if (avail < pos + 4)
		return NEED_MORE;
	msg->port = get16(buf + pos + 2);
	if (!msg->port)
		return bad(err, MPCONV_CONVERT_E_MALFORMED);
	if (avail < start)
		return NEED_MORE;
	memcpy(msg->addr, buf + pos + 4, sizeof(msg->addr));
	if (!mpconv_convert_addr_valid(msg->addr))
		return bad(err, MPCONV_CONVERT_E_MALFORMED);
	ret = walk_opts(buf + start, end - start, present(avail, start), true, &used);
	if (ret < 0)
		return bad(err, MPCONV_CONVERT_E_MALFORMED);
	msg->connect_opts.off = (u16)start;
	msg->connect_opts.len = (u16)used;
	return ret;
}

static int decode_supported(const u8 *buf, size_t pos, size_t end, size_t avail,
			    struct mpconv_convert_msg *msg, u8 *err)
{
	size_t i, n = 0;
	bool padding = false;

	for (i = pos + 4; i < end; i++) {
		if (i >= avail)
			return NEED_MORE;
		if (buf[i] == TCPOPT_EOL) {
			padding = true;
			continue;
		}
		/* kinds 1 and 2 are never listed; nothing follows the padding */
		if (padding || buf[i] == TCPOPT_NOP || buf[i] == TCPOPT_MSS)
			return bad(err, MPCONV_CONVERT_E_MALFORMED);
		n++;
	}
	msg->kinds.off = (u16)(pos + 4);
	msg->kinds.len = (u16)n;
	return 0;
}

static void set_span(struct mpconv_convert_span *span, size_t from, size_t to)
{
	span->off = (u16)from;
	span->len = (u16)(to - from);
}

/* The body of the TLV at @pos, whose header has been validated */
static int decode_body(const u8 *buf, size_t pos, size_t end, size_t avail,
		       struct mpconv_convert_msg *msg, u8 *err)
{
	size_t used = 0;
	int ret;

	switch (buf[pos]) {
	case MPCONV_CONVERT_TLV_INFO:
		return 0;
	case MPCONV_CONVERT_TLV_CONNECT:
		return decode_connect(buf, pos, end, avail, msg, err);
	case MPCONV_CONVERT_TLV_TCPHDR:
		ret = walk_opts(buf + pos + 4, end - pos - 4, present(avail, pos + 4), false,
				&used);
		if (ret < 0)
			return bad(err, MPCONV_CONVERT_E_MALFORMED);
		set_span(&msg->tcp_opts, pos + 4, end);
		return ret;
	case MPCONV_CONVERT_TLV_SUPPORTED:
		return decode_supported(buf, pos, end, avail, msg, err);
	case MPCONV_CONVERT_TLV_COOKIE:
		set_span(&msg->cookie, pos + 4, end);
		return 0;
	case MPCONV_CONVERT_TLV_ERROR:
		if (avail <= pos + 2)
			return NEED_MORE;
		msg->error = buf[pos + 2];
		set_span(&msg->error_value, pos + 3, end);
		return 0;
	default:
		set_span(&msg->priv[msg->n_priv].value, pos + 2, end);
		return 0;
	}
}

/*
 * Decode the TLV at @pos, knowing that the message ends at @total and that
 * the first @avail (<= @total) bytes are present. Returns 0 once the whole
 * TLV is present and valid, NEED_MORE or -EBADMSG.
 */
static int decode_tlv(const u8 *buf, size_t pos, size_t total, size_t avail,
		      enum mpconv_convert_dir dir, struct mpconv_convert_msg *msg, u8 *err)
{
	unsigned int i, words;
	u16 flag = 0;
	size_t end;
	u8 type;
	int ret;

	if (avail <= pos)
		return NEED_MORE;
	type = buf[pos];
	if (type >= MPCONV_CONVERT_TLV_PRIV_MIN) {
		for (i = 0; i < msg->n_priv; i++)
			if (msg->priv[i].type == type)
				return bad(err, MPCONV_CONVERT_E_MALFORMED);
		if (msg->n_priv == MPCONV_CONVERT_MAX_PRIV)
			return bad(err, MPCONV_CONVERT_E_UNSUPPORTED);
	} else {
		flag = tlv_flag(type, dir);
		if (!flag)
			return bad(err, MPCONV_CONVERT_E_UNSUPPORTED);
		if (msg->present & flag)
			return bad(err, MPCONV_CONVERT_E_MALFORMED);
	}

	if (avail <= pos + 1)
		return NEED_MORE;
	words = buf[pos + 1];
	if (!words || words > (total - pos) / 4 || words < tlv_min_words(type) ||
	    (type == MPCONV_CONVERT_TLV_INFO && words != 1))
		return bad(err, MPCONV_CONVERT_E_MALFORMED);
	end = pos + words * 4;

	ret = decode_body(buf, pos, end, avail, msg, err);
	if (ret)
		return ret;
	if (avail < end)
		return NEED_MORE;

	if (flag) {
		msg->present |= flag;
	} else {
		msg->priv[msg->n_priv].type = type;
		msg->n_priv++;
	}
	return 0;
}

/**
 * mpconv_convert_decode() - decode the Convert message opening a byte stream
 * @buf: the bytes received so far
 * @len: how many
 * @dir: MPCONV_CONVERT_REQUEST on the converter, MPCONV_CONVERT_REPLY on the
 *	client
 * @msg: filled with the message; spans are offsets into @buf
 * @err: set to the error code to answer with when -EBADMSG is returned
 *
 * Call again with more bytes while it returns 0. The verdict on a prefix is
 * final: once a call returns non-zero, every longer prefix gives the same
 * result. Never reads outside buf[0, @len), never allocates, no recursion.
 *
 * Return: the length of the message (> 0, a multiple of 4, at most
 * MPCONV_CONVERT_MAX_LEN; application data follows it) when it is complete
 * and valid; 0 when more bytes are needed; -EBADMSG when it is invalid,
 * *@err is the RFC 8803 error code to answer with (see convert.h);
 * -ECONNRESET when Total Length is 0 (reset, no reply); -EINVAL for a bad
 * @dir.
 */
int mpconv_convert_decode(const u8 *buf, size_t len, enum mpconv_convert_dir dir,
			  struct mpconv_convert_msg *msg, u8 *err)
{
	size_t total, avail, pos;
	int ret;

	if (dir != MPCONV_CONVERT_REQUEST && dir != MPCONV_CONVERT_REPLY)
		return -EINVAL;
	memset(msg, 0, sizeof(*msg));

	if (len < 1)
		return 0;
	if (buf[0] != MPCONV_CONVERT_VERSION)
		return bad(err, MPCONV_CONVERT_E_VERSION);
	if (len < 2)
		return 0;
	if (!buf[1])
		return -ECONNRESET;
	if (len < 3)
		return 0;
	if (buf[2] != MPCONV_CONVERT_MAGIC >> 8)
		return bad(err, MPCONV_CONVERT_E_MALFORMED);
	if (len < 4)
		return 0;
	if (buf[3] != (MPCONV_CONVERT_MAGIC & 0xff))
		return bad(err, MPCONV_CONVERT_E_MALFORMED);

	total = buf[1] * 4;
	avail = len < total ? len : total;
	for (pos = MPCONV_CONVERT_HDR_LEN; pos < total; pos += buf[pos + 1] * 4) {
		ret = decode_tlv(buf, pos, total, avail, dir, msg, err);
		if (ret)
			return ret == NEED_MORE ? 0 : ret;
	}
	msg->len = (u16)total;
	return (int)total;
}

/**
 * mpconv_convert_priv_unknown() - the first private-use TLV not in a set
 * @msg: a message mpconv_convert_decode() accepted
 * @known: the private-use types the caller understands: bit n for type
 *	192 + n (0 for none)
 *
 * The decoder accepts every private-use type (192-255) and leaves them to
 * the caller: RFC 8803 answers a message carrying a TLV the receiver does
 * not support with Unsupported Message (2).
 *
 * Return: the type of the first private-use TLV of @msg whose bit is not
 * set in @known, or 0 when there is none.
 */
u8 mpconv_convert_priv_unknown(const struct mpconv_convert_msg *msg, u64 known)
{
	unsigned int i;

	for (i = 0; i < msg->n_priv && i < MPCONV_CONVERT_MAX_PRIV; i++) {
		u8 type = msg->priv[i].type;

		if (type < MPCONV_CONVERT_TLV_PRIV_MIN ||
		    !(known & MPCONV_CONVERT_PRIV_BIT(type)))
			return type;
	}
	return 0;
}

/**
 * mpconv_convert_begin() - start encoding a Convert message
 * @b: builder state, initialised here
 * @buf: output buffer
 * @cap: its size; no more than MPCONV_CONVERT_MAX_LEN bytes are used
 * @dir: direction of the message, decides which TLVs may be added
 *
 * Writes the fixed header. If this fails, the later calls on @b fail too.
 *
 * Return: 0, -ENOSPC if @cap is below MPCONV_CONVERT_HDR_LEN, -EINVAL for a
 * bad @dir.
 */
int mpconv_convert_begin(struct mpconv_convert_builder *b, u8 *buf, size_t cap,
			 enum mpconv_convert_dir dir)
{
	memset(b, 0, sizeof(*b));
	if (dir != MPCONV_CONVERT_REQUEST && dir != MPCONV_CONVERT_REPLY)
		return -EINVAL;
	if (cap < MPCONV_CONVERT_HDR_LEN)
		return -ENOSPC;
	b->buf = buf;
	/* messages are made of 32-bit words */
	b->cap = (u16)((cap > MPCONV_CONVERT_MAX_LEN ? MPCONV_CONVERT_MAX_LEN : cap) & ~(size_t)3);
	b->dir = (u8)dir;
	b->len = MPCONV_CONVERT_HDR_LEN;
	buf[0] = MPCONV_CONVERT_VERSION;
	buf[1] = 0;
	put16(buf + 2, MPCONV_CONVERT_MAGIC);
	return 0;
}

/* May a TLV of this known type be added? Returns its flag, 0 if not. */
static u16 add_flag(const struct mpconv_convert_builder *b, u8 type)
{
	u16 flag = tlv_flag(type, b->dir);

	return b->present & flag ? 0 : flag;
}

/*
 * Append a TLV: type, length, @flen bytes of @fixed, @dlen bytes of @data,
 * zero padding. Either all of it is written or nothing.
 */
static int put_tlv(struct mpconv_convert_builder *b, u8 type, u16 flag,
		   const u8 *fixed, size_t flen, const u8 *data, size_t dlen)
{
	size_t raw, tlen;
	u8 *p;

	if (b->len < MPCONV_CONVERT_HDR_LEN || dlen > MPCONV_CONVERT_MAX_LEN)
		return -ENOSPC;
	raw = 2 + flen + dlen;
	tlen = (raw + 3) & ~(size_t)3;
	if (tlen > (size_t)(b->cap - b->len))
		return -ENOSPC;

	p = b->buf + b->len;
	p[0] = type;
	p[1] = (u8)(tlen / 4);
	if (flen)
		memcpy(p + 2, fixed, flen);
	if (dlen)
		memcpy(p + 2 + flen, data, dlen);
	memset(p + raw, 0, tlen - raw);
	b->len += (u16)tlen;
	b->present |= flag;
	return 0;
}

/**
 * mpconv_convert_add_info() - append an Info TLV (request)
 * @b: builder
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or not allowed in this direction.
 */
int mpconv_convert_add_info(struct mpconv_convert_builder *b)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_INFO);

	if (!flag)
		return -EINVAL;
	return put_tlv(b, MPCONV_CONVERT_TLV_INFO, flag, zero_field, 2, NULL, 0);
}

/**
 * mpconv_convert_add_connect() - append a Connect TLV (request)
 * @b: builder
 * @addr: remote address, 16 bytes in network order (IPv4 as ::ffff:a.b.c.d,
 *	see mpconv_convert_addr_v4mapped())
 * @port: remote port, host order
 * @opts: TCP options to ask for, or NULL
 * @opts_len: their length; the TLV is padded with zeros
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or not allowed in this direction, @port is 0, @addr is refused by
 * mpconv_convert_addr_valid() or @opts by mpconv_convert_opts_check() with
 * zero padding.
 */
int mpconv_convert_add_connect(struct mpconv_convert_builder *b, const u8 *addr, u16 port,
			       const u8 *opts, size_t opts_len)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_CONNECT);
	u8 fixed[18];

	if (!flag || !port || !mpconv_convert_addr_valid(addr))
		return -EINVAL;
	if (opts_len && mpconv_convert_opts_check(opts, opts_len, true) < 0)
		return -EINVAL;
	put16(fixed, port);
	memcpy(fixed + 2, addr, 16);
	return put_tlv(b, MPCONV_CONVERT_TLV_CONNECT, flag, fixed, sizeof(fixed), opts,
		       opts_len);
}

/**
 * mpconv_convert_add_tcphdr() - append an Extended TCP Header TLV (reply)
 * @b: builder
 * @opts: the TCP options of the server's SYN+ACK, or NULL
 * @opts_len: their length; the TLV is padded with zeros
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or not allowed in this direction, or @opts is refused by
 * mpconv_convert_opts_check() without zero padding.
 */
int mpconv_convert_add_tcphdr(struct mpconv_convert_builder *b, const u8 *opts,
			      size_t opts_len)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_TCPHDR);

	if (!flag)
		return -EINVAL;
	if (opts_len && mpconv_convert_opts_check(opts, opts_len, false) < 0)
		return -EINVAL;
	return put_tlv(b, MPCONV_CONVERT_TLV_TCPHDR, flag, zero_field, 2, opts, opts_len);
}

/**
 * mpconv_convert_add_supported() - append a Supported TCP Extensions TLV
 * @b: builder
 * @kinds: TCP option kinds the converter supports, or NULL
 * @n: how many
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or not allowed in this direction (it is a reply TLV), or a kind is 0, 1
 * or 2.
 */
int mpconv_convert_add_supported(struct mpconv_convert_builder *b, const u8 *kinds,
				 size_t n)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_SUPPORTED);
	size_t i;

	if (!flag)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (kinds[i] <= TCPOPT_MSS)
			return -EINVAL;
	return put_tlv(b, MPCONV_CONVERT_TLV_SUPPORTED, flag, zero_field, 2, kinds, n);
}

/**
 * mpconv_convert_add_cookie() - append a Cookie TLV
 * @b: builder
 * @cookie: the opaque cookie
 * @len: its length, at least 1; the TLV is padded with zeros
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or @len is 0.
 */
int mpconv_convert_add_cookie(struct mpconv_convert_builder *b, const u8 *cookie,
			      size_t len)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_COOKIE);

	if (!flag || !len)
		return -EINVAL;
	return put_tlv(b, MPCONV_CONVERT_TLV_COOKIE, flag, zero_field, 2, cookie, len);
}

/**
 * mpconv_convert_add_error() - append an Error TLV (reply)
 * @b: builder
 * @code: error code, enum mpconv_convert_err
 * @value: its value (see enum mpconv_convert_err), or NULL
 * @len: length of @value; the TLV is padded with zeros, so an empty value
 *	is sent as one zero byte
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if the TLV is already there
 * or not allowed in this direction.
 */
int mpconv_convert_add_error(struct mpconv_convert_builder *b, u8 code, const u8 *value,
			     size_t len)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_ERROR);

	if (!flag)
		return -EINVAL;
	return put_tlv(b, MPCONV_CONVERT_TLV_ERROR, flag, &code, 1, value, len);
}

/**
 * mpconv_convert_add_error_echo() - append an Error TLV echoing a message
 * @b: builder
 * @code: error code, Malformed Message or Unsupported Message
 * @msg: the received message
 * @len: its length
 *
 * The value is a zero byte, then @msg, so that the echo keeps the alignment
 * of the original. The echo is cut short to what fits in the message.
 *
 * Return: 0, -ENOSPC if not even an empty echo fits, -EINVAL if the TLV is
 * already there or not allowed in this direction.
 */
int mpconv_convert_add_error_echo(struct mpconv_convert_builder *b, u8 code,
				  const u8 *msg, size_t len)
{
	u16 flag = add_flag(b, MPCONV_CONVERT_TLV_ERROR);
	u8 fixed[2] = { code, 0 };
	size_t room;

	if (!flag)
		return -EINVAL;
	room = b->len < b->cap ? (size_t)(b->cap - b->len) : 0;
	if (room < 4)
		return -ENOSPC;
	room -= 4;
	return put_tlv(b, MPCONV_CONVERT_TLV_ERROR, flag, fixed, sizeof(fixed), msg,
		       len < room ? len : room);
}

/**
 * mpconv_convert_add_private() - append a private-use TLV
 * @b: builder
 * @type: TLV type, 192-255
 * @value: the bytes after the Type and Length bytes, or NULL
 * @len: their length; the TLV is padded with zeros
 *
 * Return: 0, -ENOSPC if it does not fit, -EINVAL if @type is not private
 * use, is already there, or MPCONV_CONVERT_MAX_PRIV were added already.
 */
int mpconv_convert_add_private(struct mpconv_convert_builder *b, u8 type, const u8 *value,
			       size_t len)
{
	unsigned int i;
	int ret;

	if (type < MPCONV_CONVERT_TLV_PRIV_MIN || b->n_priv == MPCONV_CONVERT_MAX_PRIV)
		return -EINVAL;
	for (i = 0; i < b->n_priv; i++)
		if (b->priv[i] == type)
			return -EINVAL;
	ret = put_tlv(b, type, 0, NULL, 0, value, len);
	if (!ret)
		b->priv[b->n_priv++] = type;
	return ret;
}

/**
 * mpconv_convert_finish() - complete a Convert message
 * @b: builder
 *
 * Sets Total Length. TLVs may still be added afterwards, then call this
 * again.
 *
 * Return: the length of the message in bytes, -ENOSPC if
 * mpconv_convert_begin() failed.
 */
int mpconv_convert_finish(struct mpconv_convert_builder *b)
{
	if (b->len < MPCONV_CONVERT_HDR_LEN)
		return -ENOSPC;
	b->buf[1] = (u8)(b->len / 4);
	return b->len;
}
