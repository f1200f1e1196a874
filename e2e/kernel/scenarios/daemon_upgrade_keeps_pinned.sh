# Hybrid upgrade through the daemon (docs/design.md §5 rule 1): the pinned lp_version_v1 stays while the
# replaceable lp_cmdline_v1 is upgraded to lp_cmdline_v2 (both non-replace; v2 cumulative). A
# sampler reads /proc/version and /proc/cmdline during the whole upgrade pass: the pinned effect
# never disappears and /proc/cmdline is always patched (v1, then v2).
# Specs (GuestDaemon): v1.json = [lp_version_v1 pinned, lp_cmdline_v1], v2.json = [lp_version_v1 pinned, lp_cmdline_v2].
. /lp/lib.sh
lp_daemon_prepare
export UNLOAD_GRACE=0s

lp_daemon_ok v1 v1.json

(
	while [ ! -e /tmp/stop-sampling ]; do
		read -r v </proc/version # builtins only: a fork per sample is slow under TCG
		read -r c </proc/cmdline
		echo "$v | $c"
		sleep 0.05 # leave the one vCPU to the daemon's JVM
	done >/shared/samples
) &
sampler=$!
sleep 0.3

lp_daemon_ok v2 v2.json
sleep 0.3
touch /tmp/stop-sampling
wait "$sampler"

samples=$(wc -l </shared/samples)
[ "$samples" -ge 20 ] || fail "only $samples samples taken"
assert_eq 0 "$(grep -vc "version livepatched by lp_version_v1" /shared/samples)" "samples without the pinned patch (of $samples)"
assert_eq 0 "$(grep -vEc "cmdline livepatched by lp_cmdline_v[12] " /shared/samples)" "samples without a cmdline patch (of $samples)"
grep -q "lp_cmdline_v1 " /shared/samples || fail "no sample saw v1"
tail -1 /shared/samples | grep -q "lp_cmdline_v2 " || fail "the last sample is not v2: $(tail -1 /shared/samples)"
lp_enabled lp_version_v1 || fail "pinned lp_version_v1 not enabled: $(lp_state lp_version_v1)"
lp_gone lp_cmdline_v1 || fail "v1 not retired: $(lp_state lp_cmdline_v1)"
mod_unloaded lp_cmdline_v1 || fail "module lp_cmdline_v1 still loaded"
log "daemon upgrade ok over $samples samples"
