# Module checks before insmod (docs/design.md §5 rule 5), through the daemon: a wrong vermagic release (a
# copy the kernel itself WOULD load, CONFIG_MODVERSIONS compares only what follows the release),
# a wrong sha256 and a module that is not a livepatch are each refused with their reason, and
# nothing at all is loaded.
# Spec (GuestDaemon): bad.json = [lp_cmdline_v1 from lp_cmdline_v1.vermagic-release.ko,
# lp_version_v1 with lp_cmdline_v2's sha256, lp_plain].
. /lp/lib.sh
lp_daemon_prepare
cat /proc/modules >/shared/modules.before

lp_daemon bad bad.json && fail "the daemon reported Ready for bad modules"
assert_eq 3 "$(cat /shared/bad.rc)" "exit code of the refusing pass"
for m in lp_cmdline_v1 lp_version_v1 lp_plain; do
	mod_unloaded "$m" || fail "module $m was loaded"
done
assert_eq "" "$(lp_list)" "patches in $LP_SYSFS"
cat /proc/modules >/shared/modules.after
cmp -s /shared/modules.before /shared/modules.after || fail "/proc/modules changed: $(cat /shared/modules.after)"
log "daemon refused the bad modules"
