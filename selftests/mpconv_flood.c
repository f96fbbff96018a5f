// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv_flood: send TCP SYNs from spoofed sources, for the robustness
 * suite (mpconv_robust.sh). Raw IPv4 or IPv6 packets, one SYN each, from
 * random addresses of a source prefix and random ports, optionally with
 * the TCP options Linux puts in a SYN, an MP_CAPABLE option, a Fast Open
 * option and a payload (a Convert message, given in hex).
 *
 * Usage: mpconv_flood [-n COUNT] [-r PPS] [-m] [-f] [-x HEX] [-p SPORT] [-s SEQ] [-t TSVAL] [-c] [-q]
 *                     SRC_PREFIX DST_ADDR DST_PORT
 *   -n COUNT  SYNs to send (default 1000)
 *   -r PPS    at most this many per second (default: as fast as possible)
 *   -m        add MP_CAPABLE (MPTCP v1, as in a SYN)
 *   -f        add an empty Fast Open option (a cookie request, or what a
 *             cookie-less Fast Open client sends with its data)
 *   -x HEX    payload bytes (with -f: data in the SYN)
 *   -p SPORT  this source port instead of random ones
 *   -s SEQ    this sequence number instead of random ones
 *   -t TSVAL  this timestamp value (default 1)
 *   -c        a wrong TCP checksum (what a corrupting link delivers)
 *   -q        print nothing but errors
 * On exit it prints "sent N in S s, IP length L" (L: the length of each
 * SYN's IP packet) and exits 0 when all were sent.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD	1024

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mpconv_flood: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: mpconv_flood [-n COUNT] [-r PPS] [-m] [-f] [-x HEX] [-p SPORT] [-s SEQ] [-t TSVAL] [-c] [-q] "
			"SRC_PREFIX DST_ADDR DST_PORT\n");
	exit(2);
}

/* xorshift64*: fast, and plenty for addresses and ports. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	if (strlen(s) % 2)
		die("-x: odd number of hex digits in '%s'", s);
	for (; *s; s += 2) {
		if (n == cap)
			die("-x: more than %s bytes", "1024");
		if (sscanf(s, "%2x", &v) != 1)
			die("-x: not hex: '%s'", s);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* The TCP options: those of a Linux SYN, then MP_CAPABLE and Fast Open. */
