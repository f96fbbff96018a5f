// SPDX-License-Identifier: GPL-2.0
/*
 * What the commands share: arguments, one request and its replies, the
 * "KEYWORD VALUE" options of a role and its show / enable / set / disable.
 */
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>

#include "cli.h"
#include "nl.h"
#include "print.h"

/* Check that @cmd got @min to @max arguments; @missing names the first absent. */
int cli_check_args(const char *cmd, int argc, char **argv, int min, int max,
		   const char *missing)
{
	if (argc < min)
		return cli_usage_error("%s: missing %s", cmd, missing ?: "argument");
	if (argc > max)
		return cli_usage_error("%s: unexpected argument '%s'", cmd, argv[max]);
	return 0;
}

/* Index of @s in the NULL-terminated @names, or -1. */
int cli_lookup(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

/* The name of value @v in the NULL-terminated @names, or "unknown". */
const char *cli_name(const char *const *names, unsigned int v)
{
	unsigned int i;

	for (i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return "unknown";
}

struct nlmsghdr *cli_request(uint8_t cmd, uint16_t flags)
{
	static uint32_t buf[MPC_NL_BUFSIZE / sizeof(uint32_t)];

	return mpc_nl_msg(buf, cmd, flags);
}

int cli_send(struct nlmsghdr *nlh, mpc_nl_cb cb, void *data, const char *what)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	struct mpc_nl nl;
	int ret = 1;

	if (mpc_nl_open(&nl) < 0)
		return 1;
	if (dump)
		print_open_array(NULL);
	if (mpc_nl_talk(&nl, nlh, cb, data) < 0)
		mpc_nl_perror(&nl, what);
	else
		ret = 0;
	/* What a dump printed before an error is still a valid document. */
	if (dump)
		print_close_array();
	if (dump || !ret)
		print_done();
	mpc_nl_close(&nl);
	return ret;
}

static int put_choice(const char *role, const struct cli_opt *o, const char *val,
		      struct nlmsghdr *nlh)
{
	int i = cli_lookup(o->choices, val);
	char alts[128] = "";
	size_t len = 0;

	if (i >= 0) {
		mnl_attr_put_u8(nlh, o->attr, i);
		return 0;
	}
	for (i = 0; o->choices[i] && len < sizeof(alts); i++)
		len += snprintf(alts + len, sizeof(alts) - len, "%s%s", i ? " | " : "",
				o->choices[i]);
	return cli_usage_error("%s: %s takes { %s }, not '%s'", role, o->kw, alts, val);
}

/* Parse the "KEYWORD VALUE" pairs of @role's enable/set into @nlh. */
int cli_parse_opts(const char *role, const struct cli_opt *opts, unsigned int nopts,
		   struct nlmsghdr *nlh, int argc, char **argv, void *ctx)
{
	const struct cli_opt *o;
	uint32_t v;
	int ret;

	for (; argc > 0; argc -= 2, argv += 2) {
		for (o = opts; o < opts + nopts; o++)
			if (!strcmp(argv[0], o->kw))
				break;
		if (o == opts + nopts)
			return cli_usage_error("%s: unknown keyword '%s'", role, argv[0]);
		if (argc < 2)
			return cli_usage_error("%s: '%s' needs a value", role, o->kw);
		if (nlh->nlmsg_len > MPC_NL_BUFSIZE - CLI_REQ_ROOM)
			return cli_usage_error("%s: too many options", role);

		switch (o->type) {
		case CLI_OPT_U32:
		case CLI_OPT_MS:
			ret = o->type == CLI_OPT_MS ? cli_parse_ms(argv[1], &v, o->kw) :
						      cli_parse_u32(argv[1], &v, o->kw);
			if (!ret)
				mnl_attr_put_u32(nlh, o->attr, v);
			break;
		case CLI_OPT_CHOICE:
			ret = put_choice(role, o, argv[1], nlh);
			break;
		case CLI_OPT_LIST:
			ret = cli_put_list(nlh, o->attr, argv[1], o->put, ctx);
			break;
		default:
			ret = o->put(nlh, o->attr, argv[1], ctx);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int cli_role_cmd(const struct cli_role *role, int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : "show";
	struct nlmsghdr *nlh;
	char what[64];
	int ret;

	if (argc > 0) {
		argc--;
		argv++;
	}
	snprintf(what, sizeof(what), "%s %s", role->name, verb);
	if (!strcmp(verb, "show") || !strcmp(verb, "disable")) {
		if (cli_check_args(what, argc, argv, 0, 0, NULL))
			return EXIT_USAGE;
	} else if (strcmp(verb, "enable") && strcmp(verb, "set")) {
		return cli_usage_error("%s: unknown command '%s'", role->name, verb);
	}

	if (!strcmp(verb, "show"))
		return cli_send(cli_request(role->get_cmd, 0), role->print, NULL, role->name);

	nlh = cli_request(role->set_cmd, 0);
	if (strcmp(verb, "set"))
		mnl_attr_put_u8(nlh, role->enabled_attr, !strcmp(verb, "enable"));
	ret = role->parse(nlh, argc, argv);
	if (ret)
		return ret;
	return cli_send(nlh, role->print, NULL, role->name);
}
