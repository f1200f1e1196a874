// SPDX-License-Identifier: GPL-2.0
/*
 * lp_rcu_holdout: a plain module (not a livepatch) whose kernel thread keeps an RCU-tasks grace
 * period from ending while the parameter "hold" is true.
 *
 * RCU Tasks waits for every runnable task to switch context voluntarily (or run in user space, or
 * idle). The thread "lp_rcu_holdout" spins in the kernel without ever sleeping while held, so on a
 * kernel booted with preempt=full it is preempted (involuntarily) but never passes a quiescent
 * state: an RCU-tasks holdout. At nice 19 it takes little of the CPU from the rest. Whatever waits
 * in synchronize_rcu_tasks() meanwhile (ftrace removing a livepatch's ops) waits until the release:
 *
 *   insmod lp_rcu_holdout.ko hold=1
 *   echo 0 > /sys/module/lp_rcu_holdout/parameters/hold
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static bool hold;
module_param(hold, bool, 0644);
MODULE_PARM_DESC(hold, "keep the lp_rcu_holdout thread spinning, never sleeping, while true");

static struct task_struct *lp_holdout_task;

static int lp_holdout_thread(void *unused)
{
	set_user_nice(current, MAX_NICE);
	while (!kthread_should_stop()) {
		if (READ_ONCE(hold)) {
			cpu_relax();
			continue;
		}
		msleep_interruptible(50);
	}
	return 0;
}

static int __init lp_holdout_init(void)
{
	lp_holdout_task = kthread_run(lp_holdout_thread, NULL, "lp_rcu_holdout");
	return PTR_ERR_OR_ZERO(lp_holdout_task);
}

static void __exit lp_holdout_exit(void)
{
	WRITE_ONCE(hold, false);
	kthread_stop(lp_holdout_task);
}

module_init(lp_holdout_init);
module_exit(lp_holdout_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("livepatch-operator tests");
MODULE_DESCRIPTION("livepatch-operator test thread that holds an RCU-tasks grace period open");
