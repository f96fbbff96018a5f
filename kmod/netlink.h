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

/* Set *v from attribute @type when the request has it. */
static inline void mpconv_nla_get_u32_opt(struct nlattr **tb, int type, u32 *v)
{
	if (tb[type])
		*v = nla_get_u32(tb[type]);
}

#endif /* _MPCONV_NETLINK_H */
