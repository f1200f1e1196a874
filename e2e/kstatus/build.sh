#!/usr/bin/env bash
# Builds the kstatus command beside this script (main.go) from the Go module proxy: the status
# library of sigs.k8s.io/cli-utils at the version pinned in go.mod/go.sum, as Flux computes
# health. The e2e tests feed it LivePatch objects (see KstatusScenariosTest).
#
#   build.sh            build if needed, then print the binary's path on stdout (last line)
#   build.sh --print    print the binary's path, build nothing (exit 3 when not built)
#
# Output: ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/kstatus/<cli-utils version>-<key>/kstatus,
# where <key> is a hash of what the binary is built from (go.mod, go.sum, main.go, the Go version,
# the flags): a run with the same inputs finds it and does nothing, and checkouts with different
# inputs never overwrite each other's binary. Runs are serialized with a lock; a build goes to a
# staging directory and is moved in whole. Once the modules are in GOMODCACHE it builds offline
# (GOPROXY=off). Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/kstatus"
lock_timeout_s=600

log() { printf '[kstatus] %s\n' "$*" >&2; }
die() { printf '[kstatus] error: %s\n' "$*" >&2; exit 1; }

mode=build
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (expected --print or nothing)" ;;
esac

version="$(awk '$1 == "sigs.k8s.io/cli-utils" {print $2} $1 == "require" && $2 == "sigs.k8s.io/cli-utils" {print $3}' "$here/go.mod" | head -n1)"
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read the pinned sigs.k8s.io/cli-utils version from $here/go.mod (got '$version')"
command -v go >/dev/null || die "the go command is not on PATH (kstatus is built from Go modules)"

flags="cgo=0 -trimpath -ldflags=-s -w -mod=readonly -buildvcs=false"
key="$({ echo "go=$(go env GOVERSION) $flags"; cat "$here/go.mod" "$here/go.sum" "$here/main.go"; } | sha256sum | cut -c1-16)"
out="$cache_root/$version-$key"
binary="$out/kstatus"

if [[ -x "$binary" ]]; then
  [[ "$mode" == print ]] || log "up to date: cli-utils $version in $out"
  echo "$binary"; exit 0
fi
[[ "$mode" == build ]] || { log "not built yet: run $0"; exit 3; }

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
if ! flock -n 9; then
  log "waiting for another build of kstatus (lock $cache_root/.lock)"
  flock -w "$lock_timeout_s" 9 || die "timed out after ${lock_timeout_s}s waiting for $cache_root/.lock"
fi
if [[ -x "$binary" ]]; then
  log "up to date (built by another process): $out"
  echo "$binary"; exit 0
fi

staging="$(mktemp -d "$cache_root/.build-$version.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
started=$(date +%s)
log "building kstatus from sigs.k8s.io/cli-utils $version (go module cache: $(go env GOMODCACHE))"
(cd "$here" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 \
  go build -trimpath -ldflags='-s -w' -o "$staging/kstatus" .)
echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"probe"}}' | "$staging/kstatus" | grep -q '^Current' \
  || die "the built kstatus does not call a plain ConfigMap Current; not installed"
chmod 755 "$staging"
mv -T "$staging" "$out"
trap - EXIT
log "built kstatus in $(( $(date +%s) - started ))s: $binary"
echo "$binary"
