/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink helpers shared by the roles.
 */
#ifndef _MPCONV_NETLINK_H
#define _MPCONV_NETLINK_H

#include <net/netlink.h>

#include "sock.h"

int mpconv_nla_get_addr(const struct nlattr *nest, struct mpconv_addr *a, u8 *plen,
			bool prefix, struct netlink_ext_ack *extack);
int mpconv_nla_put_addr(struct sk_buff *msg, int type, const struct mpconv_addr *a, int plen);
int mpconv_nla_get_prefixes(const struct nlattr *list, struct mpconv_prefix *out, u8 *n,
			    struct netlink_ext_ack *extack);
int mpconv_nla_put_prefixes(struct sk_buff *msg, int type, const struct mpconv_prefix *p,
			    unsigned int n);

struct mpconv_net;
struct mpconv_session;
struct mpconv_binding;

void mpconv_ntf_session(const struct mpconv_session *s, u8 cmd);
void mpconv_ntf_binding(struct mpconv_net *mn, const struct mpconv_binding *b, u8 cmd,
			u8 reason);
void mpconv_ntf_config(struct mpconv_net *mn, u32 role);

struct mpconv_uplink_info;

int mpconv_nla_put_uplink(struct sk_buff *msg, const struct mpconv_uplink_info *info);
void mpconv_ntf_uplink(struct mpconv_net *mn, const struct mpconv_uplink_info *info);

/* Set *v from attribute @type when the request has it. */
static inline void mpconv_nla_get_u32_opt(struct nlattr **tb, int type, u32 *v)
{
	if (tb[type])
		*v = nla_get_u32(tb[type]);
}

#endif /* _MPCONV_NETLINK_H */
