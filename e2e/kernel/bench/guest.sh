# Guest helpers of the kernel benchmarks (daemon, hybrid), sourced after /lp/lib.sh
# from the host's checkout: . "/host$LP_BENCH_DIR/guest.sh". Figures go to /shared/figures as
# key=value lines (microseconds unless the key says otherwise); KernelBench reads them back.
#
# Clock: CLOCK_MONOTONIC in ns from the "now at N nsecs" line of /proc/timer_list, read with the
# shell's builtin read (no fork: a fork costs milliseconds under TCG). Waits poll sysfs in a tight
# builtin loop, so a wait ends within one read of the change.

# Sets NOW to the monotonic clock in ns.
now_ns() {
	{
		read -r _ && read -r _ && read -r _ _ NOW _
	} </proc/timer_list
}

# figure KEY VALUE: one line of /shared/figures.
figure() { echo "$1=$2" >>/shared/figures; }

# us_since T0: microseconds from T0 (ns) to now.
us_since() {
	now_ns
	echo $(((NOW - $1) / 1000))
}

# Busy-waits while patch $1's transition is 1 (ends at once when it is 0 or the patch is gone).
wait_no_transition() {
	while { read -r _wt <"$LP_SYSFS/$1/transition"; } 2>/dev/null && [ "$_wt" = 1 ]; do :; done
}

# Busy-waits until patch $1's sysfs dir is gone and module $1's refcnt is 0 (or the module is gone).
wait_releasable() {
	while [ -d "$LP_SYSFS/$1" ]; do :; done
	while { read -r _wr <"/sys/module/$1/refcnt"; } 2>/dev/null && [ "$_wr" != 0 ]; do :; done
}

# raw_load FILE PATCH: busybox insmod of FILE, then wait until PATCH's transition is over.
# Sets INSMOD_US (insmod returned) and LOAD_US (transition over), both from before insmod.
raw_load() {
	now_ns
	_rl0=$NOW
	insmod "$1" || fail "failed to insmod $1"
	INSMOD_US=$(us_since "$_rl0")
	wait_no_transition "$2"
	LOAD_US=$(us_since "$_rl0")
	lp_enabled "$2" || fail "patch $2 not enabled after its transition: $(lp_state "$2")"
}

# raw_retire PATCH: disable, wait for the unpatching transition, the sysfs dir to go and the
# refcount to drop, rmmod. Sets DISABLE_US (transition over) and RETIRE_US (module gone).
raw_retire() {
	now_ns
	_rr0=$NOW
	echo 0 >"$LP_SYSFS/$1/enabled" || fail "failed to disable patch $1 ($(lp_state "$1"))"
	wait_no_transition "$1"
	DISABLE_US=$(us_since "$_rr0")
	wait_releasable "$1"
	rmmod "$1" || fail "failed to rmmod $1 after disable"
	RETIRE_US=$(us_since "$_rr0")
}

# rmmod_replaced MODULE...: waits until each (replaced, so already without a sysfs dir) module is
# releasable and rmmods it.
rmmod_replaced() {
	for _m in "$@"; do
		wait_releasable "$_m"
		rmmod "$_m" || fail "failed to rmmod replaced module $_m"
	done
}

# bench_java CLASSPATH MAIN ARGS...: the host's JVM in chroot /host, as lp_java, but with exactly the
# flags in BENCH_JAVA_OPTS (no defaults added), working directory the shared dir at its host path.
bench_java() {
	# shellcheck disable=SC2086 # BENCH_JAVA_OPTS: words
	chroot /host /bin/sh -c 'cd "$0" && exec "$@"' "$LP_SHARED_HOST" \
		"$LP_JAVA_HOME/bin/java" $BENCH_JAVA_OPTS "$@"
}

# bench_daemon NAME SPEC: one `Main --once` pass on /shared/SPEC (the node root, env and class path as
# lp_daemon in lib.sh, flags BENCH_JAVA_OPTS); NAME.status.json, NAME.log in /shared. Sets PASS_US
# (JVM start to exit) and PASS_RC.
bench_daemon() {
	_bd_name=$1 _bd_spec=$2
	rm -f "/shared/$_bd_name.status.json"
	export HOST_PREFIX="$LP_NODE_ROOT" KMSG_PATH=/dev/kmsg HTTP_PORT=0
	now_ns
	_bd0=$NOW
	bench_java -cp "$LP_DAEMON_CP" dev.livepatch.daemon.Main --once \
		--spec-file "$LP_SHARED_HOST/$_bd_spec" --status-file "$LP_SHARED_HOST/$_bd_name.status.json" \
		>"/shared/$_bd_name.log" 2>&1
	PASS_RC=$?
	PASS_US=$(us_since "$_bd0")
	[ "$PASS_RC" = 0 ] || {
		tail -20 "/shared/$_bd_name.log"
		fail "daemon pass $_bd_name on $_bd_spec exited $PASS_RC, not Ready"
	}
}

# bench_begin HOSTDIR UNDER: the common start of a benchmark script: notes the daemon's class-data
# archive option in /shared/cds, binds module dir HOSTDIR at UNDER in the node root, sets the
# daemon's environment (UNLOAD_GRACE=0s, POLL_INTERVAL=$BENCH_POLL) and BENCH_JAVA_OPTS for passes.
bench_begin() {
	echo "$LP_DAEMON_JAVA_OPTS" >/shared/cds
	bind_modules "$1" "$2"
	export UNLOAD_GRACE=0s POLL_INTERVAL="$BENCH_POLL"
	BENCH_JAVA_OPTS="$BENCH_PASS_OPTS $LP_DAEMON_JAVA_OPTS"
}

# bind_modules HOSTDIR UNDER: makes host dir HOSTDIR visible as UNDER inside the daemon's node root.
bind_modules() {
	mkdir -p "/host$LP_NODE_ROOT$2" && mount -o bind "/host$1" "/host$LP_NODE_ROOT$2" ||
		fail "failed to bind $1 at $2 in the node root"
}
