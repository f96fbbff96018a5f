/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the unit tests and the fuzzer: compare decoded messages
 * and encode a decoded message again.
 */
#ifndef _MPCONV_TEST_CHECK_H
#define _MPCONV_TEST_CHECK_H

#include "convert.h"

static inline bool span_eq(const struct mpconv_convert_span *a,
			   const struct mpconv_convert_span *b)
{
	return a->off == b->off && a->len == b->len;
}

/* Same fields, same offsets: two decodings of the same bytes */
static inline bool msg_identical(const struct mpconv_convert_msg *a,
				 const struct mpconv_convert_msg *b)
{
	unsigned int i;

	if (a->len != b->len || a->present != b->present || a->port != b->port ||
	    memcmp(a->addr, b->addr, sizeof(a->addr)) || a->error != b->error ||
	    a->n_priv != b->n_priv || !span_eq(&a->connect_opts, &b->connect_opts) ||
	    !span_eq(&a->tcp_opts, &b->tcp_opts) || !span_eq(&a->kinds, &b->kinds) ||
	    !span_eq(&a->cookie, &b->cookie) || !span_eq(&a->error_value, &b->error_value))
		return false;
	for (i = 0; i < MPCONV_CONVERT_MAX_PRIV; i++)
		if (a->priv[i].type != b->priv[i].type ||
		    !span_eq(&a->priv[i].value, &b->priv[i].value))
			return false;
	return true;
}

static inline bool bytes_eq(const u8 *a, const struct mpconv_convert_span *sa,
			    const u8 *b, const struct mpconv_convert_span *sb)
{
	return sa->len == sb->len && !memcmp(a + sa->off, b + sb->off, sa->len);
}

/* Same content, wherever it is: a message and its re-encoding */
static inline bool msg_same(const u8 *a, const struct mpconv_convert_msg *ma,
			    const u8 *b, const struct mpconv_convert_msg *mb)
{
	unsigned int i;

	if (ma->present != mb->present || ma->port != mb->port ||
	    memcmp(ma->addr, mb->addr, sizeof(ma->addr)) || ma->error != mb->error ||
	    ma->n_priv != mb->n_priv ||
	    !bytes_eq(a, &ma->connect_opts, b, &mb->connect_opts) ||
	    !bytes_eq(a, &ma->tcp_opts, b, &mb->tcp_opts) ||
	    !bytes_eq(a, &ma->kinds, b, &mb->kinds) ||
	    !bytes_eq(a, &ma->cookie, b, &mb->cookie) ||
	    !bytes_eq(a, &ma->error_value, b, &mb->error_value))
		return false;
	for (i = 0; i < ma->n_priv; i++)
		if (ma->priv[i].type != mb->priv[i].type ||
		    !bytes_eq(a, &ma->priv[i].value, b, &mb->priv[i].value))
			return false;
	return true;
}

/* Every span lies inside the message */
static inline bool msg_spans_inside(const struct mpconv_convert_msg *m)
{
	const struct mpconv_convert_span *s[5] = {
		&m->connect_opts, &m->tcp_opts, &m->kinds, &m->cookie, &m->error_value,
	};
	unsigned int i;

	for (i = 0; i < 5; i++)
		if (s[i]->off + s[i]->len > m->len)
			return false;
	for (i = 0; i < m->n_priv; i++)
		if (m->priv[i].value.off + m->priv[i].value.len > m->len)
			return false;
	return m->n_priv <= MPCONV_CONVERT_MAX_PRIV;
}

/*
 * Encode the decoded message @m (spans into @buf) again, TLVs in a fixed
 * order. Returns the new length or the first builder error.
 */
static inline int reencode(const u8 *buf, const struct mpconv_convert_msg *m,
			   enum mpconv_convert_dir dir, u8 *out, size_t cap)
{
	struct mpconv_convert_builder b;
	unsigned int i;
	int ret;

	ret = mpconv_convert_begin(&b, out, cap, dir);
	if (!ret && (m->present & MPCONV_CONVERT_F_INFO))
		ret = mpconv_convert_add_info(&b);
	if (!ret && (m->present & MPCONV_CONVERT_F_CONNECT))
		ret = mpconv_convert_add_connect(&b, m->addr, m->port,
						 buf + m->connect_opts.off, m->connect_opts.len);
	if (!ret && (m->present & MPCONV_CONVERT_F_TCPHDR))
		ret = mpconv_convert_add_tcphdr(&b, buf + m->tcp_opts.off, m->tcp_opts.len);
	if (!ret && (m->present & MPCONV_CONVERT_F_SUPPORTED))
		ret = mpconv_convert_add_supported(&b, buf + m->kinds.off, m->kinds.len);
	if (!ret && (m->present & MPCONV_CONVERT_F_COOKIE))
		ret = mpconv_convert_add_cookie(&b, buf + m->cookie.off, m->cookie.len);
	if (!ret && (m->present & MPCONV_CONVERT_F_ERROR))
		ret = mpconv_convert_add_error(&b, m->error, buf + m->error_value.off,
					       m->error_value.len);
	for (i = 0; !ret && i < m->n_priv; i++)
		ret = mpconv_convert_add_private(&b, m->priv[i].type,
						 buf + m->priv[i].value.off,
						 m->priv[i].value.len);
	return ret ? ret : mpconv_convert_finish(&b);
}

#endif /* _MPCONV_TEST_CHECK_H */
