#!/usr/bin/env bash
# Dumps the node daemon's class data archive (AppCDS) with the image's own JRE, against the image's
# class path exactly as the image has it (Jib's paths, its fixed file times, the jars' sizes):
#
#   dump.sh <image.tar> <out-dir>    unpack the image (a `docker save` archive from Jib's buildTar)
#                                    into <out-dir>.work, run one training pass in it, check that the
#                                    archive maps (-Xshare:on), write <out-dir>/app/daemon.jsa (Jib's
#                                    extra directory) and print its path (last line of stdout)
#   dump.sh --skip=true <...>        only make <out-dir>, empty (the image gets no archive); --skip=false
#                                    is the line above (the Maven build passes livepatch.images.appcds.skip)
#
# The training pass is the daemon's one-shot mode (`--once`) on an empty spec against a fake host root,
# run with `chroot` in a private mount namespace that has /proc and /dev's null, zero, random and
# urandom (the JVM needs /proc to find its libraries, SecureRandom needs /dev/urandom), under the
# image's environment (its JAVA_TOOL_OPTIONS without -XX:SharedArchiveFile, plus
# -XX:ArchiveClassesAtExit). Root is needed (chroot, mount); elsewhere skip the archive with
# -Dlivepatch.images.appcds.skip=true.
#
# The dump is not byte-reproducible (JDK 17 lays the classes out in the order the pass's threads load
# them), so archives are cached by the image they were dumped for: ${LIVEPATCH_APPCDS_CACHE:-
# ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/appcds}/<key>/daemon.jsa, <key> a hash of this
# script and the image's config (which names every layer's digest and the environment). An image built
# again from the same inputs gets the same archive, so the same digest.
set -euo pipefail

archive=/app/daemon.jsa
cache_root="${LIVEPATCH_APPCDS_CACHE:-${LIVEPATCH_CACHE:-${HOME:-/root}/.cache/livepatch-operator}/appcds}"
pass_timeout_s=300

log() { printf '[appcds] %s\n' "$*" >&2; }
die() { printf '[appcds] error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in -h|--help|"") sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; [[ -n "${1:-}" ]]; exit $? ;; esac
skip=false
case "$1" in --skip=true|--skip=false) skip="${1#--skip=}"; shift ;; esac
[[ $# == 2 ]] || die "usage: dump.sh [--skip=true|false] <image.tar> <out-dir>"
image="$1" out="$2"
if [[ "$skip" == true ]]; then
  rm -rf "$out"; mkdir -p "$out"; log "skipped: the image gets no class data archive"; exit 0
fi
[[ -f "$image" ]] || die "no image at $image"
[[ $(id -u) == 0 ]] || die "dumping the class data archive runs the image's JRE with chroot in a mount namespace: it needs root (CI runs as root); build without it: -Dlivepatch.images.appcds.skip=true (the image's JVM then maps the JRE's own archive only)"
for tool in tar gzip unshare chroot mount sha256sum timeout; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
unshare --mount --propagation private true 2>/dev/null \
  || die "unshare --mount failed: a mount namespace needs CAP_SYS_ADMIN (in a container: a privileged one); or -Dlivepatch.images.appcds.skip=true"

work="$out.work"
rm -rf "$work" "$out"
mkdir -p "$work/image" "$work/root" "$out/app"
trap 'rm -rf "$work"' EXIT
tar -xf "$image" -C "$work/image"
manifest="$(cat "$work/image/manifest.json")"
config_file="$(grep -o '"Config":"[^"]*"' <<<"$manifest" | cut -d'"' -f4)"
[[ -n "$config_file" && -f "$work/image/$config_file" ]] || die "$image: manifest.json names no config"
config="$(cat "$work/image/$config_file")"

key="$({ cat "$0"; printf '%s' "$config"; } | sha256sum | cut -c1-16)"
cached="$cache_root/$key/daemon.jsa"
if [[ -f "$cached" ]]; then
  cp "$cached" "$out/app/daemon.jsa"
  log "up to date: $cached"
  echo "$out/app/daemon.jsa"; exit 0
fi

# The image's environment: its config's Env strings (Jib and the base write plain values: no quotes).
env_json="$(grep -o '"Env":\[[^]]*\]' <<<"$config" | sed 's/^"Env":\[//; s/\]$//')"
mapfile -t image_env < <(sed 's/^"//; s/"$//; s/","/\n/g' <<<"$env_json")
java_options="" rest_env=()
for e in "${image_env[@]}"; do
  case "$e" in JAVA_TOOL_OPTIONS=*) java_options="${e#JAVA_TOOL_OPTIONS=}" ;; *) rest_env+=("$e") ;; esac
done
[[ "$java_options" =~ -XX:SharedArchiveFile=[^\ ]*:$archive( |$) ]] \
  || die "the image's JAVA_TOOL_OPTIONS does not end its -XX:SharedArchiveFile with :$archive ('$java_options')"
training_options="$(sed -E 's/(^| )-XX:SharedArchiveFile=[^ ]*//' <<<"$java_options") -XX:ArchiveClassesAtExit=$archive"

layers="$(grep -o '"Layers":\[[^]]*\]' <<<"$manifest" | grep -o '[^"/]*\.tar\.gz')"
[[ -n "$layers" ]] || die "$image: manifest.json names no layers"
for layer in $layers; do
  tar -xzf "$work/image/$layer" -C "$work/root" --numeric-owner --warning=no-unknown-keyword
