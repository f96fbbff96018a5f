// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv_client - an explicit-mode RFC 8803 client (and a tiny server) for
 * the mpconv selftests.
 *
 * The client speaks the 0-RTT TCP Convert Protocol itself: it opens an MPTCP
 * (or, with -T, TCP) connection to a Transport Converter, sends a Convert
 * message (in the SYN with TCP Fast Open where the kernel can do it on that
 * socket), reads and strips the converter's reply, then relays stdin and
 * stdout like "nc -N". The Convert messages are built and parsed by the
 * module's own codec, kmod/convert.c.
 *
 * How tests use it (a suite sourcing lib.sh; ns_* are its namespaces):
 *
 *   Byte-exact round trip through the converter to an echo server:
 *	ip netns exec "$ns_cpe" ./mpconv_client -J "$tmp/reply.json" \
 *		10.0.1.2 10.0.3.2 8080 < "$tmp/in" > "$tmp/out"
 *	exit 0, cmp "$tmp/in" "$tmp/out", jq -r .type "$tmp/reply.json" = ok
 *
 *   Refusals: exit 3 and one line "reply: error <code> <name>" on stderr,
 *   e.g. 97 for a destination that does not answer, 32 for a client that is
 *   not authorized; .error in the JSON file holds the code. After the error
 *   the client keeps reading until the converter closes: .end tells "eof"
 *   (an orderly close, as RFC 8803 asks) from "reset".
 *
 *   Malformed requests: -R HEX sends those bytes instead of a built message
 *   (any length, any content); DEST_ADDR and DEST_PORT may then be left out.
 *   A Connect to an address RFC 8803 forbids (loopback, multicast, port 0)
 *   is built as asked, so the converter's own checks can be tested with the
 *   usual grammar too.
 *
 *   Read timeout of the converter: -n connects and sends nothing; expect
 *   the converter to close (exit 6, "reply: eof") or reset (exit 4) before
 *   -w SECONDS (exit 5) runs out.
 *
 *   0-RTT: -v prints "mode: tfo" when the Convert message went out with
 *   MSG_FASTOPEN (the kernel supports TFO on that socket: MPTCP on 6.2 and
 *   later, TCP everywhere) and "mode: connect" otherwise; the JSON file has
 *   .mode and .syn_data (true when the peer acknowledged the data of the
 *   SYN). Cookie-less TFO is asked per socket (TCP_FASTOPEN_NO_COOKIE), so
 *   no sysctl has to change on the client; the listener must allow it.
 *   -F forces connect()+send().
 *
 *   .mptcp in the JSON file: "active" (MPTCP in use), "fallback" (MPTCP
 *   socket, plain TCP on the wire) or "tcp" (-T). Measured on 6.12 (and
 *   6.18): when an MPTCP listener does not take the data of a TFO SYN (no
 *   TCP_FASTOPEN on it, the server bit of net.ipv4.tcp_fastopen off, or a
 *   6.1 converter), the client falls back to plain TCP
 *   (MPTcpExtMPCapableDataFallback). So a 0-RTT test checks .mptcp too,
 *   and a converter that cannot take TFO data is tested with -F.
 *
 * Lines on stderr meant for grep: "mode: tfo|connect" (-v), "reply: ok",
 * "reply: tcphdr K...", "reply: supported K...", "reply: error N NAME",
 * "reply: malformed", "reply: eof", "reply: timeout", "reset", "timeout:
 * connect|send|relay idle|drain", "sent N received N" (-v).
 *
 * Exit status: 0 reply ok, Extended TCP Header or Supported TCP Extensions,
 * and the relay ended with the peer's FIN; 1 other error (one line on
 * stderr; also a malformed reply: "reply: malformed"); 2 usage; 3 Error
 * TLV; 4 connection reset ("reset"); 5 timeout; 6 EOF before a complete
 * reply ("reply: eof").
 *
 * JSON file (-J), one line written at exit (not on usage errors: remove
 * the file before a run):
 *   {"type":"ok|tcphdr|supported|error|malformed|reset|eof|timeout|failed",
 *    "kinds":[..],"error":N|null,"value":"hex","cookie":"hex","len":N,
 *    "mode":"tfo|connect","syn_data":bool,"mptcp":"active|fallback|tcp",
 *    "end":"eof|reset|timeout|error|none","sent":N,"received":N}
 * kinds: option kinds of the Extended TCP Header or Supported TCP
 * Extensions; value: the Error value; cookie: a Cookie TLV of the reply;
 * len: reply length; end: how the byte stream ended after the reply; sent
 * and received: application bytes after the Convert messages (-D data and
 * stdin; what went to stdout).
 *
 * Server mode (-S) accepts MPTCP (with -T: TCP) connections, one process
 * each, and echoes (-e) or discards what it reads, reporting "received N
 * bytes from ADDR" on stderr; -v adds "listening on ADDR:PORT" and
 * "connection from ADDR:PORT (mptcp|fallback)". -1 serves one connection
 * and exits; -f enables cookie-less TFO on the listener.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/mptcp.h>

