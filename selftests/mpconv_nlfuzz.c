// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv_nlfuzz: send random and mutated requests to the "mpconv" generic
 * netlink family for a bounded time, and check that every one gets a clean
 * answer: an error code, a reply or a dump, never silence or a malformed
 * message. What the kernel does with them (warnings, leaks, crashes) is
 * checked by the suite around it (mpconv_robust.sh).
 *
 * Usage: mpconv_nlfuzz [-t SECONDS] [-s SEED] [-v]
 *
 * Requests are of three kinds, in turn:
 *  - random: any command number, random flags (dump or not), a random
 *    list of attributes of any type, length and content, nests included;
 *  - mutated: one of a set of valid requests (enable a role, set lists,
 *    add bindings, flush...) with bytes flipped, lengths changed,
 *    attributes truncated, dropped or duplicated;
 *  - valid: the templates as they are, so that state changes underneath
 *    the mutations (roles on and off, tables filled and flushed).
 * It prints one line of totals (requests, errors by errno, replies) and
 * exits 1 when an answer is missing or malformed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/mpconv.h>

#define BUF_LEN		8192
#define MAX_ERRNO	140

static uint64_t rnd_state;
static bool verbose;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* ---- message building ---- */

struct msg {
	uint8_t buf[BUF_LEN];
	size_t len;
};

static struct nlattr *put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > BUF_LEN)
		return NULL;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->len += total;
	return a;
}

static void put_u8(struct msg *m, uint16_t t, uint8_t v) { put(m, t, &v, 1); }
static void put_u16(struct msg *m, uint16_t t, uint16_t v) { put(m, t, &v, 2); }
static void put_u32(struct msg *m, uint16_t t, uint32_t v) { put(m, t, &v, 4); }
static void put_u64(struct msg *m, uint16_t t, uint64_t v) { put(m, t, &v, 8); }

static size_t nest_start(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	if (!put(m, type | NLA_F_NESTED, NULL, 0))
		return (size_t)-1;
	return off;
}

static void nest_end(struct msg *m, size_t off)
{
	struct nlattr *a;

	if (off == (size_t)-1)
		return;
	a = (struct nlattr *)(m->buf + off);
	a->nla_len = (uint16_t)(m->len - off);
}

/* An address nest: IPv4 or IPv6 from the documentation ranges. */
static void put_addr(struct msg *m, uint16_t type, bool v6, uint16_t port, int plen)
{
	static const uint8_t a4[] = { 192, 0, 2, 130 };
	static const uint8_t a6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	size_t n = nest_start(m, type);

	put_u16(m, MPCONV_ADDR_A_FAMILY, v6 ? 10 : 2);
	if (v6)
		put(m, MPCONV_ADDR_A_ADDR6, a6, 16);
	else
		put(m, MPCONV_ADDR_A_ADDR4, a4, 4);
	if (port)
		put_u16(m, MPCONV_ADDR_A_PORT, port);
	if (plen >= 0)
		put_u8(m, MPCONV_ADDR_A_PREFIXLEN, (uint8_t)plen);
	nest_end(m, n);
}

static void put_prefixes(struct msg *m, uint16_t type, int count)
{
	size_t n = nest_start(m, type);
	int i;

	for (i = 0; i < count; i++)
		put_addr(m, MPCONV_A_PREFIX, i & 1, 0, (i & 1) ? 64 : 24);
	nest_end(m, n);
}

static size_t begin(struct msg *m, uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	g->cmd = cmd;
	g->version = MPCONV_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	return m->len;
}

static void finish(struct msg *m, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;

	nlh->nlmsg_len = (uint32_t)m->len;
	nlh->nlmsg_seq = seq;
}

/* Valid requests, the seeds of the mutations. */
#define N_TEMPLATES 12

