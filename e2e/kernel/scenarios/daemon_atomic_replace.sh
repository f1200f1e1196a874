# An allowed atomic replace: nothing pinned, the replaceable lp_cumulative_v1 is being retired,
# so the daemon loads lp_cumulative_v2 (.replace = true), whose transition supersedes v1; v1's
# sysfs dir vanishes and the daemon rmmods its module (UNLOAD_GRACE=0s).
# Specs (GuestDaemon): v1.json = [lp_cumulative_v1 atomic], v2.json = [lp_cumulative_v2 atomic].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok v1 v1.json
assert_file_contains /proc/cmdline "cmdline livepatched by lp_cumulative_v1"
lp_daemon_ok v2 v2.json
lp_enabled lp_cumulative_v2 || fail "v2: $(lp_state lp_cumulative_v2)"
lp_gone lp_cumulative_v1 || fail "v1 not replaced: $(lp_state lp_cumulative_v1)"
mod_unloaded lp_cumulative_v1 || fail "replaced module lp_cumulative_v1 still loaded (refcnt $(mod_refcnt lp_cumulative_v1))"
cp /proc/cmdline /shared/cmdline.v2
assert_file_contains /shared/cmdline.v2 "cmdline livepatched by lp_cumulative_v2"
log "daemon atomic replace ok"