#include "convert.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __noreturn	__attribute__((noreturn))

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP		262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP		284
#endif
#ifndef TCP_FASTOPEN_NO_COOKIE
#define TCP_FASTOPEN_NO_COOKIE	34
#endif
#ifndef TCPI_OPT_SYN_DATA
#define TCPI_OPT_SYN_DATA	32
#endif

#define BUF_SIZE		(64 * 1024)
#define TFO_QLEN		64

enum {
	EXIT_REPLY_OK	= 0,
	EXIT_FAIL	= 1,
	EXIT_USAGE	= 2,
	EXIT_ERROR_TLV	= 3,
	EXIT_RESET	= 4,
	EXIT_TIMEOUT	= 5,
	EXIT_EOF	= 6,
};

static const char *prog = "mpconv_client";

static struct {
	/* common */
	int proto;
	int timeout_ms;			/* 0: wait forever */
	bool verbose;
	/* client */
	bool force_connect;
	bool info;
	bool nothing;
	const char *bind_addr;
	const char *json_path;
	unsigned int conv_port;
	u8 *cookie, *tcpopts, *raw, *data;
	size_t cookie_len, tcpopts_len, raw_len, data_len;
	bool have_raw;
	/* server */
	bool server, echo, once, tfo_listen;
} opt = {
	.proto = IPPROTO_MPTCP,
	.timeout_ms = 30 * 1000,
	.conv_port = MPCONV_CONVERT_PORT,
};

/* What the JSON file reports; filled as the client goes */
static struct {
	const char *type;
	const char *end;
	const char *mode;
	const char *mptcp;
	bool syn_data;
	bool have_error;
	u8 error;
	u16 len;
	u8 kinds[MPCONV_CONVERT_MAX_LEN];
	size_t n_kinds;
	const u8 *value, *cookie;
	size_t value_len, cookie_len;
	unsigned long long sent, received;
} res = {
	.type = "failed",
	.end = "none",
	.mode = "connect",
	.mptcp = "tcp",
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] CONVERTER_ADDR [DEST_ADDR DEST_PORT]\n"
		"       %s -S [-T|-M] [-e] [-f] [-1] [-v] LISTEN_ADDR PORT\n"
		"\n"
		"Speak RFC 8803 (explicit mode) to the Transport Converter at CONVERTER_ADDR\n"
		"(numeric IPv4 or IPv6), asking it to connect to DEST_ADDR (IPv4, sent as\n"
		"::ffff:a.b.c.d, or IPv6) port DEST_PORT; then relay stdin and stdout.\n"
		"DEST_ADDR and DEST_PORT may be left out with -I, -R or -n.\n"
		"\n"
		"  -P PORT    converter port (default %u)\n"
		"  -b ADDR    bind this local address\n"
		"  -T         plain TCP instead of MPTCP\n"
		"  -M         MPTCP (the default)\n"
		"  -F         connect() then send(), never TCP Fast Open\n"
		"  -I         Info TLV instead of Connect\n"
		"  -C HEX     add a Cookie TLV with these bytes\n"
		"  -O HEX     TCP options for the Connect TLV\n"
		"  -R HEX     send these bytes as the Convert message instead of building one\n"
		"  -D HEX     application data sent right after the Convert message\n"
		"  -n         connect and send nothing, not even stdin; wait for the converter\n"
		"  -w SECONDS bound each wait: connect, reply, relay idle time (default 30,\n"
		"             0: forever)\n"
		"  -J FILE    also write the outcome as one JSON line to FILE\n"
		"  -v         print mode, addresses and byte counts on stderr\n"
		"  -h         this help\n"
		"\n"
		"Server mode (-S): accept connections on LISTEN_ADDR PORT, MPTCP unless -T,\n"
		"one process each; echo with -e, else discard and report the byte count;\n"
		"-1: serve one connection, then exit; -f: cookie-less TFO on the listener.\n"
		"\n"
		"HEX: pairs of hex digits; ':', '-' and blanks between them are ignored.\n"
		"Exit: 0 reply ok/tcphdr/supported and clean end, 1 error, 2 usage,\n"
		"      3 Error TLV, 4 reset, 5 timeout, 6 EOF before the reply.\n",
		prog, prog, MPCONV_CONVERT_PORT);
}

static void __printf(1, 2) info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __printf(1, 2) verbose(const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One line "prog: message" */
static void __printf(1, 2) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __noreturn __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try -h)\n");
	exit(EXIT_USAGE);
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p) {
		error("out of memory");
		exit(EXIT_FAIL);
	}
	return p;
}

