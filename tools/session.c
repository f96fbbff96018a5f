// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv session | binding: the tables both roles share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

static const char *const state_names[] = {
	[MPCONV_SESS_HANDSHAKE] = "handshake",
	[MPCONV_SESS_CONNECTING] = "connecting",
	[MPCONV_SESS_RELAY] = "relay",
	[MPCONV_SESS_REFUSING] = "refusing",
	NULL
};

static const char *const mode_names[] = {
	[MPCONV_BIND_CONVERT] = "convert",
	[MPCONV_BIND_BYPASS] = "bypass",
	NULL
};

static const char *const reason_names[] = {
	[MPCONV_REASON_UNSPEC] = "unspec",
	[MPCONV_REASON_CLOSED] = "closed",
	[MPCONV_REASON_RESET] = "reset",
	[MPCONV_REASON_ERROR] = "error",
	[MPCONV_REASON_IDLE] = "idle",
	[MPCONV_REASON_TIMEOUT] = "timeout",
	[MPCONV_REASON_UNREACHABLE] = "unreachable",
	[MPCONV_REASON_MALFORMED] = "malformed",
	[MPCONV_REASON_FLUSHED] = "flushed",
	[MPCONV_REASON_SHUTDOWN] = "shutdown",
	[MPCONV_REASON_EXPIRED] = "expired",
	NULL
};

static void print_reason(const struct nlattr *reason, const struct nlattr *error)
{
	if (reason)
		print_string("reason", " reason %s",
			     cli_name(reason_names, mnl_attr_get_u8(reason)));
	if (error)
		print_uint("error", " error %" PRIu64, mnl_attr_get_u8(error));
}

void cli_session_fields(const struct nlattr **tb)
{
	print_uint("id", "id %" PRIu64, cli_u64(tb[MPCONV_A_SESS_ID]));
	print_string("role", " %s", cli_u8(tb[MPCONV_A_SESS_ROLE]) == MPCONV_ROLE_CPE ?
		     "cpe" : "converter");
	print_string("state", " %s", cli_name(state_names, cli_u8(tb[MPCONV_A_SESS_STATE])));
	cli_print_addr("client", " client %s", tb[MPCONV_A_SESS_CLIENT]);
	cli_print_addr("dest", " dest %s", tb[MPCONV_A_SESS_DEST]);
	print_uint("bytes_up", " up %" PRIu64, cli_u64(tb[MPCONV_A_SESS_BYTES_UP]));
	print_uint("bytes_down", " down %" PRIu64, cli_u64(tb[MPCONV_A_SESS_BYTES_DOWN]));
	print_uint("age_ms", " age %" PRIu64 "ms", cli_u64(tb[MPCONV_A_SESS_AGE_MS]));
	print_bool("server_mptcp", " server-mptcp %s", cli_u8(tb[MPCONV_A_SESS_SERVER_MPTCP]));
	print_reason(tb[MPCONV_A_SESS_REASON], tb[MPCONV_A_SESS_ERROR]);
	print_text("\n");
}

static int session_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	cli_session_fields(tb);
	print_close_object();
	return 0;
}

void cli_binding_fields(const struct nlattr **tb)
{
	cli_print_addr("address", "%s", tb[MPCONV_A_BIND_ADDR]);
	print_string("mode", " %s", cli_name(mode_names, cli_u8(tb[MPCONV_A_BIND_MODE])));
	print_bool("static", " static %s", cli_u8(tb[MPCONV_A_BIND_STATIC]));
	print_uint("sessions", " sessions %" PRIu64, cli_u32(tb[MPCONV_A_BIND_SESSIONS]));
	print_uint("total", " total %" PRIu64, cli_u64(tb[MPCONV_A_BIND_TOTAL]));
	print_uint("bytes_up", " up %" PRIu64, cli_u64(tb[MPCONV_A_BIND_BYTES_UP]));
	print_uint("bytes_down", " down %" PRIu64, cli_u64(tb[MPCONV_A_BIND_BYTES_DOWN]));
	print_uint("age_ms", " age %" PRIu64 "ms", cli_u64(tb[MPCONV_A_BIND_AGE_MS]));
	print_reason(tb[MPCONV_A_BIND_REASON], NULL);
	print_text("\n");
}

static int binding_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	cli_binding_fields(tb);
	print_close_object();
	return 0;
}

static int flushed_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	print_uint("flushed", "flushed %" PRIu64, cli_u32(tb[MPCONV_A_FLUSHED]));
	print_text(" %s\n", (const char *)data);
	print_close_object();
	return 0;
}

/* Index + 1 is the role bit (MPCONV_ROLE_CPE 1, MPCONV_ROLE_CONVERTER 2). */
static const char *const role_names[] = { "cpe", "converter", NULL };

/* A host address (no port, no prefix length) for @what. */
static int parse_host(const char *what, const char *s, struct cli_addr *a)
{
	if (cli_parse_addr(s, a, false))
		return EXIT_USAGE;
	if (a->port)
		return cli_usage_error("%s: '%s': a host address, without a port", what, s);
	return 0;
}

