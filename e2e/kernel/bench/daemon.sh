# The daemon benchmark, the guest's side; KernelBench writes apply.json ([lp_cmdline_v1]) and
# empty.json and sets BENCH_ROUNDS, BENCH_IDLE_S, BENCH_POLL, BENCH_PASS_OPTS, BENCH_SMALL_OPTS,
# BENCH_TEST_CLASSES (and, through GuestDaemon, LP_DAEMON_CP and LP_DAEMON_JAVA_OPTS).
# Each round: raw insmod + wait for the transition, raw retire; a daemon pass on an empty spec
# (the fixed cost), a pass applying the module, a pass retiring it. Then the idle daemon's memory.
. /lp/lib.sh
. "/host$LP_BENCH_DIR/guest.sh"
bench_begin "$LP_MODULES_HOST" /opt/lp-modules

bench_daemon warmup empty.json # the first JVM reads the class path over a cold 9p cache
figure warmup_pass "$PASS_US"
i=1
while [ "$i" -le "$BENCH_ROUNDS" ]; do
	raw_load /lp/modules/lp_cmdline_v1.ko lp_cmdline_v1
	figure "raw_insmod_$i" "$INSMOD_US"
	figure "raw_load_$i" "$LOAD_US"
	raw_retire lp_cmdline_v1
	figure "raw_retire_$i" "$RETIRE_US"
	now_ns
	t0=$NOW
	bench_java -version >/dev/null 2>&1 || fail "java -version failed in the guest"
	figure "jvm_version_$i" "$(us_since "$t0")"
	bench_daemon "empty_$i" empty.json
	figure "empty_pass_$i" "$PASS_US"
	bench_daemon "apply_$i" apply.json
	figure "apply_pass_$i" "$PASS_US"
	lp_enabled lp_cmdline_v1 || fail "daemon pass apply_$i left $(lp_state lp_cmdline_v1)"
	bench_daemon "unload_$i" empty.json
	figure "unload_pass_$i" "$PASS_US"
	mod_unloaded lp_cmdline_v1 || fail "daemon pass unload_$i left module lp_cmdline_v1 loaded"
	i=$((i + 1))
done

# The idle daemon: converge apply.json, then idle; VmRSS after BENCH_IDLE_S seconds of idleness.
# Variants: the passes' flags, the small-footprint flags, the small flags with native memory
# tracking (its summary is printed at exit, into the log).
for variant in pass small nmt; do
	case "$variant" in
		pass) BENCH_JAVA_OPTS="$BENCH_PASS_OPTS $LP_DAEMON_JAVA_OPTS" ;;
		small) BENCH_JAVA_OPTS="$BENCH_SMALL_OPTS $LP_DAEMON_JAVA_OPTS" ;;
		nmt) BENCH_JAVA_OPTS="$BENCH_SMALL_OPTS $BENCH_NMT_OPTS $LP_DAEMON_JAVA_OPTS" ;;
	esac
	# The image's environment (node-daemon/pom.xml) for the chart's flags; unset for the passes' flags.
	case "$variant" in pass) unset MALLOC_ARENA_MAX ;; *) export MALLOC_ARENA_MAX=2 ;; esac
	rm -f "/shared/idle_$variant.status.json.ready"
	export HTTP_PORT=8080 # the health server, as in the DaemonSet
	bench_java -cp "$LP_DAEMON_CP:$BENCH_TEST_CLASSES" dev.livepatch.e2e.kernelbench.IdleDaemon \
		--spec-file "$LP_SHARED_HOST/apply.json" --status-file "$LP_SHARED_HOST/idle_$variant.status.json" \
		>"/shared/idle_$variant.log" 2>&1 &
	wait_until 180 test -e "/shared/idle_$variant.status.json.ready" || {
		tail -20 "/shared/idle_$variant.log"
		fail "idle daemon ($variant) did not converge in 180 s"
	}
	read -r pid <"/shared/idle_$variant.status.json.ready" # the JVM's own (the background job is a subshell)
	sleep "$BENCH_IDLE_S"
	cp "/proc/$pid/status" "/shared/idle_$variant.proc-status"
	for key in VmRSS RssAnon RssFile RssShmem VmHWM; do
		figure "${variant}_$key" "$(awk -v k="$key:" '$1 == k { print $2 }' "/proc/$pid/status")"
	done
	kill "$pid"
	wait_until 30 test ! -d "/proc/$pid" || fail "idle daemon ($variant, pid $pid) still running 30 s after SIGTERM"
	bench_daemon "idle_unload_$variant" empty.json
done
log "daemon benchmark done"
