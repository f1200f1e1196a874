#!/usr/bin/env bash
# Builds Prometheus' metrics linter (client_golang's testutil/promlint, at the version pinned in
# go.mod/go.sum beside this script) into a small command that lints text exposition read from
# standard input (main.go). Used by e2e's exposition test.
#
#   build.sh            build if needed, then print the binary's path on stdout (last line)
#   build.sh --print    print the binary's path, build nothing (exit 3 when not built)
#   build.sh --force    rebuild even when the cache is current
#
# Output: ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/promlint/<stamp>/promlint, where the
# stamp is a hash of what the binary is built from (go.mod, go.sum, main.go, the Go version, the
# flags): a run whose binary exists does nothing, and a change of any input builds anew beside
# the old one. Runs are serialized with a lock; a build goes to a staging file moved in whole.
# Progress goes to stderr. Environment: LIVEPATCH_CACHE, and GOMODCACHE/GOCACHE/GOPROXY as usual.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/promlint"

log() { printf '[promlint] %s\n' "$*" >&2; }
die() { printf '[promlint] error: %s\n' "$*" >&2; exit 1; }

mode=build
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  --force) mode=force ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (expected --print, --force or nothing)" ;;
esac

command -v go >/dev/null || die "the go command is not on PATH (the linter is built from Go modules)"
flags="cgo=0 trimpath -mod=readonly -buildvcs=false -ldflags=-s -w"
stamp="$({ echo "go=$(go env GOVERSION) $flags"; cat "$here/go.mod" "$here/go.sum" "$here/main.go"; } | sha256sum | cut -c1-16)"
out="$cache_root/$stamp/promlint"

if [[ "$mode" == print ]]; then
  [[ -x "$out" ]] || { log "not built yet: run $0"; exit 3; }
  echo "$out"; exit 0
fi
if [[ "$mode" == build && -x "$out" ]]; then
  echo "$out"; exit 0
fi

mkdir -p "$cache_root/$stamp"
exec 9>"$cache_root/.lock"
flock -w 600 9 || die "timed out after 600s waiting for $cache_root/.lock"
if [[ "$mode" == build && -x "$out" ]]; then
  log "built by another process: $out"
  echo "$out"; exit 0
fi

staging="$(mktemp "$cache_root/$stamp/.promlint.XXXXXX")"
trap 'rm -f "$staging"' EXIT
started=$(date +%s)
log "building from $(awk '$1 == "require" && $2 ~ /client_golang/ {print $2 "@" $3}' "$here/go.mod") (go module cache: $(go env GOMODCACHE))"
(cd "$here" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags='-s -w' -o "$staging" .)
chmod 755 "$staging"
mv -f "$staging" "$out"
trap - EXIT
log "built in $(( $(date +%s) - started ))s: $out"
echo "$out"
