# An atomic replace the spec does not declare, where the kernel has the `replace` attribute (6.11+):
# lp_rt_cumulative builds its klp_patch (.replace = true) at run time, so its file cannot say so before
# the load; the daemon reads replace=1 from sysfs after it (docs/design.md §5, AtomicReplaceUndeclared).
# Specs (GuestDaemon): pinned.json = [lp_version_v1 pinned],
#   undeclared.json = [lp_version_v1 pinned, lp_rt_cumulative replaceable, atomicReplace false].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok pinned pinned.json
lp_enabled lp_version_v1 || fail "pinned lp_version_v1 not loaded: $(lp_state lp_version_v1)"

lp_daemon undeclared undeclared.json && fail "the daemon reported Ready with an undeclared atomic replace"
lp_list >/shared/patches.after
for p in $(lp_list); do echo "$p replace=$(cat "$LP_SYSFS/$p/replace") enabled=$(cat "$LP_SYSFS/$p/enabled")"; done >/shared/sysfs.after
grep -E '^lp_(version_v1|rt_cumulative) ' /proc/modules | cut -d' ' -f1,3,5 >/shared/modules.after
cp /proc/version /shared/version.after
cp /proc/cmdline /shared/cmdline.after
dmesg | grep -E 'livepatch|lp_' >/shared/kmsg.livepatch
log "daemon replace undeclared done"