/* ---- arguments ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void parse_hex(char o, const char *s, u8 **out, size_t *len)
{
	size_t n = 0;
	u8 *buf = xmalloc(strlen(s) / 2 + 1);
	int hi = -1;

	for (; *s; s++) {
		int v = hexval(*s);

		if (v < 0) {
			if (hi < 0 && strchr(":- \t\n", *s))
				continue;
			usage_error("-%c: bad hex at '%s'", o, s);
		}
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (u8)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		usage_error("-%c: odd number of hex digits", o);
	*out = buf;
	*len = n;
}

static unsigned long parse_num(const char *what, const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		usage_error("%s: '%s' is not a number from 0 to %lu", what, s, max);
	return v;
}

/* Numeric address (IPv6 scope ids allowed) and port into @ss */
static int parse_sockaddr(const char *addr, unsigned int port, struct sockaddr_storage *ss,
			  socklen_t *sslen)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai;
	char serv[8];

	snprintf(serv, sizeof(serv), "%u", port);
	if (getaddrinfo(addr, serv, &hints, &ai))
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static const char *fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %u)", ss->ss_family);
	}
	return buf;
}

/* ---- time ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deadline for a wait starting now; 0 is "never" */
static long long deadline(void)
{
	return opt.timeout_ms ? now_ms() + opt.timeout_ms : 0;
}

/* Poll timeout left until @dl: -1 forever, 0 expired */
static int time_left(long long dl)
{
	long long left;

	if (!dl)
		return -1;
	left = dl - now_ms();
	return left > 0 ? (int)(left > INT_MAX ? INT_MAX : left) : 0;
}

/* Wait for @events on @fd until @dl. Returns 0, or -ETIMEDOUT, or -errno. */
static int wait_fd(int fd, short events, long long dl)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int n = poll(&pfd, 1, time_left(dl));

		if (n > 0)
			return 0;
		if (!n)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Write all of @buf to a file descriptor that may be non-blocking */
static int write_all(int fd, const u8 *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int ret = wait_fd(fd, POLLOUT, 0);

				if (ret)
					return ret;
				continue;
			}
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool is_reset(int err)
{
	return err == ECONNRESET || err == EPIPE;
}

/* ---- outcome ---- */

