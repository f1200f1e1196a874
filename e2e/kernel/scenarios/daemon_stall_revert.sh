# A stall under onStall: Revert. lp_busy's thread sleeps inside lp_busy_work(), so the patching
# transition of lp_busy_fix_v1 cannot finish; past stallTimeout (3s) the daemon writes the status
# Stalled with the blocking task (copied here as stalled.status.json), reverses the transition,
# reports the module Failed (StallReverted) and rmmods it (UNLOAD_GRACE=0s): the prior state.
# Spec (GuestDaemon): fix.json = [lp_busy_fix_v1, stallTimeout 3s, onStall Revert].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_insmod lp_busy hold=1
pid=""
wait_until 10 eval 'pid=$(pid_of_comm lp_busy)' || fail "no lp_busy thread"
echo "$pid" >/shared/busy.pid
wait_until 10 grep -q lp_busy_work "/proc/$pid/stack" || fail "lp_busy thread not inside lp_busy_work"

# A watcher keeps the first status that reports the stall (the daemon rewrites the file).
(
	until status_has revert.status.json '"state":"Stalled"'; do sleep 0.2; done
	cp /shared/revert.status.json /shared/stalled.status.json
) &
watcher=$!
lp_daemon revert fix.json && fail "the daemon reported Ready for a reverted patch"
assert_eq 3 "$(cat /shared/revert.rc)" "exit code of the reverting pass"
kill "$watcher" 2>/dev/null
[ -f /shared/stalled.status.json ] || fail "no status reported the stall"

lp_gone lp_busy_fix_v1 || fail "reverted patch still there: $(lp_state lp_busy_fix_v1)"
mod_unloaded lp_busy_fix_v1 || fail "module lp_busy_fix_v1 still loaded"
assert_eq -1 "$(cat /proc/$pid/patch_state)" "patch_state of $pid after the revert"
echo 0 >/sys/module/lp_busy/parameters/hold
wait_until 10 eval '[ "$(cat /sys/module/lp_busy/parameters/generation)" = 0 ]' || fail "the original lp_busy_work did not run"
log "daemon reverted the stall"
