/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Convert messages written byte by byte from the RFC 8803 layout (not by our
 * encoder), with the verdict the decoder must give. Shared by the unit tests
 * and by gen_seeds, which turns them into the fuzzer's seed corpus.
 */
#ifndef _MPCONV_TEST_VECTORS_H
#define _MPCONV_TEST_VECTORS_H

#include "convert.h"

/**
 * struct vec - one test message
 * @name: short name, also the seed file name
 * @dir: direction to decode it in
 * @buf: the bytes (may go on past the message: application data)
 * @len: number of bytes in @buf
 * @ret: what decoding all of @buf returns: the message length, -EBADMSG or
 *	-ECONNRESET
 * @err: the error code with -EBADMSG
 * @at: the shortest prefix that gets the final verdict (== @ret when valid);
 *	every shorter prefix must be "need more"
 */
struct vec {
	const char *name;
	enum mpconv_convert_dir dir;
	const u8 *buf;
	size_t len;
	int ret;
	u8 err;
	size_t at;
};

#define BYTES(...)	((const u8[]){ __VA_ARGS__ }), sizeof((const u8[]){ __VA_ARGS__ })

/* Version 1, Total Length @w words, Magic 0x2263 */
#define HDR(w)		0x01, (w), 0x22, 0x63
/* ::ffff:a.b.c.d */
#define V4(a, b, c, d)	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d

#define REQ	MPCONV_CONVERT_REQUEST
#define REP	MPCONV_CONVERT_REPLY

#define OK(n)		(n), 0, (n)
#define BAD(e, at)	-EBADMSG, (e), (at)
#define RESET(at)	-ECONNRESET, 0, (at)

#define E_VER	MPCONV_CONVERT_E_VERSION
#define E_MAL	MPCONV_CONVERT_E_MALFORMED
#define E_UNS	MPCONV_CONVERT_E_UNSUPPORTED

