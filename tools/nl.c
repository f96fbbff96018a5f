// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing for the mpconv CLI: family resolution, requests,
 * replies and extended-ack error messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../uapi/linux/mpconv.h"
#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct talk_ctx {
	struct mpc_nl *nl;
	mpc_nl_cb cb;
	void *data;
	unsigned int maxattr;
};

static int parse_extack(const struct nlmsghdr *nlh, struct mpc_nl *nl)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned int off = sizeof(*e);

	nl->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off + sizeof(struct nlmsghdr) > nlh->nlmsg_len)
		return 0;

	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->extack, sizeof(nl->extack), "%s", mnl_attr_get_str(attr));
	}
	return 0;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		ctx->nl->err = EBADMSG;
		return MNL_CB_ERROR;
	}
	parse_extack(nlh, ctx->nl);
	if (e->error == 0)
		return MNL_CB_STOP;
	ctx->nl->err = -e->error;
	return MNL_CB_ERROR;
}

/* End of a dump; its payload is the dump's final status. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;
	int err = 0;

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		ctx->nl->err = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

struct attr_tb {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_tb *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* Attributes newer than this CLI are skipped, not refused. */
	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

int mpc_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max)
{
	struct attr_tb t = { tb, max };

	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &t) < 0 ? -1 : 0;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;
	const struct nlattr *tb[256] = {};

	if (!ctx->cb)
		return MNL_CB_OK;
	if (mpc_nl_parse(nlh, tb, ctx->maxattr) < 0)
		return MNL_CB_ERROR;
	return ctx->cb(tb, ctx->data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int run(struct mpc_nl *nl, struct talk_ctx *ctx, uint32_t seq)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb };
	int ret;

	do {
		ret = mnl_socket_recvfrom(nl->sock, nl->buf, MPC_NL_BUFSIZE);
		if (ret < 0) {
			nl->err = errno;
			return -1;
		}
		ret = mnl_cb_run2(nl->buf, ret, seq, nl->portid, data_cb, ctx,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	if (ret < 0 && !nl->err)
		nl->err = errno ? errno : EPROTO;
	return ret < 0 ? -1 : 0;
}

struct nlmsghdr *mpc_nl_msg(void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	/* A dump ends with NLMSG_DONE; an ACK after it would only be left unread. */
	nlh->nlmsg_flags = NLM_F_REQUEST | flags | (flags & NLM_F_DUMP ? 0 : NLM_F_ACK);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = MPCONV_GENL_VERSION;
	return nlh;
}

struct nlmsghdr *mpc_nl_request(struct mpc_nl *nl, uint8_t cmd, uint16_t flags)
{
	return mpc_nl_msg(nl->buf, cmd, flags);
}

int mpc_nl_talk(struct mpc_nl *nl, struct nlmsghdr *nlh, mpc_nl_cb cb, void *data)
{
	struct talk_ctx ctx = { nl, cb, data, MPCONV_A_MAX };

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_seq = ++nl->seq;
	nl->err = 0;
	nl->extack[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		nl->err = errno;
		return -1;
	}
	return run(nl, &ctx, nlh->nlmsg_seq);
}

/* The id of the "events" multicast group, from CTRL_ATTR_MCAST_GROUPS. */
static uint32_t events_group(const struct nlattr *groups)
{
	const struct nlattr *grp, *a;
	const char *name;
	uint32_t id;

	mnl_attr_for_each_nested(grp, groups) {
		name = NULL;
		id = 0;
		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, MPCONV_MCGRP_EVENTS))
			return id;
	}
	return 0;
}

/* Resolve the family id from the controller. */
static int family_cb(const struct nlattr **tb, void *data)
{
	struct mpc_nl *nl = data;

	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -1;
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		nl->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nl->mcgrp_events = events_group(tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

int mpc_nl_open(struct mpc_nl *nl)
{
	struct talk_ctx ctx = { nl, family_cb, nl, CTRL_ATTR_MAX };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(MPC_NL_BUFSIZE);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->buf || !nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "mpconv: cannot open a generic netlink socket: %s\n",
			strerror(errno));
		mpc_nl_close(nl);
		return -1;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MPCONV_GENL_NAME);

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0 ||
	    run(nl, &ctx, nlh->nlmsg_seq) < 0 || !nl->family) {
		if (nl->err == ENOENT || !nl->family)
			fprintf(stderr, "mpconv: the mpconv kernel module is not loaded "
				"(no generic netlink family \"%s\"); load it with "
				"'modprobe mpconv' or 'insmod mpconv.ko'\n", MPCONV_GENL_NAME);
		else
			mpc_nl_perror(nl, "cannot resolve the netlink family");
		mpc_nl_close(nl);
		return -1;
	}
	return 0;
}

void mpc_nl_close(struct mpc_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

void mpc_nl_perror(const struct mpc_nl *nl, const char *what)
{
	const char *reason;

	switch (nl->err) {
	case EPERM:
		reason = "permission denied (needs CAP_NET_ADMIN in the network namespace's "
			 "user namespace)";
		break;
	case ENOENT:
		reason = "not found";
		break;
	case EOPNOTSUPP:
		reason = "not supported by the loaded module (is it older than this CLI?)";
		break;
	case EINTR:	/* libmnl's report of NLM_F_DUMP_INTR */
		reason = "the table changed during the dump, which may be inconsistent: "
			 "run it again";
		break;
	default:
		reason = strerror(nl->err);
	}
	if (nl->extack[0])
		fprintf(stderr, "mpconv: %s: %s: %s\n", what, reason, nl->extack);
	else
		fprintf(stderr, "mpconv: %s: %s\n", what, reason);
}
