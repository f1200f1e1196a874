# The kernel log lines of docs/design.md §4.1 that the daemon reads from /dev/kmsg, for one patch loaded
# and unloaded, then one replaced atomically by a cumulative patch (no line names the replaced
# patch). Also read from /dev/kmsg itself (the daemon's source), not only from dmesg. Writes
# livepatch.lines: every "livepatch:" line, without its time stamp, for the test to compare.
. /lp/lib.sh
lp_load lp_cmdline_v1
lp_unload lp_cmdline_v1
lp_load lp_cmdline_v1
lp_load lp_cumulative_v1
rmmod lp_cmdline_v1 || fail "failed to rmmod the replaced lp_cmdline_v1"
lp_unload lp_cumulative_v1
dmesg >/shared/dmesg
sed -n 's/^\[[ 0-9.]*\] \(livepatch: .*\)$/\1/p' /shared/dmesg >/shared/livepatch.lines
for line in \
	"livepatch: enabling patch 'lp_cmdline_v1'" \
	"livepatch: 'lp_cmdline_v1': starting patching transition" \
	"livepatch: 'lp_cmdline_v1': patching complete" \
	"livepatch: 'lp_cmdline_v1': starting unpatching transition" \
	"livepatch: 'lp_cmdline_v1': unpatching complete"; do
	assert_file_contains /shared/dmesg "$line"
done
# /dev/kmsg records: "<prio>,<seq>,<usec>,<flags>;<text>"; a read blocks at the end, hence timeout.
{ timeout 1 cat /dev/kmsg; } >/shared/kmsg 2>/dev/null
grep -q "^[0-9]*,[0-9]*,[0-9]*,[^;]*;livepatch: 'lp_cmdline_v1': patching complete" /shared/kmsg ||
	fail "no kmsg record for patching complete: $(grep livepatch /shared/kmsg)"
log "kmsg lines ok"
