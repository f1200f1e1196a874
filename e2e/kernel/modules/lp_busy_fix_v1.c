// SPDX-License-Identifier: GPL-2.0
/*
 * Non-replace livepatch of lp_busy_work() in the module lp_busy (see lp_busy.c). Its
 * replacement returns 1, so /sys/module/lp_busy/parameters/generation reads 1 once the
 * lp_busy thread runs the patched code. While lp_busy's "hold" is true, the thread sleeps
 * inside the original function and this patch's transition cannot complete.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

#define LP_VERSION 1

static int lp_busy_work_fixed(void)
{
	return LP_VERSION;
}

static struct klp_func lp_busy_funcs[] = {
	{ .old_name = "lp_busy_work", .new_func = lp_busy_work_fixed },
	{}
};

static struct klp_object lp_objects[] = {
	{ .name = "lp_busy", .funcs = lp_busy_funcs },
	{}
};

static struct klp_patch lp_patch = {
	.mod = THIS_MODULE,
	.objs = lp_objects,
};

static int __init lp_init(void)
{
	return klp_enable_patch(&lp_patch);
}

static void __exit lp_exit(void)
{
}

module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator test livepatch of lp_busy_work()");
MODULE_INFO(livepatch, "Y");
