// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv - control the mpconv kernel module (TCP <-> MPTCP converter).
 *
 * Speaks only the "mpconv" generic netlink family (uapi/linux/mpconv.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "nl.h"
#include "print.h"

#ifndef MPCONV_CLI_VERSION
#define MPCONV_CLI_VERSION "0.1.0"
#endif

const char *prog = "mpconv";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mpconv [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
		"\n"
		"OPTIONS:\n"
		"  -j, --json          JSON output\n"
		"  -p, --pretty        indented JSON output (implies -j)\n"
		"  -n, --netns NAME    act in network namespace NAME (as 'ip -n')\n"
		"  -V, --version       print the CLI's version\n"
		"  -h, --help          print this help\n"
		"\n"
		"OBJECTS AND COMMANDS:\n"
		"  mpconv version      versions of the CLI and of the loaded module\n"
		"  mpconv status       this network namespace's mpconv status\n"
		"  mpconv converter [ show ]\n"
		"  mpconv converter { enable | set } [ CONVERTER_OPTS ]\n"
		"  mpconv converter disable\n"
		"  mpconv cpe [ show ]\n"
		"  mpconv cpe { enable | set } [ CPE_OPTS ]\n"
		"  mpconv cpe disable\n"
		"  mpconv session [ show ]\n"
		"  mpconv session del ID\n"
		"  mpconv session flush [ role { cpe | converter } ] [ client ADDR ]\n"
		"                       [ dest PREFIX ] [ dport PORT ]\n"
		"  mpconv binding [ show ]\n"
		"  mpconv binding add ADDR [ convert | bypass ]\n"
		"  mpconv binding del ADDR | PREFIX\n"
		"  mpconv binding flush\n"
		"  mpconv stats [ show ]\n"
		"  mpconv monitor      print session, binding and configuration events\n"
		"  mpconv help         print this help\n"
		"\n"
		"CONVERTER_OPTS := [ listen ADDR[:PORT] ] [ port PORT ] [ allow PREFIXES ]\n"
		"                  [ deny PREFIXES ] [ cookie { on | off } ]\n"
		"                  [ server-mptcp { on | off } ]\n"
		"                  [ max-sessions N ] [ max-per-client N ]\n"
		"                  [ max-pending-per-client N ]\n"
		"                  [ client-prefix4 LEN ] [ client-prefix6 LEN ]\n"
		"                  [ read-timeout TIME ] [ connect-timeout TIME ]\n"
		"                  [ idle-timeout TIME ] [ binding-lifetime TIME ]\n"
		"CPE_OPTS := [ converter ADDR[:PORT] ] [ iface IFNAMES ] [ source PREFIXES ]\n"
		"            [ dest PREFIXES ] [ bypass PREFIXES ]\n"
		"            [ ports PORTS ] [ bypass-ports PORTS ]\n"
		"            [ max-sessions N ] [ max-per-host N ]\n"
		"            [ overflow { reset | bypass } ] [ quic { pass | refuse } ]\n"
		"            [ connect-timeout TIME ] [ idle-timeout TIME ]\n"
		"            [ binding-lifetime TIME ]\n"
		"ADDR[:PORT] := IPV4[:PORT] | IPV6 | [IPV6]:PORT   (cpe converter: port 5124)\n"
		"PREFIXES := none | PREFIX[,PREFIX...]     (e.g. 192.0.2.0/24,2001:db8::/32)\n"
		"IFNAMES := none | IFNAME[,IFNAME...]\n"
		"PORTS := none | RANGE[,RANGE...]          RANGE := PORT | PORT-PORT\n"
		"TIME := N[ms] | Ns | Nm                    (default unit: milliseconds)\n"
		"\n"
		"Exit status: 0 success, 1 failure (reason on stderr), 2 usage error.\n");
}

struct status {
	char version[64];
	uint64_t cookie, age_ms;
	uint32_t roles, sessions, bindings;
	bool have;
};

