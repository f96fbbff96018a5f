// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Convert codec (kmod/convert.c, built as its own
 * translation unit). Output is TAP; the exit status is non-zero on failure.
 *
 * The decoder always gets exact-size heap copies, so AddressSanitizer
 * catches any read past the bytes it was given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "convert.h"
#include "vectors.h"
#include "check.h"

static unsigned int n_tests, n_failed;

static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %u - ", cond ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static u8 *dup_bytes(const u8 *src, size_t len)
{
	u8 *p;

	if (!len)
		return NULL;
	p = malloc(len);
	if (!p) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, src, len);
	return p;
}

/* Decode an exact-size copy of src[0, len) */
static int decode_copy(const u8 *src, size_t len, enum mpconv_convert_dir dir,
		       struct mpconv_convert_msg *msg, u8 *err)
{
	u8 *p = dup_bytes(src, len);
	int ret;

	*err = 0xee;
	ret = mpconv_convert_decode(p, len, dir, msg, err);
	free(p);
	return ret;
}

static const struct vec *find_vec(const char *name)
{
	size_t i;

	for (i = 0; i < N_VECTORS; i++)
		if (!strcmp(vectors[i].name, name))
			return &vectors[i];
	fprintf(stderr, "no vector %s\n", name);
	exit(2);
}

/* Decode a vector whole; on success @msg holds the result */
static bool decode_vec(const struct vec *v, struct mpconv_convert_msg *msg)
{
	u8 err;
	int ret = decode_copy(v->buf, v->len, v->dir, msg, &err);

	if (ret != v->ret || (ret == -EBADMSG && err != v->err)) {
		diag("%s: got %d err %u, want %d err %u", v->name, ret, err, v->ret, v->err);
		return false;
	}
	return true;
}

/*
 * Every prefix 0..len: "need more" below v->at, the final verdict from
 * there on (same error code, same decoded message).
 */
static bool sweep_prefixes(const char *name, const u8 *buf, size_t len,
			   enum mpconv_convert_dir dir, int want, u8 want_err, size_t at)
{
	struct mpconv_convert_msg full, msg;
	u8 err, ferr;
	size_t k;

	mpconv_convert_decode(buf, len, dir, &full, &ferr);
	for (k = 0; k <= len; k++) {
		int ret = decode_copy(buf, k, dir, &msg, &err);
		int exp = k < at ? 0 : want;

		if (ret != exp || (ret == -EBADMSG && err != want_err) ||
		    (ret > 0 && (ret > (int)k || !msg_identical(&msg, &full)))) {
			diag("%s: prefix %zu: got %d err %u, want %d err %u", name, k, ret,
			     err, exp, want_err);
			return false;
		}
	}
	return true;
}

static void test_vectors(void)
{
	struct mpconv_convert_msg msg;
	size_t i;

	for (i = 0; i < N_VECTORS; i++) {
		const struct vec *v = &vectors[i];

		if (v->ret > 0 && (v->ret != v->buf[1] * 4 || (size_t)v->ret > v->len ||
				   v->at != (size_t)v->ret))
			diag("%s: inconsistent vector", v->name);
		ok(decode_vec(v, &msg), "decode %s", v->name);
		ok(sweep_prefixes(v->name, v->buf, v->len, v->dir, v->ret, v->err, v->at),
		   "prefixes %s", v->name);
	}
}

static bool span_is(const u8 *buf, const struct mpconv_convert_span *s, size_t off,
		    const u8 *want, size_t len)
{
	return s->off == off && s->len == len && !memcmp(buf + s->off, want, len);
}

/* Walk a TCP option list, expecting the given kinds and lengths */
static bool opts_are(const u8 *opts, size_t len, const u8 *kinds, const u8 *lens, size_t n)
{
	struct mpconv_convert_opt opt;
	size_t pos = 0, i;

	for (i = 0; i < n; i++)
		if (mpconv_convert_opt_next(opts, len, &pos, &opt) != 1 ||
		    opt.kind != kinds[i] || opt.len != lens[i])
			return false;
	return mpconv_convert_opt_next(opts, len, &pos, &opt) == 0 && pos == len;
}

#define ARR(...)	((const u8[]){ __VA_ARGS__ })

