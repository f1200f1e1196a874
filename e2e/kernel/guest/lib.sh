# Shell helpers for the guest scripts of the real-kernel tier (busybox sh). A scenario starts
# with `. /lp/lib.sh`. Conventions, after kpatch's script: tiny yes/no checks, named and bounded
# waits, messages that say the verb, the object and the state; `fail` ends the script with 1.
#
# Environment (from the harness's env.sh): LP_MODULES (test modules, /lp/modules),
# LP_KERNEL_RELEASE, LP_JAVA_HOME (host JDK, a host path), LP_SHARED (/shared).

LP_SYSFS=/sys/kernel/livepatch
LP_MODULES=${LP_MODULES:-/lp/modules}
LP_TIMEOUT_S=${LP_TIMEOUT_S:-30}

log() { echo "guest: $*"; }
fail() {
	echo "FAIL: $*"
	exit 1
}

# Runs "$@" every 0.1 s until it succeeds; fails after $1 seconds. Usage: wait_until SECONDS cmd...
wait_until() {
	_wu_limit=$(($1 * 10))
	shift
	_wu_n=0
	until "$@"; do
		_wu_n=$((_wu_n + 1))
		[ "$_wu_n" -ge "$_wu_limit" ] && return 1
		sleep 0.1
	done
	return 0
}

# --- yes/no checks --------------------------------------------------------------------------
lp_exists() { [ -d "$LP_SYSFS/$1" ]; }
lp_gone() { [ ! -d "$LP_SYSFS/$1" ]; }
lp_enabled() { [ "$(cat "$LP_SYSFS/$1/enabled" 2>/dev/null)" = 1 ]; }
lp_in_transition() { [ "$(cat "$LP_SYSFS/$1/transition" 2>/dev/null)" = 1 ]; }
lp_settled() { lp_exists "$1" && ! lp_in_transition "$1"; }
mod_loaded() { [ -d "/sys/module/$1" ]; }
mod_unloaded() { [ ! -d "/sys/module/$1" ]; }
mod_refcnt() { cat "/sys/module/$1/refcnt"; }
mod_unused() { [ "$(mod_refcnt "$1")" = 0 ]; }

# --- composed operations ----------------------------------------------------------------------
# Loads a test module by file name (without .ko) with optional parameters; fails loudly.
lp_insmod() {
	_f=$1
	shift
	insmod "$LP_MODULES/$_f.ko" "$@" || fail "failed to insmod $_f"
}

# Waits until patch $1 exists and its transition is over.
lp_wait_settled() {
	wait_until "${2:-$LP_TIMEOUT_S}" lp_settled "$1" ||
		fail "patch $1 still in transition after ${2:-$LP_TIMEOUT_S}s ($(lp_state "$1"))"
}

# Loads livepatch module $1 (a file in LP_MODULES) and waits until its patch is settled.
lp_load() {
	lp_insmod "$@"
	lp_wait_settled "$1"
	lp_enabled "$1" || fail "patch $1 settled but not enabled"
}

# Disables patch $1, waits for its sysfs dir to vanish and its module refcount to drop, rmmods it.
lp_unload() {
	echo 0 >"$LP_SYSFS/$1/enabled" || fail "failed to disable patch $1 ($(lp_state "$1"))"
	wait_until "$LP_TIMEOUT_S" lp_gone "$1" || fail "patch $1 still in sysfs after disable"
	wait_until "$LP_TIMEOUT_S" mod_unused "$1" || fail "module $1 refcnt $(mod_refcnt "$1")"
	rmmod "$1" || fail "failed to rmmod $1 after disable"
}

# One line about a patch: enabled/transition, or "absent".
lp_state() {
	if lp_exists "$1"; then
		echo "$1 enabled=$(cat "$LP_SYSFS/$1/enabled") transition=$(cat "$LP_SYSFS/$1/transition")"
	else
		echo "$1 absent"
	fi
}

# The value of patch $1's attribute $2, or "-" on a kernel without it (replace: 6.11+, stack_order: 6.14+).
lp_attr() {
	if [ -e "$LP_SYSFS/$1/$2" ]; then cat "$LP_SYSFS/$1/$2"; else echo -; fi
}

# Names of the patches in /sys/kernel/livepatch, one a line.
lp_list() { ls "$LP_SYSFS" 2>/dev/null; }

