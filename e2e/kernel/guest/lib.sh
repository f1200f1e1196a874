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