static void test_fields(void)
{
	static const u8 v4[] = { V4(192, 0, 2, 1) };
	static const u8 v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct mpconv_convert_msg m;
	const struct vec *v;
	const u8 *b;

	v = find_vec("req-connect-v4");
	b = v->buf;
	ok(decode_vec(v, &m) && m.len == 24 && m.present == MPCONV_CONVERT_F_CONNECT &&
	   m.port == 80 && !memcmp(m.addr, v4, 16) && m.connect_opts.off == 24 &&
	   m.connect_opts.len == 0 && m.n_priv == 0, "fields req-connect-v4");

	v = find_vec("req-connect-v6-opts");
	b = v->buf;
	ok(decode_vec(v, &m) && m.port == 443 && !memcmp(m.addr, v6, 16) &&
	   span_is(b, &m.connect_opts, 24, ARR(0x1e, 0x02, 0x22, 0x02), 4) &&
	   opts_are(b + 24, 4, ARR(30, 34), ARR(2, 2), 2), "fields req-connect-v6-opts");

	v = find_vec("req-connect-opts-padded");
	b = v->buf;
	ok(decode_vec(v, &m) && m.port == 5060 &&
	   span_is(b, &m.connect_opts, 24, ARR(4, 2, 8, 2, 0x1e, 2), 6) &&
	   opts_are(b + 24, 6, ARR(4, 8, 30), ARR(2, 2, 2), 3), "fields req-connect-opts-padded");

	v = find_vec("req-connect-nop");
	b = v->buf;
	ok(decode_vec(v, &m) && m.port == 22 && m.connect_opts.len == 3 &&
	   opts_are(b + 24, 3, ARR(4), ARR(2), 1), "fields req-connect-nop (NOP skipped)");

	ok(decode_vec(find_vec("req-info"), &m) && m.present == MPCONV_CONVERT_F_INFO &&
	   m.len == 8, "fields req-info");

	v = find_vec("req-info-connect-cookie");
	b = v->buf;
	ok(decode_vec(v, &m) && m.present == (MPCONV_CONVERT_F_INFO | MPCONV_CONVERT_F_CONNECT |
					      MPCONV_CONVERT_F_COOKIE) &&
	   span_is(b, &m.cookie, 32, ARR(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4), 8),
	   "fields req-info-connect-cookie");

	v = find_vec("req-cookie-connect");
	b = v->buf;
	ok(decode_vec(v, &m) && m.port == 8080 && m.addr[12] == 10 && m.addr[15] == 3 &&
	   span_is(b, &m.cookie, 8, ARR(0xa1, 0xb2, 0xc3, 0xd4), 4), "fields req-cookie-connect");

	v = find_vec("req-connect-private");
	b = v->buf;
	ok(decode_vec(v, &m) && m.n_priv == 1 && m.priv[0].type == 0xc0 &&
	   span_is(b, &m.priv[0].value, 26, ARR(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc), 6),
	   "fields req-connect-private");

	v = find_vec("req-four-private");
	b = v->buf;
	ok(decode_vec(v, &m) && m.n_priv == 4 && m.present == 0 &&
	   m.priv[0].type == 0xc0 && m.priv[1].type == 0xc8 && m.priv[2].type == 0xfe &&
	   m.priv[3].type == 0xff && span_is(b, &m.priv[1].value, 10, ARR(0xaa, 0xbb), 2) &&
	   span_is(b, &m.priv[2].value, 14, ARR(1, 2, 3, 4, 5, 6), 6) &&
	   m.priv[3].value.len == 2, "fields req-four-private");

	ok(decode_vec(find_vec("req-header-only"), &m) && m.present == 0 && m.len == 4,
	   "fields req-header-only");
	ok(decode_vec(find_vec("req-info-then-data"), &m) && m.len == 8,
	   "fields req-info-then-data (application data left alone)");
	ok(decode_vec(find_vec("rep-empty"), &m) && m.present == 0 && m.n_priv == 0,
	   "fields rep-empty");

	v = find_vec("rep-tcphdr");
	b = v->buf;
	ok(decode_vec(v, &m) && m.present == MPCONV_CONVERT_F_TCPHDR &&
	   m.tcp_opts.off == 8 && m.tcp_opts.len == 20 &&
	   opts_are(b + 8, 20, ARR(2, 4, 8, 3), ARR(4, 2, 10, 3), 4), "fields rep-tcphdr");

	v = find_vec("rep-tcphdr-mpc");
	b = v->buf;
	ok(decode_vec(v, &m) && m.tcp_opts.len == 16 &&
	   opts_are(b + 8, 16, ARR(2, 30), ARR(4, 12), 2), "fields rep-tcphdr-mpc (MP_CAPABLE)");

	ok(decode_vec(find_vec("rep-tcphdr-empty"), &m) &&
	   m.present == MPCONV_CONVERT_F_TCPHDR && m.tcp_opts.len == 0,
	   "fields rep-tcphdr-empty");

	v = find_vec("rep-supported");
	b = v->buf;
	ok(decode_vec(v, &m) && m.present == MPCONV_CONVERT_F_SUPPORTED &&
	   span_is(b, &m.kinds, 8, ARR(4, 8, 30, 34), 4), "fields rep-supported");
	v = find_vec("rep-supported-padded");
	b = v->buf;
	ok(decode_vec(v, &m) && span_is(b, &m.kinds, 8, ARR(30), 1),
	   "fields rep-supported-padded");

	v = find_vec("rep-error-version");
	b = v->buf;
	ok(decode_vec(v, &m) && m.present == MPCONV_CONVERT_F_ERROR &&
	   m.error == MPCONV_CONVERT_E_VERSION && span_is(b, &m.error_value, 7, ARR(1), 1),
	   "fields rep-error-version");

	v = find_vec("rep-error-missing-cookie");
	b = v->buf;
	ok(decode_vec(v, &m) && m.error == MPCONV_CONVERT_E_MISSING_COOKIE &&
	   span_is(b, &m.error_value, 7, ARR(0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8),
		   9), "fields rep-error-missing-cookie");

	v = find_vec("rep-error-malformed-echo");
	b = v->buf;
	ok(decode_vec(v, &m) && m.error == MPCONV_CONVERT_E_MALFORMED &&
	   m.error_value.len == 9 && b[m.error_value.off] == 0 &&
	   !memcmp(b + m.error_value.off + 1, find_vec("type-0")->buf, 8),
	   "fields rep-error-malformed-echo");

	v = find_vec("rep-error-unreachable");
	b = v->buf;
	ok(decode_vec(v, &m) && m.error == MPCONV_CONVERT_E_UNREACH &&
	   span_is(b, &m.error_value, 7, ARR(3), 1), "fields rep-error-unreachable");

	v = find_vec("rep-error-cookie");
	b = v->buf;
	ok(decode_vec(v, &m) && m.present == (MPCONV_CONVERT_F_ERROR | MPCONV_CONVERT_F_COOKIE) &&
	   m.error == MPCONV_CONVERT_E_MISSING_COOKIE &&
	   span_is(b, &m.cookie, 12, ARR(1, 2, 3, 4, 5, 6, 7, 8), 8), "fields rep-error-cookie");

	v = find_vec("rep-private");
	b = v->buf;
	ok(decode_vec(v, &m) && m.n_priv == 1 && m.priv[0].type == 0xe0 &&
	   span_is(b, &m.priv[0].value, 6, ARR(0, 0, 1, 2, 3, 4), 6), "fields rep-private");
}