done
rm -rf "$work/image"
root="$work/root"
[[ -f "$root/app/jib-classpath-file" && -f "$root/app/jib-main-class-file" ]] || die "$image has no /app/jib-classpath-file or /app/jib-main-class-file (not a Jib image?)"
main_class="$(cat "$root/app/jib-main-class-file")"

# A fake host for the pass, as the daemon's tests make one: no livepatch loaded, one kernel log line.
fake=/tmp/appcds
mkdir -p "$root$fake/host/sys/kernel/livepatch" "$root$fake/host/proc/sys/kernel/random"
echo 6.1.0-0-amd64 >"$root$fake/host/proc/sys/kernel/osrelease"
echo 00000000-0000-0000-0000-000000000000 >"$root$fake/host/proc/sys/kernel/random/boot_id"
: >"$root$fake/host/proc/modules"
echo '0.00 0.00' >"$root$fake/host/proc/uptime"
echo "6,1,1,-;livepatch: enabling patch 'lp_none'" >"$root$fake/kmsg"
echo '{"modules":[]}' >"$root$fake/spec.json"

# in_image <JAVA_TOOL_OPTIONS> <log> <java args...>: the image's java in its root, the daemon's environment pointed at the fake host.
in_image() {
  local options="$1" logfile="$2"; shift 2
  env -i "${rest_env[@]}" "JAVA_TOOL_OPTIONS=$options" HOST_PREFIX="$fake/host" KMSG_PATH="$fake/kmsg" \
    STATE_FILE=/state.json MODULE_CACHE_DIR=/modules HTTP_PORT=0 \
    timeout "$pass_timeout_s" unshare --mount --propagation private bash -ec '
      r="$0"; mount -t proc proc "$r/proc"; mount -t tmpfs -o mode=755 dev "$r/dev"
      for d in null zero random urandom; do touch "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
      exec chroot "$r" java "$@"' "$root" "$@" >"$logfile" 2>&1
}
pass=(-cp @/app/jib-classpath-file "$main_class" --once --spec-file "$fake/spec.json" --status-file "$fake/status.json")

started=$(date +%s)
in_image "$training_options" "$out.dump.log" "${pass[@]}" \
  || die "the training pass failed (exit $?); its log, $out.dump.log: $(tail -n 5 "$out.dump.log")"
[[ -f "$root$archive" ]] || die "the training pass wrote no $archive; its log, $out.dump.log: $(tail -n 5 "$out.dump.log")"
# -Xshare:on fails hard when an archive cannot be used; the main class must come from the archive's top layer.
in_image "$java_options -Xshare:on -Xlog:class+load=info" "$out.check.log" "${pass[@]}" \
  || die "the image's JVM cannot use the archive (exit $?); $out.check.log: $(grep -v 'class,load' "$out.check.log" | tail -n 5)"
grep -q "\] $main_class source: shared objects file (top)" "$out.check.log" \
  || die "$main_class was not loaded from the archive; see $out.check.log"
classes="$(grep -c 'source: shared objects file (top)' "$out.check.log" || true)"

mkdir -p "$cache_root/$key"
cp "$root$archive" "$cache_root/$key/.daemon.jsa.$$" && mv "$cache_root/$key/.daemon.jsa.$$" "$cached"
cp "$cached" "$out/app/daemon.jsa"
log "dumped in $(( $(date +%s) - started ))s: $(du -h "$cached" | cut -f1), $classes classes of the pass from it; $cached"
echo "$out/app/daemon.jsa"
