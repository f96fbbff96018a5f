/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the mpconv CLI's commands.
 *
 * Functions that parse the command line return 0, or the exit status to end
 * with: EXIT_USAGE after printing a one-line reason (or 1 for a failure that
 * is not a usage error, such as an interface that does not exist).
 */
#ifndef MPCONV_CLI_H
#define MPCONV_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#include "nl.h"

#define EXIT_USAGE 2

/* The Convert protocol's port (RFC 8803), the default of converter addresses. */
#define CLI_CONVERT_PORT 5124

/* Room a request keeps for an option or a list element: checked before each. */
#define CLI_REQ_ROOM 256

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/* Reply attributes that may be absent (an older module): 0 then. */
static inline uint8_t cli_u8(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u8(attr) : 0;
}

static inline uint32_t cli_u32(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u32(attr) : 0;
}

static inline uint64_t cli_u64(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

/* addr.c: addresses, ports, numbers, lists */
int cli_parse_addr(const char *s, struct cli_addr *a, bool prefix);
void cli_format_addr(const struct cli_addr *a, char *buf, size_t len);
void cli_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cli_addr *a);
int cli_get_addr(const struct nlattr *nest, struct cli_addr *a);
void cli_print_addr(const char *key, const char *fmt, const struct nlattr *nest);

int cli_parse_port(const char *s, uint16_t *port, const char *what);
int cli_parse_u32(const char *s, uint32_t *v, const char *what);
int cli_parse_u64(const char *s, uint64_t *v, const char *what);
int cli_parse_ms(const char *s, uint32_t *v, const char *what);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Adds one element of a list (or, for CLI_OPT_FUNC, the whole value) for
 * the attribute @attr; @ctx is what cli_parse_opts() was given.
 */
typedef int (*cli_put_fn)(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx);
/* Prints one element of a list nest. */
typedef void (*cli_print_fn)(const struct nlattr *attr);

int cli_put_list(struct nlmsghdr *nlh, uint16_t type, const char *arg, cli_put_fn put,
		 void *ctx);
void cli_print_list(const char *key, const char *label, const char *empty,
		    const struct nlattr *list, cli_print_fn print);
int cli_put_prefix(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx);
void cli_print_prefix(const struct nlattr *attr);
int cli_put_port_range(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx);
void cli_print_port_range(const struct nlattr *attr);

/* cmd.c: requests, role commands, KEYWORD VALUE options */
int cli_check_args(const char *cmd, int argc, char **argv, int min, int max,
		   const char *missing);
int cli_lookup(const char *const *names, const char *s);
const char *cli_name(const char *const *names, unsigned int v);

/*
 * Start a request in a buffer of its own, so that the command line is parsed
 * (and refused with EXIT_USAGE) before the module is asked anything.
 */
struct nlmsghdr *cli_request(uint8_t cmd, uint16_t flags);
/*
 * Send @nlh and print each reply with @cb (a dump's replies in a JSON
 * array). Returns the exit status; @what names the command in errors.
 */
int cli_send(struct nlmsghdr *nlh, mpc_nl_cb cb, void *data, const char *what);

enum cli_opt_type {
	CLI_OPT_U32,		/* N, a u32 */
	CLI_OPT_MS,		/* TIME, a u32 of milliseconds */
	CLI_OPT_CHOICE,		/* one of @choices, a u8 (its index) */
	CLI_OPT_LIST,		/* none | X[,X...]: a nest, @put adds each X */
	CLI_OPT_FUNC,		/* @put handles the value */
};

/* A "KEYWORD VALUE" option of a role's enable/set. */
struct cli_opt {
	const char *kw;
	uint16_t attr;
	enum cli_opt_type type;
	const char *const *choices;	/* CLI_OPT_CHOICE, NULL-terminated */
	cli_put_fn put;			/* CLI_OPT_LIST, CLI_OPT_FUNC */
};

#define CLI_U32(k, a)		{ .kw = k, .attr = a, .type = CLI_OPT_U32 }
#define CLI_MS(k, a)		{ .kw = k, .attr = a, .type = CLI_OPT_MS }
#define CLI_CHOICE(k, a, c)	{ .kw = k, .attr = a, .type = CLI_OPT_CHOICE, .choices = c }
#define CLI_LIST(k, a, fn)	{ .kw = k, .attr = a, .type = CLI_OPT_LIST, .put = fn }
#define CLI_FUNC(k, a, fn)	{ .kw = k, .attr = a, .type = CLI_OPT_FUNC, .put = fn }

int cli_parse_opts(const char *role, const struct cli_opt *opts, unsigned int nopts,
		   struct nlmsghdr *nlh, int argc, char **argv, void *ctx);

/* A role (converter, cpe): "show", "enable [OPTS]", "set [OPTS]", "disable". */
struct cli_role {
	const char *name;
	uint8_t get_cmd, set_cmd;
	uint16_t enabled_attr;
	int (*parse)(struct nlmsghdr *nlh, int argc, char **argv);
	mpc_nl_cb print;
};

int cli_role_cmd(const struct cli_role *role, int argc, char **argv);

/* The roles' configurations (as "show" prints them), in an object named
 * @data (a string) or, with NULL, a bare one.
 */
int cli_converter_print(const struct nlattr **tb, void *data);
int cli_cpe_print(const struct nlattr **tb, void *data);
void cli_uplink_print(const char *key, const struct nlattr *nest);

/* session.c: the fields of a session or a binding, inside an open object */
void cli_session_fields(const struct nlattr **tb);
void cli_binding_fields(const struct nlattr **tb);

int cmd_monitor(int argc, char **argv);
int cmd_converter(int argc, char **argv);
int cmd_cpe(int argc, char **argv);
int cmd_session(int argc, char **argv);
int cmd_binding(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif
