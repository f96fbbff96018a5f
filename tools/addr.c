// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, prefixes and numbers on the command line and in netlink nests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

int cli_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; try '%s help'\n", prog);
	return -1;
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
	if (strlen(s) >= sizeof(buf))
		return cli_usage_error("address too long: '%s'", s);
	strcpy(buf, s);

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
		p = end[1] ? end + 1 : NULL;
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
		if (errno || *end || end == p || v < 0 ||
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

int cli_parse_u32(const char *s, uint32_t *v, const char *what)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || n > UINT32_MAX) {
		fprintf(stderr, "%s: %s: '%s' is not a number from 0 to %u\n", prog, what, s,
			UINT32_MAX);
		return -1;
	}
	*v = n;
	return 0;
}

/* A duration: N (milliseconds), Nms, Ns or Nm. */
int cli_parse_ms(const char *s, uint32_t *v, const char *what)
{
	unsigned long long n, mult = 1;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (!strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (*end && strcmp(end, "ms"))
		end = NULL;
	if (errno || !end || end == s || s[0] == '-' || n > UINT32_MAX / mult) {
		fprintf(stderr, "%s: %s: '%s' is not a duration (N, Nms, Ns or Nm)\n", prog,
			what, s);
		return -1;
	}
	*v = n * mult;
	return 0;
}
