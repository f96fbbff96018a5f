// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv monitor: print the module's notifications (the "events" multicast
 * group of the namespace) as they come, one line (or one JSON object) each,
 * until interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

#ifndef NETLINK_ADD_MEMBERSHIP
#define NETLINK_ADD_MEMBERSHIP 1
#endif

struct monitor {
	uint16_t family;
	bool json;
};

/* The events' JSON names; humans get them with a space for the '_'. */
static const char *const event_keys[] = {
	[MPCONV_CMD_SESSION_NEW_NTF] = "session_new",
	[MPCONV_CMD_SESSION_DEL_NTF] = "session_del",
	[MPCONV_CMD_BINDING_NEW_NTF] = "binding_new",
	[MPCONV_CMD_BINDING_DEL_NTF] = "binding_del",
	[MPCONV_CMD_CONFIG_NTF] = "config",
	[MPCONV_CMD_UPLINK_NTF] = "uplink",
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[256] = {};
	struct monitor *m = data;
	char name[16], *p;
	uint32_t role;

	if (nlh->nlmsg_type != m->family || g->cmd >= ARRAY_SIZE(event_keys) ||
	    !event_keys[g->cmd])
		return MNL_CB_OK;	/* not ours, or newer than this CLI */
	if (mpc_nl_parse(nlh, tb, MPCONV_A_MAX) < 0)
		return MNL_CB_OK;

	snprintf(name, sizeof(name), "%s", event_keys[g->cmd]);
	if (!m->json) {
		p = strchr(name, '_');
		if (p)
			*p = ' ';
	}
	print_init(m->json, false);
	print_open_object(NULL);
	print_string("event", "[%s] ", name);
	switch (g->cmd) {
	case MPCONV_CMD_SESSION_NEW_NTF:
	case MPCONV_CMD_SESSION_DEL_NTF:
		cli_session_fields(tb);
		break;
	case MPCONV_CMD_BINDING_NEW_NTF:
	case MPCONV_CMD_BINDING_DEL_NTF:
		cli_binding_fields(tb);
		break;
	case MPCONV_CMD_UPLINK_NTF:
		if (tb[MPCONV_A_UPLINK])
			cli_uplink_print("uplink", tb[MPCONV_A_UPLINK]);
		print_text("\n");
		break;
	case MPCONV_CMD_CONFIG_NTF:
		role = cli_u32(tb[MPCONV_A_CONFIG_ROLE]);
		print_string("role", "%s\n", role == MPCONV_ROLE_CPE ? "cpe" : "converter");
		if (role == MPCONV_ROLE_CPE)
			cli_cpe_print(tb, "config");
		else
			cli_converter_print(tb, "config");
		break;
	}
	print_close_object();
	print_done();
	fflush(stdout);
	return MNL_CB_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { .json = print_is_json() };
	struct mpc_nl nl;
	int ret;

	if (cli_check_args("monitor", argc, argv, 0, 0, NULL))
		return EXIT_USAGE;
	if (mpc_nl_open(&nl) < 0)
		return 1;
	if (!nl.mcgrp_events) {
		fprintf(stderr, "%s: monitor: the loaded module has no \"%s\" group (older than this CLI?)\n",
			prog, MPCONV_MCGRP_EVENTS);
		mpc_nl_close(&nl);
		return 1;
	}
	if (mnl_socket_setsockopt(nl.sock, NETLINK_ADD_MEMBERSHIP, &nl.mcgrp_events,
				  sizeof(nl.mcgrp_events)) < 0) {
		fprintf(stderr, "%s: monitor: cannot join the events group: %s%s\n", prog,
			strerror(errno), errno == EPERM ?
			" (needs CAP_NET_ADMIN in the network namespace's user namespace)" : "");
		mpc_nl_close(&nl);
		return 1;
	}
	m.family = nl.family;
	if (!m.json) {
		printf("listening for mpconv events (Ctrl-C to stop)\n");
		fflush(stdout);
	}
	for (;;) {
		ret = mnl_socket_recvfrom(nl.sock, nl.buf, MPC_NL_BUFSIZE);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* events were lost: say so and go on */
				fprintf(stderr, "%s: monitor: events lost (receive buffer full)\n",
					prog);
				continue;
			}
			fprintf(stderr, "%s: monitor: %s\n", prog, strerror(errno));
			break;
		}
		if (mnl_cb_run(nl.buf, ret, 0, 0, event_cb, &m) < 0 && errno != ENOENT)
			break;
	}
	mpc_nl_close(&nl);
	return 1;
}
