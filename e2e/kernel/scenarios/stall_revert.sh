# A transition stalled by a task that sleeps inside the patched function, then reversed by
# writing the opposite value to `enabled` (what onStall: Revert does). Facts shown on the way:
# the blocking task's patch_state (0 = unpatched while the target is patched), its stack naming
# the function, EBUSY for another transition while one is in flight, the unpatching lines.
. /lp/lib.sh

lp_insmod lp_busy hold=1
pid=""
wait_until 5 eval 'pid=$(pid_of_comm lp_busy)' || fail "no lp_busy thread"
wait_until 5 grep -q lp_busy_work "/proc/$pid/stack" || fail "lp_busy thread not inside lp_busy_work"
assert_eq -1 "$(cat /proc/$pid/patch_state)" "patch_state of $pid with no transition"

lp_insmod lp_busy_fix_v1 # klp_enable_patch returns at once; the transition goes on
lp_in_transition lp_busy_fix_v1 || fail "no transition in flight: $(lp_state lp_busy_fix_v1)"
sleep 3
lp_in_transition lp_busy_fix_v1 || fail "transition completed although lp_busy is held"
assert_eq 1 "$(cat $LP_SYSFS/lp_busy_fix_v1/enabled)" "enabled during the patching transition"
assert_eq 0 "$(cat /proc/$pid/patch_state)" "patch_state of the blocking task $pid"
assert_eq 1 "$(cat /proc/1/patch_state)" "patch_state of init (switched)"
echo "blocking task: pid=$pid comm=$(cat /proc/$pid/comm)"
cat "/proc/$pid/stack" | tee /shared/stack
grep -q "lp_busy_work+0x[0-9a-f]*/0x[0-9a-f]* \[lp_busy\]" /shared/stack || fail "stack lacks lp_busy_work"

# One transition at a time: a second patch, or a write to another patch's enabled, is EBUSY.
insmod "$LP_MODULES/lp_cmdline_v1.ko" 2>/shared/insmod.err && fail "insmod during a transition succeeded"
assert_file_contains /shared/insmod.err "Device or resource busy"

# Revert: write the opposite value. The held task is already in the reversed target state.
echo 0 >"$LP_SYSFS/lp_busy_fix_v1/enabled" || fail "failed to reverse lp_busy_fix_v1"
wait_until 10 lp_gone lp_busy_fix_v1 || fail "reversed patch still there: $(lp_state lp_busy_fix_v1)"
assert_eq -1 "$(cat /proc/$pid/patch_state)" "patch_state of $pid after the revert"
dmesg | grep -q "livepatch: 'lp_busy_fix_v1': starting unpatching transition" || fail "no unpatching line"
dmesg | grep -q "livepatch: 'lp_busy_fix_v1': unpatching complete" || fail "no unpatching complete line"
dmesg | grep -q "livepatch: 'lp_busy_fix_v1': patching complete" && fail "the patching transition completed"
wait_until 10 mod_unused lp_busy_fix_v1 || fail "lp_busy_fix_v1 refcnt $(mod_refcnt lp_busy_fix_v1)"
rmmod lp_busy_fix_v1 || fail "failed to rmmod lp_busy_fix_v1 after the revert"

# The original code runs when released.
echo 0 >/sys/module/lp_busy/parameters/hold
wait_until 5 eval '[ "$(cat /sys/module/lp_busy/parameters/generation)" = 0 ]' || fail "generation not 0"
rmmod lp_busy || fail "failed to rmmod lp_busy"
log "stall reverted"