static void json_hex(FILE *f, const char *key, const u8 *p, size_t len)
{
	size_t i;

	fprintf(f, ",\"%s\":\"", key);
	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

static void write_json(void)
{
	FILE *f;
	size_t i;

	if (!opt.json_path)
		return;
	f = fopen(opt.json_path, "w");
	if (!f) {
		error("%s: %s", opt.json_path, strerror(errno));
		return;
	}
	fprintf(f, "{\"type\":\"%s\",\"kinds\":[", res.type);
	for (i = 0; i < res.n_kinds; i++)
		fprintf(f, "%s%u", i ? "," : "", res.kinds[i]);
	fputc(']', f);
	if (res.have_error)
		fprintf(f, ",\"error\":%u", res.error);
	else
		fprintf(f, ",\"error\":null");
	json_hex(f, "value", res.value, res.value_len);
	json_hex(f, "cookie", res.cookie, res.cookie_len);
	fprintf(f, ",\"len\":%u,\"mode\":\"%s\",\"syn_data\":%s,\"mptcp\":\"%s\"",
		res.len, res.mode, res.syn_data ? "true" : "false", res.mptcp);
	fprintf(f, ",\"end\":\"%s\",\"sent\":%llu,\"received\":%llu}\n",
		res.end, res.sent, res.received);
	if (fclose(f))
		error("%s: %s", opt.json_path, strerror(errno));
}

static void __noreturn finish(int rc)
{
	verbose("sent %llu received %llu", res.sent, res.received);
	write_json();
	exit(rc);
}

/* The client failed before or without a reply: report and exit */
static void __noreturn fail_io(const char *what, int err)
{
	if (err == ETIMEDOUT) {
		info("timeout: %s", what);
		if (!strcmp(res.type, "failed"))
			res.type = "timeout";
		res.end = "timeout";
		finish(EXIT_TIMEOUT);
	}
	if (is_reset(err)) {
		info("reset");
		if (!strcmp(res.type, "failed"))
			res.type = "reset";
		res.end = "reset";
		finish(EXIT_RESET);
	}
	error("%s: %s", what, strerror(err));
	res.end = "error";
	finish(EXIT_FAIL);
}

/* ---- the Convert request ---- */

static const char *err_name(u8 code)
{
	switch (code) {
	case MPCONV_CONVERT_E_VERSION:		return "unsupported-version";
	case MPCONV_CONVERT_E_MALFORMED:	return "malformed-message";
	case MPCONV_CONVERT_E_UNSUPPORTED:	return "unsupported-message";
	case MPCONV_CONVERT_E_MISSING_COOKIE:	return "missing-cookie";
	case MPCONV_CONVERT_E_NOT_AUTHORIZED:	return "not-authorized";
	case MPCONV_CONVERT_E_TCPOPT:		return "unsupported-tcp-option";
	case MPCONV_CONVERT_E_RESOURCE:		return "resource-exceeded";
	case MPCONV_CONVERT_E_NETWORK:		return "network-failure";
	case MPCONV_CONVERT_E_CONN_RESET:	return "connection-reset";
	case MPCONV_CONVERT_E_UNREACH:		return "destination-unreachable";
	default:				return "unknown";
	}
}

/* Offsets in a message whose first TLV is a Connect: header, type, length */
#define CONNECT_PORT	(MPCONV_CONVERT_HDR_LEN + 2)
#define CONNECT_ADDR	(CONNECT_PORT + 2)
#define CONNECT_OPTS	(MPCONV_CONVERT_HDR_LEN + MPCONV_CONVERT_CONNECT_MIN_LEN)

/*
 * The Convert message followed by the -D data, in one buffer. A Connect
 * goes first, so its fields sit at fixed offsets: a destination or TCP
 * options the codec refuses (RFC 8803 forbids them) are built with a
 * stand-in of the same size and patched in, for tests of the converter's
 * checks.
 */
static u8 *build_request(const char *dest, const char *port, size_t *len, size_t *msg_len)
{
	static const u8 stand_in[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1,
	};
	struct mpconv_convert_builder b;
	u8 nops[MPCONV_CONVERT_MAX_LEN];
	u8 msg[MPCONV_CONVERT_MAX_LEN];
	u8 addr[16];
	size_t mlen;
	u8 *buf;
	int ret;

	if (opt.have_raw) {
		mlen = opt.raw_len;
		buf = xmalloc(mlen + opt.data_len);
		memcpy(buf, opt.raw, mlen);
		goto data;
	}

	mpconv_convert_begin(&b, msg, sizeof(msg), MPCONV_CONVERT_REQUEST);
	if (opt.info) {
		ret = mpconv_convert_add_info(&b);
	} else {
		unsigned long p = parse_num("DEST_PORT", port, 65535);
		const u8 *opts = opt.tcpopts;
		struct in_addr v4;
		bool patch;

		if (inet_pton(AF_INET, dest, &v4) == 1)
			mpconv_convert_addr_v4mapped(addr, (const u8 *)&v4);
		else if (inet_pton(AF_INET6, dest, addr) != 1)
			usage_error("DEST_ADDR: '%s' is not a numeric IPv4 or IPv6 address", dest);
		patch = !p || !mpconv_convert_addr_valid(addr);
		if (opt.tcpopts_len > MPCONV_CONVERT_MAX_LEN)
			usage_error("-O: more than %d bytes", MPCONV_CONVERT_MAX_LEN);
		if (opt.tcpopts_len &&
		    mpconv_convert_opts_check(opt.tcpopts, opt.tcpopts_len, true) < 0) {
			/* as many NOPs, then the real bytes over them */
			opts = nops;
			memset(nops, 1, opt.tcpopts_len);
			verbose("connect: the -O bytes are not a valid option list, sent anyway");
		}
		ret = mpconv_convert_add_connect(&b, patch ? stand_in : addr,
						 patch ? 9 : (u16)p, opts, opt.tcpopts_len);
		if (!ret && patch) {
			msg[CONNECT_PORT] = (u8)(p >> 8);
			msg[CONNECT_PORT + 1] = (u8)p;
			memcpy(msg + CONNECT_ADDR, addr, 16);
			verbose("connect: %s port %lu is invalid for RFC 8803, sent anyway",
				dest, p);
		}
		if (!ret && opts == nops)
			memcpy(msg + CONNECT_OPTS, opt.tcpopts, opt.tcpopts_len);
	}
	if (!ret && opt.cookie)
		ret = mpconv_convert_add_cookie(&b, opt.cookie, opt.cookie_len);
	if (ret)
		usage_error("the Convert message does not fit in %d bytes",
			    MPCONV_CONVERT_MAX_LEN);
	mlen = (size_t)mpconv_convert_finish(&b);
	buf = xmalloc(mlen + opt.data_len);
	memcpy(buf, msg, mlen);
data:
	if (opt.data_len)
		memcpy(buf + mlen, opt.data, opt.data_len);
	*msg_len = mlen;
	*len = mlen + opt.data_len;
	return buf;
}

/* ---- connection ---- */

static int open_socket(int family, const struct sockaddr_storage *local, socklen_t local_len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, opt.proto);

	if (fd < 0) {
		if (opt.proto == IPPROTO_MPTCP && (errno == EPROTONOSUPPORT || errno == EINVAL ||
						   errno == ENOPROTOOPT))
			error("socket: MPTCP is not available here (%s; net.mptcp.enabled?)",
			      strerror(errno));
		else
			error("socket: %s", strerror(errno));
		finish(EXIT_FAIL);
	}
	if (local && bind(fd, (const struct sockaddr *)local, local_len)) {
		error("bind: %s", strerror(errno));
		finish(EXIT_FAIL);
	}
	return fd;
}

