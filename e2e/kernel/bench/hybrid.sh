# The hybrid benchmark, the guest's side, for one K; KernelBench writes v1.json (K pinned +
# lp_bench_rep_v1), v2.json (K pinned + lp_bench_rep_v2), atomic.json (K pinned + the atomic
# module) and sets LP_BENCH_MODULES_HOST, BENCH_K, BENCH_ROUNDS, BENCH_POLL, BENCH_PASS_OPTS,
# BENCH_TRY_ATOMIC_DAEMON.
. /lp/lib.sh
. "/host$LP_BENCH_DIR/guest.sh"
bench_begin "$LP_BENCH_MODULES_HOST" /opt/lp-bench
M="/host$LP_BENCH_MODULES_HOST"
pins=""
i=1
while [ "$i" -le "$BENCH_K" ]; do
	pins="$pins $(printf 'lp_bench_pin_%02d' "$i")"
	i=$((i + 1))
done
atomic="lp_bench_atomic_k$BENCH_K"

# Set-up through the daemon, so it manages (and knows as pinned) what it loaded.
bench_daemon setup v1.json
figure setup_pass "$PASS_US"

# (a) hybrid, the daemon: load rep_v2 on top, then retire rep_v1 (UNLOAD_GRACE=0s: rmmod at once).
bench_daemon hybrid v2.json
figure hybrid_daemon_pass "$PASS_US"
for p in $pins lp_bench_rep_v2; do lp_enabled "$p" || fail "after the hybrid pass: $(lp_state "$p")"; done
mod_unloaded lp_bench_rep_v1 || fail "after the hybrid pass: module lp_bench_rep_v1 still loaded"
read -r line </proc/loadavg
assert_eq "loadavg_proc_show livepatched by lp_bench_rep_v2" "$line" "/proc/loadavg after the hybrid pass"

# (b) through the daemon, once: refused over pinned patches on a stock kernel (exit 3 expected).
if [ "$BENCH_TRY_ATOMIC_DAEMON" = 1 ]; then
	bench_java -cp "$LP_DAEMON_CP" dev.livepatch.daemon.Main \
		--once --spec-file "$LP_SHARED_HOST/atomic.json" --status-file "$LP_SHARED_HOST/atomic.status.json" \
		>/shared/atomic.log 2>&1
	echo $? >/shared/atomic.rc
	mod_unloaded "$atomic" || fail "the daemon loaded $atomic over pinned patches"
fi

# (a) hybrid, the same steps in the shell, back and forth between v1 and v2.
cur=lp_bench_rep_v2
i=1
while [ "$i" -le "$BENCH_ROUNDS" ]; do
	if [ "$cur" = lp_bench_rep_v2 ]; then new=lp_bench_rep_v1; else new=lp_bench_rep_v2; fi
	raw_load "$M/$new.ko" "$new"
	figure "hybrid_raw_load_$i" "$LOAD_US"
	raw_retire "$cur"
	figure "hybrid_raw_disable_$i" "$DISABLE_US"
	figure "hybrid_raw_retire_$i" "$RETIRE_US"
	cur=$new
	i=$((i + 1))
done

# (b) one atomic-replace module carrying everything, then the replaced modules rmmod'ed; between
# rounds the atomic patch is retired and the pinned + replaceable patches loaded again (untimed).
i=1
while [ "$i" -le "$BENCH_ROUNDS" ]; do
	raw_load "$M/$atomic.ko" "$atomic"
	figure "atomic_load_$i" "$LOAD_US"
	figure "atomic_insmod_$i" "$INSMOD_US"
	now_ns
	t0=$NOW
	# shellcheck disable=SC2086 # pins: words
	rmmod_replaced $pins "$cur"
	figure "atomic_cleanup_$i" "$(us_since "$t0")"
	assert_eq "$atomic" "$(lp_list)" "patches after the atomic replace"
	read -r line </proc/loadavg
	assert_eq "loadavg_proc_show livepatched by $atomic" "$line" "/proc/loadavg after the atomic replace"
	if [ "$i" -lt "$BENCH_ROUNDS" ]; then
		raw_retire "$atomic"
		for p in $pins $cur; do raw_load "$M/$p.ko" "$p"; done
	fi
	i=$((i + 1))
done
log "hybrid benchmark K=$BENCH_K done"
