// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv cpe: the CPE role, which converts its LAN hosts' TCP to MPTCP
 * through a converter.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

static const char *const overflow_names[] = {
	[MPCONV_OVERFLOW_RESET] = "reset",
	[MPCONV_OVERFLOW_BYPASS] = "bypass",
	NULL
};

static const char *const quic_names[] = {
	[MPCONV_QUIC_PASS] = "pass",
	[MPCONV_QUIC_REFUSE] = "refuse",
	NULL
};

/* An interface by name, or by number once it is gone. */
static void print_iface_key(const char *key, const struct nlattr *attr)
{
	uint32_t ifindex = mnl_attr_get_u32(attr);
	char name[IF_NAMESIZE];

	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "%u", ifindex);
	print_string(key, " %s", name);
}

static void print_iface(const struct nlattr *attr)
{
	print_iface_key(NULL, attr);
}

static const char *const backoff_names[] = {
	[MPCONV_BACKOFF_BYPASS] = "bypass",
	[MPCONV_BACKOFF_REFUSE] = "refuse",
	NULL
};

static const char *const uplink_states[] = {
	[MPCONV_UPLINK_UP] = "up",
	[MPCONV_UPLINK_DOWN] = "down",
	NULL
};

/* One uplink's state (an MPCONV_A_UPLINK nest): a line, or a JSON object. */
void cli_uplink_print(const char *key, const struct nlattr *nest)
{
	const struct nlattr *tb[MPCONV_UPLINK_A_MAX + 1] = {};
	const struct nlattr *attr;
	uint64_t srtt;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) <= MPCONV_UPLINK_A_MAX)
			tb[mnl_attr_get_type(attr)] = attr;
	print_open_object(key);
	if (tb[MPCONV_UPLINK_A_IFINDEX])
		print_iface_key("iface", tb[MPCONV_UPLINK_A_IFINDEX]);
	print_string("state", " %s", cli_name(uplink_states, cli_u8(tb[MPCONV_UPLINK_A_STATE])));
	srtt = cli_u32(tb[MPCONV_UPLINK_A_SRTT_US]);
	if (print_is_json())
		print_uint("srtt_us", NULL, srtt);
	else if (srtt)
		print_text(", handshake %" PRIu64 ".%01" PRIu64 " ms", srtt / 1000, srtt % 1000 / 100);
	print_uint("attempts", ", %" PRIu64 " attempts", cli_u64(tb[MPCONV_UPLINK_A_ATTEMPTS]));
	print_uint("misses", ", %" PRIu64 " missed", cli_u64(tb[MPCONV_UPLINK_A_MISSES]));
	print_bool("cookie", ", cookie %s", cli_u8(tb[MPCONV_UPLINK_A_COOKIE]));
	print_uint("changed_ms", ", for %" PRIu64 " ms", cli_u64(tb[MPCONV_UPLINK_A_CHANGED_MS]));
	print_close_object();
}

static void print_uplink_state(const struct nlattr *attr)
{
	print_text("\n   ");
	cli_uplink_print(NULL, attr);
}

