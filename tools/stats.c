// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv stats: the namespace's counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../uapi/linux/mpconv.h"
#include "cli.h"
#include "print.h"

/* Also the JSON keys (and in the man page's COUNTERS): never rename one. */
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
	[MPCONV_STAT_CPE_TAKEN] = "cpe_taken",
	[MPCONV_STAT_CPE_NATIVE] = "cpe_native",
	[MPCONV_STAT_CPE_BYPASSED] = "cpe_bypassed",
	[MPCONV_STAT_CPE_CONVERTED] = "cpe_converted",
	[MPCONV_STAT_CPE_OVERFLOW] = "cpe_overflow",
	[MPCONV_STAT_CPE_UNREACHABLE] = "cpe_unreachable",
	[MPCONV_STAT_CPE_TIMEOUT] = "cpe_timeout",
	[MPCONV_STAT_CPE_BAD_REPLY] = "cpe_bad_reply",
	[MPCONV_STAT_CPE_RX_ERR_UNREACH] = "cpe_rx_err_unreachable",
	[MPCONV_STAT_CPE_RX_ERR_CONN_RESET] = "cpe_rx_err_conn_reset",
	[MPCONV_STAT_CPE_RX_ERR_NETWORK] = "cpe_rx_err_network",
	[MPCONV_STAT_CPE_RX_ERR_RESOURCE] = "cpe_rx_err_resource",
	[MPCONV_STAT_CPE_RX_ERR_AUTH] = "cpe_rx_err_auth",
	[MPCONV_STAT_CPE_RX_ERR_OTHER] = "cpe_rx_err_other",
	[MPCONV_STAT_CPE_OUT_OF_SCOPE] = "cpe_out_of_scope",
	[MPCONV_STAT_CPE_INBOUND] = "cpe_inbound",
	[MPCONV_STAT_CPE_COOKIE_ACK] = "cpe_cookie_ack",
	[MPCONV_STAT_CONV_PENDING_LIMIT] = "conv_pending_limit",
	[MPCONV_STAT_CONV_UNVERIFIED] = "conv_unverified",
	[MPCONV_STAT_BINDINGS_EVICTED] = "bindings_evicted",
	[MPCONV_STAT_CPE_SYN_JOINED] = "cpe_syn_joined",
	[MPCONV_STAT_CPE_SYN_FULL] = "cpe_syn_full",
	[MPCONV_STAT_CONV_COOKIE_PREV] = "conv_cookie_prev",
	[MPCONV_STAT_CPE_COOKIE_LEARNED] = "cpe_cookie_learned",
	[MPCONV_STAT_CPE_COOKIE_RETRIED] = "cpe_cookie_retried",
	[MPCONV_STAT_CPE_COOKIE_REFUSED] = "cpe_cookie_refused",
	[MPCONV_STAT_CPE_STAGGERED] = "cpe_staggered",
	[MPCONV_STAT_CPE_UPLINK_DOWN] = "cpe_uplink_down",
	[MPCONV_STAT_CPE_UPLINK_UP] = "cpe_uplink_up",
	[MPCONV_STAT_CPE_PROBES] = "cpe_probes",
	[MPCONV_STAT_CPE_BACKOFF] = "cpe_backoff",
	[MPCONV_STAT_CPE_BACKOFF_BYPASSED] = "cpe_backoff_bypassed",
	[MPCONV_STAT_CPE_BACKOFF_REFUSED] = "cpe_backoff_refused",
	[MPCONV_STAT_CPE_QUIC_REFUSED] = "cpe_quic_refused",
	[MPCONV_STAT_CONV_JOIN_DENIED] = "conv_join_denied",
	[MPCONV_STAT_CPE_FOREIGN_PASSED] = "cpe_foreign_passed",
	[MPCONV_STAT_CONV_GUARD_REDIAL] = "conv_guard_redial",
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
			if (t < ARRAY_SIZE(stat_names) && stat_names[t])
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
	if (argc > 0 && !strcmp(argv[0], "show")) {
		argc--;
		argv++;
	}
	if (cli_check_args("stats", argc, argv, 0, 0, NULL))
		return EXIT_USAGE;
	return cli_send(cli_request(MPCONV_CMD_STATS_GET, 0), stats_cb, NULL, "stats");
}
