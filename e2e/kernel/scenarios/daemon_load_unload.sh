# The node daemon (one-shot passes, a JVM in the guest's chroot) loads a patch and retires it:
# the effect appears in /proc/cmdline and goes away, the module is rmmod'ed (UNLOAD_GRACE=0s).
# Its status files (load.status.json, unload.status.json) and logs are checked by the harness:
# capabilities probed on this kernel, the transitions recorded, the kmsg lines it recognised.
#
# The module is what the spec says it is: first a pass on lp_cmdline_v1.ko declared as
# lp_cmdline_v9 is refused (NameMismatch) with nothing loaded; at the end the kernel fact behind
# it: a renamed copy of the file loads under the name built into it. The bytes loaded are the bytes
# checked: the load and unload passes run with kmod unusable in the chroot (/bin/false bound over
# /bin/kmod, which insmod and rmmod link to): the daemon calls finit_module(2) on the descriptor it
# read the file through, and delete_module(2), spawning nothing.
# Specs (GuestDaemon): mismatch.json = [lp_cmdline_v9 from lp_cmdline_v1.ko], load.json =
# [lp_cmdline_v1], empty.json = [].
. /lp/lib.sh
lp_daemon_prepare
uname -r >/shared/uname
cp /proc/cmdline /shared/cmdline.before
cat /proc/modules >/shared/modules.before

lp_daemon mismatch mismatch.json && fail "the daemon reported Ready for a module built under another name"
assert_eq 3 "$(cat /shared/mismatch.rc)" "exit code of the refusing pass"
mod_unloaded lp_cmdline_v1 || fail "module lp_cmdline_v1 was loaded"
mod_unloaded lp_cmdline_v9 || fail "module lp_cmdline_v9 was loaded"
assert_eq "" "$(lp_list)" "patches in $LP_SYSFS"
cat /proc/modules >/shared/modules.mismatch
cmp -s /shared/modules.before /shared/modules.mismatch || fail "/proc/modules changed: $(cat /shared/modules.mismatch)"

mount -o bind /host/bin/false /host/bin/kmod || fail "failed to make kmod unusable in the chroot"
chroot /host /sbin/insmod --version >/dev/null 2>&1 && fail "insmod still works in the chroot"
echo "insmod, rmmod: /bin/false" >/shared/kmod.hidden

# jna.debug_load: where JNA unpacks its native stub (the chroot's home is read-only: java.io.tmpdir)
LP_DAEMON_JAVA_OPTS="$LP_DAEMON_JAVA_OPTS -Djna.debug_load=true -Djava.util.logging.SimpleFormatter.format=%1\$tT.%1\$tL:%5\$s%n"
t0=$(cut -d' ' -f1 /proc/uptime)
lp_daemon_ok load load.json
echo "$t0 $(cut -d' ' -f1 /proc/uptime)" >/shared/load.uptime
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
umount /host/bin/kmod

# The kernel fact behind NameMismatch (busybox's insmod, the guest's own).
cp "$LP_MODULES/lp_cmdline_v1.ko" /tmp/lp_renamed.ko
insmod /tmp/lp_renamed.ko || fail "failed to insmod a renamed copy of lp_cmdline_v1.ko"
lp_wait_settled lp_cmdline_v1
lp_list >/shared/renamed.patches
cut -d' ' -f1 /proc/modules >/shared/renamed.modules
lp_unload lp_cmdline_v1
log "daemon load/unload ok"
