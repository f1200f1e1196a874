# Two non-replace patches of the same function stack: the newest one runs; disabling it lets
# the one below run again. A patch of another function is independent of both.
. /lp/lib.sh
original_cmdline="$(cat /proc/cmdline)"
original_version="$(cat /proc/version)"

lp_load lp_cmdline_v1
lp_load lp_cmdline_v2
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v2 (version 2, replace=0)"
lp_enabled lp_cmdline_v1 || fail "lp_cmdline_v1 not enabled under lp_cmdline_v2"
lp_load lp_version_v1
assert_file_contains /proc/version "version livepatched by lp_version_v1"
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v2"
assert_eq "lp_cmdline_v1 lp_cmdline_v2 lp_version_v1" "$(lp_list | tr '\n' ' ' | sed 's/ $//')" "patches"

# Removing the top of cmdline_proc_show's stack: v1 shows again, the version patch stays.
lp_unload lp_cmdline_v2
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v1 (version 1, replace=0)"
assert_file_contains /proc/version "livepatched by lp_version_v1"

# Removing the bottom one while another patch sits above it also works (any order).
lp_load lp_cmdline_v2
lp_unload lp_cmdline_v1
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v2"

lp_unload lp_cmdline_v2
lp_unload lp_version_v1
assert_eq "$original_cmdline" "$(cat /proc/cmdline)" "/proc/cmdline at the end"
assert_eq "$original_version" "$(cat /proc/version)" "/proc/version at the end"
log "stacked ok"