static void template(struct msg *m, uint16_t fam, int which)
{
	uint16_t req = NLM_F_REQUEST | NLM_F_ACK;
	size_t n;

	switch (which) {
	case 0:
		begin(m, fam, MPCONV_CMD_CONVERTER_SET, req);
		put_u8(m, MPCONV_A_CONV_ENABLED, 1);
		put_addr(m, MPCONV_A_CONV_LISTEN, true, 5124, -1);
		put_prefixes(m, MPCONV_A_CONV_ALLOW, 4);
		put_prefixes(m, MPCONV_A_CONV_DENY, 2);
		put_u32(m, MPCONV_A_CONV_MAX_SESSIONS, 64);
		put_u32(m, MPCONV_A_CONV_MAX_PENDING_PER_CLIENT, 4);
		put_u32(m, MPCONV_A_CONV_READ_TIMEOUT_MS, 1000);
		put_u8(m, MPCONV_A_CONV_COOKIE_REQUIRED, 1);
		break;
	case 1:
		begin(m, fam, MPCONV_CMD_CONVERTER_SET, req);
		put_u8(m, MPCONV_A_CONV_ENABLED, 0);
		break;
	case 2:
		begin(m, fam, MPCONV_CMD_CPE_SET, req);
		put_u8(m, MPCONV_A_CPE_ENABLED, 1);
		put_addr(m, MPCONV_A_CPE_CONVERTER, false, 5124, -1);
		put_prefixes(m, MPCONV_A_CPE_SOURCES, 3);
		put_prefixes(m, MPCONV_A_CPE_BYPASS, 2);
		n = nest_start(m, MPCONV_A_CPE_PORTS);
		put_u32(m, MPCONV_A_PORT_RANGE, 80u << 16 | 443);
		nest_end(m, n);
		n = nest_start(m, MPCONV_A_CPE_IFACES);
		put_u32(m, MPCONV_A_IFINDEX, 1);
		nest_end(m, n);
		put_u8(m, MPCONV_A_CPE_OVERFLOW, MPCONV_OVERFLOW_BYPASS);
		break;
	case 3:
		begin(m, fam, MPCONV_CMD_CPE_SET, req);
		put_u8(m, MPCONV_A_CPE_ENABLED, 0);
		break;
	case 4:
		begin(m, fam, MPCONV_CMD_BINDING_ADD, req);
		put_addr(m, MPCONV_A_BIND_ADDR, rnd() & 1, 0, -1);
		put_u8(m, MPCONV_A_BIND_MODE, MPCONV_BIND_BYPASS);
		break;
	case 5:
		begin(m, fam, MPCONV_CMD_BINDING_DEL, req);
		put_addr(m, MPCONV_A_BIND_ADDR, rnd() & 1, 0, -1);
		break;
	case 6:
		begin(m, fam, MPCONV_CMD_SESSION_FLUSH, req);
		put_u8(m, MPCONV_A_SESS_ROLE, MPCONV_ROLE_CONVERTER);
		put_addr(m, MPCONV_A_SESS_DEST, false, 80, 24);
		break;
	case 7:
		begin(m, fam, MPCONV_CMD_BINDING_FLUSH, req);
		break;
	case 8:
		begin(m, fam, MPCONV_CMD_SESSION_DEL, req);
		put_u64(m, MPCONV_A_SESS_ID, rnd_below(4));
		break;
	case 9:
		begin(m, fam, MPCONV_CMD_SESSION_GET, req | NLM_F_DUMP);
		break;
	case 10:
		begin(m, fam, MPCONV_CMD_BINDING_GET, req | NLM_F_DUMP);
		break;
	default:
		begin(m, fam, (uint8_t)(rnd() & 1 ? MPCONV_CMD_STATS_GET : MPCONV_CMD_STATUS_GET),
		      req);
		break;
	}
}

/* A random attribute list, nests up to @depth deep. */
static void random_attrs(struct msg *m, int depth)
{
	int i, n = (int)rnd_below(8);
	uint8_t data[64];

	for (i = 0; i < n && m->len < BUF_LEN - 256; i++) {
		uint16_t type = (uint16_t)rnd_below(MPCONV_A_MAX + 4);
		size_t len, j, off;

		if (depth && !rnd_below(3)) {
			off = nest_start(m, type);
			random_attrs(m, depth - 1);
			nest_end(m, off);
			continue;
		}
		switch (rnd_below(4)) {
		case 0:	/* 1, 2, 4, 8 */
			len = 1u << rnd_below(4);
			break;
		case 1:
			len = 16;
			break;
		case 2:
			len = 0;
			break;
		default:
			len = rnd_below(sizeof(data));
			break;
		}
		for (j = 0; j < len; j++)
			data[j] = (uint8_t)(rnd_below(4) ? rnd() : 0);
		put(m, type, data, len);
	}
}

