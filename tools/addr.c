// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, prefixes, ports, numbers and lists of them, on the command line
 * and in netlink nests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; try '%s help'\n", prog);
	return EXIT_USAGE;
}

/*
 * Parse "ADDR", "ADDR/LEN" (prefix) or "ADDR:PORT" / "[ADDR6]:PORT".
 */
int cli_parse_addr(const char *s, struct cli_addr *a, bool prefix)
{
	char buf[INET6_ADDRSTRLEN + 16], *p, *end;
	long v;

	memset(a, 0, sizeof(*a));
	a->plen = -1;
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return cli_usage_error("address too long: '%s'", s);

	p = NULL;
	if (prefix) {
		p = strchr(buf, '/');
		if (p)
			*p++ = '\0';
	} else if (buf[0] == '[') {
		end = strchr(buf, ']');
		if (!end || (end[1] && end[1] != ':'))
			return cli_usage_error("bad address '%s'", s);
		*end = '\0';
		memmove(buf, buf + 1, strlen(buf));
		p = end[1] ? end + 2 : NULL;	/* past "]:" */
	} else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
		p = strchr(buf, ':');	/* IPv4:PORT */
		*p++ = '\0';
	}

	if (inet_pton(AF_INET, buf, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &a->v6) == 1)
		a->family = AF_INET6;
	else
		return cli_usage_error("bad address '%s'", s);

	if (p) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || *end || end == p || v < (prefix ? 0 : 1) ||
		    v > (prefix ? (a->family == AF_INET ? 32 : 128) : 65535))
			return cli_usage_error(prefix ? "bad prefix length in '%s'" :
					       "bad port in '%s'", s);
		if (prefix)
			a->plen = v;
		else
			a->port = v;
	}
	return 0;
}

void cli_format_addr(const struct cli_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6,
		  ip, sizeof(ip));
	if (a->plen >= 0)
		snprintf(buf, len, "%s/%d", ip, a->plen);
	else if (a->port && a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else if (a->port)
		snprintf(buf, len, "%s:%u", ip, a->port);
	else
		snprintf(buf, len, "%s", ip);
}

void cli_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cli_addr *a)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u16(nlh, MPCONV_ADDR_A_FAMILY, a->family);
	if (a->family == AF_INET)
		mnl_attr_put(nlh, MPCONV_ADDR_A_ADDR4, 4, &a->v4);
	else
		mnl_attr_put(nlh, MPCONV_ADDR_A_ADDR6, 16, &a->v6);
	if (a->port)
		mnl_attr_put_u16(nlh, MPCONV_ADDR_A_PORT, a->port);
	if (a->plen >= 0)
		mnl_attr_put_u8(nlh, MPCONV_ADDR_A_PREFIXLEN, a->plen);
	mnl_attr_nest_end(nlh, nest);
}

int cli_get_addr(const struct nlattr *nest, struct cli_addr *a)
{
	const struct nlattr *attr;

	memset(a, 0, sizeof(*a));
	a->plen = -1;
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case MPCONV_ADDR_A_ADDR4:
			if (mnl_attr_get_payload_len(attr) != 4)
				return -1;
			a->family = AF_INET;
			memcpy(&a->v4, mnl_attr_get_payload(attr), 4);
			break;
		case MPCONV_ADDR_A_ADDR6:
			if (mnl_attr_get_payload_len(attr) != 16)
				return -1;
			a->family = AF_INET6;
			memcpy(&a->v6, mnl_attr_get_payload(attr), 16);
			break;
		case MPCONV_ADDR_A_PORT:
			a->port = mnl_attr_get_u16(attr);
			break;
		case MPCONV_ADDR_A_PREFIXLEN:
			a->plen = mnl_attr_get_u8(attr);
			break;
		}
	}
	return a->family ? 0 : -1;
}

/* Print an address nest: in JSON as {"address","port"} or "prefix/len". */
void cli_print_addr(const char *key, const char *fmt, const struct nlattr *nest)
{
	struct cli_addr a;
	char buf[INET6_ADDRSTRLEN + 16];

	if (!nest || cli_get_addr(nest, &a))
		return;
	cli_format_addr(&a, buf, sizeof(buf));
	if (!print_is_json() || a.plen >= 0) {
		print_string(key, fmt, buf);
		return;
	}
	inet_ntop(a.family, a.family == AF_INET ? (const void *)&a.v4 : (const void *)&a.v6,
		  buf, sizeof(buf));
	print_open_object(key);
	print_string("address", NULL, buf);
	print_uint("port", NULL, a.port);
	print_close_object();
}

/* A decimal number up to @max: digits only. */
static int parse_num(const char *s, unsigned long long max, unsigned long long *n)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoull(s, &end, 10);
	return errno || *end || *n > max ? -1 : 0;
}

