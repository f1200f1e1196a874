# The node daemon's path to the kernel from inside the guest: kmod's insmod and rmmod of the
# HOST (as the daemon runs them, by argv, in the host root), in `chroot /host`, on module files
# at their host paths, load into and unload from the guest kernel. Also the error texts the
# daemon maps back to errno (kmod words them differently from busybox).
. /lp/lib.sh
[ -n "$LP_MODULES_HOST" ] || fail "LP_MODULES_HOST not set (run through KernelVm)"
host() { chroot /host "$@"; }
ko="$LP_MODULES_HOST/lp_cmdline_v1.ko"

host /usr/sbin/insmod "$ko" || fail "failed to insmod $ko with the host's kmod"
lp_wait_settled lp_cmdline_v1
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v1"
host /usr/sbin/modinfo -F livepatch "$ko" >/shared/modinfo-livepatch || fail "modinfo failed"
assert_eq Y "$(cat /shared/modinfo-livepatch)" "modinfo -F livepatch"
host /usr/sbin/modinfo -F vermagic "$ko" | grep -q "^$(uname -r) " || fail "modinfo vermagic is not $(uname -r)"

host /usr/sbin/rmmod lp_cmdline_v1 2>/shared/kmod-rmmod.err && fail "kmod rmmod of an enabled patch succeeded"
host /usr/sbin/insmod "$ko" 2>/shared/kmod-insmod-again.err && fail "kmod insmod of a loaded module succeeded"
host /usr/sbin/insmod "$LP_MODULES_HOST/lp_cmdline_v1.vermagic-flags.ko" 2>/shared/kmod-insmod-magic.err &&
	fail "kmod insmod of a bad vermagic succeeded"
cat /shared/kmod-*.err
# kmod's rmmod reads the refcnt itself and refuses before asking the kernel (no EAGAIN text).
assert_file_contains /shared/kmod-rmmod.err "Module lp_cmdline_v1 is in use"
assert_file_contains /shared/kmod-insmod-again.err "File exists"
assert_file_contains /shared/kmod-insmod-magic.err "Invalid module format"

echo 0 >"$LP_SYSFS/lp_cmdline_v1/enabled"
wait_until 10 lp_gone lp_cmdline_v1 || fail "lp_cmdline_v1 still in sysfs after disable"
wait_until 10 mod_unused lp_cmdline_v1 || fail "lp_cmdline_v1 refcnt $(mod_refcnt lp_cmdline_v1)"
host /usr/sbin/rmmod lp_cmdline_v1 || fail "failed to rmmod lp_cmdline_v1 with the host's kmod"
mod_unloaded lp_cmdline_v1 || fail "lp_cmdline_v1 still loaded"
log "host kmod in the chroot ok"
