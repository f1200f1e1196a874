# Load and unload one patch: its effect appears in /proc/cmdline and disappears again;
# rmmod of an enabled patch fails with EAGAIN; a disabled patch's dir vanishes, then rmmod works.
. /lp/lib.sh
original="$(cat /proc/cmdline)"

lp_load lp_cmdline_v1
assert_file_contains /proc/cmdline "cmdline livepatched by lp_cmdline_v1 (version 1, replace=0)"
assert_eq 1 "$(cat $LP_SYSFS/lp_cmdline_v1/vmlinux/patched)" "lp_cmdline_v1 vmlinux/patched"
[ -d "$LP_SYSFS/lp_cmdline_v1/vmlinux/cmdline_proc_show,1" ] || fail "no function dir cmdline_proc_show,1"

if rmmod lp_cmdline_v1 2>/shared/rmmod.err; then fail "rmmod of the enabled patch lp_cmdline_v1 succeeded"; fi
assert_file_contains /shared/rmmod.err "Resource temporarily unavailable"
lp_enabled lp_cmdline_v1 || fail "lp_cmdline_v1 not enabled after the refused rmmod"

lp_unload lp_cmdline_v1
assert_eq "$original" "$(cat /proc/cmdline)" "/proc/cmdline after unload"
mod_unloaded lp_cmdline_v1 || fail "module lp_cmdline_v1 still loaded"

# A patch is loaded again by insmod (a disabled patch cannot be re-enabled: its dir is gone).
lp_load lp_cmdline_v1
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v1"
lp_unload lp_cmdline_v1
log "load/unload ok"
