# Two stacked non-replace patches of one function loaded by the daemon in spec order: the newest
# (lp_cmdline_v2) runs. Then the spec drops it: the daemon retires it (topmost first) and the one
# below (lp_cmdline_v1) runs again. Specs (GuestDaemon): both.json = [v1, v2], lower.json = [v1].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok both both.json
lp_enabled lp_cmdline_v1 && lp_enabled lp_cmdline_v2 || fail "after both: $(lp_state lp_cmdline_v1); $(lp_state lp_cmdline_v2)"
cp /proc/cmdline /shared/cmdline.both
assert_file_contains /shared/cmdline.both "cmdline livepatched by lp_cmdline_v2"

lp_daemon_ok lower lower.json
lp_gone lp_cmdline_v2 || fail "v2 not retired: $(lp_state lp_cmdline_v2)"
mod_unloaded lp_cmdline_v2 || fail "module lp_cmdline_v2 still loaded"
lp_enabled lp_cmdline_v1 || fail "v1 lost: $(lp_state lp_cmdline_v1)"
cp /proc/cmdline /shared/cmdline.lower
assert_file_contains /shared/cmdline.lower "cmdline livepatched by lp_cmdline_v1"
log "daemon stacked ok"
