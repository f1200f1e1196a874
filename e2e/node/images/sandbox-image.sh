#!/bin/bash
# The CRI's pod sandbox image ("pause") for the node tier, made here: busybox-static as its only
# file, an entrypoint that blocks until SIGTERM. sandbox-image.sh OUT.tar REF
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(mktemp -d)"; trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/busybox"
"$here/docker-archive.sh" "$1" "$2" "$root" '["/bin/busybox","sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait; done"]'
