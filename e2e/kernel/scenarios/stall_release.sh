# A stalled transition that completes once the blocking task leaves the function (onStall:
# Wait). Held long enough to see the kernel's own remedy: on every 15th one-second retry it
# "signals" the remaining tasks (a fake signal; it wakes kthreads), which does not free a task
# that goes back to sleep inside the function. After the release, the one-second retry
# completes the transition and the patched code runs (generation 1).
. /lp/lib.sh

lp_insmod lp_busy hold=1
pid=""
wait_until 5 eval 'pid=$(pid_of_comm lp_busy)' || fail "no lp_busy thread"
wait_until 5 grep -q lp_busy_work "/proc/$pid/stack" || fail "lp_busy thread not inside lp_busy_work"
lp_insmod lp_busy_fix_v1
wait_until 25 eval 'dmesg | grep -q "livepatch: signaling remaining tasks"' ||
	fail "no 'signaling remaining tasks' within 25 s of a stall"
lp_in_transition lp_busy_fix_v1 || fail "the signal freed the held task"
assert_eq 0 "$(cat /proc/$pid/patch_state)" "patch_state of the blocking task $pid"

released=$(cut -d' ' -f1 /proc/uptime)
echo 0 >/sys/module/lp_busy/parameters/hold
lp_wait_settled lp_busy_fix_v1 5
done_at=$(cut -d' ' -f1 /proc/uptime)
echo "transition completed $(echo "$done_at $released" | awk '{printf "%.2f", $1 - $2}') s after the release"
lp_enabled lp_busy_fix_v1 || fail "lp_busy_fix_v1 not enabled after completing"
dmesg | grep -q "livepatch: 'lp_busy_fix_v1': patching complete" || fail "no patching complete line"
assert_eq -1 "$(cat /proc/$pid/patch_state)" "patch_state after the transition"
wait_until 5 eval '[ "$(cat /sys/module/lp_busy/parameters/generation)" = 1 ]' ||
	fail "patched lp_busy_work not running: generation $(cat /sys/module/lp_busy/parameters/generation)"

lp_unload lp_busy_fix_v1
wait_until 5 eval '[ "$(cat /sys/module/lp_busy/parameters/generation)" = 0 ]' || fail "original not back"
rmmod lp_busy || fail "failed to rmmod lp_busy"
log "stall released"