/*
 * Each of the 256 TLV types, as a one-word TLV, in each direction; the
 * expected verdict comes from the table in convert.h, written out again.
 */
static void test_type_sweep(void)
{
	static const u8 req_ok[] = { 1 }, rep_ok[] = { 20, 21, 30 };
	static const u8 too_short[] = { 10, 22 };	/* Connect, Cookie need more */
	int d;

	for (d = 0; d < 2; d++) {
		enum mpconv_convert_dir dir = d ? REP : REQ;
		bool good = true;
		unsigned int t;

		for (t = 0; t < 256; t++) {
			u8 buf[8] = { HDR(2), (u8)t, 0x01, 0x00, 0x00 };
			int want = -EBADMSG;
			u8 want_err = E_UNS;
			size_t at = 5, i;

			if (t >= 192)
				want = 8;
			for (i = 0; i < (d ? sizeof(rep_ok) : sizeof(req_ok)); i++)
				if (t == (d ? rep_ok : req_ok)[i])
					want = 8;
			for (i = 0; i < sizeof(too_short); i++)
				if (t == too_short[i] && (t == 22 || !d)) {
					want_err = E_MAL;
					at = 6;
				}
			if (want > 0)
				at = 8;
			if (!sweep_prefixes("type", buf, sizeof(buf), dir, want, want_err, at)) {
				diag("type %u", t);
				good = false;
			}
		}
		ok(good, "all 256 TLV types, %s", d ? "reply" : "request");
	}
}

static void test_max_size(void)
{
	static u8 buf[1020 + 8];
	struct mpconv_convert_msg m;
	size_t len;
	u8 err;

	len = max_request(buf);
	ok(decode_copy(buf, len, REQ, &m, &err) == 1020 && m.len == 1020 && m.n_priv == 1 &&
	   m.priv[0].type == 0xfe && m.priv[0].value.off == 26 && m.priv[0].value.len == 994,
	   "max-size request, 1020 bytes");
	ok(sweep_prefixes("max request", buf, len, REQ, 1020, 0, 1020),
	   "prefixes max-size request");
	buf[1020] = 0xaa;	/* application data right after */
	ok(decode_copy(buf, 1021, REQ, &m, &err) == 1020, "max-size request + data");

	len = max_reply(buf);
	ok(decode_copy(buf, len, REP, &m, &err) == 1020 && m.error == 1 &&
	   m.error_value.off == 7 && m.error_value.len == 1013,
	   "max-size reply, 1020 bytes");
	ok(sweep_prefixes("max reply", buf, len, REP, 1020, 0, 1020), "prefixes max-size reply");

	/* one private TLV as long as Length allows, in a message one word short */
	buf[1] = 254;
	ok(decode_copy(buf, len, REP, &m, &err) == -EBADMSG && err == E_MAL,
	   "TLV running one word past Total Length");
}

/* ---- encoder ---- */

static bool same_as_vec(const char *name, const u8 *buf, int len)
{
	const struct vec *v = find_vec(name);

	if (len != v->ret || memcmp(buf, v->buf, (size_t)len)) {
		diag("%s: encoder gave %d bytes, want %d", name, len, v->ret);
		return false;
	}
	return true;
}

