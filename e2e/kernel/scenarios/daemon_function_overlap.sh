# Function overlaps (docs/design.md §5 rule 10) through the daemon, with a pinned lp_cmdline_v1:
#   refused.json  = [pinned v1, replaceable v2]: v2's file names cmdline_proc_show, refused before any load;
#   runtime.json  = [pinned v1, replaceable lp_rt_cmdline]: its klp_patch is built at run time, so it is
#                   loaded, seen overlapping in sysfs (its transition completes inside finit_module on this
#                   idle kernel) and disabled again;
#   accepted.json = [pinned v1, replaceable v2 with allowFunctionOverlap: [cmdline_proc_show]]: v2 loaded on top.
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon refused refused.json && fail "the daemon reported Ready for an overlapping module"
mod_unloaded lp_cmdline_v2 || fail "module lp_cmdline_v2 was loaded"
lp_enabled lp_cmdline_v1 || fail "pinned v1 lost: $(lp_state lp_cmdline_v1)"
find "$LP_SYSFS/lp_cmdline_v1" | sort >/shared/sysfs.v1
cp /proc/cmdline /shared/cmdline.refused

lp_daemon runtime runtime.json && fail "the daemon reported Ready for an overlapping module loaded"
lp_gone lp_rt_cmdline || fail "lp_rt_cmdline not disabled: $(lp_state lp_rt_cmdline)"
mod_unloaded lp_rt_cmdline || fail "module lp_rt_cmdline still loaded"
lp_enabled lp_cmdline_v1 || fail "pinned v1 lost: $(lp_state lp_cmdline_v1)"
cp /proc/cmdline /shared/cmdline.runtime

lp_daemon_ok accepted accepted.json
lp_enabled lp_cmdline_v2 || fail "v2 not loaded: $(lp_state lp_cmdline_v2)"
cp /proc/cmdline /shared/cmdline.accepted
log "daemon function overlap ok"
