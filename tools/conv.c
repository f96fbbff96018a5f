// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv converter: the RFC 8803 Transport Converter role.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

int cli_converter_print(const struct nlattr **tb, void *data)
{
	print_open_object(data);
	print_bool("enabled", "converter: enabled %s", cli_u8(tb[MPCONV_A_CONV_ENABLED]));
	cli_print_addr("listen", ", listen %s", tb[MPCONV_A_CONV_LISTEN]);
	print_bool("fastopen", ", fastopen %s\n", cli_u8(tb[MPCONV_A_CONV_FASTOPEN]));
	print_uint("backlog", "  listener queues: SYN %" PRIu64,
		   cli_u32(tb[MPCONV_A_CONV_BACKLOG]));
	print_uint("fastopen_qlen", ", Fast Open %" PRIu64 "\n",
		   cli_u32(tb[MPCONV_A_CONV_FASTOPEN_QLEN]));
	cli_print_list("allow", "allow (clients):", "(none)", tb[MPCONV_A_CONV_ALLOW],
		       cli_print_prefix);
	cli_print_list("deny", "deny (destinations, besides the built-in list):", "(none)",
		       tb[MPCONV_A_CONV_DENY], cli_print_prefix);
	print_bool("cookie_required", "  cookie required %s",
		   cli_u8(tb[MPCONV_A_CONV_COOKIE_REQUIRED]));
	print_uint("cookie_key_id", ", key id %08" PRIx64,
		   cli_u32(tb[MPCONV_A_CONV_COOKIE_KEY_ID]));
	print_uint("cookie_rotate_ms", ", rotated every %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CONV_COOKIE_ROTATE_MS]));
	print_bool("server_mptcp", ", MPTCP to servers %s\n",
		   cli_u8(tb[MPCONV_A_CONV_SERVER_MPTCP]));
	print_uint("max_sessions", "  limits: %" PRIu64 " sessions",
		   cli_u32(tb[MPCONV_A_CONV_MAX_SESSIONS]));
	print_uint("max_per_client", ", %" PRIu64 " per client",
		   cli_u32(tb[MPCONV_A_CONV_MAX_PER_CLIENT]));
	print_uint("max_pending_per_client", ", %" PRIu64 " connecting per client\n",
		   cli_u32(tb[MPCONV_A_CONV_MAX_PENDING_PER_CLIENT]));
	print_uint("client_prefix4", "  a client is an IPv4 /%" PRIu64,
		   cli_u8(tb[MPCONV_A_CONV_CLIENT_PREFIX4]));
	print_uint("client_prefix6", ", an IPv6 /%" PRIu64 "\n",
		   cli_u8(tb[MPCONV_A_CONV_CLIENT_PREFIX6]));
	print_uint("read_timeout_ms", "  timeouts: read %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CONV_READ_TIMEOUT_MS]));
	print_uint("connect_timeout_ms", ", connect %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CONV_CONNECT_TIMEOUT_MS]));
	print_uint("idle_timeout_ms", ", idle %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CONV_IDLE_TIMEOUT_MS]));
	print_uint("binding_lifetime_ms", ", binding lifetime %" PRIu64 " ms\n",
		   cli_u32(tb[MPCONV_A_CONV_BINDING_LIFETIME_MS]));
	print_close_object();
	return 0;
}

/* "listen" and "port" both set the listening address, sent once at the end. */
struct listen {
	struct cli_addr addr;
	bool set;
};

static int put_listen(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	struct listen *l = ctx;
	uint16_t port = l->addr.port;

	if (cli_parse_addr(val, &l->addr, false))
		return EXIT_USAGE;
	if (!l->addr.port)
		l->addr.port = port;
	l->set = true;
	return 0;
}

static int put_port(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	struct listen *l = ctx;

	if (cli_parse_port(val, &l->addr.port, "converter: port"))
		return EXIT_USAGE;
	l->set = true;
	return 0;
}

/* client-prefix4 LEN, client-prefix6 LEN: a u8 */
static int put_plen(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	bool v4 = attr == MPCONV_A_CONV_CLIENT_PREFIX4;
	uint32_t max = v4 ? 32 : 128, v;

	if (cli_parse_u32(val, &v, v4 ? "client-prefix4" : "client-prefix6"))
		return EXIT_USAGE;
	if (v < 1 || v > max)
		return cli_usage_error("converter: %s: a prefix length from 1 to %u",
				       v4 ? "client-prefix4" : "client-prefix6", max);
	mnl_attr_put_u8(nlh, attr, v);
	return 0;
}

/*
 * cookie-key FILE: the cookie key, 32 hex digits (whitespace around them is
 * ignored), read from FILE or from standard input for "-", so that it never
 * shows in a process list (as wg reads its keys).
 */
static int put_cookie_key(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	FILE *f = strcmp(val, "-") ? fopen(val, "r") : stdin;
	char hex[80];
	uint8_t key[16];
	size_t n = 0;
	int c, i;

	if (!f) {
		fprintf(stderr, "%s: converter: cookie-key '%s': %s\n", prog, val, strerror(errno));
		return 1;
	}
	while ((c = fgetc(f)) != EOF && n < sizeof(hex) - 1)
		if (!isspace(c))
			hex[n++] = c;
	hex[n] = 0;
	if (f != stdin)
		fclose(f);
	for (i = 0; n == 32 && i < 16; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1 || !isxdigit(hex[2 * i]) ||
		    !isxdigit(hex[2 * i + 1]))
			break;
	if (n != 32 || i != 16)
		return cli_usage_error("converter: cookie-key: '%s' must hold 32 hex digits", val);
	mnl_attr_put(nlh, attr, sizeof(key), key);
	return 0;
}

static const char *const off_on[] = { "off", "on", NULL };

static const struct cli_opt conv_opts[] = {
	CLI_FUNC("listen", MPCONV_A_CONV_LISTEN, put_listen),
	CLI_FUNC("port", MPCONV_A_CONV_LISTEN, put_port),
	CLI_LIST("allow", MPCONV_A_CONV_ALLOW, cli_put_prefix),
	CLI_LIST("deny", MPCONV_A_CONV_DENY, cli_put_prefix),
	CLI_CHOICE("cookie", MPCONV_A_CONV_COOKIE_REQUIRED, off_on),
	CLI_FUNC("cookie-key", MPCONV_A_CONV_COOKIE_KEY, put_cookie_key),
	CLI_MS("cookie-rotate", MPCONV_A_CONV_COOKIE_ROTATE_MS),
	CLI_CHOICE("server-mptcp", MPCONV_A_CONV_SERVER_MPTCP, off_on),
	CLI_U32("max-sessions", MPCONV_A_CONV_MAX_SESSIONS),
	CLI_U32("max-per-client", MPCONV_A_CONV_MAX_PER_CLIENT),
	CLI_U32("max-pending-per-client", MPCONV_A_CONV_MAX_PENDING_PER_CLIENT),
	CLI_FUNC("client-prefix4", MPCONV_A_CONV_CLIENT_PREFIX4, put_plen),
	CLI_FUNC("client-prefix6", MPCONV_A_CONV_CLIENT_PREFIX6, put_plen),
	CLI_MS("read-timeout", MPCONV_A_CONV_READ_TIMEOUT_MS),
	CLI_MS("connect-timeout", MPCONV_A_CONV_CONNECT_TIMEOUT_MS),
	CLI_MS("idle-timeout", MPCONV_A_CONV_IDLE_TIMEOUT_MS),
	CLI_MS("binding-lifetime", MPCONV_A_CONV_BINDING_LIFETIME_MS),
};

static int conv_parse(struct nlmsghdr *nlh, int argc, char **argv)
{
	struct listen l = { .addr = { .family = AF_INET6, .plen = -1 } };
	int ret;

	ret = cli_parse_opts("converter", conv_opts, ARRAY_SIZE(conv_opts), nlh, argc, argv, &l);
	if (!ret && l.set)
		cli_put_addr(nlh, MPCONV_A_CONV_LISTEN, &l.addr);
	return ret;
}

static const struct cli_role converter = {
	.name = "converter",
	.get_cmd = MPCONV_CMD_CONVERTER_GET,
	.set_cmd = MPCONV_CMD_CONVERTER_SET,
	.enabled_attr = MPCONV_A_CONV_ENABLED,
	.parse = conv_parse,
	.print = cli_converter_print,
};

int cmd_converter(int argc, char **argv)
{
	return cli_role_cmd(&converter, argc, argv);
}
