#!/bin/bash
# Prepares what the node tier (docs/design.md §8) boots, idempotently, on top of the real-kernel
# tier's bookworm kernel (../kernel/prepare.sh):
#
#   1. containerd and runc, bookworm's packages, installed on the host when missing: the guest runs
#      them from the host's root over 9p;
#   2. the CNI plugins (containernetworking-plugins) and socat (with libwrap0) fetched with
#      `apt-get download` and extracted (never installed) under $CACHE/node/pkgs-<hash>/;
#   3. kubelet and kube-scheduler built by build-kubelet.sh (their own cache dir and stamp).
#
# stdout: the kernel tier's manifest plus LP_NODE_BIN (kubelet, kube-scheduler) and LP_NODE_PKGS
# (the extracted root: usr/lib/cni, usr/bin/socat, usr/lib/x86_64-linux-gnu/libwrap.so.0).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LIVEPATCH_CACHE:-${HOME:-/root}/.cache/livepatch-operator}/node"
EXTRACTED=(containernetworking-plugins socat libwrap0)
log() { printf 'node/prepare.sh: %s\n' "$*" >&2; }
die() { printf 'node/prepare.sh: error: %s\n' "$*" >&2; exit 1; }

kernel_manifest="$("$HERE/../kernel/prepare.sh" bookworm)"

mkdir -p "$CACHE"
exec 9>"$CACHE/.prepare.lock"
flock -w 1800 9 || die "timed out waiting for $CACHE/.prepare.lock"

missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing host packages (${missing[*]}); run as root or install them"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; } \
    || die "failed to install ${missing[*]}"
fi

versions="$(for p in "${EXTRACTED[@]}"; do apt-cache policy "$p" | sed -n 's/^  Candidate: //p'; done | tr '\n' ' ')"
pkgs="$CACHE/pkgs-$(echo "${EXTRACTED[*]} $versions" | sha256sum | cut -c1-16)"
if [[ ! -d "$pkgs" ]]; then
  tmp="$pkgs.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp/debs"
  log "downloading ${EXTRACTED[*]} ($versions)"
  (cd "$tmp/debs" && apt-get download -qq "${EXTRACTED[@]}" >&2) \
    || { apt-get update -qq >&2 && (cd "$tmp/debs" && apt-get download -qq "${EXTRACTED[@]}" >&2); } \
    || die "failed to download ${EXTRACTED[*]}"
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  rm -rf "$tmp/debs"
  [[ -x "$tmp/root/usr/lib/cni/bridge" && -x "$tmp/root/usr/bin/socat" ]] || die "no usr/lib/cni/bridge or usr/bin/socat in ${EXTRACTED[*]}"
  mv "$tmp" "$pkgs"
fi

bin="$("$HERE/build-kubelet.sh" | tail -n1)"
echo "$kernel_manifest"
echo "LP_NODE_BIN=$bin"
echo "LP_NODE_PKGS=$pkgs/root"
echo "LP_CONTAINERD=$(command -v containerd)"
