#!/bin/bash
# kube-apiserver for the node tier, run by kube-api-test in place of the control plane's binary
# (whose path is in kube-apiserver.real beside this copy):
#  - kube-api-test always passes `--disable-admission-plugins ServiceAccount`; a real kubelet's pods
#    need that plugin (it mounts the pod-bound service-account token the node daemon authenticates
#    with), so that one name is dropped;
#  - its client CA (client.crt, self-signed without CA:TRUE, so no other certificate chains to it)
#    is bundled with node-ca.crt beside this copy, the CA of the kubelets' client certificates.
set -euo pipefail
here="$(dirname "$0")"
real="$(cat "$here/kube-apiserver.real")"
args=() next=""
for a in "$@"; do
  case "$next" in
    disable)
      rest="$(tr , "\n" <<<"$a" | { grep -vx ServiceAccount || true; } | paste -sd, -)"
      [[ -n "$rest" ]] && args+=(--disable-admission-plugins "$rest")
      next=""; continue ;;
    client-ca)
      bundle="$(dirname "$a")/client-ca-with-nodes.crt"
      cat "$a" "$here/node-ca.crt" >"$bundle"
      args+=(--client-ca-file "$bundle")
      next=""; continue ;;
  esac
  case "$a" in
    --disable-admission-plugins) next=disable ;;
    --client-ca-file) next=client-ca ;;
    *) args+=("$a") ;;
  esac
done
exec "$real" "${args[@]}"
