// SPDX-License-Identifier: GPL-2.0
/*
 * lp_busy: the target of the stall scenarios, not a livepatch.
 *
 * A kernel thread named "lp_busy" calls lp_busy_work() every LP_BUSY_PERIOD_MS and stores what
 * it returns in the read-only parameter "generation" (the original returns 0, lp_busy_fix_v1's
 * replacement returns 1). While the parameter "hold" is true, lp_busy_work() does not return:
 * the thread sleeps inside it, so a livepatch of lp_busy_work() cannot switch that thread and
 * its transition stalls until "hold" goes back to 0:
 *
 *   insmod lp_busy.ko hold=1
 *   echo 0 > /sys/module/lp_busy/parameters/hold
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>

#define LP_BUSY_PERIOD_MS 50

static bool hold;
module_param(hold, bool, 0644);
MODULE_PARM_DESC(hold, "keep the lp_busy thread inside lp_busy_work() while true");

static int generation = -1;
module_param(generation, int, 0444);
MODULE_PARM_DESC(generation, "what lp_busy_work() returned last: 0 original, >0 a livepatch");

static struct task_struct *lp_busy_task;

/*
 * Global and noipa (no inlining, no cloning, no return-value propagation into the caller) so
 * that a livepatch finds it by name and the caller really uses what the replacement returns.
 */
int lp_busy_work(void);
__attribute__((__noipa__)) int lp_busy_work(void)
{
	while (READ_ONCE(hold) && !kthread_should_stop())
		msleep_interruptible(LP_BUSY_PERIOD_MS);
	return 0;
}

static int lp_busy_thread(void *unused)
{
	while (!kthread_should_stop()) {
		WRITE_ONCE(generation, lp_busy_work());
		msleep_interruptible(LP_BUSY_PERIOD_MS);
	}
	return 0;
}

static int __init lp_busy_init(void)
{
	lp_busy_task = kthread_run(lp_busy_thread, NULL, "lp_busy");
	return PTR_ERR_OR_ZERO(lp_busy_task);
}

static void __exit lp_busy_exit(void)
{
	kthread_stop(lp_busy_task);
}

module_init(lp_busy_init);
module_exit(lp_busy_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator stall target: a thread held inside lp_busy_work()");
