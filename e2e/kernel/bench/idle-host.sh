#!/usr/bin/env bash
# Benchmark 2e: the idle node daemon's resident memory on the host (no guest), one run.
#   idle-host.sh LABEL CLASSPATH [extra JVM flags...]
# CLASSPATH: the daemon's runtime class path plus IdleDaemon's class (e2e test classes).
# A fake root (proc/sys/kernel/{osrelease,random/boot_id,tainted}, empty proc/modules and
# proc/kallsyms, sys/kernel/livepatch, proc/uptime), kmsg a FIFO held open by a writer, an empty
# spec, the health server on, a cluster CA file, the chart's nodeDaemon.javaOptions without its
# SharedArchiveFile (the host JDK's default CDS archive), MALLOC_ARENA_MAX=2. After .ready: 10 s idle,
# one GET /metrics, 2 s, then /proc/<pid>/status and smaps_rollup. Prints one table row: VmRSS,
# RssAnon, RssFile, Pss, VmHWM (MiB), threads, .ready after start, classes loaded at the scrape, the
# load average, the scrape's status. IDLE_KEEP=FILE: the pid written there, the daemon kept running
# (for jcmd) until killed.
set -euo pipefail
label=$1 cp=$2 pid= writer=
shift 2
chart=${IDLE_CHART:-$(dirname "$0")/../../../charts/livepatch-operator/values.yaml} # IDLE_CHART: another values.yaml (a baseline's flags)
opts=$(awk '/^nodeDaemon:/ { d = 1 } d && /javaOptions:/ { sub(/.*javaOptions: */, ""); gsub(/"/, ""); print; exit }' "$chart" \
	| tr ' ' '\n' | grep -v '^-XX:SharedArchiveFile=' | paste -sd' ')
dir=$(mktemp -d)
trap 'kill $writer $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
root=$dir/root
mkdir -p "$root/proc/sys/kernel/random" "$root/sys/kernel/livepatch" "$root/var/lib/livepatch-operator"
uname -r >"$root/proc/sys/kernel/osrelease"
echo 6b2f9c34-0c1e-4a8e-9a37-3f1d2c0b7e11 >"$root/proc/sys/kernel/random/boot_id"
echo 0 >"$root/proc/sys/kernel/tainted"
: >"$root/proc/modules"
: >"$root/proc/kallsyms"
echo "1234.56 2345.67" >"$root/proc/uptime"
# The pod's service account CA (Fabric8 reads it from KUBERNETES_CERTS_CA_FILE as from the pod's ca.crt).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 1 -subj /CN=bench-ca 2>/dev/null
mkfifo "$dir/kmsg"
sleep 100000 >"$dir/kmsg" &
writer=$!
echo '{"modules":[]}' >"$dir/spec.json"
port=$((18000 + RANDOM % 1000))
start=$(date +%s.%N)
# shellcheck disable=SC2086 # the chart's flags are words
KUBERNETES_CERTS_CA_FILE=$dir/ca.crt HOST_PREFIX=$root KMSG_PATH=$dir/kmsg HTTP_PORT=$port RESYNC_INTERVAL=30s MALLOC_ARENA_MAX=2 \
	java $opts "$@" -cp "$cp" dev.livepatch.e2e.kernelbench.IdleDaemon \
	--spec-file "$dir/spec.json" --status-file "$dir/status.json" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -e "$dir/status.json.ready" ] && break; sleep 0.1; done
[ -e "$dir/status.json.ready" ] || { cat "$dir/log"; exit 1; }
ready=$(echo "$(date +%s.%N) - $start" | bc)
sleep 10
metrics=$(curl -s -o "$dir/metrics" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
sleep 2
kib() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }
st=/proc/$pid/status
mib() { echo "scale=1; $1 / 1024" | bc; }
classes=$(awk '/^jvm_classes_loaded_classes/ { print $2 }' "$dir/metrics")
printf '| %s | %s | %s | %s | %s | %s | %s | %.1f s | %s | %s | /metrics %s |\n' "$label" \
	"$(mib "$(kib VmRSS $st)")" "$(mib "$(kib RssAnon $st)")" "$(mib "$(kib RssFile $st)")" \
	"$(mib "$(kib Pss /proc/$pid/smaps_rollup)")" "$(mib "$(kib VmHWM $st)")" "$(kib Threads $st)" \
	"$ready" "${classes%.*}" "$(cut -d' ' -f1-3 /proc/loadavg)" "$metrics"
if [ -n "${IDLE_KEEP:-}" ]; then echo "$pid" >"$IDLE_KEEP"; wait "$pid"; fi
