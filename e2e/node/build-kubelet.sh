#!/usr/bin/env bash
# Builds the node tier's kubelet and kube-scheduler from k8s.io/kubernetes at the control plane's
# version (kubernetes/go.mod beside this script: the same version and staging replacements as
# ../controlplane/kubernetes/go.mod, tidied for these two commands).
#
#   build-kubelet.sh           build if needed; print the binary directory (last line of stdout)
#   build-kubelet.sh --print   print it, build nothing (exit 3 when not built)
#
# Output: ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/node/<k8s-version>/{kubelet,kube-scheduler},
# with its own stamp (go.mod, go.sum, Go version, flags): the control plane's cache directory is
# neither read nor touched. CGO_ENABLED=0 -trimpath -ldflags='-s -w', the version stamped as
# Kubernetes' own build does, nice -n 10, go build -p 2 (NODE_BUILD_JOBS). Progress on stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/node"
jobs="${NODE_BUILD_JOBS:-2}"
log() { printf '[node-build] %s\n' "$*" >&2; }
die() { printf '[node-build] error: %s\n' "$*" >&2; exit 1; }

mode=build
case "${1:-}" in "") ;; --print) mode=print ;; *) die "unknown argument '$1' (expected --print or nothing)" ;; esac

k8s_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/kubernetes/go.mod" | head -n1)"
cp_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/../controlplane/kubernetes/go.mod" | head -n1)"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read k8s.io/kubernetes from $here/kubernetes/go.mod"
[[ "$k8s_version" == "$cp_version" ]] \
  || die "kubernetes/go.mod pins $k8s_version but the control plane pins $cp_version: copy its go.mod here and run go mod tidy"
k8s_minor="${BASH_REMATCH[1]}"
out="$cache_root/$k8s_version"
binaries=(kubelet kube-scheduler)
command -v go >/dev/null || die "the go command is not on PATH"

ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
stamp="$( { echo "k8s=$k8s_version go=$(go env GOVERSION) cgo=0 trimpath ldflags=$ldflags"; cat "$here/kubernetes/go.mod" "$here/kubernetes/go.sum"; } | sha256sum | cut -d' ' -f1)"
is_current() {
  [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] || return 1
  local b; for b in "${binaries[@]}"; do [[ -x "$out/$b" ]] || return 1; done
}
if [[ "$mode" == print ]]; then is_current || { log "not built yet: run $0"; exit 3; }; echo "$out"; exit 0; fi
if is_current; then log "up to date: $out"; echo "$out"; exit 0; fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock -w 3600 9 || die "timed out waiting for $cache_root/.lock"
if is_current; then log "up to date (built by another process): $out"; echo "$out"; exit 0; fi

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false"
staging="$(mktemp -d "$cache_root/.build-$k8s_version.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
for b in "${binaries[@]}"; do
  t0=$(date +%s)
  log "building $b (k8s.io/kubernetes $k8s_version)"
  (cd "$here/kubernetes" && nice -n 10 go build -p "$jobs" -trimpath -ldflags="$ldflags" -o "$staging/$b" "k8s.io/kubernetes/cmd/$b")
  log "  $b: $(du -h "$staging/$b" | cut -f1), $(( $(date +%s) - t0 ))s"
done
echo "$stamp" >"$staging/.stamp"
chmod 755 "$staging"
rm -rf "$out.old"; [[ -d "$out" ]] && mv "$out" "$out.old"
mv "$staging" "$out"; rm -rf "$out.old"; trap - EXIT
echo "$out"