/* errno of a TFO attempt that means "not on this socket", not a network error */
static bool tfo_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOPROTOOPT || err == EINVAL ||
	       err == EPROTONOSUPPORT || err == EPROTOTYPE;
}

/*
 * Try to send @buf in the SYN. Returns the bytes the kernel took (0: none
 * yet, the handshake is under way), or -1 when TFO is not available on this
 * socket (the caller starts over with connect()).
 */
static ssize_t try_tfo(int fd, const u8 *buf, size_t len, const struct sockaddr_storage *ss,
		       socklen_t sslen)
{
	int one = 1;
	ssize_t n;

	if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &one, sizeof(one))) {
		verbose("tfo: not on this socket (TCP_FASTOPEN_NO_COOKIE: %s)", strerror(errno));
		return -1;
	}
	n = sendto(fd, buf, len, MSG_FASTOPEN | MSG_NOSIGNAL, (const struct sockaddr *)ss, sslen);
	if (n >= 0)
		return n;
	if (errno == EINPROGRESS)
		return 0;
	if (tfo_unsupported(errno)) {
		verbose("tfo: not on this socket (sendto MSG_FASTOPEN: %s)", strerror(errno));
		return -1;
	}
	fail_io("connect", errno);
}

/* Wait for the handshake of a non-blocking connect to end */
static void wait_connected(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	int ret;

	ret = wait_fd(fd, POLLOUT, deadline());
	if (ret)
		fail_io("connect", -ret);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		fail_io("connect", err);
}

/* MPTCP state of the connection, and whether the SYN's data was acked */
static void probe_connection(int fd)
{
	struct mptcp_info mi;
	struct tcp_info ti;
	socklen_t len;

	if (opt.proto == IPPROTO_MPTCP) {
		/* fails once the socket fell back to TCP (passed to the subflow) */
		len = sizeof(mi);
		memset(&mi, 0, sizeof(mi));
		if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &mi, &len))
			res.mptcp = "fallback";
		else if (mi.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK)
			res.mptcp = "fallback";
		else
			res.mptcp = "active";
	}
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		res.syn_data = ti.tcpi_options & TCPI_OPT_SYN_DATA;
}

