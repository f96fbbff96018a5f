/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Codec for the messages of the 0-RTT TCP Convert Protocol (RFC 8803).
 *
 * The same source builds into the kernel module and into the userspace unit
 * tests and fuzzer (tests/unit/), so it uses nothing beyond the few types and
 * string functions below. All multi-byte fields are read and written one byte
 * at a time, so the codec does not depend on the host byte order or alignment.
 *
 * A Convert message is a 4-byte fixed header (Version = 1, Total Length in
 * 32-bit words including the header, Magic 0x2263) followed by TLVs (Type,
 * Length in 32-bit words including Type and Length, Value padded with zeros
 * to a 32-bit boundary). It opens the byte stream in each direction: the
 * client's request toward the converter, the converter's reply toward the
 * client. Bytes after Total Length are application data.
 *
 * TLVs accepted in each direction:
 *
 *   TLV                          request (client->conv)  reply (conv->client)
 *   1    Info                    yes                     no
 *   10   Connect                 yes                     no
 *   20   Extended TCP Header     no                      yes
 *   21   Supported TCP Exts      no                      yes
 *   22   Cookie                  yes                     yes (note 1)
 *   30   Error                   no                      yes
 *   192-255 private use          yes                     yes
 *
 *   note 1: RFC 8803 puts the cookie of a "Missing Cookie" error in the
 *   Error value (a zero byte, then the cookie), which is what mpconv sends;
 *   one sentence of the RFC can also be read as an Error TLV followed by a
 *   Cookie TLV, so a reply carrying a Cookie TLV is accepted as well.
 *
 * Outcome of each invalid case, in the order the decoder checks them (it
 * reads the bytes in order and judges each field as soon as all of that
 * field's bytes are present; the first failing check is the verdict, so the
 * verdict of a prefix never changes as more bytes arrive). "E n" is
 * -EBADMSG with *err = n; 0 Unsupported Version, 1 Malformed Message,
 * 2 Unsupported Message.
 *
 *   case                                                        outcome
 *   Version (byte 0) != 1, including reserved version 0         E 0
 *   Total Length (byte 1) == 0                                  -ECONNRESET
 *   Magic (bytes 2-3) != 0x2263 (e.g. pre-RFC zero field)       E 1
 *   TLV type 0 or unassigned (2-9, 11-19, 23-29, 31-191)        E 2
 *   TLV type not accepted in this direction (table above)       E 2
 *   TLV type seen before in this message (private use too)      E 1
 *   more than MPCONV_CONVERT_MAX_PRIV private-use TLVs          E 2
 *   TLV Length 0                                                E 1
 *   TLV Length runs past Total Length                           E 1
 *   Info Length != 1                                            E 1
 *   Connect Length < 5                                          E 1
 *   Cookie Length < 2 (no cookie byte)                          E 1
 *   Connect port 0                                              E 1
 *   Connect address unspecified (::), loopback (::1), multicast
 *     (ff00::/8), or IPv4-mapped 0.0.0.0/8, 127/8, 224/4 or
 *     255.255.255.255                                           E 1
 *   TCP option (Connect or Extended TCP Header): kind is the
 *     last byte of the field, Length < 2, or runs past the TLV  E 1
 *   Connect TCP options: a non-zero byte after an EOL (0) byte  E 1
 *   Supported TCP Extensions: kind 1 or 2, or a non-zero byte
 *     after a zero (padding) byte                               E 1
 *
 * In the reply direction the client never answers with an Error TLV: any
 * negative return means "reset the connection" and *err is for logs only.
 *
 * Leniencies (RFC 8803: ignore on receipt): reserved/unassigned 16-bit
 * fields of TLVs are not checked (always zero when encoding); NOP (1) is
 * skipped in Connect TCP options (a Transport Converter "MUST ignore" kinds
 * 0, 1, 2 there); bytes after EOL in the Extended TCP Header are ignored (it
 * is a copy of a real SYN+ACK's options); error codes are not checked.
 *
 * Left to the caller (policy, not syntax): whether a request carries a
 * Connect or Info TLV (suggested answer when neither is there: Malformed
 * Message); which private-use TLVs it understands (the others are 2
 * Unsupported Message, find them with mpconv_convert_priv_unknown()); which
 * TCP option kinds a Connect may ask for (33 Unsupported TCP Option, walk
 * them with mpconv_convert_opt_next()); Cookie checks (3 Missing
 * Cookie, 32 Not Authorized); addresses refused by local policy (32).
 */
#ifndef _MPCONV_CONVERT_H
#define _MPCONV_CONVERT_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <linux/types.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <stdbool.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#ifndef BIT
#define BIT(nr)		(1UL << (nr))
#endif
#endif

#define MPCONV_CONVERT_VERSION		1
#define MPCONV_CONVERT_MAGIC		0x2263
#define MPCONV_CONVERT_HDR_LEN		4
/* Total Length is 8 bits of 32-bit words */
#define MPCONV_CONVERT_MAX_LEN		(255 * 4)
/* TCP port Convert tools use by default */
#define MPCONV_CONVERT_PORT		5124
/* Private-use TLVs kept by the decoder; one more is Unsupported Message */
#define MPCONV_CONVERT_MAX_PRIV		4
/* Bit of a private-use type (192-255) in a mpconv_convert_priv_unknown() set */
#define MPCONV_CONVERT_PRIV_BIT(type)	(1ULL << ((type) - MPCONV_CONVERT_TLV_PRIV_MIN))
#define MPCONV_CONVERT_CONNECT_MIN_LEN	20

/**
 * enum mpconv_convert_dir - direction of a Convert message
 * @MPCONV_CONVERT_REQUEST: client to Transport Converter (Info, Connect,
 *	Cookie, private use)
 * @MPCONV_CONVERT_REPLY: Transport Converter to client (Extended TCP
 *	Header, Supported TCP Extensions, Cookie, Error, private use)
 */
enum mpconv_convert_dir {
	MPCONV_CONVERT_REQUEST,
	MPCONV_CONVERT_REPLY,
};

/**
 * enum mpconv_convert_tlv - Convert TLV types (IANA "Convert TLVs")
 * @MPCONV_CONVERT_TLV_INFO: Info, ask for the converter's TCP extensions
 * @MPCONV_CONVERT_TLV_CONNECT: Connect, remote port, address, TCP options
 * @MPCONV_CONVERT_TLV_TCPHDR: Extended TCP Header, the server's SYN+ACK
 *	options
 * @MPCONV_CONVERT_TLV_SUPPORTED: Supported TCP Extensions, option kinds
 * @MPCONV_CONVERT_TLV_COOKIE: Cookie, opaque
 * @MPCONV_CONVERT_TLV_ERROR: Error, code and value
 * @MPCONV_CONVERT_TLV_PRIV_MIN: first private-use type (up to 255)
 */
enum mpconv_convert_tlv {
	MPCONV_CONVERT_TLV_INFO		= 1,
	MPCONV_CONVERT_TLV_CONNECT	= 10,
	MPCONV_CONVERT_TLV_TCPHDR	= 20,
	MPCONV_CONVERT_TLV_SUPPORTED	= 21,
	MPCONV_CONVERT_TLV_COOKIE	= 22,
	MPCONV_CONVERT_TLV_ERROR	= 30,
	MPCONV_CONVERT_TLV_PRIV_MIN	= 192,
};

/**
 * enum mpconv_convert_err - Convert error codes (IANA "Convert Errors")
 * @MPCONV_CONVERT_E_VERSION: Unsupported Version; value: versions supported
 * @MPCONV_CONVERT_E_MALFORMED: Malformed Message; value: a zero byte, then
 *	the received message
 * @MPCONV_CONVERT_E_UNSUPPORTED: Unsupported Message; value as Malformed
 * @MPCONV_CONVERT_E_MISSING_COOKIE: Missing Cookie; value: a zero byte, then
 *	the cookie to use
 * @MPCONV_CONVERT_E_NOT_AUTHORIZED: Not Authorized; value zero
 * @MPCONV_CONVERT_E_TCPOPT: Unsupported TCP Option; value: the kinds
 * @MPCONV_CONVERT_E_RESOURCE: Resource Exceeded; value: delay in seconds
 * @MPCONV_CONVERT_E_NETWORK: Network Failure; value: delay in seconds
 * @MPCONV_CONVERT_E_CONN_RESET: Connection Reset by the server; value zero
 * @MPCONV_CONVERT_E_UNREACH: Destination Unreachable; value: the ICMP code
 */
enum mpconv_convert_err {
	MPCONV_CONVERT_E_VERSION	= 0,
	MPCONV_CONVERT_E_MALFORMED	= 1,
	MPCONV_CONVERT_E_UNSUPPORTED	= 2,
	MPCONV_CONVERT_E_MISSING_COOKIE	= 3,
	MPCONV_CONVERT_E_NOT_AUTHORIZED	= 32,
	MPCONV_CONVERT_E_TCPOPT		= 33,
	MPCONV_CONVERT_E_RESOURCE	= 64,
	MPCONV_CONVERT_E_NETWORK	= 65,
	MPCONV_CONVERT_E_CONN_RESET	= 96,
	MPCONV_CONVERT_E_UNREACH	= 97,
};

/* Bits of mpconv_convert_msg.present */
#define MPCONV_CONVERT_F_INFO		BIT(0)
#define MPCONV_CONVERT_F_CONNECT	BIT(1)
#define MPCONV_CONVERT_F_TCPHDR		BIT(2)
#define MPCONV_CONVERT_F_SUPPORTED	BIT(3)
#define MPCONV_CONVERT_F_COOKIE		BIT(4)
#define MPCONV_CONVERT_F_ERROR		BIT(5)

/**
 * struct mpconv_convert_span - bytes of a decoded message
 * @off: offset from the first byte of the message (the Version byte)
 * @len: number of bytes
 *
 * Offsets rather than pointers: the result stays valid if the caller moves
 * the message, and decoding the same bytes twice gives equal structures.
 */
struct mpconv_convert_span {
	u16 off;
	u16 len;
};

/**
 * struct mpconv_convert_priv - one private-use TLV
 * @type: TLV type, 192-255
 * @value: everything after the Type and Length bytes, padding included
 */
struct mpconv_convert_priv {
	u8 type;
	struct mpconv_convert_span value;
};

/**
 * struct mpconv_convert_msg - a decoded Convert message
 * @len: message length in bytes (Total Length * 4)
 * @present: MPCONV_CONVERT_F_* bits of the TLVs the message carries
 * @port: Connect remote port, host order
 * @addr: Connect remote address, IPv4 as ::ffff:a.b.c.d (network order)
 * @error: Error code
 * @n_priv: number of entries used in @priv
 * @connect_opts: Connect TCP options, up to the first EOL (padding excluded)
 * @tcp_opts: Extended TCP Header options, the whole field (it is a copy of
 *	the SYN+ACK's options, which are already a multiple of 4 bytes)
 * @kinds: Supported TCP Extensions kinds, padding excluded (one byte each)
 * @cookie: Cookie, padding included (the cookie is opaque: a converter
 *	should issue cookies whose length is a multiple of 4)
 * @error_value: Error value, padding included
 * @priv: private-use TLVs in the order they appear
 *
 * Spans point into the buffer given to mpconv_convert_decode(); fields of
 * TLVs that are not present are zero. The structure is only meaningful
 * when the decoder returned a positive length.
 */
struct mpconv_convert_msg {
	u16 len;
	u16 present;
	u16 port;
	u8 addr[16];
	u8 error;
	u8 n_priv;
	struct mpconv_convert_span connect_opts;
	struct mpconv_convert_span tcp_opts;
	struct mpconv_convert_span kinds;
	struct mpconv_convert_span cookie;
	struct mpconv_convert_span error_value;
	struct mpconv_convert_priv priv[MPCONV_CONVERT_MAX_PRIV];
};

/**
 * struct mpconv_convert_opt - one TCP option found by mpconv_convert_opt_next()
 * @kind: option kind (never 0 or 1: EOL ends the walk, NOPs are skipped)
 * @len: option length, kind and length bytes included (>= 2)
 * @off: offset of the kind byte in the option list
 */
struct mpconv_convert_opt {
	u8 kind;
	u8 len;
	u16 off;
};

/**
 * struct mpconv_convert_builder - state of a message being encoded
 * @buf: output buffer
 * @cap: usable size of @buf, at most MPCONV_CONVERT_MAX_LEN
 * @len: bytes written so far, a multiple of 4
 * @present: MPCONV_CONVERT_F_* bits of the TLVs added
 * @dir: direction, decides which TLVs may be added
 * @n_priv: number of private-use TLVs added
 * @priv: their types, to refuse duplicates
 *
 * Fields are private to convert.c; set up with mpconv_convert_begin().
 */
struct mpconv_convert_builder {
	u8 *buf;
	u16 cap;
	u16 len;
	u16 present;
	u8 dir;
	u8 n_priv;
	u8 priv[MPCONV_CONVERT_MAX_PRIV];
};

int mpconv_convert_decode(const u8 *buf, size_t len, enum mpconv_convert_dir dir,
			  struct mpconv_convert_msg *msg, u8 *err);

u8 mpconv_convert_priv_unknown(const struct mpconv_convert_msg *msg, u64 known);

int mpconv_convert_opts_check(const u8 *opts, size_t len, bool zero_pad);
int mpconv_convert_opt_next(const u8 *opts, size_t len, size_t *pos,
			    struct mpconv_convert_opt *opt);

bool mpconv_convert_addr_valid(const u8 *addr);
bool mpconv_convert_addr_is_v4mapped(const u8 *addr);
void mpconv_convert_addr_v4mapped(u8 *addr, const u8 *v4);

int mpconv_convert_begin(struct mpconv_convert_builder *b, u8 *buf, size_t cap,
			 enum mpconv_convert_dir dir);
int mpconv_convert_add_info(struct mpconv_convert_builder *b);
int mpconv_convert_add_connect(struct mpconv_convert_builder *b, const u8 *addr, u16 port,
			       const u8 *opts, size_t opts_len);
int mpconv_convert_add_tcphdr(struct mpconv_convert_builder *b, const u8 *opts,
			      size_t opts_len);
int mpconv_convert_add_supported(struct mpconv_convert_builder *b, const u8 *kinds,
				 size_t n);
int mpconv_convert_add_cookie(struct mpconv_convert_builder *b, const u8 *cookie,
			      size_t len);
int mpconv_convert_add_error(struct mpconv_convert_builder *b, u8 code, const u8 *value,
			     size_t len);
int mpconv_convert_add_error_echo(struct mpconv_convert_builder *b, u8 code,
				  const u8 *msg, size_t len);
int mpconv_convert_add_private(struct mpconv_convert_builder *b, u8 type, const u8 *value,
			       size_t len);
int mpconv_convert_finish(struct mpconv_convert_builder *b);

#endif /* _MPCONV_CONVERT_H */
