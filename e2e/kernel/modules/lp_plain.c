// SPDX-License-Identifier: GPL-2.0
/*
 * lp_plain: an ordinary module with no livepatch in it (no "livepatch: Y" in modinfo). The
 * daemon must refuse it as "not a livepatch"; the kernel itself would load it.
 */
#include <linux/kernel.h>
#include <linux/module.h>

static int __init lp_plain_init(void)
{
	pr_info("lp_plain: loaded\n");
	return 0;
}

static void __exit lp_plain_exit(void)
{
}

module_init(lp_plain_init);
module_exit(lp_plain_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator test module that is not a livepatch");