static void test_encode_vectors(void)
{
	static const u8 v4[] = { 192, 0, 2, 1 };
	static const u8 v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const u8 synack[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 1, 2, 3, 4, 5, 6, 7,
				     1, 3, 3, 7 };
	static const u8 mpc[] = { 2, 4, 5, 0xa0, 0x1e, 0x0c, 0x01, 0x81,
				  0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const u8 cookie[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	static const u8 mc[] = { 0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8 };
	struct mpconv_convert_builder b;
	u8 addr[16], buf[64];

	mpconv_convert_addr_v4mapped(addr, v4);

	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_connect(&b, addr, 80, NULL, 0);
	ok(same_as_vec("req-connect-v4", buf, mpconv_convert_finish(&b)), "encode req-connect-v4");

	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_connect(&b, v6, 443, ARR(0x1e, 2, 0x22, 2), 4);
	ok(same_as_vec("req-connect-v6-opts", buf, mpconv_convert_finish(&b)),
	   "encode req-connect-v6-opts");

	mpconv_convert_addr_v4mapped(addr, ARR(198, 51, 100, 7));
	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_connect(&b, addr, 5060, ARR(4, 2, 8, 2, 0x1e, 2), 6);
	ok(same_as_vec("req-connect-opts-padded", buf, mpconv_convert_finish(&b)),
	   "encode req-connect-opts-padded (zero padding)");

	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_info(&b);
	ok(same_as_vec("req-info", buf, mpconv_convert_finish(&b)), "encode req-info");

	mpconv_convert_addr_v4mapped(addr, v4);
	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_info(&b);
	mpconv_convert_add_connect(&b, addr, 80, NULL, 0);
	mpconv_convert_add_cookie(&b, cookie, sizeof(cookie));
	ok(same_as_vec("req-info-connect-cookie", buf, mpconv_convert_finish(&b)),
	   "encode req-info-connect-cookie");

	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	mpconv_convert_add_connect(&b, addr, 80, NULL, 0);
	mpconv_convert_add_private(&b, 0xc0, ARR(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc), 6);
	ok(same_as_vec("req-connect-private", buf, mpconv_convert_finish(&b)),
	   "encode req-connect-private");

	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	ok(same_as_vec("req-header-only", buf, mpconv_convert_finish(&b)),
	   "encode req-header-only");
	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	ok(same_as_vec("rep-empty", buf, mpconv_convert_finish(&b)), "encode rep-empty");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_tcphdr(&b, synack, sizeof(synack));
	ok(same_as_vec("rep-tcphdr", buf, mpconv_convert_finish(&b)), "encode rep-tcphdr");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_tcphdr(&b, mpc, sizeof(mpc));
	ok(same_as_vec("rep-tcphdr-mpc", buf, mpconv_convert_finish(&b)), "encode rep-tcphdr-mpc");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_tcphdr(&b, NULL, 0);
	ok(same_as_vec("rep-tcphdr-empty", buf, mpconv_convert_finish(&b)),
	   "encode rep-tcphdr-empty");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_supported(&b, ARR(4, 8, 30, 34), 4);
	ok(same_as_vec("rep-supported", buf, mpconv_convert_finish(&b)), "encode rep-supported");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_supported(&b, ARR(30), 1);
	ok(same_as_vec("rep-supported-padded", buf, mpconv_convert_finish(&b)),
	   "encode rep-supported-padded");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_error(&b, MPCONV_CONVERT_E_VERSION, ARR(MPCONV_CONVERT_VERSION), 1);
	ok(same_as_vec("rep-error-version", buf, mpconv_convert_finish(&b)),
	   "encode rep-error-version");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_error(&b, MPCONV_CONVERT_E_MISSING_COOKIE, mc, sizeof(mc));
	ok(same_as_vec("rep-error-missing-cookie", buf, mpconv_convert_finish(&b)),
	   "encode rep-error-missing-cookie");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_error_echo(&b, MPCONV_CONVERT_E_MALFORMED, find_vec("type-0")->buf, 8);
	ok(same_as_vec("rep-error-malformed-echo", buf, mpconv_convert_finish(&b)),
	   "encode rep-error-malformed-echo (echo shifted by one byte)");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_error(&b, MPCONV_CONVERT_E_UNREACH, ARR(3), 1);
	ok(same_as_vec("rep-error-unreachable", buf, mpconv_convert_finish(&b)),
	   "encode rep-error-unreachable");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_error(&b, MPCONV_CONVERT_E_MISSING_COOKIE, NULL, 0);
	mpconv_convert_add_cookie(&b, ARR(1, 2, 3, 4, 5, 6, 7, 8), 8);
	ok(same_as_vec("rep-error-cookie", buf, mpconv_convert_finish(&b)),
	   "encode rep-error-cookie (empty value sent as one zero byte)");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_private(&b, 0xe0, ARR(0, 0, 1, 2, 3, 4), 6);
	ok(same_as_vec("rep-private", buf, mpconv_convert_finish(&b)), "encode rep-private");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	mpconv_convert_add_tcphdr(&b, NULL, 0);
	mpconv_convert_add_supported(&b, ARR(30), 1);
	mpconv_convert_add_private(&b, 0xf0, NULL, 0);
	ok(same_as_vec("rep-tcphdr-supported-private", buf, mpconv_convert_finish(&b)),
	   "encode rep-tcphdr-supported-private");
}

/* A call that must fail with @want and leave the builder as it was */
static bool refused(struct mpconv_convert_builder *b, int ret, int want,
		    const struct mpconv_convert_builder *before)
{
	return ret == want && b->len == before->len && b->present == before->present &&
	       b->n_priv == before->n_priv;
}

static void test_encode_invalid(void)
{
	static const u8 good[16] = { V4(192, 0, 2, 1) };
	static const u8 bad_addrs[][16] = {
		{ 0 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ V4(127, 0, 0, 1) }, { V4(224, 0, 0, 1) }, { V4(255, 255, 255, 255) },
		{ V4(0, 0, 0, 0) },
	};
	struct mpconv_convert_builder b, before;
	u8 buf[256];
	size_t i;
	bool all;

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	before = b;
	ok(refused(&b, mpconv_convert_add_info(&b), -EINVAL, &before), "no Info in a reply");
	ok(refused(&b, mpconv_convert_add_connect(&b, good, 80, NULL, 0), -EINVAL, &before),
	   "no Connect in a reply");
	mpconv_convert_begin(&b, buf, sizeof(buf), REQ);
	before = b;
	ok(refused(&b, mpconv_convert_add_tcphdr(&b, NULL, 0), -EINVAL, &before),
	   "no Extended TCP Header in a request");
	ok(refused(&b, mpconv_convert_add_supported(&b, NULL, 0), -EINVAL, &before),
	   "no Supported TCP Extensions in a request");
	ok(refused(&b, mpconv_convert_add_error(&b, 1, NULL, 0), -EINVAL, &before),
	   "no Error in a request");
	ok(refused(&b, mpconv_convert_add_error_echo(&b, 1, NULL, 0), -EINVAL, &before),
	   "no Error echo in a request");

	ok(refused(&b, mpconv_convert_add_connect(&b, good, 0, NULL, 0), -EINVAL, &before),
	   "Connect port 0 refused");
	all = true;
	for (i = 0; i < ARRAY_SIZE(bad_addrs); i++)
		all &= refused(&b, mpconv_convert_add_connect(&b, bad_addrs[i], 80, NULL, 0),
			       -EINVAL, &before);
	ok(all, "Connect to unspecified/loopback/multicast/broadcast refused");
	ok(refused(&b, mpconv_convert_add_connect(&b, good, 80, ARR(0x1e, 1), 2), -EINVAL,
		   &before), "Connect option length 1 refused");
	ok(refused(&b, mpconv_convert_add_connect(&b, good, 80, ARR(0x1e, 2, 0, 5), 4), -EINVAL,
		   &before), "Connect option after EOL refused");
	ok(refused(&b, mpconv_convert_add_connect(&b, good, 80, ARR(0x1e), 1), -EINVAL, &before),
	   "Connect truncated option refused");
	ok(refused(&b, mpconv_convert_add_cookie(&b, ARR(1), 0), -EINVAL, &before),
	   "empty Cookie refused");
	ok(refused(&b, mpconv_convert_add_cookie(&b, buf, 5000), -ENOSPC, &before),
	   "Cookie longer than a message refused");
	ok(refused(&b, mpconv_convert_add_private(&b, 191, NULL, 0), -EINVAL, &before) &&
	   refused(&b, mpconv_convert_add_private(&b, 0, NULL, 0), -EINVAL, &before),
	   "non-private types refused by add_private");

	ok(mpconv_convert_add_info(&b) == 0 && mpconv_convert_add_cookie(&b, ARR(1), 1) == 0,
	   "Info and Cookie added");
	before = b;
	ok(refused(&b, mpconv_convert_add_info(&b), -EINVAL, &before), "second Info refused");
	ok(refused(&b, mpconv_convert_add_cookie(&b, ARR(1), 1), -EINVAL, &before),
	   "second Cookie refused");
	ok(mpconv_convert_add_private(&b, 0xc0, NULL, 0) == 0 &&
	   mpconv_convert_add_private(&b, 0xc1, NULL, 0) == 0 &&
	   mpconv_convert_add_private(&b, 0xc2, NULL, 0) == 0, "three private TLVs added");
	before = b;
	ok(refused(&b, mpconv_convert_add_private(&b, 0xc2, NULL, 0), -EINVAL, &before),
	   "repeated private type refused");
	ok(mpconv_convert_add_private(&b, 0xc3, NULL, 0) == 0, "fourth private TLV added");
	before = b;
	ok(refused(&b, mpconv_convert_add_private(&b, 0xc4, NULL, 0), -EINVAL, &before),
	   "fifth private TLV refused");

	mpconv_convert_begin(&b, buf, sizeof(buf), REP);
	before = b;
	all = true;
	for (i = 0; i < 3; i++)
		all &= refused(&b, mpconv_convert_add_supported(&b, ARR(30, (u8)i), 2), -EINVAL,
			       &before);
	ok(all, "kinds 0, 1, 2 refused in Supported TCP Extensions");
	ok(refused(&b, mpconv_convert_add_tcphdr(&b, ARR(8, 10, 0, 0), 4), -EINVAL, &before),
	   "Extended TCP Header option past the end refused");
	ok(mpconv_convert_add_error(&b, 1, NULL, 0) == 0, "Error added");
	before = b;
	ok(refused(&b, mpconv_convert_add_error(&b, 2, NULL, 0), -EINVAL, &before) &&
	   refused(&b, mpconv_convert_add_error_echo(&b, 2, NULL, 0), -EINVAL, &before),
	   "second Error refused");

	ok(mpconv_convert_begin(&b, buf, sizeof(buf), (enum mpconv_convert_dir)7) == -EINVAL,
	   "begin: bad direction refused");
	{
		struct mpconv_convert_msg m;
		u8 err;

		ok(mpconv_convert_decode(find_vec("req-info")->buf, 8, (enum mpconv_convert_dir)7,
					 &m, &err) == -EINVAL, "decode: bad direction refused");
		ok(mpconv_convert_decode(NULL, 0, REQ, &m, &err) == 0,
		   "decode: no bytes is need more");
	}
}

/* Build Info + Connect with options + Cookie + private: 4 + 4 + 24 + 12 + 8 bytes */
static int script(u8 *buf, size_t cap, struct mpconv_convert_builder *b)
{
	static const u8 addr[16] = { V4(192, 0, 2, 1) };
	int ret;

	ret = mpconv_convert_begin(b, buf, cap, REQ);
	if (!ret)
		ret = mpconv_convert_add_info(b);
	if (!ret)
		ret = mpconv_convert_add_connect(b, addr, 80, ARR(0x1e, 2), 2);
	if (!ret)
		ret = mpconv_convert_add_cookie(b, ARR(1, 2, 3, 4, 5, 6, 7), 7);
	if (!ret)
		ret = mpconv_convert_add_private(b, 0xd0, ARR(9, 9, 9), 3);
	return ret ? ret : mpconv_convert_finish(b);
}

static void test_encode_space(void)
{
	struct mpconv_convert_builder b;
	struct mpconv_convert_msg m;
	static u8 big[4096];
	bool all = true;
	size_t cap, i;
	u8 err;
	int ret;

	/* every capacity below what is needed: -ENOSPC, no write past cap */
	for (cap = 0; cap < 52; cap++) {
		u8 *buf = malloc(cap + 1);

		memset(buf, 0xa5, cap + 1);
		ret = script(buf, cap, &b);
		if (ret != -ENOSPC) {
			diag("cap %zu: %d", cap, ret);
			all = false;
		}
		for (i = b.len; i <= cap; i++)
			if (buf[i] != 0xa5) {
				diag("cap %zu: byte %zu written by a failed add", cap, i);
				all = false;
				break;
			}
		free(buf);
	}
	ok(all, "builder: -ENOSPC for every capacity below 52, failed adds write nothing");

	{
		u8 *buf = malloc(52);

		ret = script(buf, 52, &b);
		ok(ret == 52 && mpconv_convert_decode(buf, 52, REQ, &m, &err) == 52 &&
		   m.present == (MPCONV_CONVERT_F_INFO | MPCONV_CONVERT_F_CONNECT |
				 MPCONV_CONVERT_F_COOKIE) && m.n_priv == 1 &&
		   m.connect_opts.len == 2 && m.cookie.len == 8,
		   "builder: exact capacity 52 fits and decodes");
		free(buf);
	}

	ok(mpconv_convert_begin(&b, big, 3, REQ) == -ENOSPC &&
	   mpconv_convert_add_info(&b) == -ENOSPC && mpconv_convert_finish(&b) == -ENOSPC,
	   "builder: capacity 3, every call -ENOSPC");

	mpconv_convert_begin(&b, big, 11, REQ);
	ok(mpconv_convert_add_info(&b) == 0 &&
	   mpconv_convert_add_cookie(&b, ARR(1), 1) == -ENOSPC &&
	   mpconv_convert_finish(&b) == 8, "builder: capacity 11 holds two words");

	/* the 1020-byte limit holds whatever the buffer size */
	mpconv_convert_begin(&b, big, sizeof(big), REQ);
	ok(mpconv_convert_add_private(&b, 0xc0, big + 2048, 1015) == -ENOSPC,
	   "builder: a TLV of 1020 bytes does not fit after the header");
	ok(mpconv_convert_add_private(&b, 0xc0, big + 2048, 1014) == 0 &&
	   mpconv_convert_add_private(&b, 0xc1, NULL, 0) == -ENOSPC &&
	   mpconv_convert_finish(&b) == 1020 && big[1] == 255 &&
	   mpconv_convert_decode(big, sizeof(big), REQ, &m, &err) == 1020 &&
	   m.priv[0].value.len == 1014, "builder: 1020-byte message, Total Length 255");

	/* an echo is cut to what fits */
	max_request(big + 2048);
	mpconv_convert_begin(&b, big, sizeof(big), REP);
	ret = mpconv_convert_add_error_echo(&b, MPCONV_CONVERT_E_MALFORMED, big + 2048, 1020);
	ok(ret == 0 && mpconv_convert_finish(&b) == 1020 &&
	   mpconv_convert_decode(big, 1020, REP, &m, &err) == 1020 &&
	   m.error_value.len == 1013 && big[m.error_value.off] == 0 &&
	   !memcmp(big + m.error_value.off + 1, big + 2048, 1012),
	   "builder: echo of a 1020-byte message cut to 1012 bytes");

	mpconv_convert_begin(&b, big, 8, REP);
	ok(mpconv_convert_add_error_echo(&b, 1, big + 2048, 1020) == 0 &&
	   mpconv_convert_finish(&b) == 8 && big[5] == 1 && big[6] == 1 && big[7] == 0,
	   "builder: echo with one word left is an empty echo");
	mpconv_convert_begin(&b, big, 4, REP);
	ok(mpconv_convert_add_error_echo(&b, 1, big + 2048, 1020) == -ENOSPC,
	   "builder: echo with no room is -ENOSPC");
}

/* Decode, encode again, decode again: same content, and stable */
static bool roundtrip(const char *name, const u8 *buf, size_t len, enum mpconv_convert_dir dir)
{
	static u8 out[1020], out2[1020];
	struct mpconv_convert_msg m, m2, m3;
	int r, r2, r3;
	u8 err;

	r = mpconv_convert_decode(buf, len, dir, &m, &err);
	if (r <= 0)
		return false;
	r2 = reencode(buf, &m, dir, out, sizeof(out));
	if (r2 <= 0 || r2 > r || mpconv_convert_decode(out, (size_t)r2, dir, &m2, &err) != r2 ||
	    !msg_same(buf, &m, out, &m2)) {
		diag("%s: re-encoding gave %d", name, r2);
		return false;
	}
	r3 = reencode(out, &m2, dir, out2, sizeof(out2));
	if (r3 != r2 || memcmp(out, out2, (size_t)r2) ||
	    mpconv_convert_decode(out2, (size_t)r3, dir, &m3, &err) != r3) {
		diag("%s: second re-encoding differs", name);
		return false;
	}
	return true;
}

static void test_roundtrip(void)
{
	static u8 buf[1020];
	size_t i;
	bool all = true;

	for (i = 0; i < N_VECTORS; i++)
		if (vectors[i].ret > 0)
			all &= roundtrip(vectors[i].name, vectors[i].buf, vectors[i].len,
					 vectors[i].dir);
	ok(all, "decode -> encode -> decode, every valid vector");
	ok(roundtrip("max request", buf, max_request(buf), REQ), "round trip max-size request");
	ok(roundtrip("max reply", buf, max_reply(buf), REP), "round trip max-size reply");
}

static void test_addr(void)
{
	static const u8 want[16] = { V4(192, 0, 2, 1) };
	static const u8 valid[][16] = {
		{ V4(192, 0, 2, 1) }, { V4(1, 0, 0, 0) }, { V4(126, 255, 255, 255) },
		{ V4(128, 0, 0, 0) }, { V4(223, 255, 255, 255) }, { V4(240, 0, 0, 1) },
		{ V4(255, 255, 255, 254) }, { V4(255, 0, 0, 1) }, { V4(255, 255, 0, 1) },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 127, 0, 0, 1 },
		{ 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	};
	static const u8 invalid[][16] = {
		{ 0 }, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xff, 0 }, { V4(127, 0, 0, 1) }, { V4(127, 255, 255, 255) },
		{ V4(0, 0, 0, 0) }, { V4(0, 255, 255, 255) }, { V4(224, 0, 0, 0) },
		{ V4(239, 255, 255, 255) }, { V4(255, 255, 255, 255) },
	};
	u8 addr[16];
	size_t i;
	bool all;

	mpconv_convert_addr_v4mapped(addr, ARR(192, 0, 2, 1));
	ok(!memcmp(addr, want, 16) && mpconv_convert_addr_is_v4mapped(addr),
	   "addr_v4mapped builds ::ffff:192.0.2.1");
	ok(!mpconv_convert_addr_is_v4mapped(valid[9]) &&
	   !mpconv_convert_addr_is_v4mapped(valid[12]),
	   "addr_is_v4mapped false for 2001:db8::1 and ::fffe:7f00:1");
	all = true;
	for (i = 0; i < ARRAY_SIZE(valid); i++)
		if (!mpconv_convert_addr_valid(valid[i])) {
			diag("valid address %zu refused", i);
			all = false;
		}
	ok(all, "addr_valid accepts unicast addresses");
	all = true;
	for (i = 0; i < ARRAY_SIZE(invalid); i++)
		if (mpconv_convert_addr_valid(invalid[i])) {
			diag("invalid address %zu accepted", i);
			all = false;
		}
	ok(all, "addr_valid refuses unspecified, loopback, multicast, broadcast");
}

static int opts_check_copy(const u8 *opts, size_t len, bool zero_pad)
{
	u8 *p = dup_bytes(opts, len);
	int ret = mpconv_convert_opts_check(p, len, zero_pad);

	free(p);
	return ret;
}

static void test_opts(void)
{
	static const u8 big[1021];
	struct mpconv_convert_opt opt;
	size_t pos;
	u8 *p;

	ok(opts_check_copy(NULL, 0, true) == 0 && opts_check_copy(NULL, 0, false) == 0,
	   "opts: empty list");
	ok(opts_check_copy(ARR(2, 4, 5, 0xb4), 4, true) == 4, "opts: MSS");
	ok(opts_check_copy(ARR(1, 1, 1, 1), 4, true) == 4, "opts: NOPs only");
	ok(opts_check_copy(ARR(0x1e, 2, 0, 0), 4, true) == 2 &&
	   opts_check_copy(ARR(0x1e, 2, 0, 0), 4, false) == 2, "opts: EOL padding");
	ok(opts_check_copy(ARR(0x1e, 2, 0, 5), 4, true) == -EBADMSG &&
	   opts_check_copy(ARR(0x1e, 2, 0, 5), 4, false) == 2,
	   "opts: byte after EOL: refused with zero_pad, ignored without");
	ok(opts_check_copy(ARR(0x1e), 1, false) == -EBADMSG, "opts: kind without length");
	ok(opts_check_copy(ARR(0x1e, 1), 2, false) == -EBADMSG, "opts: length 1");
	ok(opts_check_copy(ARR(0x1e, 0), 2, false) == -EBADMSG, "opts: length 0");
	ok(opts_check_copy(ARR(0x1e, 3, 0), 3, false) == 3, "opts: length fits exactly");
	ok(opts_check_copy(ARR(0x1e, 4, 0), 3, false) == -EBADMSG, "opts: length one past");
	ok(mpconv_convert_opts_check(big, sizeof(big), false) == -EINVAL &&
	   mpconv_convert_opts_check(big, sizeof(big) - 1, true) == 0, "opts: length limit");

	p = dup_bytes(ARR(1, 2, 4, 5, 0xb4, 0, 8, 2), 8);
	pos = 0;
	ok(mpconv_convert_opt_next(p, 8, &pos, &opt) == 1 && opt.kind == 2 && opt.len == 4 &&
	   opt.off == 1 && pos == 5 && mpconv_convert_opt_next(p, 8, &pos, &opt) == 0 &&
	   pos == 8 && mpconv_convert_opt_next(p, 8, &pos, &opt) == 0,
	   "opt_next: skips NOP, stops at EOL");
	free(p);
	p = dup_bytes(ARR(4, 2, 2, 1), 4);
	pos = 0;
	ok(mpconv_convert_opt_next(p, 4, &pos, &opt) == 1 && opt.kind == 4 &&
	   mpconv_convert_opt_next(p, 4, &pos, &opt) == -EBADMSG, "opt_next: bad length");
	free(p);
	p = dup_bytes(ARR(1, 0x1e, 4, 0), 4);
	pos = 0;
	ok(mpconv_convert_opt_next(p, 4, &pos, &opt) == -EBADMSG &&
	   mpconv_convert_opt_next(big, sizeof(big), &pos, &opt) == -EINVAL,
	   "opt_next: option past the end, list too long");
	free(p);
	p = dup_bytes(ARR(1, 1, 1, 0x1e), 4);
	pos = 0;
	ok(mpconv_convert_opt_next(p, 4, &pos, &opt) == -EBADMSG, "opt_next: kind at last byte");
	free(p);
}

/* Which private-use TLVs a caller does not understand */
static void test_priv_unknown(void)
{
	struct mpconv_convert_msg m;

	ok(decode_vec(find_vec("req-connect-v4"), &m) &&
	   mpconv_convert_priv_unknown(&m, 0) == 0, "priv_unknown: none in a plain Connect");
	ok(decode_vec(find_vec("req-connect-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, 0) == 0xc0,
	   "priv_unknown: 0xc0 next to a Connect, nothing known");
	ok(decode_vec(find_vec("req-connect-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, MPCONV_CONVERT_PRIV_BIT(0xc0)) == 0,
	   "priv_unknown: 0xc0 known");
	ok(decode_vec(find_vec("req-connect-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, MPCONV_CONVERT_PRIV_BIT(0xc1)) == 0xc0,
	   "priv_unknown: 0xc1 known is not 0xc0");
	ok(decode_vec(find_vec("req-four-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, MPCONV_CONVERT_PRIV_BIT(0xc0) |
				       MPCONV_CONVERT_PRIV_BIT(0xc8) |
				       MPCONV_CONVERT_PRIV_BIT(0xfe)) == 0xff,
	   "priv_unknown: the first unknown of four (0xff, the last bit)");
	ok(decode_vec(find_vec("req-four-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, ~0ULL) == 0,
	   "priv_unknown: all 64 private types known");
	ok(decode_vec(find_vec("rep-private"), &m) &&
	   mpconv_convert_priv_unknown(&m, MPCONV_CONVERT_PRIV_BIT(0xc0)) == 0xe0,
	   "priv_unknown: reply direction too");
}

int main(void)
{
	/* a sanitizer abort must not lose the results so far */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_vectors();
	test_fields();
	test_type_sweep();
	test_max_size();
	test_encode_vectors();
	test_encode_invalid();
	test_encode_space();
	test_roundtrip();
	test_addr();
	test_opts();
	test_priv_unknown();

	printf("1..%u\n", n_tests);
	if (n_failed)
		diag("%u of %u tests failed", n_failed, n_tests);
	return n_failed ? 1 : 0;
}
