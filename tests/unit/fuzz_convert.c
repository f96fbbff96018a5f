// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the Convert codec (kmod/convert.c). Every input is:
 *
 *  - decoded in both directions, with sanity checks on the result;
 *  - decoded prefix by prefix (each prefix in an exact-size buffer, so
 *    AddressSanitizer sees any read past it): "need more" until a verdict,
 *    then always that same verdict, and a complete message is found at
 *    exactly its length with the same decoded fields;
 *  - when valid, encoded again from the decoded fields and decoded again:
 *    same content, and a second re-encoding is byte-identical;
 *  - walked as a TCP option list by both option helpers, which must agree;
 *  - read as a script of builder calls whose output must decode to what
 *    was built.
 *
 * Any inconsistency aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "convert.h"
#include "check.h"

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_convert: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u8 *scratch;		/* holds each prefix at the end of a size-byte block */

static int decode_prefix(const u8 *data, size_t size, size_t k, enum mpconv_convert_dir dir,
			 struct mpconv_convert_msg *m, u8 *err)
{
	u8 *p = scratch + (size - k);

	memcpy(p, data, k);
	return mpconv_convert_decode(k ? p : NULL, k, dir, m, err);
}

static void check_result(const u8 *data, size_t size, int r, u8 err,
			 const struct mpconv_convert_msg *m)
{
	if (r > 0) {
		if ((size_t)r > size || r % 4 || r > MPCONV_CONVERT_MAX_LEN ||
		    r != data[1] * 4 || m->len != r || !msg_spans_inside(m))
			FAIL("bad complete result %d", r);
	} else if (r == -EBADMSG) {
		bool version_err = err == MPCONV_CONVERT_E_VERSION;
		bool bad_version = data[0] != MPCONV_CONVERT_VERSION;

		if (err > MPCONV_CONVERT_E_UNSUPPORTED || version_err != bad_version)
			FAIL("bad error code %u", err);
	} else if (r == -ECONNRESET) {
		if (size < 2 || data[0] != 1 || data[1] != 0)
			FAIL("reset without Total Length 0");
	} else if (r == 0) {
		if (size >= 4 && data[1] && size >= (size_t)data[1] * 4)
			FAIL("need more with %zu bytes, Total Length %u", size, data[1]);
	} else {
		FAIL("unexpected return %d", r);
	}
}

static void check_prefixes(const u8 *data, size_t size, enum mpconv_convert_dir dir, int r,
			   u8 err, const struct mpconv_convert_msg *full)
{
	size_t k, lim = size < 1024 ? size : 1024, first = (size_t)-1;
	struct mpconv_convert_msg m;
	u8 e;

	for (k = 0; k <= lim; k++) {
		int rk = decode_prefix(data, size, k, dir, &m, &e);

		if (rk == 0) {
			if (first != (size_t)-1)
				FAIL("prefix %zu: verdict taken back", k);
			continue;
		}
		if (first == (size_t)-1)
			first = k;
		if (rk != r || (rk == -EBADMSG && e != err))
			FAIL("prefix %zu: %d/%u, whole input %d/%u", k, rk, e, r, err);
		if (rk > 0 && ((size_t)rk > k || !msg_identical(&m, full)))
			FAIL("prefix %zu: complete message differs", k);
	}
	if (r > 0 && first != (size_t)r)
		FAIL("complete message of %d found at prefix %zu", r, first);
	if (r != 0 && first == (size_t)-1)
		FAIL("no verdict in the first %zu bytes", lim);
}

static void check_roundtrip(const u8 *data, int r, enum mpconv_convert_dir dir,
			    const struct mpconv_convert_msg *m)
{
	static u8 out[MPCONV_CONVERT_MAX_LEN], out2[MPCONV_CONVERT_MAX_LEN];
	struct mpconv_convert_msg m2, m3;
	int r2, r3;
	u8 err;

	r2 = reencode(data, m, dir, out, sizeof(out));
	if (r2 <= 0 || r2 > r)
		FAIL("re-encoding a valid message gave %d (was %d bytes)", r2, r);
	if (mpconv_convert_decode(out, (size_t)r2, dir, &m2, &err) != r2)
		FAIL("re-encoded message does not decode");
	if (!msg_same(data, m, out, &m2))
		FAIL("re-encoded message has other content");
	r3 = reencode(out, &m2, dir, out2, sizeof(out2));
	if (r3 != r2 || memcmp(out, out2, (size_t)r2) ||
	    mpconv_convert_decode(out2, (size_t)r3, dir, &m3, &err) != r3 ||
	    !msg_identical(&m2, &m3))
		FAIL("re-encoding is not stable");
}

