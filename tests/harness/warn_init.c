// SPDX-License-Identifier: GPL-2.0
/*
 * A module that WARNs when it loads: the VM runner must fail a run that
 * loads it. Used only by tests/harness/selftest.sh, never installed.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init warn_init(void)
{
	WARN(1, "mpconv harness: deliberate warning at init\n");
	return 0;
}

static void __exit warn_exit(void)
{
}

module_init(warn_init);
module_exit(warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mpconv harness self-test: WARN at init");
