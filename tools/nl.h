/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the mpconv family (libmnl).
 */
#ifndef MPCONV_NL_H
#define MPCONV_NL_H

#include <stdint.h>
#include <libmnl/libmnl.h>

/* Requests and replies (a converter configuration can be ~6 kB). */
#define MPC_NL_BUFSIZE	65536

struct mpc_nl {
	struct mnl_socket *sock;
	uint16_t family;	/* resolved family id */
	uint32_t version;	/* family version the kernel speaks */
	uint32_t mcgrp_events;	/* id of the "events" multicast group, 0: none */
	uint32_t seq;
	uint32_t portid;
	char *buf;		/* request and receive buffer, MPC_NL_BUFSIZE */
	int err;		/* last error (positive errno) */
	char extack[256];	/* last extack message, or "" */
};

/* Called for each reply message's attributes, tb indexed by attribute type. */
typedef int (*mpc_nl_cb)(const struct nlattr **tb, void *data);

/*
 * Open a socket and resolve the family. On failure prints a one-line reason
 * (module not loaded, ...) and returns -1.
 */
int mpc_nl_open(struct mpc_nl *nl);
void mpc_nl_close(struct mpc_nl *nl);

/*
 * Start a request for @cmd in @buf (MPC_NL_BUFSIZE bytes; no socket needed
 * yet), or in the socket's own buffer; add attributes with mnl_attr_put_*().
 */
struct nlmsghdr *mpc_nl_msg(void *buf, uint8_t cmd, uint16_t flags);
struct nlmsghdr *mpc_nl_request(struct mpc_nl *nl, uint8_t cmd, uint16_t flags);

/*
 * Send @nlh (its family and sequence number filled in here) and run @cb on
 * each reply until the ACK / DONE. Returns 0, or -1 with nl->err and
 * nl->extack set.
 */
int mpc_nl_talk(struct mpc_nl *nl, struct nlmsghdr *nlh, mpc_nl_cb cb, void *data);

/*
 * Fill @tb (indexed by attribute type, up to @max; newer types are skipped)
 * with the attributes of the generic netlink message @nlh.
 */
int mpc_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max);

/* Print "mpconv: <what>: <reason>[: <extack>]" for the last error. */
void mpc_nl_perror(const struct mpc_nl *nl, const char *what);

#endif
