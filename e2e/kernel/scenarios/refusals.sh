# What the kernel itself refuses, and what it does not (so the daemon must, docs/design.md §5 rule 5):
# - a vermagic whose flags differ: refused, ENOEXEC "invalid module format", "version magic";
# - a vermagic whose release differs: LOADED with CONFIG_MODVERSIONS (6.1, 6.12: the kernel compares
#   only what follows the release), so the daemon's own vermagic == uname -r check is what stops
#   it; refused without it (sid's 7.2). Recorded in release-vermagic (loaded|refused), release.err
#   and kmsg.release, for the test to check against the kernel;
# - a module that is not a livepatch: loaded as an ordinary module, no /sys/kernel/livepatch dir;
# - the sha256 is user space's alone: SHA256SUMS lists the built files.
. /lp/lib.sh
cd "$LP_MODULES" && sha256sum -c SHA256SUMS >/dev/null || fail "SHA256SUMS does not match the modules"

insmod "$LP_MODULES/lp_cmdline_v1.vermagic-flags.ko" 2>/shared/flags.err && fail "bad-flags vermagic loaded"
assert_file_contains /shared/flags.err "invalid module format"
dmesg | grep -q "lp_cmdline_v1: version magic '$(uname -r) SMP preempt mod_unl0ad" || fail "no version magic line"
mod_unloaded lp_cmdline_v1 || fail "lp_cmdline_v1 loaded"

if insmod "$LP_MODULES/lp_cmdline_v1.vermagic-release.ko" 2>/shared/release.err; then
	echo loaded >/shared/release-vermagic
	lp_wait_settled lp_cmdline_v1
	log "kernel loaded a module with vermagic release 5$(uname -r | cut -c2-): only user space can refuse it"
	lp_unload lp_cmdline_v1
else
	echo refused >/shared/release-vermagic
	dmesg | grep "lp_cmdline_v1: version magic" | tail -1 >/shared/kmsg.release
	mod_unloaded lp_cmdline_v1 || fail "lp_cmdline_v1 loaded although insmod failed"
	log "kernel refused a module with vermagic release 5$(uname -r | cut -c2-): $(cat /shared/release.err)"
fi

insmod "$LP_MODULES/lp_plain.ko" || fail "failed to insmod lp_plain"
assert_eq "" "$(lp_list)" "patches after loading a plain module"
dmesg | grep -q "lp_plain: loaded" || fail "lp_plain did not run"
rmmod lp_plain || fail "failed to rmmod lp_plain"
log "refusals ok"
