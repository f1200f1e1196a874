# An allowed atomic replace (docs/design.md §4.1): a cumulative patch (.replace = true) supersedes the
# loaded non-replace patch. After its transition the replaced patch's sysfs dir is gone, its
# module stays loaded with refcnt 0 and rmmod works without a disable. A second cumulative
# patch replaces the first the same way. Recorded for the test: the `replace` values before the
# replace (replace.values, "-" without the attribute), what sysfs and /proc/modules show after
# it (sysfs.replaced, modules.replaced) and the replacing patch's stack_order.
. /lp/lib.sh
original="$(cat /proc/cmdline)"

lp_load lp_cmdline_v1
echo "lp_cmdline_v1 $(lp_attr lp_cmdline_v1 replace)" | tee /shared/replace.values
lp_load lp_cumulative_v1
echo "lp_cumulative_v1 $(lp_attr lp_cumulative_v1 replace)" | tee -a /shared/replace.values
lp_list | tee /shared/sysfs.replaced
grep '^lp_' /proc/modules | tee /shared/modules.replaced
lp_attr lp_cumulative_v1 stack_order | tee /shared/stack_order.replaced
assert_file_contains /proc/cmdline "livepatched by lp_cumulative_v1 (version 1, replace=1)"
lp_gone lp_cmdline_v1 || fail "replaced patch lp_cmdline_v1 still in sysfs: $(lp_state lp_cmdline_v1)"
mod_loaded lp_cmdline_v1 || fail "replaced module lp_cmdline_v1 was unloaded by the kernel"
assert_eq 0 "$(mod_refcnt lp_cmdline_v1)" "refcnt of the replaced module lp_cmdline_v1"
rmmod lp_cmdline_v1 || fail "failed to rmmod the replaced module lp_cmdline_v1"

lp_load lp_cumulative_v2
assert_file_contains /proc/cmdline "livepatched by lp_cumulative_v2 (version 2, replace=1)"
lp_gone lp_cumulative_v1 || fail "replaced patch lp_cumulative_v1 still in sysfs"
assert_eq 0 "$(mod_refcnt lp_cumulative_v1)" "refcnt of the replaced module lp_cumulative_v1"
rmmod lp_cumulative_v1 || fail "failed to rmmod the replaced module lp_cumulative_v1"
assert_eq "lp_cumulative_v2" "$(lp_list)" "patches after two replacements"

lp_unload lp_cumulative_v2
assert_eq "$original" "$(cat /proc/cmdline)" "/proc/cmdline at the end"
log "atomic replace ok"
