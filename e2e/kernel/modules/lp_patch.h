/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of the project's /proc livepatches. Each lp_*.c file is one module: it sets the
 * knobs below and includes this file, so the builds differ only in what the knobs say.
 *
 *   LP_VERSION        integer printed in the patched output, so a test tells v1 from v2
 *   LP_REPLACE        1: atomic replace (klp_patch.replace = true); 0: stacks on the others
 *   LP_PATCH_CMDLINE  defined: replaces cmdline_proc_show(), the handler of /proc/cmdline
 *   LP_PATCH_VERSION  defined: replaces version_proc_show(), the handler of /proc/version
 *   LP_WARN_WHEN_ENABLED defined: WARN()s once its patch is enabled, as a buggy patch would (the
 *                     health gates' test)
 *
 * A patched file reads, in one line:
 *   "<file> livepatched by <module> (version <LP_VERSION>, replace=<LP_REPLACE>)"
 * for example "cmdline livepatched by lp_cmdline_v2 (version 2, replace=0)".
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#if !defined(LP_VERSION) || !defined(LP_REPLACE)
#error "define LP_VERSION and LP_REPLACE before including lp_patch.h"
#endif

static int lp_show(struct seq_file *m, const char *file)
{
	seq_printf(m, "%s livepatched by %s (version %d, replace=%d)\n",
		   file, KBUILD_MODNAME, LP_VERSION, LP_REPLACE);
	return 0;
}

#ifdef LP_PATCH_CMDLINE
static int lp_cmdline_proc_show(struct seq_file *m, void *v)
{
	return lp_show(m, "cmdline");
}
#endif

#ifdef LP_PATCH_VERSION
static int lp_version_proc_show(struct seq_file *m, void *v)
{
	return lp_show(m, "version");
}
#endif

static struct klp_func lp_vmlinux_funcs[] = {
#ifdef LP_PATCH_CMDLINE
	{ .old_name = "cmdline_proc_show", .new_func = lp_cmdline_proc_show },
#endif
#ifdef LP_PATCH_VERSION
	{ .old_name = "version_proc_show", .new_func = lp_version_proc_show },
#endif
	{}
};

static struct klp_object lp_objects[] = {
	{ .name = NULL /* vmlinux */, .funcs = lp_vmlinux_funcs },
	{}
};

static struct klp_patch lp_patch = {
	.mod = THIS_MODULE,
	.objs = lp_objects,
	.replace = LP_REPLACE,
};

static int __init lp_init(void)
{
	int ret = klp_enable_patch(&lp_patch);

#ifdef LP_WARN_WHEN_ENABLED
	WARN(!ret, "%s: enabled, warning as its test asks\n", KBUILD_MODNAME);
#endif
	return ret;
}

static void __exit lp_exit(void)
{
}

module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator test livepatch of /proc handlers");
MODULE_INFO(livepatch, "Y");
