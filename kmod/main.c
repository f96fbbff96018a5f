// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv: in-kernel TCP <-> Multipath TCP converter (RFC 8803).
 *
 * Module entry points. Per-namespace state is set up before the netlink
 * family appears, and the family goes away before that state, so a request
 * never sees a namespace without its state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/mpconv.h>

#include "mpconv.h"

static int __init mpconv_init(void)
{
	int err;

	err = mpconv_netns_init();
	if (err)
		return err;

	err = mpconv_genl_init();
	if (err)
		goto err_netns;

	pr_info("version %s loaded\n", MPCONV_VERSION);
	return 0;

err_netns:
	mpconv_netns_exit();
	return err;
}

static void __exit mpconv_exit(void)
{
	mpconv_genl_exit();
	mpconv_netns_exit();
	pr_info("unloaded\n");
}

module_init(mpconv_init);
module_exit(mpconv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP to Multipath TCP converter (RFC 8803 Transport Converter and CPE)");
MODULE_AUTHOR("The mpconv authors");
MODULE_VERSION(MPCONV_VERSION);
MODULE_ALIAS_GENL_FAMILY(MPCONV_GENL_NAME);
