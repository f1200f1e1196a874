# A stall under onStall: Wait: the daemon reports Stalled (blocking task lp_busy, copied here as
# stalled.status.json) and keeps waiting; once the thread is released the transition completes
# and the pass ends Ready (outcome CompletedAfterStall).
# Spec (GuestDaemon): fix.json = [lp_busy_fix_v1, stallTimeout 3s, onStall Wait].
. /lp/lib.sh
lp_daemon_prepare

lp_insmod lp_busy hold=1
pid=""
wait_until 10 eval 'pid=$(pid_of_comm lp_busy)' || fail "no lp_busy thread"
echo "$pid" >/shared/busy.pid

lp_daemon wait fix.json &
daemon=$!
wait_until 180 status_has wait.status.json '"state":"Stalled"' || fail "no Stalled status: $(cat /shared/wait.log)"
cp /shared/wait.status.json /shared/stalled.status.json
sleep 2 # it keeps waiting past stallTimeout
lp_in_transition lp_busy_fix_v1 || fail "the transition ended while held: $(lp_state lp_busy_fix_v1)"
echo 0 >/sys/module/lp_busy/parameters/hold
wait "$daemon" || fail "the daemon pass ended $(cat /shared/wait.rc), not Ready: $(tail -20 /shared/wait.log)"
lp_settled lp_busy_fix_v1 && lp_enabled lp_busy_fix_v1 || fail "after the release: $(lp_state lp_busy_fix_v1)"
wait_until 10 eval '[ "$(cat /sys/module/lp_busy/parameters/generation)" = 1 ]' || fail "the patched lp_busy_work did not run"
log "daemon waited the stall out"
