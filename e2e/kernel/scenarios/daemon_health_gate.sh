# Health gates through the daemon (docs/design.md §5 rule 13): lp_cmdline_v1 enabled, then the spec
# upgrades it to lp_warn_cmdline (same LivePatch, healthGates bake 5s, onUnhealthy: Revert), whose init
# WARN()s once its patch is enabled. The gate fails on the WARNING line (and the W taint); the daemon
# disables lp_warn_cmdline, and lp_cmdline_v1, kept loaded through the bake, runs again.
# Specs (GuestDaemon): v1.json = [lp_cmdline_v1], warn.json = [lp_warn_cmdline with health gates].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok v1 v1.json
cat /proc/sys/kernel/tainted >/shared/tainted.before

lp_daemon warn warn.json && fail "the daemon reported Ready for a module that failed its health gate"
cat /proc/sys/kernel/tainted >/shared/tainted.after
lp_gone lp_warn_cmdline || fail "lp_warn_cmdline not disabled: $(lp_state lp_warn_cmdline)"
mod_unloaded lp_warn_cmdline || fail "module lp_warn_cmdline still loaded"
lp_enabled lp_cmdline_v1 || fail "lp_cmdline_v1 not kept through the bake: $(lp_state lp_cmdline_v1)"
cp /proc/cmdline /shared/cmdline.after
log "daemon health gate ok"
