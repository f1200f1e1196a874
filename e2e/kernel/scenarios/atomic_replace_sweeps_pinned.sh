# Why hybrid mode must refuse an atomic replace over a pinned patch on a stock 6.1 kernel: a
# cumulative patch sweeps EVERY loaded patch, also one of an unrelated function. The pinned
# patch of /proc/version is disabled by the replace (its effect is gone), with nothing in the
# kernel to prevent it (no `replaceable` attribute).
. /lp/lib.sh
original_version="$(cat /proc/version)"

lp_load lp_version_v1
assert_file_contains /proc/version "livepatched by lp_version_v1"
[ -e "$LP_SYSFS/lp_version_v1/replaceable" ] && fail "this kernel has the hybrid 'replaceable' attribute"

lp_load lp_cumulative_v1
lp_gone lp_version_v1 || fail "pinned patch lp_version_v1 survived the atomic replace"
assert_eq "$original_version" "$(cat /proc/version)" "/proc/version after the sweep"
assert_file_contains /proc/cmdline "livepatched by lp_cumulative_v1"
rmmod lp_version_v1 || fail "failed to rmmod the swept module lp_version_v1"
lp_unload lp_cumulative_v1
log "atomic replace swept the pinned patch, as the kernel does"
