# The node daemon (one-shot passes, a JVM in the guest's chroot) loads a patch and retires it:
# the effect appears in /proc/cmdline and goes away, the module is rmmod'ed (UNLOAD_GRACE=0s).
# Its status files (load.status.json, unload.status.json) and logs are checked by the harness:
# capabilities probed on this kernel, the transitions recorded, the kmsg lines it recognised.
# Specs (GuestDaemon): load.json = [lp_cmdline_v1], empty.json = [].
. /lp/lib.sh
lp_daemon_prepare
uname -r >/shared/uname
cp /proc/cmdline /shared/cmdline.before

lp_daemon_ok load load.json
lp_settled lp_cmdline_v1 && lp_enabled lp_cmdline_v1 || fail "after load: $(lp_state lp_cmdline_v1)"
cp /proc/cmdline /shared/cmdline.loaded
assert_file_contains /shared/cmdline.loaded "cmdline livepatched by lp_cmdline_v1"

export UNLOAD_GRACE=0s
lp_daemon_ok unload empty.json
lp_gone lp_cmdline_v1 || fail "after unload: $(lp_state lp_cmdline_v1)"
mod_unloaded lp_cmdline_v1 || fail "module lp_cmdline_v1 still loaded (refcnt $(mod_refcnt lp_cmdline_v1))"
cp /proc/cmdline /shared/cmdline.unloaded
cmp -s /shared/cmdline.before /shared/cmdline.unloaded || fail "cmdline not restored: $(cat /shared/cmdline.unloaded)"
dmesg | grep livepatch >/shared/dmesg-livepatch
log "daemon load/unload ok"