static int status_cb(const struct nlattr **tb, void *data)
{
	struct status *st = data;

	if (tb[MPCONV_A_VERSION])
		snprintf(st->version, sizeof(st->version), "%s",
			 mnl_attr_get_str(tb[MPCONV_A_VERSION]));
	if (tb[MPCONV_A_NETNS_COOKIE])
		st->cookie = mnl_attr_get_u64(tb[MPCONV_A_NETNS_COOKIE]);
	if (tb[MPCONV_A_NS_AGE_MS])
		st->age_ms = mnl_attr_get_u64(tb[MPCONV_A_NS_AGE_MS]);
	if (tb[MPCONV_A_ROLES])
		st->roles = mnl_attr_get_u32(tb[MPCONV_A_ROLES]);
	if (tb[MPCONV_A_SESSIONS])
		st->sessions = mnl_attr_get_u32(tb[MPCONV_A_SESSIONS]);
	if (tb[MPCONV_A_BINDINGS])
		st->bindings = mnl_attr_get_u32(tb[MPCONV_A_BINDINGS]);
	st->have = true;
	return 0;
}

static int get_status(struct mpc_nl *nl, struct status *st)
{
	struct nlmsghdr *nlh = mpc_nl_request(nl, MPCONV_CMD_STATUS_GET, 0);

	memset(st, 0, sizeof(*st));
	if (mpc_nl_talk(nl, nlh, status_cb, st) < 0) {
		mpc_nl_perror(nl, "status");
		return -1;
	}
	if (!st->have) {
		fprintf(stderr, "%s: status: the module sent no reply\n", prog);
		return -1;
	}
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	struct status st;
	struct mpc_nl nl;
	int ret = 0;

	if (cli_check_args("version", argc, argv, 0, 0, NULL))
		return EXIT_USAGE;

	print_open_object(NULL);
	print_string("cli", "mpconv CLI %s\n", MPCONV_CLI_VERSION);
	if (mpc_nl_open(&nl) == 0) {
		if (get_status(&nl, &st) == 0) {
			print_string("module", "mpconv module %s", st.version);
			print_uint("genl_version", " (netlink family version %" PRIu64 ")\n",
				   nl.version);
		} else {
			ret = 1;
		}
		mpc_nl_close(&nl);
	} else {
		ret = 1;
	}
	print_close_object();
	print_done();
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} roles[] = {
		{ MPCONV_ROLE_CPE, "cpe" },
		{ MPCONV_ROLE_CONVERTER, "converter" },
	};
	struct status st;
	struct mpc_nl nl;
	unsigned int i;
	int ret;

	if (cli_check_args("status", argc, argv, 0, 0, NULL))
		return EXIT_USAGE;
	if (mpc_nl_open(&nl) < 0)
		return 1;
	ret = get_status(&nl, &st);
	mpc_nl_close(&nl);
	if (ret)
		return 1;

	print_open_object(NULL);
	print_string("version", "module %s\n", st.version);
	print_uint("netns_cookie", "netns cookie %" PRIu64, st.cookie);
	print_uint("ns_age_ms", ", mpconv state age %" PRIu64 " ms\n", st.age_ms);
	print_text("roles");
	print_open_array("roles");
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (st.roles & roles[i].bit)
			print_string(NULL, " %s", roles[i].name);
	print_close_array();
	print_text("%s\n", st.roles ? "" : " none");
	print_uint("sessions", "sessions %" PRIu64, st.sessions);
	print_uint("bindings", ", bindings %" PRIu64 "\n", st.bindings);
	print_close_object();
	print_done();
	return 0;
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open network namespace \"%s\": %s\n",
			prog, name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "%s: cannot enter network namespace \"%s\": %s\n",
			prog, name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "version", cmd_version },
	{ "status", cmd_status },
	{ "converter", cmd_converter },
	{ "cpe", cmd_cpe },
	{ "session", cmd_session },
	{ "binding", cmd_binding },
	{ "stats", cmd_stats },
	{ "monitor", cmd_monitor },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool json = false, pretty = false;
	const char *netns = NULL;
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "+jpn:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'V':
			printf("mpconv CLI %s\n", MPCONV_CLI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "%s: try '%s help'\n", prog, prog);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	if (netns && enter_netns(netns) < 0)
		return 1;
	print_init(json, pretty);

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);

	cli_usage_error("unknown object or command '%s'", argv[0]);
	return EXIT_USAGE;
}
