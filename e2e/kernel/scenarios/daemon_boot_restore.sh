# The boot restore, second boot (a new boot id, the node state of daemon_boot_restore_first.sh):
# `Main --restore` with no spec, no API server and the test modules not bound into the node root
# (no source readable): lp_version_v1 comes back from the module cache (enabled, /proc/version
# patched); lp_cmdline_v1, whose cache file the harness names in LP_REMOVED_SHA and which is removed
# here, is reported and not loaded (exit 3). Then a one-shot pass of the same spec, its sources
# bound, loads lp_cmdline_v1 and finds lp_version_v1 its own: no second load of it.
. /lp/lib.sh
cat /proc/sys/kernel/random/boot_id >/shared/second.boot_id
lp_state_load node-state
rm "$LP_NODE_STATE/modules/$LP_REMOVED_SHA.ko" || fail "no cached file $LP_REMOVED_SHA.ko to remove"
assert_eq "" "$(lp_list)" "patches after the reboot"

lp_restore restore && fail "the restore reported Ready with a module missing from the cache"
assert_eq 3 "$(cat /shared/restore.rc)" "exit code of the restore"
lp_settled lp_version_v1 && lp_enabled lp_version_v1 || fail "not restored: $(lp_state lp_version_v1); $(tail -20 /shared/restore.log)"
mod_unloaded lp_cmdline_v1 || fail "lp_cmdline_v1 loaded although its cache file is gone"
cp /proc/version /shared/version.restored
cp /proc/cmdline /shared/cmdline.restored
assert_file_contains /shared/version.restored "livepatched by lp_version_v1"

lp_daemon_prepare
lp_daemon_ok daemon set.json
lp_settled lp_cmdline_v1 && lp_enabled lp_cmdline_v1 || fail "the daemon did not load lp_cmdline_v1: $(lp_state lp_cmdline_v1)"
cp /proc/cmdline /shared/cmdline.daemon
assert_eq 1 "$(grep -c '^lp_version_v1 ' /proc/modules)" "lp_version_v1 entries in /proc/modules"
log "restore and daemon ok"
