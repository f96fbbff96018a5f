// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv converter | session | binding | stats
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "nl.h"
#include "print.h"

/* ---- converter ---- */

static void print_prefixes(const char *key, const char *label, const struct nlattr *list)
{
	const struct nlattr *attr;
	int n = 0;

	print_text("  %s", label);
	print_open_array(key);
	if (list) {
		mnl_attr_for_each_nested(attr, list) {
			cli_print_addr(NULL, " %s", attr);
			n++;
		}
	}
	print_close_array();
	print_text("%s\n", n ? "" : " (none)");
}

static int conv_print_cb(const struct nlattr **tb, void *data)
{
	uint32_t v;

#define U32(a) (tb[a] ? mnl_attr_get_u32(tb[a]) : 0)
#define U8(a) (tb[a] ? mnl_attr_get_u8(tb[a]) : 0)
	print_open_object(NULL);
	print_bool("enabled", "converter: enabled %s", U8(MPCONV_A_CONV_ENABLED));
	cli_print_addr("listen", ", listen %s", tb[MPCONV_A_CONV_LISTEN]);
	print_bool("fastopen", ", fastopen %s\n", U8(MPCONV_A_CONV_FASTOPEN));
	print_prefixes("allow", "allow (clients):", tb[MPCONV_A_CONV_ALLOW]);
	print_prefixes("deny", "deny (destinations, besides the built-in list):",
		       tb[MPCONV_A_CONV_DENY]);
	print_bool("cookie_required", "  cookie required %s\n", U8(MPCONV_A_CONV_COOKIE_REQUIRED));
	print_uint("max_sessions", "  limits: %" PRIu64 " sessions", U32(MPCONV_A_CONV_MAX_SESSIONS));
	print_uint("max_per_client", ", %" PRIu64 " per client\n",
		   U32(MPCONV_A_CONV_MAX_PER_CLIENT));
	v = U32(MPCONV_A_CONV_READ_TIMEOUT_MS);
	print_uint("read_timeout_ms", "  timeouts: read %" PRIu64 " ms", v);
	print_uint("connect_timeout_ms", ", connect %" PRIu64 " ms",
		   U32(MPCONV_A_CONV_CONNECT_TIMEOUT_MS));
	print_uint("idle_timeout_ms", ", idle %" PRIu64 " ms", U32(MPCONV_A_CONV_IDLE_TIMEOUT_MS));
	print_uint("binding_lifetime_ms", ", binding lifetime %" PRIu64 " ms\n",
		   U32(MPCONV_A_CONV_BINDING_LIFETIME_MS));
	print_close_object();
#undef U32
#undef U8
	return 0;
}

static int put_prefix_list(struct nlmsghdr *nlh, uint16_t type, const char *arg)
{
	char buf[4096], *tok, *save = NULL;
	struct nlattr *list;
	struct cli_addr a;

	if (strlen(arg) >= sizeof(buf))
		return cli_usage_error("prefix list too long: '%.40s...'", arg);
	strcpy(buf, arg);
	list = mnl_attr_nest_start(nlh, type);
	if (strcmp(arg, "none")) {
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (cli_parse_addr(tok, &a, true))
				return -1;
			cli_put_addr(nlh, MPCONV_A_PREFIX, &a);
		}
	}
	mnl_attr_nest_end(nlh, list);
	return 0;
}

static const struct {
	const char *kw;
	uint16_t attr;
	bool ms;
} conv_numbers[] = {
	{ "max-sessions", MPCONV_A_CONV_MAX_SESSIONS, false },
	{ "max-per-client", MPCONV_A_CONV_MAX_PER_CLIENT, false },
	{ "read-timeout", MPCONV_A_CONV_READ_TIMEOUT_MS, true },
	{ "connect-timeout", MPCONV_A_CONV_CONNECT_TIMEOUT_MS, true },
	{ "idle-timeout", MPCONV_A_CONV_IDLE_TIMEOUT_MS, true },
	{ "binding-lifetime", MPCONV_A_CONV_BINDING_LIFETIME_MS, true },
};