static const struct vec vectors[] = {
	/* ---- valid requests ---- */
	{ "req-connect-v4", REQ, BYTES(HDR(6),
		0x0a, 0x05, 0x00, 0x50,			/* Connect, port 80 */
		V4(192, 0, 2, 1)), OK(24) },
	{ "req-connect-v6-opts", REQ, BYTES(HDR(7),
		0x0a, 0x06, 0x01, 0xbb,			/* Connect, port 443 */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* 2001:db8::1 */
		0, 0, 0, 0, 0, 0, 0, 1,
		0x1e, 0x02, 0x22, 0x02),		/* MPTCP, TFO (empty) */
		OK(28) },
	{ "req-connect-opts-padded", REQ, BYTES(HDR(8),
		0x0a, 0x07, 0x13, 0xc4,			/* port 5060 */
		V4(198, 51, 100, 7),
		0x04, 0x02, 0x08, 0x02,			/* SACK-perm, TS (empty) */
		0x1e, 0x02, 0x00, 0x00),		/* MPTCP, EOL padding */
		OK(32) },
	{ "req-connect-nop", REQ, BYTES(HDR(7),
		0x0a, 0x06, 0x00, 0x16,			/* port 22 */
		V4(203, 0, 113, 9),
		0x01, 0x04, 0x02, 0x00),		/* NOP, SACK-perm, EOL */
		OK(28) },
	{ "req-info", REQ, BYTES(HDR(2), 0x01, 0x01, 0x00, 0x00), OK(8) },
	{ "req-info-reserved-set", REQ, BYTES(HDR(2), 0x01, 0x01, 0xab, 0xcd), OK(8) },
	{ "req-info-connect-cookie", REQ, BYTES(HDR(10),
		0x01, 0x01, 0x00, 0x00,
		0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1),
		0x16, 0x03, 0x00, 0x00,			/* Cookie, 8 bytes */
		0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04), OK(40) },
	{ "req-cookie-connect", REQ, BYTES(HDR(8),
		0x16, 0x02, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4,
		0x0a, 0x05, 0x1f, 0x90, V4(10, 1, 2, 3)), OK(32) },
	{ "req-connect-private", REQ, BYTES(HDR(8),
		0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1),
		0xc0, 0x02, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc), OK(32) },
	{ "req-four-private", REQ, BYTES(HDR(6),
		0xc0, 0x01, 0x00, 0x00,
		0xc8, 0x01, 0xaa, 0xbb,
		0xfe, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0xff, 0x01, 0x00, 0x00), OK(24) },
	{ "req-header-only", REQ, BYTES(HDR(1)), OK(4) },
	{ "req-info-then-data", REQ, BYTES(HDR(2), 0x01, 0x01, 0x00, 0x00,
		'G', 'E', 'T', ' ', '/'), OK(8) },
	{ "req-connect-linklocal", REQ, BYTES(HDR(6),
		0x0a, 0x05, 0xff, 0xff,			/* port 65535 */
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01), OK(24) },

	/* ---- valid replies ---- */
	{ "rep-empty", REP, BYTES(HDR(1)), OK(4) },
	{ "rep-tcphdr", REP, BYTES(HDR(7),
		0x14, 0x06, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4,			/* MSS 1460 */
		0x04, 0x02, 0x08, 0x0a,			/* SACK-perm, TS ... */
		0x00, 0x01, 0x02, 0x03,			/* ... TSval */
		0x04, 0x05, 0x06, 0x07,			/* ... TSecr */
		0x01, 0x03, 0x03, 0x07),		/* NOP, WS 7 */
		OK(28) },
	{ "rep-tcphdr-mpc", REP, BYTES(HDR(6),
		0x14, 0x05, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xa0,			/* MSS 1440 */
		0x1e, 0x0c, 0x01, 0x81,			/* MP_CAPABLE v1 */
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88), OK(24) },
	{ "rep-tcphdr-empty", REP, BYTES(HDR(2), 0x14, 0x01, 0x00, 0x00), OK(8) },
	{ "rep-tcphdr-after-eol", REP, BYTES(HDR(3),
		0x14, 0x02, 0x00, 0x00,
		0x01, 0x00, 0xab, 0xcd), OK(12) },	/* NOP, EOL, ignored */
	{ "rep-supported", REP, BYTES(HDR(3),
		0x15, 0x02, 0x00, 0x00,
		0x04, 0x08, 0x1e, 0x22), OK(12) },	/* SACK-perm, TS, MPTCP, TFO */
	{ "rep-supported-padded", REP, BYTES(HDR(3),
		0x15, 0x02, 0x00, 0x00,
		0x1e, 0x00, 0x00, 0x00), OK(12) },
	{ "rep-error-version", REP, BYTES(HDR(2), 0x1e, 0x01, 0x00, 0x01), OK(8) },
	{ "rep-error-missing-cookie", REP, BYTES(HDR(4),
		0x1e, 0x03, 0x03, 0x00,
		0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8), OK(16) },
	{ "rep-error-malformed-echo", REP, BYTES(HDR(4),
		0x1e, 0x03, 0x01, 0x00,
		0x01, 0x02, 0x22, 0x63, 0x00, 0x01, 0x00, 0x00), OK(16) },
	{ "rep-error-unreachable", REP, BYTES(HDR(2), 0x1e, 0x01, 0x61, 0x03), OK(8) },
	{ "rep-error-cookie", REP, BYTES(HDR(5),
		0x1e, 0x01, 0x03, 0x00,
		0x16, 0x03, 0x00, 0x00,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08), OK(20) },
	{ "rep-private", REP, BYTES(HDR(3), 0xe0, 0x02, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04),
		OK(12) },
	{ "rep-tcphdr-supported-private", REP, BYTES(HDR(5),
		0x14, 0x01, 0x00, 0x00,
		0x15, 0x02, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00,
		0xf0, 0x01, 0x00, 0x00), OK(20) },
	{ "rep-then-data", REP, BYTES(HDR(1), 'H', 'T', 'T', 'P', '/', '1', '.', '1'), OK(4) },

	/* ---- invalid: fixed header ---- */
	{ "bad-version-0", REQ, BYTES(0x00, 0x02, 0x22, 0x63, 0x01, 0x01, 0x00, 0x00),
		BAD(E_VER, 1) },
	{ "bad-version-2", REQ, BYTES(0x02, 0x02, 0x22, 0x63, 0x01, 0x01, 0x00, 0x00),
		BAD(E_VER, 1) },
	{ "bad-version-ff-rep", REP, BYTES(0xff), BAD(E_VER, 1) },
	{ "total-length-0", REQ, BYTES(0x01, 0x00, 0x22, 0x63), RESET(2) },
	{ "total-length-0-rep", REP, BYTES(0x01, 0x00, 0x00, 0x00), RESET(2) },
	{ "bad-magic-zero", REQ, BYTES(0x01, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00),
		BAD(E_MAL, 3) },
	{ "bad-magic-low", REQ, BYTES(0x01, 0x02, 0x22, 0x00, 0x01, 0x01, 0x00, 0x00),
		BAD(E_MAL, 4) },
	{ "bad-magic-swapped-rep", REP, BYTES(0x01, 0x01, 0x63, 0x22), BAD(E_MAL, 3) },

	/* ---- invalid: TLV types and directions ---- */
	{ "type-0", REQ, BYTES(HDR(2), 0x00, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "type-0-rep", REP, BYTES(HDR(2), 0x00, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "type-unassigned-2", REQ, BYTES(HDR(2), 0x02, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "type-unassigned-191", REP, BYTES(HDR(2), 0xbf, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "req-tcphdr", REQ, BYTES(HDR(2), 0x14, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "req-supported", REQ, BYTES(HDR(3), 0x15, 0x02, 0x00, 0x00, 0x1e, 0, 0, 0),
		BAD(E_UNS, 5) },
	{ "req-error", REQ, BYTES(HDR(2), 0x1e, 0x01, 0x01, 0x00), BAD(E_UNS, 5) },
	{ "rep-info", REP, BYTES(HDR(2), 0x01, 0x01, 0x00, 0x00), BAD(E_UNS, 5) },
	{ "rep-connect", REP, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1)),
		BAD(E_UNS, 5) },
	{ "req-unassigned-after-connect", REQ, BYTES(HDR(7),
		0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1),
		0x05, 0x01, 0x00, 0x00), BAD(E_UNS, 25) },
	{ "type-0-in-long-message", REQ, BYTES(HDR(255), 0x01, 0x01, 0x00, 0x00, 0x00),
		BAD(E_UNS, 9) },

	/* ---- invalid: repeated TLVs, private-use limit ---- */
	{ "dup-info", REQ, BYTES(HDR(3), 0x01, 0x01, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00),
		BAD(E_MAL, 9) },
	{ "dup-connect", REQ, BYTES(HDR(11),
		0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1),
		0x0a, 0x05, 0x00, 0x51, V4(192, 0, 2, 2)), BAD(E_MAL, 25) },
	{ "dup-cookie", REQ, BYTES(HDR(5),
		0x16, 0x02, 0x00, 0x00, 0xaa, 0xaa, 0xaa, 0xaa,
		0x16, 0x02, 0x00, 0x00, 0xbb, 0xbb, 0xbb, 0xbb), BAD(E_MAL, 13) },
	{ "dup-error-rep", REP, BYTES(HDR(3), 0x1e, 0x01, 0x01, 0x00, 0x1e, 0x01, 0x02, 0x00),
		BAD(E_MAL, 9) },
	{ "dup-private", REQ, BYTES(HDR(3), 0xc0, 0x01, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00),
		BAD(E_MAL, 9) },
	{ "five-private", REQ, BYTES(HDR(6),
		0xc0, 0x01, 0x00, 0x00, 0xc1, 0x01, 0x00, 0x00,
		0xc2, 0x01, 0x00, 0x00, 0xc3, 0x01, 0x00, 0x00,
		0xc4, 0x01, 0x00, 0x00), BAD(E_UNS, 21) },

	/* ---- invalid: TLV lengths ---- */
	{ "tlv-length-0", REQ, BYTES(HDR(2), 0x01, 0x00, 0x00, 0x00), BAD(E_MAL, 6) },
	{ "tlv-length-0-private-rep", REP, BYTES(HDR(2), 0xc0, 0x00, 0x00, 0x00),
		BAD(E_MAL, 6) },
	{ "tlv-past-total", REQ, BYTES(HDR(2), 0x16, 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc, 0xdd),
		BAD(E_MAL, 6) },
	{ "connect-past-total", REQ, BYTES(HDR(5), 0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1)),
		BAD(E_MAL, 6) },
	{ "private-past-total-max", REP, BYTES(HDR(255), 0xc0, 0xff), BAD(E_MAL, 6) },
	{ "info-length-2", REQ, BYTES(HDR(3), 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
		BAD(E_MAL, 6) },
	{ "connect-length-4", REQ, BYTES(HDR(5),
		0x0a, 0x04, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1),
		BAD(E_MAL, 6) },
	{ "cookie-length-1", REQ, BYTES(HDR(2), 0x16, 0x01, 0x00, 0x00), BAD(E_MAL, 6) },

	/* ---- invalid: Connect contents ---- */
	{ "connect-port-0", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x00, V4(192, 0, 2, 1)),
		BAD(E_MAL, 8) },
	{ "connect-loopback-v6", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), BAD(E_MAL, 24) },
	{ "connect-unspecified-v6", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), BAD(E_MAL, 24) },
	{ "connect-multicast-v6", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), BAD(E_MAL, 24) },
	{ "connect-loopback-v4", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50, V4(127, 0, 0, 1)),
		BAD(E_MAL, 24) },
	{ "connect-loopback-v4-net", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(127, 1, 2, 3)), BAD(E_MAL, 24) },
	{ "connect-multicast-v4", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(224, 0, 0, 251)), BAD(E_MAL, 24) },
	{ "connect-multicast-v4-top", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(239, 255, 255, 250)), BAD(E_MAL, 24) },
	{ "connect-broadcast-v4", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(255, 255, 255, 255)), BAD(E_MAL, 24) },
	{ "connect-unspecified-v4", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(0, 0, 0, 0)), BAD(E_MAL, 24) },
	{ "connect-this-network-v4", REQ, BYTES(HDR(6), 0x0a, 0x05, 0x00, 0x50,
		V4(0, 1, 2, 3)), BAD(E_MAL, 24) },
	{ "connect-opt-length-1", REQ, BYTES(HDR(7), 0x0a, 0x06, 0x00, 0x50, V4(192, 0, 2, 1),
		0x1e, 0x01, 0x00, 0x00), BAD(E_MAL, 26) },
	{ "connect-opt-length-0", REQ, BYTES(HDR(7), 0x0a, 0x06, 0x00, 0x50, V4(192, 0, 2, 1),
		0x22, 0x00, 0x00, 0x00), BAD(E_MAL, 26) },
	{ "connect-opt-past-tlv", REQ, BYTES(HDR(8), 0x0a, 0x06, 0x00, 0x50, V4(192, 0, 2, 1),
		0x1e, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), BAD(E_MAL, 26) },
	{ "connect-opt-kind-last-byte", REQ, BYTES(HDR(7), 0x0a, 0x06, 0x00, 0x50,
		V4(192, 0, 2, 1), 0x04, 0x02, 0x01, 0x1e), BAD(E_MAL, 28) },
	{ "connect-opt-after-eol", REQ, BYTES(HDR(7), 0x0a, 0x06, 0x00, 0x50, V4(192, 0, 2, 1),
		0x1e, 0x02, 0x00, 0x05), BAD(E_MAL, 28) },

	/* ---- invalid: reply TLV contents ---- */
	{ "tcphdr-opt-past-tlv", REP, BYTES(HDR(3), 0x14, 0x02, 0x00, 0x00,
		0x08, 0x0a, 0x00, 0x00), BAD(E_MAL, 10) },
	{ "tcphdr-opt-length-1", REP, BYTES(HDR(3), 0x14, 0x02, 0x00, 0x00,
		0x02, 0x01, 0x00, 0x00), BAD(E_MAL, 10) },
	{ "tcphdr-opt-kind-last-byte", REP, BYTES(HDR(3), 0x14, 0x02, 0x00, 0x00,
		0x01, 0x01, 0x01, 0x02), BAD(E_MAL, 12) },
	{ "supported-kind-2", REP, BYTES(HDR(3), 0x15, 0x02, 0x00, 0x00,
		0x1e, 0x02, 0x00, 0x00), BAD(E_MAL, 10) },
	{ "supported-kind-1", REP, BYTES(HDR(3), 0x15, 0x02, 0x00, 0x00,
		0x01, 0x1e, 0x00, 0x00), BAD(E_MAL, 9) },
	{ "supported-after-padding", REP, BYTES(HDR(3), 0x15, 0x02, 0x00, 0x00,
		0x1e, 0x00, 0x22, 0x00), BAD(E_MAL, 11) },
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define N_VECTORS	ARRAY_SIZE(vectors)

/*
 * The largest request: header, Connect to 192.0.2.1:80, then one private-use
 * TLV (type 0xfe, 249 words) filling the message to 1020 bytes. Written byte
 * by byte like the vectors above. Returns the length, 1020.
 */
static inline size_t max_request(u8 *buf)
{
	static const u8 head[] = { HDR(255), 0x0a, 0x05, 0x00, 0x50, V4(192, 0, 2, 1),
				   0xfe, 249 };
	size_t i;

	memcpy(buf, head, sizeof(head));
	for (i = sizeof(head); i < 1020; i++)
		buf[i] = (u8)i;
	return 1020;
}

/*
 * The largest reply: header, then an Error TLV (Malformed Message, 254
 * words) whose value is a zero byte and an echo. Returns 1020.
 */
static inline size_t max_reply(u8 *buf)
{
	static const u8 head[] = { HDR(255), 0x1e, 254, 0x01, 0x00 };
	size_t i;

	memcpy(buf, head, sizeof(head));
	for (i = sizeof(head); i < 1020; i++)
		buf[i] = (u8)(i * 7);
	return 1020;
}

#endif /* _MPCONV_TEST_VECTORS_H */