static void random_msg(struct msg *m, uint16_t fam)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;

	if (!rnd_below(4))
		flags |= NLM_F_DUMP;
	begin(m, fam, (uint8_t)rnd_below(MPCONV_CMD_MAX + 4), flags);
	if (!rnd_below(16))
		((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->version = (uint8_t)rnd();
	random_attrs(m, 3);
}

static void mutate(struct msg *m)
{
	size_t body = NLMSG_HDRLEN + GENL_HDRLEN, span, at;
	int i, n = 1 + (int)rnd_below(4);

	for (i = 0; i < n && m->len > body; i++) {
		span = m->len - body;
		at = body + rnd_below((uint32_t)span);
		switch (rnd_below(6)) {
		case 0:	/* flip a byte */
			m->buf[at] ^= (uint8_t)(1u << rnd_below(8));
			break;
		case 1:	/* random byte */
			m->buf[at] = (uint8_t)rnd();
			break;
		case 2:	/* cut the message short */
			m->len = at;
			break;
		case 3:	/* an attribute length off by a little */
			at &= ~(size_t)3;
			if (at + 2 <= m->len)
				*(uint16_t *)(m->buf + at) += (uint16_t)(rnd_below(9) - 4);
			break;
		case 4:	/* duplicate the tail */
			span = m->len - at;
			if (m->len + span <= BUF_LEN) {
				memmove(m->buf + m->len, m->buf + at, span);
				m->len += span;
			}
			break;
		default: /* a length of 0, 3 or huge */
			at &= ~(size_t)3;
			if (at + 2 <= m->len)
				*(uint16_t *)(m->buf + at) =
					(uint16_t)(rnd() & 1 ? rnd_below(4) : 0xffff);
			break;
		}
	}
}

/* ---- the socket ---- */

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1;

	if (fd < 0) {
		perror("mpconv_nlfuzz: netlink socket");
		exit(2);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static uint16_t family_id(int fd)
{
	struct msg m;
	uint8_t buf[BUF_LEN];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	ssize_t n;

	begin(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_REQUEST);
	((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->version = 1;
	put(&m, CTRL_ATTR_FAMILY_NAME, MPCONV_GENL_NAME, sizeof(MPCONV_GENL_NAME));
	finish(&m, 1);
	if (send(fd, m.buf, m.len, 0) < 0)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	nlh = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type == NLMSG_ERROR)
		return 0;
	for (a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	     (uint8_t *)a + NLA_HDRLEN <= buf + nlh->nlmsg_len && a->nla_len >= NLA_HDRLEN;
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
	return 0;
}

struct totals {
	unsigned long sent, acked, replies, errors[MAX_ERRNO + 1];
};

/* Read until the request's final answer: the ACK or error of a doit (every
 * request asks for an ACK), the DONE or error of a dump. Returns 0, or -1
 * when it is missing or malformed.
 */
static int answer(int fd, uint32_t seq, bool dump, struct totals *t)
{
	static uint8_t buf[65536];
	struct nlmsghdr *nlh;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			fprintf(stderr, "mpconv_nlfuzz: no answer to request %u: %s\n", seq,
				strerror(errno));
			return -1;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* late part of an earlier answer */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				int err = -e->error;

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || err < 0 ||
				    err > MAX_ERRNO) {
					fprintf(stderr, "mpconv_nlfuzz: bad error message (%d)\n",
						e->error);
					return -1;
				}
				if (err)
					t->errors[err]++;
				else
					t->acked++;
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				if (dump)
					return 0;
				fprintf(stderr, "mpconv_nlfuzz: DONE for a doit\n");
				return -1;
			}
			if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
				fprintf(stderr, "mpconv_nlfuzz: short reply\n");
				return -1;
			}
			t->replies++;
		}
		if (n) {
			fprintf(stderr, "mpconv_nlfuzz: %zd bytes of garbage\n", n);
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct totals t = {};
	unsigned long seed = 0;
	struct timespec start, now;
	double limit = 20;
	uint32_t seq = 100;
	uint16_t fam;
	int c, fd, i, bad = 0;
	struct msg m;

	while ((c = getopt(argc, argv, "t:s:v")) != -1) {
		switch (c) {
		case 't':
			limit = atof(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: mpconv_nlfuzz [-t SECONDS] [-s SEED] [-v]\n");
			return 2;
		}
	}
	if (!seed)
		seed = (unsigned long)time(NULL) ^ (unsigned long)getpid() << 16;
	rnd_state = seed | 1;
	printf("seed %lu\n", seed);

	fd = nl_open();
	fam = family_id(fd);
	if (!fam) {
		fprintf(stderr, "mpconv_nlfuzz: no \"%s\" family (module loaded?)\n",
			MPCONV_GENL_NAME);
		return 2;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		struct nlmsghdr *nlh;
		bool dump;

		switch (seq % 3) {
		case 0:
			random_msg(&m, fam);
			break;
		case 1:
			template(&m, fam, (int)rnd_below(N_TEMPLATES));
			mutate(&m);
			break;
		default:
			template(&m, fam, (int)rnd_below(N_TEMPLATES));
			break;
		}
		finish(&m, ++seq);
		nlh = (struct nlmsghdr *)m.buf;
		/* a message cut inside its own header is not sent at all */
		if (m.len < NLMSG_HDRLEN + GENL_HDRLEN)
			continue;
		dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
		if (verbose)
			fprintf(stderr, "#%u cmd %u len %zu%s\n", seq,
				((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->cmd, m.len,
				dump ? " dump" : "");
		if (send(fd, m.buf, m.len, 0) < 0) {
			if (errno == ENOBUFS)
				continue;
			perror("mpconv_nlfuzz: send");
			return 2;
		}
		t.sent++;
		if (answer(fd, seq, dump, &t)) {
			bad++;
			/* start over on a fresh socket, out of step no more */
			close(fd);
			fd = nl_open();
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < limit);

	printf("requests %lu, acked %lu, replies %lu, bad answers %d, errors:",
	       t.sent, t.acked, t.replies, bad);
	for (i = 1; i <= MAX_ERRNO; i++)
		if (t.errors[i])
			printf(" %s %lu", strerrorname_np(i) ?: "?", t.errors[i]);
	printf("\n");
	close(fd);
	return bad ? 1 : 0;
}