# --- assertions -------------------------------------------------------------------------------
assert_eq() { # expected actual message
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_file_contains() { # file text
	grep -qF -- "$2" "$1" || fail "$1 does not contain '$2': $(cat "$1")"
}
assert_file_lacks() { # file text
	! grep -qF -- "$2" "$1" || fail "$1 still contains '$2': $(cat "$1")"
}

# The pid of the first task whose comm is $1.
pid_of_comm() {
	for _d in /proc/[0-9]*; do
		[ "$(cat "$_d/comm" 2>/dev/null)" = "$1" ] && {
			echo "${_d#/proc/}"
			return 0
		}
	done
	return 1
}

# The kernel log since boot, as dmesg prints it.
kmsg() { dmesg; }

# --- the host's JVM, run against this kernel --------------------------------------------------
# lp_java ARGS...: runs $LP_JAVA_HOME/bin/java in `chroot /host`: host paths unchanged (read-only),
# the guest's /proc and /sys, java.io.tmpdir /run/tmp (tmpfs). Flags for a fast start under TCG
# come first (measured: ~1.7 s for a small main, ~2.4 s without them); ARGS may override them.
# Working directory: the shared directory, at its host path. A pod-like node root: /run/node.
LP_NODE_ROOT=/run/node
LP_JAVA_FAST_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData -Xmx256m -Djava.io.tmpdir=/run/tmp"
lp_java() {
	chroot /host /bin/sh -c 'cd "$0" && exec "$@"' "${LP_SHARED_HOST:-/}" \
		"$LP_JAVA_HOME/bin/java" $LP_JAVA_FAST_OPTS "$@"
}

# --- the node daemon, one pass at a time (its one-shot mode) -----------------------------------
# The daemon runs in the chroot with HOST_PREFIX=$LP_NODE_ROOT, as in its pod: the guest's proc
# and sys, its state and module cache in a writable var/lib/livepatch-operator. The test modules
# are bind-mounted at $LP_DAEMON_MODULES under that root, so specs name them as hostPath sources.
# The harness (GuestDaemon) writes the spec files into /shared and sets LP_DAEMON_CP and
# LP_DAEMON_JAVA_OPTS (-XX:SharedArchiveFile=..., a class-data archive for a fast start).
LP_DAEMON_MODULES=/opt/lp-modules
lp_daemon_prepare() {
	mkdir -p "/host$LP_NODE_ROOT$LP_DAEMON_MODULES" &&
		mount -o bind "/host$LP_MODULES_HOST" "/host$LP_NODE_ROOT$LP_DAEMON_MODULES" ||
		fail "failed to bind the test modules into the node root"
}

# lp_daemon NAME SPEC [ARGS]: one pass of `Main --once` on /shared/SPEC; leaves NAME.status.json
# (written at every step, whole), NAME.log and NAME.rc in /shared; returns the daemon's exit code
# (0 Ready, 3 not Ready). Environment: UNLOAD_GRACE (default 5m) and the other DaemonConfig keys.
lp_daemon() {
	_ld_name=$1 _ld_spec=$2
	shift 2
	lp_daemon_main "$_ld_name" --once --spec-file "$LP_SHARED_HOST/$_ld_spec" "$@"
}

# lp_restore NAME: one run of `Main --restore` (the boot restore: the last converged set the records
# keep, module files from the cache alone); leaves NAME.status.json (when it restored something),
# NAME.log and NAME.rc; returns its exit code (0 Ready or nothing to restore, 3 not Ready).
lp_restore() { lp_daemon_main "$1" --restore; }

# lp_daemon_main NAME ARGS: the daemon's Main with ARGS and --status-file /shared/NAME.status.json.
lp_daemon_main() {
	_ld_name=$1
	shift
	rm -f "/shared/$_ld_name.status.json" "/shared/$_ld_name.rc"
	export HOST_PREFIX="$LP_NODE_ROOT" KMSG_PATH=/dev/kmsg HTTP_PORT=0 POLL_INTERVAL="${POLL_INTERVAL:-200ms}"
	# -Xint: under TCG code the JIT writes must be translated again by QEMU; a pass measured 15 s
	# interpreted against 26-31 s with C1 (load average 9-13 on the host; 1.7 s vs 2.0 s on the host).
	# shellcheck disable=SC2086 # LP_DAEMON_JAVA_OPTS: words (the class-data archive), possibly none
	lp_java -Xint $LP_DAEMON_JAVA_OPTS -cp "$LP_DAEMON_CP" dev.livepatch.daemon.Main "$@" \
		--status-file "$LP_SHARED_HOST/$_ld_name.status.json" >"/shared/$_ld_name.log" 2>&1
	_ld_rc=$?
	echo "$_ld_rc" >"/shared/$_ld_name.rc"
	log "daemon pass $_ld_name ($*): exit $_ld_rc"
	return "$_ld_rc"
}

# The node root's state directory (module cache, records), on tmpfs in the guest. lp_state_load
# and lp_state_save copy it from and to /shared/STATE, so that two boots of one VM (two boot ids)
# share it as a node's disk would.
LP_NODE_STATE="/host$LP_NODE_ROOT/var/lib/livepatch-operator"
lp_state_load() { [ ! -d "/shared/$1" ] || cp -a "/shared/$1/." "$LP_NODE_STATE/" || fail "failed to load the node state from /shared/$1"; }
lp_state_save() { mkdir -p "/shared/$1" && cp -a "$LP_NODE_STATE/." "/shared/$1/" || fail "failed to save the node state into /shared/$1"; }

# lp_daemon_ok NAME SPEC: a pass that must end Ready (exit 0); fails with its log otherwise.
lp_daemon_ok() {
	lp_daemon "$@" || {
		tail -30 "/shared/$1.log"
		fail "daemon pass $1 on $2 exited $(cat "/shared/$1.rc"), not Ready"
	}
}

# status_has FILE REGEX: the status JSON (one line) matches the extended regex.
status_has() { grep -Eq -- "$2" "/shared/$1" 2>/dev/null; }