/* Send @buf fully on a connected non-blocking socket, each wait bounded */
static void send_all(int fd, const u8 *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			int ret;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				fail_io("send", errno);
			ret = wait_fd(fd, POLLOUT, deadline());
			if (ret)
				fail_io("send", -ret);
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Receive into @buf. Returns the byte count (0 at EOF), -EAGAIN when there
 * is nothing to read, or -errno.
 */
static ssize_t recv_some(int fd, u8 *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

/* ---- the reply ---- */

static void hex_line(const char *what, const u8 *p, size_t len)
{
	size_t i;

	if (!opt.verbose)
		return;
	fprintf(stderr, "%s", what);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 4 ? "" : " ", p[i]);
	fputc('\n', stderr);
}

static void print_kinds(const char *what)
{
	size_t i;

	fprintf(stderr, "reply: %s", what);
	for (i = 0; i < res.n_kinds; i++)
		fprintf(stderr, " %u", res.kinds[i]);
	fputc('\n', stderr);
}

/*
 * Read the reply into @buf (BUF_SIZE) until it decodes. Returns its length
 * and sets *@got to the bytes read; what follows the reply is application
 * data. Exits on a malformed reply, EOF, reset or timeout.
 */
static size_t read_reply(int fd, u8 *buf, size_t *got, struct mpconv_convert_msg *msg)
{
	long long dl = deadline();
	size_t len = 0;
	u8 err = 0;
	int ret = 0;

	while (!ret) {
		ssize_t n = recv_some(fd, buf + len, BUF_SIZE - len);

		if (n == -EAGAIN) {
			int w = wait_fd(fd, POLLIN, dl);

			if (w == -ETIMEDOUT) {
				info("reply: timeout");
				res.type = "timeout";
				res.end = "timeout";
				finish(EXIT_TIMEOUT);
			}
			if (w)
				fail_io("poll", -w);
			continue;
		}
		if (n < 0)
			fail_io("recv", (int)-n);
		if (!n) {
			hex_line("reply bytes:", buf, len);
			info("reply: eof");
			res.type = "eof";
			res.end = "eof";
			finish(EXIT_EOF);
		}
		len += (size_t)n;
		ret = mpconv_convert_decode(buf, len, MPCONV_CONVERT_REPLY, msg, &err);
	}
	if (ret < 0) {
		hex_line("reply bytes:", buf, len < MPCONV_CONVERT_MAX_LEN ? len :
			 MPCONV_CONVERT_MAX_LEN);
		if (ret == -ECONNRESET)
			verbose("reply: Total Length 0");
		else
			verbose("reply: invalid, error code %u (%s)", err, err_name(err));
		info("reply: malformed");
		res.type = "malformed";
		finish(EXIT_FAIL);
	}
	hex_line("reply bytes:", buf, (size_t)ret);
	*got = len;
	return (size_t)ret;
}

/* Describe the decoded reply; returns true for an Error TLV */
static bool report_reply(const u8 *buf, const struct mpconv_convert_msg *msg)
{
	res.len = msg->len;
	if (msg->present & MPCONV_CONVERT_F_COOKIE) {
		res.cookie = buf + msg->cookie.off;
		res.cookie_len = msg->cookie.len;
	}
	if (msg->present & MPCONV_CONVERT_F_ERROR) {
		res.type = "error";
		res.have_error = true;
		res.error = msg->error;
		res.value = buf + msg->error_value.off;
		res.value_len = msg->error_value.len;
		info("reply: error %u %s", msg->error, err_name(msg->error));
		return true;
	}
	if (msg->present & MPCONV_CONVERT_F_TCPHDR) {
		const u8 *opts = buf + msg->tcp_opts.off;
		struct mpconv_convert_opt o;
		size_t pos = 0;

		while (mpconv_convert_opt_next(opts, msg->tcp_opts.len, &pos, &o) == 1)
			res.kinds[res.n_kinds++] = o.kind;
		res.type = "tcphdr";
		print_kinds("tcphdr");
	} else if (msg->present & MPCONV_CONVERT_F_SUPPORTED) {
		memcpy(res.kinds, buf + msg->kinds.off, msg->kinds.len);
		res.n_kinds = msg->kinds.len;
		res.type = "supported";
		print_kinds("supported");
	} else {
		res.type = "ok";
		info("reply: ok");
	}
	return false;
}

/* ---- relay ---- */

/* Socket to stdout until EOF, after an Error TLV or with -n */
static int drain(int fd, u8 *buf)
{
	for (;;) {
		ssize_t n = recv_some(fd, buf, BUF_SIZE);
		int ret;

		if (n == -EAGAIN) {
			ret = wait_fd(fd, POLLIN, deadline());
			if (ret)
				return ret;
			continue;
		}
		if (n <= 0)
			return (int)n;
		ret = write_all(STDOUT_FILENO, buf, (size_t)n);
		if (ret) {
			error("stdout: %s", strerror(-ret));
			finish(EXIT_FAIL);
		}
		res.received += (unsigned long long)n;
	}
}

/*
 * stdin to the socket and the socket to stdout. At stdin's EOF, half-close;
 * the relay ends at the socket's EOF. Returns 0 or -errno (-ETIMEDOUT
 * when nothing moved for the timeout).
 */
static int relay(int fd, u8 *down)
{
	u8 *up = xmalloc(BUF_SIZE);
	size_t up_off = 0, up_len = 0;
	bool in_eof = false, shut = false;
	int ret = 0;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = -1 },
			{ .fd = fd, .events = POLLIN },
		};
		ssize_t n;

		if (in_eof && up_off == up_len && !shut) {
			if (shutdown(fd, SHUT_WR) && !is_reset(errno)) {
				ret = -errno;
				break;
			}
			shut = true;
		}
		if (!in_eof && up_off == up_len) {
			pfd[0].fd = STDIN_FILENO;
			pfd[0].events = POLLIN;
		}
		if (up_off < up_len)
			pfd[1].events |= POLLOUT;

		n = poll(pfd, 2, opt.timeout_ms ? opt.timeout_ms : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (!n) {
			ret = -ETIMEDOUT;
			break;
		}

		if (pfd[0].revents) {
			n = read(STDIN_FILENO, up, BUF_SIZE);
			if (n > 0) {
				up_off = 0;
				up_len = (size_t)n;
			} else if (!n) {
				in_eof = true;
			} else if (errno != EINTR && errno != EAGAIN) {
				error("stdin: %s", strerror(errno));
				finish(EXIT_FAIL);
			}
		}
		if (pfd[1].revents & POLLOUT && up_off < up_len) {
			n = send(fd, up + up_off, up_len - up_off, MSG_NOSIGNAL);
			if (n > 0) {
				up_off += (size_t)n;
				res.sent += (unsigned long long)n;
			} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
				ret = -errno;
				break;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv_some(fd, down, BUF_SIZE);
			if (!n)
				break;
			if (n == -EAGAIN)
				continue;
			if (n < 0) {
				ret = (int)n;
				break;
			}
			ret = write_all(STDOUT_FILENO, down, (size_t)n);
			if (ret) {
				error("stdout: %s", strerror(-ret));
				finish(EXIT_FAIL);
			}
			res.received += (unsigned long long)n;
		}
	}
	if (!ret && !(in_eof && up_off == up_len))
		verbose("the peer closed before stdin ended");
	free(up);
	return ret;
}

/* How the byte stream ended after the reply */
static void set_end(int ret)
{
	if (!ret) {
		res.end = "eof";
		return;
	}
	if (ret == -ETIMEDOUT)
		res.end = "timeout";
	else if (is_reset(-ret))
		res.end = "reset";
	else
		res.end = "error";
}

