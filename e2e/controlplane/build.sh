#!/usr/bin/env bash
# Builds the e2e control plane from Go modules: kube-apiserver, kube-controller-manager and
# kubectl from k8s.io/kubernetes, etcd from go.etcd.io/etcd/server/v3, at the versions pinned in
# kubernetes/go.mod and etcd/go.mod beside this script (see update-versions.sh).
#
#   build.sh            build if needed, then print the binary directory on stdout (last line)
#   build.sh --print    print the binary directory, build nothing (exit 3 when not built)
#   build.sh --force    rebuild even when the cache is current
#
# Output: ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/controlplane/<k8s-version>/ holding
# etcd, kube-apiserver, kube-controller-manager and kubectl: a flat directory, the layout envtest
# uses for KUBEBUILDER_ASSETS. A stamp file records what the binaries were built from (the go.mod
# and go.sum files, the Go version, the flags); a run whose stamp matches does nothing. Runs are
# serialized with a lock, so parallel test JVMs build once. Progress goes to stderr.
#
# Environment: LIVEPATCH_CACHE (cache root), CONTROLPLANE_BUILD_JOBS (go build -p, default 2),
# GOMODCACHE/GOCACHE/GOPROXY as usual for the go command.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/controlplane"
jobs="${CONTROLPLANE_BUILD_JOBS:-2}"
lock_timeout_s=3600

log() { printf '[controlplane] %s\n' "$*" >&2; }
die() { printf '[controlplane] error: %s\n' "$*" >&2; exit 1; }

mode=build
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  --force) mode=force ;;
  -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (expected --print, --force or nothing)" ;;
esac

module_version() { awk -v m="$2" '$1 == "require" && $2 == m {print $3} $1 == m {print $2}' "$1" | head -n1; }
k8s_version="$(module_version "$here/kubernetes/go.mod" k8s.io/kubernetes)"
etcd_version="$(module_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || die "cannot read pinned versions from $here/{kubernetes,etcd}/go.mod"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "unexpected k8s.io/kubernetes version '$k8s_version'"
k8s_minor="${BASH_REMATCH[1]}"

out="$cache_root/$k8s_version"
binaries=(etcd kube-apiserver kube-controller-manager kubectl)

command -v go >/dev/null || die "the go command is not on PATH (the control plane is built from Go modules)"
go_version="$(go env GOVERSION)"

# Version stamped into the Kubernetes binaries, as Kubernetes' own build does (hack/lib/version.sh).
k8s_x=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_x+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
k8s_ldflags="-s -w$k8s_x"
etcd_ldflags="-s -w"

stamp_content() {
  {
    echo "k8s=$k8s_version etcd=$etcd_version go=$go_version cgo=0 trimpath"
    echo "k8s-ldflags=$k8s_ldflags"
    echo "etcd-ldflags=$etcd_ldflags"
    cat "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum"
  } | sha256sum | cut -d' ' -f1
}
stamp="$(stamp_content)"

is_current() {
  [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]] || return 1
  for b in "${binaries[@]}"; do [[ -x "$out/$b" ]] || return 1; done
}

if [[ "$mode" == print ]]; then
  is_current || { log "not built yet: run $0"; exit 3; }
  echo "$out"; exit 0
fi

if [[ "$mode" == build ]] && is_current; then
  log "up to date: kubernetes $k8s_version, etcd $etcd_version in $out"
  echo "$out"; exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
if ! flock -n 9; then
  log "waiting for another build of the control plane (lock $cache_root/.lock)"
  flock -w "$lock_timeout_s" 9 || die "timed out after ${lock_timeout_s}s waiting for $cache_root/.lock"
fi
# Another process may have finished the build while this one waited.
if [[ "$mode" == build ]] && is_current; then
  log "up to date (built by another process): $out"
  echo "$out"; exit 0
fi

export CGO_ENABLED=0
# -buildvcs=false: the binaries must not depend on the state of this checkout's git repository.
export GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false"
nice_go() { nice -n 10 go "$@"; }

# Build into a staging directory and swap it in whole, so that a failed or interrupted build
# never leaves a half-filled directory that looks current.
staging="$(mktemp -d "$cache_root/.build-$k8s_version.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

started=$(date +%s)
step=0
steps=$(( ${#binaries[@]} + 1 ))
progress() { step=$((step + 1)); log "[$step/$steps] $* ($(( $(date +%s) - started ))s elapsed)"; }

k8s_pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
progress "downloading modules for kubernetes $k8s_version and etcd $etcd_version (go module cache: $(go env GOMODCACHE))"
(cd "$here/kubernetes" && nice_go list -deps "${k8s_pkgs[@]}" >/dev/null)
(cd "$here/etcd" && nice_go list -deps go.etcd.io/etcd/server/v3 >/dev/null)

build_one() { # name module-dir package ldflags
  local name="$1" dir="$2" pkg="$3" ldflags="$4" t0
  t0=$(date +%s)
  progress "building $name from $pkg"
  (cd "$dir" && nice_go build -p "$jobs" -trimpath -ldflags="$ldflags" -o "$staging/$name" "$pkg")
  log "      $name: $(du -h "$staging/$name" | cut -f1), $(( $(date +%s) - t0 ))s"
}
build_one etcd "$here/etcd" go.etcd.io/etcd/server/v3 "$etcd_ldflags"
build_one kube-apiserver "$here/kubernetes" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build_one kube-controller-manager "$here/kubernetes" k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build_one kubectl "$here/kubernetes" k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"

"$staging/kube-apiserver" --version >&2
"$staging/etcd" --version | head -n1 >&2
echo "$stamp" > "$staging/.stamp"
chmod 755 "$staging"
rm -rf "$out.old"
[[ -d "$out" ]] && mv "$out" "$out.old"
mv "$staging" "$out"
rm -rf "$out.old"
trap - EXIT
log "built kubernetes $k8s_version and etcd $etcd_version in $(( $(date +%s) - started ))s: $out"
echo "$out"
