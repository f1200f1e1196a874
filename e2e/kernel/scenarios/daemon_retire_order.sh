# 6.1 has no stack_order: the daemon keeps the load order itself. It loads lp_cmdline_v2 and then
# lp_cmdline_v1 on top of it (reverse alphabetical order): v1 runs. Then the spec is emptied: the
# daemon retires the topmost first (v1, then v2), not in reverse alphabetical order.
# Between the two, the daemon's records are deleted: the next pass adopts both patches by the build
# id the kernel shows in /sys/module/<m>/notes (equal to the spec's file's), loading nothing again.
# Specs (GuestDaemon): reversed.json = [v2, v1], none.json = [].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok reversed reversed.json
lp_enabled lp_cmdline_v1 && lp_enabled lp_cmdline_v2 || fail "after reversed: $(lp_state lp_cmdline_v1); $(lp_state lp_cmdline_v2)"
cp /proc/cmdline /shared/cmdline.reversed
assert_file_contains /shared/cmdline.reversed "cmdline livepatched by lp_cmdline_v1"

od -An -tx1 /sys/module/lp_cmdline_v1/notes/.note.gnu.build-id | tr -d ' \n' >/shared/v1.build-id.hex
rm "/host$LP_NODE_ROOT/var/lib/livepatch-operator/state.json" || fail "no daemon state file to delete"
lp_daemon_ok adopt reversed.json
[ "$(kmsg | grep -c "enabling patch 'lp_cmdline_v1'")" = 1 ] || fail "lp_cmdline_v1 loaded again after its records were lost"

lp_daemon_ok none none.json
lp_gone lp_cmdline_v1 || fail "v1 not retired: $(lp_state lp_cmdline_v1)"
lp_gone lp_cmdline_v2 || fail "v2 not retired: $(lp_state lp_cmdline_v2)"
dmesg | grep -E "livepatch: 'lp_cmdline_v[12]': starting unpatching transition" > /shared/unpatching.order
log "daemon retire order ok"