/* The request and the receive buffer; global, so that exit() leaks nothing */
static u8 *req, *buf;

static void run_client(int argc, char **argv)
{
	struct sockaddr_storage conv, local, sa;
	socklen_t conv_len, local_len = 0, sa_len;
	const char *dest = NULL, *dport = NULL;
	struct mpconv_convert_msg msg;
	size_t req_len = 0, msg_len = 0, rlen, got;
	ssize_t sent = -1;
	char a1[64], a2[64];
	bool tfo;
	int fd, ret;

	if (argc == 3) {
		dest = argv[1];
		dport = argv[2];
	} else if (argc != 1 || !(opt.info || opt.have_raw || opt.nothing)) {
		usage_error("expected CONVERTER_ADDR DEST_ADDR DEST_PORT");
	}
	if (parse_sockaddr(argv[0], opt.conv_port, &conv, &conv_len))
		usage_error("CONVERTER_ADDR: '%s' is not a numeric IPv4 or IPv6 address", argv[0]);
	if (opt.bind_addr) {
		if (parse_sockaddr(opt.bind_addr, 0, &local, &local_len))
			usage_error("-b: '%s' is not a numeric IPv4 or IPv6 address",
				    opt.bind_addr);
		if (local.ss_family != conv.ss_family)
			usage_error("-b: '%s' is not of the converter's address family",
				    opt.bind_addr);
	}
	if (!opt.nothing)
		req = build_request(dest, dport, &req_len, &msg_len);

	fd = open_socket(conv.ss_family, local_len ? &local : NULL, local_len);
	tfo = !opt.force_connect && !opt.nothing && req_len;
	if (tfo) {
		sent = try_tfo(fd, req, req_len, &conv, conv_len);
		if (sent < 0) {
			/* start over on a fresh socket */
			close(fd);
			fd = open_socket(conv.ss_family, local_len ? &local : NULL, local_len);
			tfo = false;
		}
	}
	if (!tfo) {
		sent = 0;
		if (connect(fd, (const struct sockaddr *)&conv, conv_len) && errno != EINPROGRESS)
			fail_io("connect", errno);
	}
	res.mode = tfo ? "tfo" : "connect";
	verbose("mode: %s", res.mode);
	if (tfo)
		verbose("tfo: %zd of %zu bytes handed over with the SYN", sent, req_len);

	wait_connected(fd);
	probe_connection(fd);
	sa_len = sizeof(sa);
	if (!getsockname(fd, (struct sockaddr *)&sa, &sa_len))
		verbose("local %s", fmt_addr(&sa, a1, sizeof(a1)));
	sa_len = sizeof(sa);
	if (!getpeername(fd, (struct sockaddr *)&sa, &sa_len))
		verbose("remote %s", fmt_addr(&sa, a2, sizeof(a2)));
	verbose("mptcp: %s", res.mptcp);
	if (tfo)
		verbose("tfo: syn data %s", res.syn_data ? "acked" : "not acked");

	buf = xmalloc(BUF_SIZE);
	if (req_len > (size_t)sent)
		send_all(fd, req + sent, req_len - (size_t)sent);
	if (req)
		verbose("request: %zu bytes (convert %zu, data %zu)", req_len, msg_len,
			opt.data_len);
	res.sent = opt.data_len;

	rlen = read_reply(fd, buf, &got, &msg);
	/* the MPTCP state is settled once data came back */
	probe_connection(fd);
	if (report_reply(buf, &msg)) {
		ret = drain(fd, buf);
		set_end(ret);
		if (ret && is_reset(-ret))
			info("reset");
		else if (ret == -ETIMEDOUT)
			info("timeout: drain");
		finish(EXIT_ERROR_TLV);
	}
	if (got > rlen) {
		ret = write_all(STDOUT_FILENO, buf + rlen, got - rlen);
		if (ret) {
			error("stdout: %s", strerror(-ret));
			finish(EXIT_FAIL);
		}
		res.received += got - rlen;
	}

	ret = opt.nothing ? drain(fd, buf) : relay(fd, buf);
	set_end(ret);
	if (!ret)
		finish(EXIT_REPLY_OK);
	if (ret == -ETIMEDOUT) {
		info("timeout: relay idle");
		finish(EXIT_TIMEOUT);
	}
	if (is_reset(-ret)) {
		info("reset");
		finish(EXIT_RESET);
	}
	error("relay: %s", strerror(-ret));
	finish(EXIT_FAIL);
}

/* ---- server mode ---- */