/* The two option helpers agree, and options stay inside the list */
static void check_opts(const u8 *data, size_t size)
{
	size_t len = size > MPCONV_CONVERT_MAX_LEN ? MPCONV_CONVERT_MAX_LEN : size;
	int lenient = mpconv_convert_opts_check(data, len, false);
	int strict = mpconv_convert_opts_check(data, len, true);
	struct mpconv_convert_opt opt;
	size_t pos = 0, end = 0;
	bool ended, valid;
	int ret;

	while ((ret = mpconv_convert_opt_next(data, len, &pos, &opt)) == 1) {
		if (opt.kind < 2 || opt.len < 2 || opt.off < end ||
		    (size_t)opt.off + opt.len > len || pos != (size_t)opt.off + opt.len)
			FAIL("bad option at %u", opt.off);
		end = pos;
	}
	ended = !ret;
	valid = lenient >= 0;
	if (ended != valid)
		FAIL("opt_next %d, opts_check %d", ret, lenient);
	if (strict >= 0 && strict != lenient)
		FAIL("strict %d, lenient %d", strict, lenient);
	if (lenient >= 0 && end > (size_t)lenient)
		FAIL("option past the end of the list");
}

/* Take @n bytes of script */
static const u8 *take(const u8 **p, const u8 *end, size_t n)
{
	const u8 *q = *p;

	if ((size_t)(end - q) < n)
		return NULL;
	*p = q + n;
	return q;
}

/*
 * Byte 0: direction and capacity; then (op, length, bytes...) items calling
 * the builder. Whatever it accepts must decode to the TLVs it reports.
 */
static void check_builder(const u8 *data, size_t size)
{
	const u8 *p = data + 1, *end = data + size, *arg, *v;
	struct mpconv_convert_builder b;
	struct mpconv_convert_msg m;
	enum mpconv_convert_dir dir;
	size_t cap;
	u8 *out, err;
	int ret;

	if (size < 1)
		return;
	dir = data[0] & 1 ? MPCONV_CONVERT_REPLY : MPCONV_CONVERT_REQUEST;
	cap = (size_t)(data[0] >> 1) * 9;	/* 0 .. 1143 */
	out = malloc(cap ? cap : 1);
	if (mpconv_convert_begin(&b, out, cap, dir))
		goto out;

	while ((arg = take(&p, end, 2))) {
		u8 op = arg[0] & 7, n = arg[1];

		v = take(&p, end, n);
		if (!v)
			break;
		switch (op) {
		case 0:
			ret = mpconv_convert_add_info(&b);
			break;
		case 1:
			ret = n < 18 ? -EINVAL :
			      mpconv_convert_add_connect(&b, v + 2, (u16)(v[0] << 8 | v[1]),
							 v + 18, n - 18u);
			break;
		case 2:
			ret = mpconv_convert_add_tcphdr(&b, v, n);
			break;
		case 3:
			ret = mpconv_convert_add_supported(&b, v, n);
			break;
		case 4:
			ret = mpconv_convert_add_cookie(&b, v, n);
			break;
		case 5:
			ret = mpconv_convert_add_error(&b, arg[0] >> 3, v, n);
			break;
		case 6:
			ret = mpconv_convert_add_error_echo(&b, arg[0] >> 3, v, n);
			break;
		default:
			ret = mpconv_convert_add_private(&b, (u8)(arg[0] | 0xc0), v, n);
			break;
		}
		if (ret && ret != -EINVAL && ret != -ENOSPC)
			FAIL("builder returned %d", ret);
	}
	ret = mpconv_convert_finish(&b);
	if (ret < 4 || (size_t)ret > cap)
		FAIL("finish returned %d with capacity %zu", ret, cap);
	if (mpconv_convert_decode(out, (size_t)ret, dir, &m, &err) != ret ||
	    m.present != b.present || m.n_priv != b.n_priv)
		FAIL("builder output does not decode as built");
out:
	free(out);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct mpconv_convert_msg m[2];
	const u16 neutral = MPCONV_CONVERT_F_COOKIE;
	int r[2], d;
	u8 err[2];

	scratch = malloc(size ? size : 1);
	for (d = 0; d < 2; d++) {
		enum mpconv_convert_dir dir = d ? MPCONV_CONVERT_REPLY : MPCONV_CONVERT_REQUEST;

		err[d] = 0;
		r[d] = mpconv_convert_decode(data, size, dir, &m[d], &err[d]);
		check_result(data, size, r[d], err[d], &m[d]);
		check_prefixes(data, size, dir, r[d], err[d], &m[d]);
		if (r[d] > 0)
			check_roundtrip(data, r[d], dir, &m[d]);
	}
	free(scratch);

	/* a message with nothing direction-specific reads the same both ways */
	if ((r[0] > 0 && !(m[0].present & ~neutral)) || (r[1] > 0 && !(m[1].present & ~neutral)))
		if (r[0] != r[1] || !msg_identical(&m[0], &m[1]))
			FAIL("direction-neutral message decodes differently");

	check_opts(data, size);
	check_builder(data, size);
	return 0;
}
