/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the mpconv CLI's commands.
 */
#ifndef MPCONV_CLI_H
#define MPCONV_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#define EXIT_USAGE 2

extern const char *prog;

/* An address, port and prefix length as the CLI handles them. */
struct cli_addr {
	int family;		/* AF_INET, AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint16_t port;
	int plen;		/* -1: none */
};

int cli_parse_addr(const char *s, struct cli_addr *a, bool prefix);
void cli_format_addr(const struct cli_addr *a, char *buf, size_t len);
void cli_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cli_addr *a);
int cli_get_addr(const struct nlattr *nest, struct cli_addr *a);
void cli_print_addr(const char *key, const char *fmt, const struct nlattr *nest);

int cli_parse_u32(const char *s, uint32_t *v, const char *what);
int cli_parse_ms(const char *s, uint32_t *v, const char *what);
int cli_usage_error(const char *fmt, const char *arg);

int cmd_converter(int argc, char **argv);
int cmd_session(int argc, char **argv);
int cmd_binding(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif
