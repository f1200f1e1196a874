# Hybrid upgrade with non-replace modules (docs/design.md §5 rule 1: load before retire): the pinned
# patch of /proc/version stays, the replaceable patch of /proc/cmdline goes from v1 to v2 by
# loading v2 first and only then retiring v1. A sampler reads both files the whole time: the
# pinned effect never disappears, and /proc/cmdline is always patched (v1 or v2).
. /lp/lib.sh

lp_load lp_version_v1
lp_load lp_cmdline_v1

(
	while [ ! -e /tmp/stop-sampling ]; do
		read -r v </proc/version # builtins only: a fork per sample is slow under TCG
		read -r c </proc/cmdline
		echo "$v | $c"
	done >/shared/samples
) &
sampler=$!
sleep 0.3

lp_load lp_cmdline_v2
lp_unload lp_cmdline_v1
sleep 0.3
touch /tmp/stop-sampling
wait "$sampler"

samples=$(wc -l </shared/samples)
[ "$samples" -ge 20 ] || fail "only $samples samples taken"
bad_version=$(grep -vc "version livepatched by lp_version_v1" /shared/samples)
bad_cmdline=$(grep -vEc "cmdline livepatched by lp_cmdline_v[12] " /shared/samples)
assert_eq 0 "$bad_version" "samples without the pinned patch (of $samples)"
assert_eq 0 "$bad_cmdline" "samples without a cmdline patch (of $samples)"
grep -q "lp_cmdline_v1 " /shared/samples || fail "no sample saw v1"
tail -1 /shared/samples | grep -q "lp_cmdline_v2 " || fail "the last sample is not v2: $(tail -1 /shared/samples)"
lp_enabled lp_version_v1 || fail "pinned patch lp_version_v1 not enabled at the end"
log "upgrade ok over $samples samples"