/* session flush [ role ROLE ] [ client ADDR ] [ dest PREFIX ] [ dport PORT ] */
static int session_flush(int argc, char **argv)
{
	struct nlmsghdr *nlh = cli_request(MPCONV_CMD_SESSION_FLUSH, 0);
	struct cli_addr client, dest = { .plen = -1 };
	bool have_dest = false, seen[4] = {};
	uint16_t dport = 0;
	int role, i, k;

	for (i = 0; i < argc; i += 2) {
		static const char *const kws[] = { "role", "client", "dest", "dport" };

		for (k = 0; k < 4 && strcmp(argv[i], kws[k]); k++)
			;
		if (k == 4)
			return cli_usage_error("session flush: unknown keyword '%s' (role, client, dest, dport)",
					       argv[i]);
		if (seen[k])
			return cli_usage_error("session flush: '%s' given twice", argv[i]);
		seen[k] = true;
		if (i + 1 >= argc)
			return cli_usage_error("session flush: '%s' needs a value", argv[i]);
		switch (k) {
		case 0:
			role = cli_lookup(role_names, argv[i + 1]);
			if (role < 0)
				return cli_usage_error("session flush: role '%s': cpe or converter",
						       argv[i + 1]);
			mnl_attr_put_u8(nlh, MPCONV_A_SESS_ROLE, 1 << role);
			break;
		case 1:
			if (parse_host("session flush: client", argv[i + 1], &client))
				return EXIT_USAGE;
			cli_put_addr(nlh, MPCONV_A_SESS_CLIENT, &client);
			break;
		case 2:
			if (cli_parse_addr(argv[i + 1], &dest, true))
				return EXIT_USAGE;
			if (dest.port)
				return cli_usage_error("session flush: dest '%s': a prefix, the port goes in dport",
						       argv[i + 1]);
			have_dest = true;
			break;
		case 3:
			if (cli_parse_port(argv[i + 1], &dport, "session flush: dport"))
				return EXIT_USAGE;
			break;
		}
	}
	if (have_dest) {
		dest.port = dport;
		cli_put_addr(nlh, MPCONV_A_SESS_DEST, &dest);
	} else if (dport) {
		/* a port without an address: toward any destination */
		struct nlattr *nest = mnl_attr_nest_start(nlh, MPCONV_A_SESS_DEST);

		mnl_attr_put_u16(nlh, MPCONV_ADDR_A_PORT, dport);
		mnl_attr_nest_end(nlh, nest);
	}
	return cli_send(nlh, flushed_cb, "sessions", "session flush");
}

/* "show" (@argv[0], if there) or nothing */
static int show(const char *what, uint8_t cmd, mpc_nl_cb cb, int argc, char **argv)
{
	if (argc > 0) {
		argc--;
		argv++;
	}
	if (cli_check_args(what, argc, argv, 0, 0, NULL))
		return EXIT_USAGE;
	return cli_send(cli_request(cmd, NLM_F_DUMP), cb, NULL, what);
}

/* session del ID */
static int session_del(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	uint64_t id;

	if (cli_check_args("session del", argc, argv, 1, 1, "session ID") ||
	    cli_parse_u64(argv[0], &id, "session del"))
		return EXIT_USAGE;
	nlh = cli_request(MPCONV_CMD_SESSION_DEL, 0);
	mnl_attr_put_u64(nlh, MPCONV_A_SESS_ID, id);
	return cli_send(nlh, NULL, NULL, "session del");
}

int cmd_session(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return show("session show", MPCONV_CMD_SESSION_GET, session_cb, argc, argv);
	if (!strcmp(argv[0], "del"))
		return session_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return session_flush(argc - 1, argv + 1);
	return cli_usage_error("session: unknown command '%s'", argv[0]);
}

/* binding add ADDR [ convert | bypass ], binding del ADDR | PREFIX (the
 * converter's bindings of client prefixes)
 */
static int binding_change(const char *what, uint8_t cmd, int argc, char **argv)
{
	bool add = cmd == MPCONV_CMD_BINDING_ADD;
	struct nlmsghdr *nlh;
	struct cli_addr a;
	int mode = MPCONV_BIND_CONVERT;

	if (cli_check_args(what, argc, argv, 1, add ? 2 : 1, "host address") ||
	    cli_parse_addr(argv[0], &a, !add && strchr(argv[0], '/')))
		return EXIT_USAGE;
	if (a.port)
		return cli_usage_error("%s: '%s': a binding is a host address, without a port",
				       what, argv[0]);
	if (argc > 1) {
		mode = cli_lookup(mode_names, argv[1]);
		if (mode < 0)
			return cli_usage_error("%s: '%s' is not a mode (convert or bypass)",
					       what, argv[1]);
	}
	nlh = cli_request(cmd, 0);
	cli_put_addr(nlh, MPCONV_A_BIND_ADDR, &a);
	if (add)
		mnl_attr_put_u8(nlh, MPCONV_A_BIND_MODE, mode);
	return cli_send(nlh, add ? binding_cb : NULL, NULL, what);
}

int cmd_binding(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return show("binding show", MPCONV_CMD_BINDING_GET, binding_cb, argc, argv);
	if (!strcmp(argv[0], "add"))
		return binding_change("binding add", MPCONV_CMD_BINDING_ADD, argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return binding_change("binding del", MPCONV_CMD_BINDING_DEL, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush")) {
		if (cli_check_args("binding flush", argc - 1, argv + 1, 0, 0, NULL))
			return EXIT_USAGE;
		return cli_send(cli_request(MPCONV_CMD_BINDING_FLUSH, 0), flushed_cb, "bindings",
				"binding flush");
	}
	return cli_usage_error("binding: unknown command '%s'", argv[0]);
}
