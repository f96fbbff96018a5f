// SPDX-License-Identifier: GPL-2.0
/*
 * mpconv: in-kernel TCP <-> Multipath TCP converter (RFC 8803).
 *
 * Module entry points. Per-namespace state is set up before the netlink
 * family appears, and the family goes away before that state, so a request
 * never sees a namespace without its state. The workqueue outlives both:
 * every session's work runs on it; the sessions' slab cache outlives it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/mpconv.h>

#include "mpconv.h"

struct workqueue_struct *mpconv_wq;

static int __init mpconv_init(void)
{
	int err;

	err = mpconv_session_cache_init();
	if (err)
		return err;
	/* Not WQ_MEM_RECLAIM: a session's work closes MPTCP sockets, whose
	 * close flushes their worker on the system workqueue, and a reclaim
	 * workqueue must not wait for a non-reclaim one (check_flush_dependency
	 * warns, seen on armhf). Relaying is not needed to reclaim memory.
	 */
	mpconv_wq = alloc_workqueue("mpconv", WQ_UNBOUND, 0);
	if (!mpconv_wq) {
		err = -ENOMEM;
		goto err_cache;
	}

	err = mpconv_netns_init();
	if (err)
		goto err_wq;

	err = mpconv_genl_init();
	if (err)
		goto err_netns;

	pr_info("version %s loaded\n", MPCONV_VERSION);
	return 0;

err_netns:
	mpconv_netns_exit();
err_wq:
	destroy_workqueue(mpconv_wq);
err_cache:
	mpconv_session_cache_exit();
	return err;
}

static void __exit mpconv_exit(void)
{
	mpconv_genl_exit();
	/* Ends every session in every namespace and waits for them... */
	mpconv_netns_exit();
	/* ...and this waits for their work items to return. */
	destroy_workqueue(mpconv_wq);
	/* Sessions are freed after a grace period: wait for the last. */
	mpconv_session_cache_exit();
	pr_info("unloaded\n");
}

module_init(mpconv_init);
module_exit(mpconv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP to Multipath TCP converter (RFC 8803 Transport Converter and CPE)");
MODULE_AUTHOR("The mpconv authors");
MODULE_VERSION(MPCONV_VERSION);
MODULE_ALIAS_GENL_FAMILY(MPCONV_GENL_NAME);