/* Parse "KEYWORD VALUE..." pairs of converter set/enable into @nlh. */
static int conv_parse(struct nlmsghdr *nlh, int argc, char **argv)
{
	struct cli_addr listen = { .family = AF_INET6, .plen = -1 };
	bool have_listen = false;
	unsigned int i;
	uint32_t v;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *kw = argv[0], *val = argc > 1 ? argv[1] : NULL;

		if (!val) {
			fprintf(stderr, "%s: converter: '%s' needs a value; try '%s help'\n",
				prog, kw, prog);
			return -1;
		}
		if (!strcmp(kw, "listen")) {
			uint16_t port = listen.port;

			if (cli_parse_addr(val, &listen, false))
				return -1;
			if (!listen.port)
				listen.port = port;
			have_listen = true;
		} else if (!strcmp(kw, "port")) {
			if (cli_parse_u32(val, &v, "port") || v == 0 || v > 65535) {
				fprintf(stderr, "%s: converter: port must be 1-65535\n", prog);
				return -1;
			}
			listen.port = v;
			have_listen = true;
		} else if (!strcmp(kw, "allow")) {
			if (put_prefix_list(nlh, MPCONV_A_CONV_ALLOW, val))
				return -1;
		} else if (!strcmp(kw, "deny")) {
			if (put_prefix_list(nlh, MPCONV_A_CONV_DENY, val))
				return -1;
		} else if (!strcmp(kw, "cookie")) {
			if (strcmp(val, "on") && strcmp(val, "off"))
				return cli_usage_error("cookie takes on or off, not '%s'", val);
			mnl_attr_put_u8(nlh, MPCONV_A_CONV_COOKIE_REQUIRED, !strcmp(val, "on"));
		} else {
			for (i = 0; i < sizeof(conv_numbers) / sizeof(conv_numbers[0]); i++)
				if (!strcmp(kw, conv_numbers[i].kw))
					break;
			if (i == sizeof(conv_numbers) / sizeof(conv_numbers[0]))
				return cli_usage_error("converter: unknown keyword '%s'", kw);
			if (conv_numbers[i].ms ? cli_parse_ms(val, &v, kw) :
						 cli_parse_u32(val, &v, kw))
				return -1;
			mnl_attr_put_u32(nlh, conv_numbers[i].attr, v);
		}
	}
	if (have_listen)
		cli_put_addr(nlh, MPCONV_A_CONV_LISTEN, &listen);
	return 0;
}