int cli_cpe_print(const struct nlattr **tb, void *data)
{
	print_open_object(data);
	print_bool("enabled", "cpe: enabled %s", cli_u8(tb[MPCONV_A_CPE_ENABLED]));
	if (tb[MPCONV_A_CPE_CONVERTER])
		cli_print_addr("converter", ", converter %s", tb[MPCONV_A_CPE_CONVERTER]);
	else
		print_text(", converter (none)");
	print_bool("fastopen", ", fastopen %s\n", cli_u8(tb[MPCONV_A_CPE_FASTOPEN]));
	cli_print_list("ifaces", "iface (LAN interfaces):", "(none)", tb[MPCONV_A_CPE_IFACES],
		       print_iface);
	cli_print_list("sources", "source (LAN prefixes):", "(none)", tb[MPCONV_A_CPE_SOURCES],
		       cli_print_prefix);
	cli_print_list("uplinks", "uplink (toward the converter, preferred first):",
		       "(routing chooses)", tb[MPCONV_A_CPE_UPLINKS], print_iface);
	if (tb[MPCONV_A_CPE_UPLINK_STATE] && mnl_attr_get_payload_len(tb[MPCONV_A_CPE_UPLINK_STATE]))
		cli_print_list("uplink_state", "uplink state:", "", tb[MPCONV_A_CPE_UPLINK_STATE],
			       print_uplink_state);
	cli_print_list("dests", "dest (destinations converted):", "(all)",
		       tb[MPCONV_A_CPE_DESTS], cli_print_prefix);
	cli_print_list("bypass", "bypass (destinations never converted):", "(none)",
		       tb[MPCONV_A_CPE_BYPASS], cli_print_prefix);
	cli_print_list("ports", "ports (destination ports converted):", "(all)",
		       tb[MPCONV_A_CPE_PORTS], cli_print_port_range);
	cli_print_list("bypass_ports", "bypass-ports (destination ports never converted):",
		       "(none)", tb[MPCONV_A_CPE_BYPASS_PORTS], cli_print_port_range);
	print_uint("max_sessions", "  limits: %" PRIu64 " sessions",
		   cli_u32(tb[MPCONV_A_CPE_MAX_SESSIONS]));
	print_uint("max_per_host", ", %" PRIu64 " per host",
		   cli_u32(tb[MPCONV_A_CPE_MAX_PER_HOST]));
	print_string("overflow", ", overflow %s\n",
		     cli_name(overflow_names, cli_u8(tb[MPCONV_A_CPE_OVERFLOW])));
	print_string("backoff", "  when the converter asks to wait: %s",
		     cli_name(backoff_names, cli_u8(tb[MPCONV_A_CPE_BACKOFF])));
	print_uint("backoff_ms", ", waiting %" PRIu64 " ms more\n",
		   cli_u32(tb[MPCONV_A_CPE_BACKOFF_MS]));
	print_string("quic", "  quic (UDP to port 443 of converted destinations): %s\n",
		     cli_name(quic_names, cli_u8(tb[MPCONV_A_CPE_QUIC])));
	print_uint("connect_timeout_ms", "  timeouts: connect %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CPE_CONNECT_TIMEOUT_MS]));
	print_uint("idle_timeout_ms", ", idle %" PRIu64 " ms",
		   cli_u32(tb[MPCONV_A_CPE_IDLE_TIMEOUT_MS]));
	print_uint("binding_lifetime_ms", ", binding lifetime %" PRIu64 " ms\n",
		   cli_u32(tb[MPCONV_A_CPE_BINDING_LIFETIME_MS]));
	print_close_object();
	return 0;
}

/* ADDR[:PORT] or [ADDR6]:PORT, the port 5124 when not given. */
static int put_converter(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	struct cli_addr a;

	if (cli_parse_addr(val, &a, false))
		return EXIT_USAGE;
	if (!a.port)
		a.port = CLI_CONVERT_PORT;
	cli_put_addr(nlh, attr, &a);
	return 0;
}

/* A list element: an interface name, resolved in the namespace acted in. */
static int put_iface(struct nlmsghdr *nlh, uint16_t attr, const char *val, void *ctx)
{
	unsigned int ifindex = if_nametoindex(val);

	if (!ifindex) {
		fprintf(stderr, "%s: cpe: interface '%s': %s\n", prog, val,
			errno == ENODEV ? "no such interface in this network namespace" :
					  strerror(errno));
		return 1;
	}
	mnl_attr_put_u32(nlh, MPCONV_A_IFINDEX, ifindex);
	return 0;
}

static const struct cli_opt cpe_opts[] = {
	CLI_FUNC("converter", MPCONV_A_CPE_CONVERTER, put_converter),
	CLI_LIST("iface", MPCONV_A_CPE_IFACES, put_iface),
	CLI_LIST("source", MPCONV_A_CPE_SOURCES, cli_put_prefix),
	CLI_LIST("uplink", MPCONV_A_CPE_UPLINKS, put_iface),
	CLI_LIST("dest", MPCONV_A_CPE_DESTS, cli_put_prefix),
	CLI_LIST("bypass", MPCONV_A_CPE_BYPASS, cli_put_prefix),
	CLI_LIST("ports", MPCONV_A_CPE_PORTS, cli_put_port_range),
	CLI_LIST("bypass-ports", MPCONV_A_CPE_BYPASS_PORTS, cli_put_port_range),
	CLI_U32("max-sessions", MPCONV_A_CPE_MAX_SESSIONS),
	CLI_U32("max-per-host", MPCONV_A_CPE_MAX_PER_HOST),
	CLI_CHOICE("overflow", MPCONV_A_CPE_OVERFLOW, overflow_names),
	CLI_CHOICE("backoff", MPCONV_A_CPE_BACKOFF, backoff_names),
	CLI_CHOICE("quic", MPCONV_A_CPE_QUIC, quic_names),
	CLI_MS("connect-timeout", MPCONV_A_CPE_CONNECT_TIMEOUT_MS),
	CLI_MS("idle-timeout", MPCONV_A_CPE_IDLE_TIMEOUT_MS),
	CLI_MS("binding-lifetime", MPCONV_A_CPE_BINDING_LIFETIME_MS),
};

static int cpe_parse(struct nlmsghdr *nlh, int argc, char **argv)
{
	return cli_parse_opts("cpe", cpe_opts, ARRAY_SIZE(cpe_opts), nlh, argc, argv, NULL);
}

static const struct cli_role cpe = {
	.name = "cpe",
	.get_cmd = MPCONV_CMD_CPE_GET,
	.set_cmd = MPCONV_CMD_CPE_SET,
	.enabled_attr = MPCONV_A_CPE_ENABLED,
	.parse = cpe_parse,
	.print = cli_cpe_print,
};

int cmd_cpe(int argc, char **argv)
{
	return cli_role_cmd(&cpe, argc, argv);
}
