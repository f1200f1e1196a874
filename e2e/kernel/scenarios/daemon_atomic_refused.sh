# An atomic replace refused over a pinned patch on this stock kernel (no `replaceable` attribute):
# the daemon reports HybridUnsupported and loads nothing; the pinned patch stays.
# Specs (GuestDaemon): pinned.json = [lp_version_v1 pinned], atomic.json = [lp_version_v1 pinned, lp_cumulative_v1 atomic].
. /lp/lib.sh
lp_daemon_prepare

lp_daemon_ok pinned pinned.json
lp_daemon atomic atomic.json && fail "the daemon reported Ready with an atomic replace over a pinned patch"
assert_eq 3 "$(cat /shared/atomic.rc)" "exit code of the refused pass"
mod_unloaded lp_cumulative_v1 || fail "lp_cumulative_v1 was loaded: $(lp_state lp_cumulative_v1)"
lp_enabled lp_version_v1 || fail "pinned lp_version_v1 lost: $(lp_state lp_version_v1)"
assert_file_contains /proc/version "version livepatched by lp_version_v1"
log "daemon refused the atomic replace"
