# The daemon killed (SIGKILL) in the middle of a transition held by lp_busy, then started again:
# the new pass finds the transition in flight (its record and the kernel agree), awaits it
# instead of loading again, and converges once the thread is released. Exactly one lp_busy_fix_v1
# is loaded at the end.
# Spec (GuestDaemon): fix.json = [lp_busy_fix_v1, stallTimeout 600s, onStall Wait].
. /lp/lib.sh
lp_daemon_prepare

lp_insmod lp_busy hold=1
wait_until 10 pid_of_comm lp_busy >/dev/null || fail "no lp_busy thread"

lp_daemon first fix.json &
wait_until 180 lp_in_transition lp_busy_fix_v1 || fail "the first pass started no transition: $(tail -20 /shared/first.log)"
wait_until 30 status_has first.status.json '"transition":\{' || fail "the first pass reported no transition"
java=$(pid_of_comm java) || fail "no java process"
kill -9 "$java"
wait
log "killed the first pass (pid $java) during the transition"
cp /shared/first.status.json /shared/killed.status.json
lp_in_transition lp_busy_fix_v1 || fail "the transition ended with the daemon: $(lp_state lp_busy_fix_v1)"

lp_daemon second fix.json &
daemon=$!
wait_until 180 status_has second.status.json '"transition":\{' || fail "the second pass does not await the transition: $(tail -20 /shared/second.log)"
lp_in_transition lp_busy_fix_v1 || fail "the transition ended while held: $(lp_state lp_busy_fix_v1)"
echo 0 >/sys/module/lp_busy/parameters/hold
wait "$daemon" || fail "the second pass ended $(cat /shared/second.rc), not Ready: $(tail -20 /shared/second.log)"
lp_settled lp_busy_fix_v1 && lp_enabled lp_busy_fix_v1 || fail "after the restart: $(lp_state lp_busy_fix_v1)"
assert_eq 1 "$(grep -c '^lp_busy_fix_v1 ' /proc/modules)" "lp_busy_fix_v1 entries in /proc/modules"
assert_eq 1 "$(kmsg | grep -c "enabling patch 'lp_busy_fix_v1'")" "enabling patch lines for lp_busy_fix_v1 in the kernel log"
grep -q 'action="Load' /shared/first.log || fail "the first pass logged no Load action (the log's format changed?): $(grep -c acting /shared/first.log) acting lines"
grep -q 'action="Load' /shared/second.log && fail "the second pass loaded again: $(grep 'action=' /shared/second.log)"
log "daemon restart converged"
