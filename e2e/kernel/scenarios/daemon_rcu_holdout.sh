# The seed's symptom: an unpatch whose completion waits on an RCU-tasks grace period (ftrace removing
# the patch's ops calls synchronize_rcu_tasks on a preemptible kernel) while a kernel thread keeps that
# grace period from ending, with LP_BACKGROUND_TASKS sleeping processes. Booted with preempt=full and
# a lowered rcupdate.rcu_task_stall_info (KernelVm#bootParameters), so the kernel logs
# "rcu_tasks_wait_gp: ... is N jiffies old" every second of the wait. The thread is released
# LP_HOLD_AFTER_WARNING seconds after the first such line, so the transition ends.
# Specs (GuestDaemon): load.json = [lp_cmdline_v1 replaceable], empty.json = [].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

i=0
while [ "$i" -lt "${LP_BACKGROUND_TASKS:?}" ]; do
	sleep 3600 &
	i=$((i + 1))
done
echo "$(ls -d /proc/[0-9]* | wc -l)" >/shared/tasks

lp_daemon_ok load load.json
lp_enabled lp_cmdline_v1 || fail "lp_cmdline_v1 not loaded: $(lp_state lp_cmdline_v1)"

lp_insmod lp_rcu_holdout hold=1
pid_of_comm lp_rcu_holdout >/dev/null || fail "no lp_rcu_holdout thread"
(
	wait_until 240 eval 'dmesg | grep -q rcu_tasks_wait_gp' || exit 1
	sleep "${LP_HOLD_AFTER_WARNING:?}"
	lp_exists lp_cmdline_v1 && echo held >/shared/held-while-in-transition
	echo 0 >/sys/module/lp_rcu_holdout/parameters/hold
	echo released >/shared/released
) &
releaser=$!
lp_daemon_ok unload empty.json
wait "$releaser" || fail "the kernel logged no rcu_tasks_wait_gp line while the daemon unloaded"
lp_gone lp_cmdline_v1 || fail "lp_cmdline_v1 still there: $(lp_state lp_cmdline_v1)"
kmsg >/shared/kmsg
grep rcu_tasks /shared/kmsg >/shared/kmsg.rcu
log "daemon rcu holdout ok"