static void serve(int fd, const struct sockaddr_storage *peer)
{
	u8 *buf = xmalloc(BUF_SIZE);
	unsigned long long total = 0;
	struct mptcp_info mi;
	socklen_t len = sizeof(mi);
	char a[64];
	ssize_t n;

	if (opt.proto == IPPROTO_MPTCP)
		verbose("connection from %s (%s)", fmt_addr(peer, a, sizeof(a)),
			getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &mi, &len) ? "fallback" : "mptcp");
	else
		verbose("connection from %s", fmt_addr(peer, a, sizeof(a)));

	for (;;) {
		n = recv(fd, buf, BUF_SIZE, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (unsigned long long)n;
		if (opt.echo && write_all(fd, buf, (size_t)n))
			break;
	}
	if (n < 0)
		info("%s: %s", fmt_addr(peer, a, sizeof(a)), strerror(errno));
	if (opt.echo)
		shutdown(fd, SHUT_WR);
	info("received %llu bytes from %s", total, fmt_addr(peer, a, sizeof(a)));
	free(buf);
	close(fd);
}

static void __noreturn run_server(int argc, char **argv)
{
	struct sockaddr_storage ss, peer;
	socklen_t sslen, plen;
	int one = 1, qlen = TFO_QLEN;
	char a[64];
	int fd, c;

	if (argc != 2)
		usage_error("expected LISTEN_ADDR PORT");
	if (parse_sockaddr(argv[0], (unsigned int)parse_num("PORT", argv[1], 65535), &ss,
			   &sslen))
		usage_error("LISTEN_ADDR: '%s' is not a numeric IPv4 or IPv6 address", argv[0]);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, opt.proto);
	if (fd < 0) {
		error("socket: %s", strerror(errno));
		exit(EXIT_FAIL);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (opt.tfo_listen &&
	    (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) ||
	     setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &one, sizeof(one))))
		info("tfo: not on this listener (%s)", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 128)) {
		error("listen %s: %s", fmt_addr(&ss, a, sizeof(a)), strerror(errno));
		exit(EXIT_FAIL);
	}
	sslen = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sslen);
	verbose("listening on %s", fmt_addr(&ss, a, sizeof(a)));
	if (!opt.once)
		signal(SIGCHLD, SIG_IGN);

	for (;;) {
		plen = sizeof(peer);
		c = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			error("accept: %s", strerror(errno));
			exit(EXIT_FAIL);
		}
		if (opt.once) {
			close(fd);
			serve(c, &peer);
			exit(0);
		}
		switch (fork()) {
		case -1:
			error("fork: %s", strerror(errno));
			close(c);
			break;
		case 0:
			close(fd);
			serve(c, &peer);
			exit(0);
		default:
			close(c);
		}
	}
}

int main(int argc, char **argv)
{
	int c;

	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((c = getopt(argc, argv, "+P:b:TMFIC:O:R:D:nw:J:vSef1h")) != -1) {
		switch (c) {
		case 'P':
			opt.conv_port = (unsigned int)parse_num("-P", optarg, 65535);
			break;
		case 'b':
			opt.bind_addr = optarg;
			break;
		case 'T':
			opt.proto = IPPROTO_TCP;
			break;
		case 'M':
			opt.proto = IPPROTO_MPTCP;
			break;
		case 'F':
			opt.force_connect = true;
			break;
		case 'I':
			opt.info = true;
			break;
		case 'C':
			parse_hex('C', optarg, &opt.cookie, &opt.cookie_len);
			if (!opt.cookie_len)
				usage_error("-C: the cookie is empty");
			break;
		case 'O':
			parse_hex('O', optarg, &opt.tcpopts, &opt.tcpopts_len);
			break;
		case 'R':
			parse_hex('R', optarg, &opt.raw, &opt.raw_len);
			opt.have_raw = true;
			break;
		case 'D':
			parse_hex('D', optarg, &opt.data, &opt.data_len);
			break;
		case 'n':
			opt.nothing = true;
			break;
		case 'w':
			opt.timeout_ms = (int)parse_num("-w", optarg, INT_MAX / 1000) * 1000;
			break;
		case 'J':
			opt.json_path = optarg;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'S':
			opt.server = true;
			break;
		case 'e':
			opt.echo = true;
			break;
		case 'f':
			opt.tfo_listen = true;
			break;
		case '1':
			opt.once = true;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			if (strchr("PbCORDwJ", optopt))
				usage_error("-%c needs an argument", optopt);
			usage_error("unknown option -%c", optopt);
		}
	}
	argc -= optind;
	argv += optind;

	if (opt.server)
		run_server(argc, argv);
	if (opt.echo || opt.once || opt.tfo_listen)
		usage_error("-e, -f and -1 go with -S");
	if (opt.nothing && (opt.have_raw || opt.data_len || opt.info || opt.cookie ||
			    opt.tcpopts))
		usage_error("-n sends nothing: no -R, -D, -I, -C or -O with it");
	if (opt.have_raw && (opt.info || opt.cookie || opt.tcpopts))
		usage_error("-R replaces the whole message: no -I, -C or -O with it");
	if (opt.info && opt.tcpopts)
		usage_error("-O goes with a Connect TLV, not -I");
	if (argc < 1)
		usage_error("expected CONVERTER_ADDR");
	run_client(argc, argv);
	return EXIT_FAIL;
}