static size_t build_opts(uint8_t *o, bool mpc, bool tfo, uint32_t tsval)
{
	size_t n = 0;

	o[n++] = 2; o[n++] = 4; o[n++] = 0x05; o[n++] = 0xb4;	/* MSS 1460 */
	o[n++] = 4; o[n++] = 2;					/* SACK permitted */
	o[n++] = 8; o[n++] = 10;				/* timestamps */
	memset(o + n, 0, 8);
	o[n] = (uint8_t)(tsval >> 24);
	o[n + 1] = (uint8_t)(tsval >> 16);
	o[n + 2] = (uint8_t)(tsval >> 8);
	o[n + 3] = (uint8_t)tsval;
	n += 8;
	o[n++] = 1;						/* NOP */
	o[n++] = 3; o[n++] = 3; o[n++] = 7;			/* window scale */
	if (mpc) {
		o[n++] = 30; o[n++] = 4; o[n++] = 0x01; o[n++] = 0x01;
	}
	if (tfo) {
		o[n++] = 34; o[n++] = 2; o[n++] = 1; o[n++] = 1;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint8_t payload[MAX_PAYLOAD], pkt[1500], opts[40];
	unsigned long count = 1000, pps = 0, sent = 0, i;
	bool mpc = false, tfo = false, quiet = false, bad_csum = false;
	size_t plen = 0, olen, thlen, iplen, hlen;
	struct sockaddr_storage dst = {};
	struct in6_addr pfx6, a6;
	struct timespec t0, t1, now;
	long long fix_seq = -1;
	uint32_t tsval = 1;
	long fix_sport = -1;
	int c, fd, family, plen_bits;
	struct in_addr pfx4, a4;
	unsigned long dport;
	char *slash;
	double secs;

	while ((c = getopt(argc, argv, "n:r:mfx:p:s:t:cq")) != -1) {
		switch (c) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			pps = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mpc = true;
			break;
		case 'f':
			tfo = true;
			break;
		case 'x':
			plen = parse_hex(optarg, payload, sizeof(payload));
			break;
		case 'p':
			fix_sport = strtol(optarg, NULL, 0);
			break;
		case 's':
			fix_seq = strtoll(optarg, NULL, 0);
			break;
		case 't':
			tsval = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			bad_csum = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	if (getrandom(&rnd_state, sizeof(rnd_state), 0) != sizeof(rnd_state) || !rnd_state)
		rnd_state = 0x9e3779b97f4a7c15ULL;

	slash = strchr(argv[optind], '/');
	if (!slash)
		die("SRC_PREFIX: '%s' has no /LEN", argv[optind]);
	*slash = 0;
	plen_bits = atoi(slash + 1);
	dport = strtoul(argv[optind + 2], NULL, 0);
	if (!dport || dport > 65535)
		die("DST_PORT: '%s'", argv[optind + 2]);

	if (inet_pton(AF_INET, argv[optind], &pfx4) == 1) {
		struct sockaddr_in *d = (struct sockaddr_in *)&dst;

		family = AF_INET;
		if (plen_bits < 0 || plen_bits > 32)
			die("SRC_PREFIX: bad length /%s", slash + 1);
		if (inet_pton(AF_INET, argv[optind + 1], &d->sin_addr) != 1)
			die("DST_ADDR: '%s' is not IPv4 like the prefix", argv[optind + 1]);
		d->sin_family = AF_INET;
		hlen = sizeof(struct iphdr);
	} else if (inet_pton(AF_INET6, argv[optind], &pfx6) == 1) {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&dst;

		family = AF_INET6;
		if (plen_bits < 0 || plen_bits > 128)
			die("SRC_PREFIX: bad length /%s", slash + 1);
		if (inet_pton(AF_INET6, argv[optind + 1], &d->sin6_addr) != 1)
			die("DST_ADDR: '%s' is not IPv6 like the prefix", argv[optind + 1]);
		d->sin6_family = AF_INET6;
		hlen = sizeof(struct ip6_hdr);
	} else {
		die("SRC_PREFIX: '%s' is not an address", argv[optind]);
	}

	/* IPPROTO_RAW: we write the IP header ourselves, both families. */
	fd = socket(family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("raw socket: %s (needs CAP_NET_RAW)", strerror(errno));

	olen = build_opts(opts, mpc, tfo, tsval);
	thlen = sizeof(struct tcphdr) + olen;
	iplen = hlen + thlen + plen;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		struct tcphdr *th = (struct tcphdr *)(pkt + hlen);
		uint32_t sum = 0;
		uint64_t r = rnd();

		memset(pkt, 0, iplen);
		if (family == AF_INET) {
			struct iphdr *ip = (struct iphdr *)pkt;
			/* a shift by 32 is undefined: /32 and /0 spelt out */
			uint32_t mask = plen_bits ? 0xffffffffu << (32 - plen_bits) : 0;

			a4.s_addr = htonl((ntohl(pfx4.s_addr) & mask) | ((uint32_t)r & ~mask));
			ip->version = 4;
			ip->ihl = 5;
			ip->tot_len = htons((uint16_t)iplen);
			ip->id = htons((uint16_t)(r >> 32));
			ip->ttl = 64;
			ip->protocol = IPPROTO_TCP;
			ip->saddr = a4.s_addr;
			ip->daddr = ((struct sockaddr_in *)&dst)->sin_addr.s_addr;
			/* the kernel fills in the IPv4 header checksum */
			sum = csum_add(sum, &ip->saddr, 8);
		} else {
			struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
			int b;

			a6 = pfx6;
			for (b = plen_bits; b < 128; b++) {
				if (!(b % 64))
					r = rnd();
				if (r >> (b % 64) & 1)
					a6.s6_addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
				else
					a6.s6_addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			}
			ip6->ip6_flow = htonl(6u << 28);
			ip6->ip6_plen = htons((uint16_t)(thlen + plen));
			ip6->ip6_nxt = IPPROTO_TCP;
			ip6->ip6_hlim = 64;
			ip6->ip6_src = a6;
			ip6->ip6_dst = ((struct sockaddr_in6 *)&dst)->sin6_addr;
			sum = csum_add(sum, &ip6->ip6_src, 32);
			r = rnd();
		}
		th->source = htons(fix_sport >= 0 ? (uint16_t)fix_sport :
				   (uint16_t)(1024 + (r >> 16) % 64511));
		th->dest = htons((uint16_t)dport);
		th->seq = htonl(fix_seq >= 0 ? (uint32_t)fix_seq : (uint32_t)(r >> 32));
		th->doff = (uint16_t)(thlen / 4);
		th->syn = 1;
		th->window = htons(64240);
		memcpy(pkt + hlen + sizeof(*th), opts, olen);
		memcpy(pkt + hlen + thlen, payload, plen);
		sum += IPPROTO_TCP + (uint32_t)(thlen + plen);
		sum = csum_add(sum, th, thlen + plen);
		th->check = csum_fold(sum);
		if (bad_csum)
			th->check ^= htons(0x0101);

		if (sendto(fd, pkt, iplen, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(100);
				i--;
				continue;
			}
			die("sendto: %s", strerror(errno));
		}
		sent++;
		if (pps && !(sent % 64)) {
			double want = (double)sent / (double)pps;

			clock_gettime(CLOCK_MONOTONIC, &now);
			secs = (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
			if (want > secs)
				usleep((useconds_t)((want - secs) * 1e6));
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!quiet)
		printf("sent %lu in %.2f s, IP length %zu\n", sent, secs, iplen);
	close(fd);
	return sent == count ? 0 : 1;
}