int cmd_converter(int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : "show";
	struct nlmsghdr *nlh;
	struct mpc_nl nl;
	int ret = 1;

	if (argc > 0) {
		argc--;
		argv++;
	}
	if (strcmp(verb, "show") && strcmp(verb, "set") && strcmp(verb, "enable") &&
	    strcmp(verb, "disable")) {
		cli_usage_error("converter: unknown command '%s'", verb);
		return EXIT_USAGE;
	}
	if ((!strcmp(verb, "show") || !strcmp(verb, "disable")) && argc > 0) {
		fprintf(stderr, "%s: converter %s: unexpected argument '%s'; try '%s help'\n",
			prog, verb, argv[0], prog);
		return EXIT_USAGE;
	}
	if (mpc_nl_open(&nl) < 0)
		return 1;

	if (!strcmp(verb, "show")) {
		nlh = mpc_nl_request(&nl, MPCONV_CMD_CONVERTER_GET, 0);
	} else {
		nlh = mpc_nl_request(&nl, MPCONV_CMD_CONVERTER_SET, 0);
		if (!strcmp(verb, "enable"))
			mnl_attr_put_u8(nlh, MPCONV_A_CONV_ENABLED, 1);
		else if (!strcmp(verb, "disable"))
			mnl_attr_put_u8(nlh, MPCONV_A_CONV_ENABLED, 0);
		if (conv_parse(nlh, argc, argv)) {
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (mpc_nl_talk(&nl, nlh, conv_print_cb, NULL) < 0) {
		mpc_nl_perror(&nl, "converter");
		goto out;
	}
	print_done();
	ret = 0;
out:
	mpc_nl_close(&nl);
	return ret;
}

/* ---- session, binding ---- */

static const char *const state_names[] = {
	[MPCONV_SESS_HANDSHAKE] = "handshake",
	[MPCONV_SESS_CONNECTING] = "connecting",
	[MPCONV_SESS_RELAY] = "relay",
	[MPCONV_SESS_REFUSING] = "refusing",
};

static int session_cb(const struct nlattr **tb, void *data)
{
	unsigned int st = tb[MPCONV_A_SESS_STATE] ? mnl_attr_get_u8(tb[MPCONV_A_SESS_STATE]) : 0;
	unsigned int role = tb[MPCONV_A_SESS_ROLE] ? mnl_attr_get_u8(tb[MPCONV_A_SESS_ROLE]) : 0;

	print_open_object(NULL);
	print_uint("id", "id %" PRIu64, tb[MPCONV_A_SESS_ID] ?
		   mnl_attr_get_u64(tb[MPCONV_A_SESS_ID]) : 0);
	print_string("role", " %s", role == MPCONV_ROLE_CPE ? "cpe" : "converter");
	print_string("state", " %s", st < sizeof(state_names) / sizeof(state_names[0]) ?
		     state_names[st] : "unknown");
	cli_print_addr("client", " client %s", tb[MPCONV_A_SESS_CLIENT]);
	cli_print_addr("dest", " dest %s", tb[MPCONV_A_SESS_DEST]);
	print_uint("bytes_up", " up %" PRIu64, tb[MPCONV_A_SESS_BYTES_UP] ?
		   mnl_attr_get_u64(tb[MPCONV_A_SESS_BYTES_UP]) : 0);
	print_uint("bytes_down", " down %" PRIu64, tb[MPCONV_A_SESS_BYTES_DOWN] ?
		   mnl_attr_get_u64(tb[MPCONV_A_SESS_BYTES_DOWN]) : 0);
	print_uint("age_ms", " age %" PRIu64 "ms", tb[MPCONV_A_SESS_AGE_MS] ?
		   mnl_attr_get_u64(tb[MPCONV_A_SESS_AGE_MS]) : 0);
	print_bool("server_mptcp", " server-mptcp %s\n", tb[MPCONV_A_SESS_SERVER_MPTCP] &&
		   mnl_attr_get_u8(tb[MPCONV_A_SESS_SERVER_MPTCP]));
	print_close_object();
	return 0;
}

static int binding_cb(const struct nlattr **tb, void *data)
{
	print_open_object(NULL);
	cli_print_addr("address", "%s", tb[MPCONV_A_BIND_ADDR]);
	print_uint("sessions", " sessions %" PRIu64, tb[MPCONV_A_BIND_SESSIONS] ?
		   mnl_attr_get_u32(tb[MPCONV_A_BIND_SESSIONS]) : 0);
	print_uint("total", " total %" PRIu64, tb[MPCONV_A_BIND_TOTAL] ?
		   mnl_attr_get_u64(tb[MPCONV_A_BIND_TOTAL]) : 0);
	print_uint("bytes_up", " up %" PRIu64, tb[MPCONV_A_BIND_BYTES_UP] ?
		   mnl_attr_get_u64(tb[MPCONV_A_BIND_BYTES_UP]) : 0);
	print_uint("bytes_down", " down %" PRIu64, tb[MPCONV_A_BIND_BYTES_DOWN] ?
		   mnl_attr_get_u64(tb[MPCONV_A_BIND_BYTES_DOWN]) : 0);
	print_uint("age_ms", " age %" PRIu64 "ms\n", tb[MPCONV_A_BIND_AGE_MS] ?
		   mnl_attr_get_u64(tb[MPCONV_A_BIND_AGE_MS]) : 0);
	print_close_object();
	return 0;
}

static int dump(const char *what, uint8_t cmd, mpc_nl_cb cb, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct mpc_nl nl;
	int ret = 1;

	if (argc > 0 && strcmp(argv[0], "show")) {
		fprintf(stderr, "%s: %s: unknown command '%s'; try '%s help'\n", prog, what,
			argv[0], prog);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "%s: %s show: unexpected argument '%s'; try '%s help'\n", prog,
			what, argv[1], prog);
		return EXIT_USAGE;
	}
	if (mpc_nl_open(&nl) < 0)
		return 1;
	nlh = mpc_nl_request(&nl, cmd, NLM_F_DUMP);
	nlh->nlmsg_flags &= ~NLM_F_ACK;
	print_open_array(NULL);
	if (mpc_nl_talk(&nl, nlh, cb, NULL) < 0) {
		mpc_nl_perror(&nl, what);
		goto out;
	}
	ret = 0;
out:
	print_close_array();
	print_done();
	mpc_nl_close(&nl);
	return ret;
}

int cmd_session(int argc, char **argv)
{
	return dump("session", MPCONV_CMD_SESSION_GET, session_cb, argc, argv);
}

int cmd_binding(int argc, char **argv)
{
	return dump("binding", MPCONV_CMD_BINDING_GET, binding_cb, argc, argv);
}

/* ---- stats ---- */

static const char *const stat_names[] = {
	[MPCONV_STAT_CONV_ACCEPTED] = "conv_accepted",
	[MPCONV_STAT_CONV_CONVERTED] = "conv_converted",
	[MPCONV_STAT_CONV_INFO] = "conv_info",
	[MPCONV_STAT_CONV_REFUSED_CLIENT] = "conv_refused_client",
	[MPCONV_STAT_CONV_REFUSED_DEST] = "conv_refused_dest",
	[MPCONV_STAT_CONV_READ_TIMEOUT] = "conv_read_timeout",
	[MPCONV_STAT_CONV_OVERFLOW] = "conv_overflow",
	[MPCONV_STAT_SESS_IDLE] = "sess_idle",
	[MPCONV_STAT_SESS_RESET] = "sess_reset",
	[MPCONV_STAT_SESS_CLOSED] = "sess_closed",
	[MPCONV_STAT_SESS_FLUSHED] = "sess_flushed",
	[MPCONV_STAT_BYTES_UP] = "bytes_up",
	[MPCONV_STAT_BYTES_DOWN] = "bytes_down",
	[MPCONV_STAT_ERR_VERSION] = "err_version",
	[MPCONV_STAT_ERR_MALFORMED] = "err_malformed",
	[MPCONV_STAT_ERR_UNSUPPORTED] = "err_unsupported",
	[MPCONV_STAT_ERR_MISSING_COOKIE] = "err_missing_cookie",
	[MPCONV_STAT_ERR_NOT_AUTHORIZED] = "err_not_authorized",
	[MPCONV_STAT_ERR_TCPOPT] = "err_tcp_option",
	[MPCONV_STAT_ERR_RESOURCE] = "err_resource",
	[MPCONV_STAT_ERR_NETWORK] = "err_network",
	[MPCONV_STAT_ERR_CONN_RESET] = "err_conn_reset",
	[MPCONV_STAT_ERR_UNREACH] = "err_unreachable",
	[MPCONV_STAT_CONV_RESET_MSG] = "conv_reset_msg",
};

static int stats_cb(const struct nlattr **tb, void *data)
{
	const struct nlattr *attr;
	char name[32];
	unsigned int t;

	print_open_object(NULL);
	if (tb[MPCONV_A_STATS]) {
		mnl_attr_for_each_nested(attr, tb[MPCONV_A_STATS]) {
			t = mnl_attr_get_type(attr);
			if (t == MPCONV_STAT_UNSPEC)
				continue;
			if (t < sizeof(stat_names) / sizeof(stat_names[0]) && stat_names[t])
				snprintf(name, sizeof(name), "%s", stat_names[t]);
			else
				snprintf(name, sizeof(name), "stat_%u", t);
			print_text("%-24s", name);
			print_uint(name, "%" PRIu64 "\n", mnl_attr_get_u64(attr));
		}
	}
	print_close_object();
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct mpc_nl nl;
	int ret = 1;

	if (argc > 0 && strcmp(argv[0], "show")) {
		cli_usage_error("stats: unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	if (mpc_nl_open(&nl) < 0)
		return 1;
	nlh = mpc_nl_request(&nl, MPCONV_CMD_STATS_GET, 0);
	if (mpc_nl_talk(&nl, nlh, stats_cb, NULL) < 0)
		mpc_nl_perror(&nl, "stats");
	else
		ret = 0;
	print_done();
	mpc_nl_close(&nl);
	return ret;
}
