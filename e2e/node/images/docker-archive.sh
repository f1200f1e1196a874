#!/bin/bash
# Writes a one-layer image tarball in the docker-archive format (what `ctr images import` and
# `docker load` read; Jib's buildTar writes the same): docker-archive.sh OUT.tar REF ROOTFS ENTRYPOINT_JSON
#   REF             the image's name, e.g. localhost/livepatch-node-sandbox:1
#   ROOTFS          a directory: the layer's files (owned by root in the layer, times zeroed)
#   ENTRYPOINT_JSON e.g. '["/bin/busybox","sleep","inf"]'
set -euo pipefail
out="$1" ref="$2" rootfs="$3" entrypoint="$4"
[[ -d "$rootfs" ]] || { echo "docker-archive.sh: no directory $rootfs" >&2; exit 2; }
work="$(mktemp -d "${out}.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"e2e/node/images/docker-archive.sh"}]}' \
  "$entrypoint" "$diff_id" >"$work/config.json"
config="$(sha256sum "$work/config.json" | cut -d' ' -f1).json"
mv "$work/config.json" "$work/$config"
mkdir "$work/${diff_id#sha256:}" && mv "$work/layer.tar" "$work/${diff_id#sha256:}/layer.tar"
printf '[{"Config":"%s","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config" "$ref" "${diff_id#sha256:}" >"$work/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out.part" manifest.json "$config" "${diff_id#sha256:}"
mv "$out.part" "$out"
