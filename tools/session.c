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

static int session_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	print_uint("id", "id %" PRIu64, cli_u64(tb[MPCONV_A_SESS_ID]));
	print_string("role", " %s", cli_u8(tb[MPCONV_A_SESS_ROLE]) == MPCONV_ROLE_CPE ?
		     "cpe" : "converter");
	print_string("state", " %s", cli_name(state_names, cli_u8(tb[MPCONV_A_SESS_STATE])));
	cli_print_addr("client", " client %s", tb[MPCONV_A_SESS_CLIENT]);
	cli_print_addr("dest", " dest %s", tb[MPCONV_A_SESS_DEST]);
	print_uint("bytes_up", " up %" PRIu64, cli_u64(tb[MPCONV_A_SESS_BYTES_UP]));
	print_uint("bytes_down", " down %" PRIu64, cli_u64(tb[MPCONV_A_SESS_BYTES_DOWN]));
	print_uint("age_ms", " age %" PRIu64 "ms", cli_u64(tb[MPCONV_A_SESS_AGE_MS]));
	print_bool("server_mptcp", " server-mptcp %s\n", cli_u8(tb[MPCONV_A_SESS_SERVER_MPTCP]));
	print_close_object();
	return 0;
}

static int binding_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	cli_print_addr("address", "%s", tb[MPCONV_A_BIND_ADDR]);
	print_string("mode", " %s", cli_name(mode_names, cli_u8(tb[MPCONV_A_BIND_MODE])));
	print_bool("static", " static %s", cli_u8(tb[MPCONV_A_BIND_STATIC]));
	print_uint("sessions", " sessions %" PRIu64, cli_u32(tb[MPCONV_A_BIND_SESSIONS]));
	print_uint("total", " total %" PRIu64, cli_u64(tb[MPCONV_A_BIND_TOTAL]));
	print_uint("bytes_up", " up %" PRIu64, cli_u64(tb[MPCONV_A_BIND_BYTES_UP]));
	print_uint("bytes_down", " down %" PRIu64, cli_u64(tb[MPCONV_A_BIND_BYTES_DOWN]));
	print_uint("age_ms", " age %" PRIu64 "ms\n", cli_u64(tb[MPCONV_A_BIND_AGE_MS]));
	print_close_object();
	return 0;
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
	return cli_usage_error("session: unknown command '%s'", argv[0]);
}

/* binding add ADDR [ convert | bypass ], binding del ADDR */
static int binding_change(const char *what, uint8_t cmd, int argc, char **argv)
{
	bool add = cmd == MPCONV_CMD_BINDING_ADD;
	struct nlmsghdr *nlh;
	struct cli_addr a;
	int mode = MPCONV_BIND_CONVERT;

	if (cli_check_args(what, argc, argv, 1, add ? 2 : 1, "host address") ||
	    cli_parse_addr(argv[0], &a, false))
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
	return cli_usage_error("binding: unknown command '%s'", argv[0]);
}