int cli_parse_u32(const char *s, uint32_t *v, const char *what)
{
	unsigned long long n;

	if (parse_num(s, UINT32_MAX, &n)) {
		fprintf(stderr, "%s: %s: '%s' is not a number from 0 to %u\n", prog, what, s,
			UINT32_MAX);
		return EXIT_USAGE;
	}
	*v = n;
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *v, const char *what)
{
	unsigned long long n;

	if (parse_num(s, UINT64_MAX, &n)) {
		fprintf(stderr, "%s: %s: '%s' is not a number\n", prog, what, s);
		return EXIT_USAGE;
	}
	*v = n;
	return 0;
}

int cli_parse_port(const char *s, uint16_t *port, const char *what)
{
	unsigned long long n;

	if (parse_num(s, 65535, &n) || !n) {
		fprintf(stderr, "%s: %s: '%s' is not a port from 1 to 65535\n", prog, what, s);
		return EXIT_USAGE;
	}
	*port = n;
	return 0;
}

/* A duration: N (milliseconds), Nms, Ns or Nm. */
int cli_parse_ms(const char *s, uint32_t *v, const char *what)
{
	unsigned long long n = 0, mult = 1;
	char *end = NULL;

	errno = 0;
	if (*s >= '0' && *s <= '9')
		n = strtoull(s, &end, 10);
	if (end && !strcmp(end, "s"))
		mult = 1000;
	else if (end && !strcmp(end, "m"))
		mult = 60000;
	else if (end && !strcmp(end, "h"))
		mult = 3600000;
	else if (end && *end && strcmp(end, "ms"))
		end = NULL;
	if (errno || !end || n > UINT32_MAX / mult) {
		fprintf(stderr, "%s: %s: '%s' is not a duration (N, Nms, Ns, Nm or Nh)\n", prog,
			what, s);
		return EXIT_USAGE;
	}
	*v = n * mult;
	return 0;
}

/*
 * "none" (an empty list) or "X[,X...]": a nest @type holding what @put adds
 * for each X.
 */
int cli_put_list(struct nlmsghdr *nlh, uint16_t type, const char *arg, cli_put_fn put,
		 void *ctx)
{
	char buf[4096], *p, *tok;
	struct nlattr *list;
	int ret;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return cli_usage_error("list too long: '%.40s...'", arg);
	list = mnl_attr_nest_start(nlh, type);
	if (strcmp(arg, "none")) {
		p = buf;
		while ((tok = strsep(&p, ","))) {
			if (!*tok)
				return cli_usage_error("empty element in list '%s'", arg);
			if (nlh->nlmsg_len > MPC_NL_BUFSIZE - CLI_REQ_ROOM)
				return cli_usage_error("too many elements in list '%.40s...'", arg);
			ret = put(nlh, type, tok, ctx);
			if (ret)
				return ret;
		}
	}
	mnl_attr_nest_end(nlh, list);
	return 0;
}

/* Print "  LABEL X X...\n" (or "  LABEL EMPTY\n"); in JSON, an array @key. */
void cli_print_list(const char *key, const char *label, const char *empty,
		    const struct nlattr *list, cli_print_fn print)
{
	const struct nlattr *attr;
	int n = 0;

	print_text("  %s", label);
	print_open_array(key);
	if (list) {
		mnl_attr_for_each_nested(attr, list) {
			print(attr);
			n++;
		}
	}
	print_close_array();
	if (!n)
		print_text(" %s", empty);
	print_text("\n");
}

/* A list element: a prefix, ADDR[/LEN]. */
int cli_put_prefix(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	struct cli_addr a;

	if (cli_parse_addr(val, &a, true))
		return EXIT_USAGE;
	cli_put_addr(nlh, MPCONV_A_PREFIX, &a);
	return 0;
}

void cli_print_prefix(const struct nlattr *attr)
{
	cli_print_addr(NULL, " %s", attr);
}

/* A list element: PORT or PORT-PORT, as (first << 16) | last. */
int cli_put_port_range(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	unsigned long long first, last;
	char buf[16], *dash;

	if (snprintf(buf, sizeof(buf), "%s", val) >= (int)sizeof(buf))
		goto bad;
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_num(buf, 65535, &first) || !first)
		goto bad;
	last = first;
	if (dash && (parse_num(dash, 65535, &last) || !last))
		goto bad;
	if (first > last)
		return cli_usage_error("port range '%s' ends below its start", val);
	mnl_attr_put_u32(nlh, MPCONV_A_PORT_RANGE, first << 16 | last);
	return 0;
bad:
	return cli_usage_error("bad port range '%s' (PORT or PORT-PORT, ports 1-65535)", val);
}

void cli_print_port_range(const struct nlattr *attr)
{
	uint32_t r = mnl_attr_get_u32(attr);
	char buf[16];

	if (r >> 16 == (r & 0xffff))
		snprintf(buf, sizeof(buf), "%u", r >> 16);
	else
		snprintf(buf, sizeof(buf), "%u-%u", r >> 16, r & 0xffff);
	print_string(NULL, " %s", buf);
}
