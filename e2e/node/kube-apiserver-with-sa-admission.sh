#!/bin/bash
# kube-apiserver for the node tier: kube-api-test always passes
# `--disable-admission-plugins ServiceAccount`; a real kubelet's pods need that plugin (it mounts
# the pod-bound service-account token the node daemon authenticates with), so this drops that one
# name and runs the control plane's binary (its path in kube-apiserver.real beside this copy) with the rest.
set -euo pipefail
real="$(cat "$(dirname "$0")/kube-apiserver.real")"
args=() drop_next=false
for a in "$@"; do
  if $drop_next; then
    drop_next=false
    rest="$(tr , "\n" <<<"$a" | { grep -vx ServiceAccount || true; } | paste -sd, -)"
    [[ -n "$rest" ]] && args+=(--disable-admission-plugins "$rest")
    continue
  fi
  if [[ "$a" == --disable-admission-plugins ]]; then drop_next=true; continue; fi
  args+=("$a")
done
exec "$real" "${args[@]}"
