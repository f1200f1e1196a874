# The boot restore, first boot: a one-shot pass converges [lp_version_v1 pinned, lp_cmdline_v1]
# and so saves that set in the daemon's records; the node's state directory (records, module cache)
# is kept in /shared/node-state for the second boot (daemon_boot_restore.sh).
# Spec (GuestDaemon): set.json.
. /lp/lib.sh
lp_daemon_prepare
cat /proc/sys/kernel/random/boot_id >/shared/first.boot_id
lp_daemon_ok converge set.json
lp_settled lp_version_v1 && lp_enabled lp_version_v1 || fail "after the pass: $(lp_state lp_version_v1)"
lp_settled lp_cmdline_v1 && lp_enabled lp_cmdline_v1 || fail "after the pass: $(lp_state lp_cmdline_v1)"
grep -q '"lastConverged"' "$LP_NODE_STATE/state.json" || fail "no converged set saved: $(cat "$LP_NODE_STATE/state.json")"
lp_state_save node-state
log "first boot converged and saved"
