/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the project's /proc/cmdline livepatches whose klp_patch is built at run time, in the
 * module's init (as kpatch-build's patch hook builds its own): nothing in the file says before the
 * load which function it patches or whether it replaces, so only the kernel's sysfs does after it.
 * Each lp_rt_*.c file sets LP_REPLACE (1: klp_patch.replace = true) and includes this file.
 */
#ifndef LP_REPLACE
#error "define LP_REPLACE before including lp_rt_patch.h"
#endif

#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

static int lp_rt_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "cmdline livepatched by %s (klp_patch built at run time, replace=%d)\n", KBUILD_MODNAME, LP_REPLACE);
	return 0;
}

static struct klp_func *lp_funcs;
static struct klp_object *lp_objs;
static struct klp_patch *lp_patch;

static void lp_free(void)
{
	kfree(lp_patch);
	kfree(lp_objs);
	kfree(lp_funcs);
}

static int __init lp_rt_init(void)
{
	int ret;

	lp_funcs = kcalloc(2, sizeof(*lp_funcs), GFP_KERNEL);
	lp_objs = kcalloc(2, sizeof(*lp_objs), GFP_KERNEL);
	lp_patch = kzalloc(sizeof(*lp_patch), GFP_KERNEL);
	if (!lp_funcs || !lp_objs || !lp_patch) {
		lp_free();
		return -ENOMEM;
	}
	lp_funcs[0].old_name = "cmdline_proc_show";
	lp_funcs[0].new_func = lp_rt_cmdline_proc_show;
	lp_objs[0].funcs = lp_funcs; /* name NULL: vmlinux */
	lp_patch->mod = THIS_MODULE;
	lp_patch->objs = lp_objs;
	lp_patch->replace = LP_REPLACE;
	ret = klp_enable_patch(lp_patch);
	if (ret)
		lp_free();
	return ret;
}

static void __exit lp_rt_exit(void)
{
	lp_free();
}

module_init(lp_rt_init);
module_exit(lp_rt_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator test livepatch whose klp_patch is built at run time");
MODULE_INFO(livepatch, "Y");
