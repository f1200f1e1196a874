# The kernel's own signalling of a stalled transition: it retries once a second and on every 15th
# retry (SIGNALS_TIMEOUT) logs "signaling remaining tasks", sends a fake signal to the user tasks
# still unpatched and wakes the kthreads. lp_busy's thread wakes from its sleep inside
# lp_busy_work() and sleeps there again, so the transition stays stalled; a revert (writing 0 to
# `enabled`) then completes. Writes signal.after (seconds from the load to the line), kmsg.stall.
. /lp/lib.sh
up() { cut -d' ' -f1 /proc/uptime; }

lp_insmod lp_busy hold=1
wait_until 5 eval 'pid=$(pid_of_comm lp_busy)' || fail "no lp_busy thread"
wait_until 5 grep -q lp_busy_work "/proc/$pid/stack" || fail "lp_busy thread not inside lp_busy_work"
t0=$(up)
lp_insmod lp_busy_fix_v1
wait_until 40 eval 'dmesg | grep -q "livepatch: signaling remaining tasks"' || fail "no signalling within 40 s"
t1=$(up)
echo "$t1 $t0" | awk '{ printf "%.2f\n", $1 - $2 }' | tee /shared/signal.after
sleep 2 # the signalled task sleeps again inside the function: still stalled
lp_in_transition lp_busy_fix_v1 || fail "the transition ended after the signalling: $(lp_state lp_busy_fix_v1)"
assert_eq 0 "$(cat /proc/$pid/patch_state)" "patch_state of the blocking task $pid after the signalling"

echo 0 >"$LP_SYSFS/lp_busy_fix_v1/enabled" || fail "failed to reverse lp_busy_fix_v1"
wait_until 15 lp_gone lp_busy_fix_v1 || fail "reversed patch still there: $(lp_state lp_busy_fix_v1)"
dmesg | grep -E "livepatch|lp_busy" >/shared/kmsg.stall
wait_until 10 mod_unused lp_busy_fix_v1 || fail "lp_busy_fix_v1 refcnt $(mod_refcnt lp_busy_fix_v1)"
rmmod lp_busy_fix_v1 || fail "failed to rmmod lp_busy_fix_v1"
echo 0 >/sys/module/lp_busy/parameters/hold
rmmod lp_busy || fail "failed to rmmod lp_busy"
log "stall signalled after $(cat /shared/signal.after) s and reverted"
