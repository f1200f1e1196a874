#!/usr/bin/env bash
# Builds a base image for Jib from Debian bookworm packages, reproducibly, without a container
# engine and without root:
#
#   build.sh <flavour> [<link>]       build if needed; print the tarball's path on stdout (last line);
#                                     with <link>, also point a symlink there at it (the Maven build's
#                                     target/base-image.tar, Jib's tar:// base)
#   build.sh --rebuild <flavour> <dir> build anew into <dir> from the cached packages (no cache entry
#                                     is read or written), for the reproducibility test
#
# Flavours (images/base/<flavour>.conf): node-daemon (a Java 17 JRE and kmod, runs as root) and
# operator (a Java 17 JRE, runs as 65532). apt resolves the packages' dependency closure against the
# machine's package lists (bookworm's), downloads the .deb files into a private cache, and each
# package's data is extracted into one root; no maintainer script runs, so there is no chroot and
# no shell in the image (a few packages that exist only for maintainer scripts are declared present
# instead of installed: see `virtual` in the .conf files). What the scripts would have made is made
# here: the `java` alternative, the JRE's cacerts (Cacerts.java, from the ca-certificates package),
# /etc/passwd and /etc/group. The root is written as one gzip layer with sorted names, numeric root
# ownership and every time at SOURCE_DATE_EPOCH, in a `docker save` archive (manifest.json, config,
# layer) that Jib reads as `tar://...`.
#
# Output: ${LIVEPATCH_CACHE:-$HOME/.cache/livepatch-operator}/images/base-<flavour>-<key>/image.tar,
# where <key> hashes this script, the flavour's .conf, Cacerts.java and every resolved package's
# name, version and the .deb's SHA256: the same inputs find the same tarball, and different inputs never
# overwrite another's. Downloaded packages are kept in images/debs/. Runs are serialized with a lock;
# a build goes to a staging directory and is moved in whole. Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${LIVEPATCH_CACHE:-${HOME:-/root}/.cache/livepatch-operator}/images"
# Every file time and the image's creation time (Jib's own layers use the same second).
export SOURCE_DATE_EPOCH=1
lock_timeout_s=900

log() { printf '[base-image] %s\n' "$*" >&2; }
die() { printf '[base-image] error: %s\n' "$*" >&2; exit 1; }

mode=cached
if [[ "${1:-}" == --rebuild ]]; then mode=rebuild; shift; fi
case "${1:-}" in
  -h|--help|"") sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; [[ -n "${1:-}" ]]; exit $? ;;
esac
flavour="$1"
conf="$here/$flavour.conf"
[[ "$flavour" =~ ^[a-z-]+$ && -f "$conf" ]] || die "unknown flavour '$flavour' (expected one of: $(cd "$here" && ls *.conf | sed 's/\.conf$//' | tr '\n' ' '))"
target="${2:-}"
[[ "$mode" == cached || -n "$target" ]] || die "--rebuild needs an output directory"

# The .conf sets: packages (apt names), virtual (declared present, not installed), user (uid:gid).
packages="" virtual="" user=""
# shellcheck source=/dev/null
source "$conf"
[[ -n "$packages" && "$user" =~ ^[0-9]+:[0-9]+$ ]] || die "$conf must set packages and user (uid:gid)"
for tool in apt-get dpkg-deb tar gzip sha256sum flock; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (the base images are made from Debian packages: Debian or Ubuntu, or skip them with -Dlivepatch.images.skip=true)"
done
java_cmd="${JAVA_HOME:+$JAVA_HOME/bin/}java"
command -v "$java_cmd" >/dev/null || die "no java to run Cacerts.java (set JAVA_HOME)"

mkdir -p "$cache_root/debs/partial" "$cache_root/apt"
apt_state="$(mktemp -d "$cache_root/apt/state-$flavour.XXXXXX")"
trap 'rm -rf "$apt_state"' EXIT
apt_opts=(-q -o Debug::NoLocking=1 -o "Dir::State::status=$apt_state/status" -o "Dir::Cache::archives=$cache_root/debs"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o APT::Install-Recommends=false -o APT::Sandbox::User="$(id -un)")

# An empty dpkg database, but for the virtual packages: apt resolves as on an empty root. Each is the
# candidate's own record without its relations (one with unmet dependencies would be broken), on
# hold (else apt upgrades it to the candidate, which it takes for another version). Then the
# resolution, against an empty archives directory (--print-uris leaves out what one already holds).
resolve() {
  : >"$apt_state/status"
  # shellcheck disable=SC2086
  [[ -z "$virtual" ]] || apt-cache show --no-all-versions $virtual 2>"$apt_state/resolve.err" \
    | awk '/^((Pre-)?Depends|Recommends|Suggests|Breaks|Conflicts|Replaces|Enhances):/ {skip = 1; next}
           /^ / && skip {next} {skip = 0} /^$/ {print "Status: hold ok installed"} {print}' > "$apt_state/status" \
    || return 1
  for p in $virtual; do
    grep -q "^Package: $p\$" "$apt_state/status" || { echo "no candidate of '$p' (virtual in $conf)" >"$apt_state/resolve.err"; return 1; }
  done
  mkdir -p "$apt_state/none/partial"
  # shellcheck disable=SC2086
  resolved="$(apt-get "${apt_opts[@]}" -o "Dir::Cache::archives=$apt_state/none" --print-uris -y install $packages \
    2>"$apt_state/resolve.err" | grep "^'")"
}
# The machine's lists are refreshed once when they lack a package (a fresh machine has none) or name
# files the mirror no longer has; as root only, elsewhere the error says what to run.
refresh_lists() {
  [[ $(id -u) == 0 && -z "${lists_refreshed:-}" ]] || return 1
  log "apt lists are missing or stale: apt-get update"
  lists_refreshed=1
  apt-get update -qq >&2
}
until resolve; do
  refresh_lists || die "apt could not resolve '$packages' (virtual: '$virtual') against this machine's package lists: $(tail -n3 "$apt_state/resolve.err") (run apt-get update as root)"
done

# Download what is missing (apt checks each file against the signed index).
if awk '{print $2}' <<<"$resolved" | while read -r file; do [[ -f "$cache_root/debs/$file" ]] || exit 1; done; then :; else
  # shellcheck disable=SC2086
  until apt-get "${apt_opts[@]}" -d -y install $packages >"$apt_state/download.log" 2>&1; do
    refresh_lists && resolve || die "downloading the packages failed: $(tail -n3 "$apt_state/download.log")"
  done
fi
# "<sha256> <file>" of every resolved .deb, in name order: what the key is made of.
manifest="$(awk '{print $2}' <<<"$resolved" | sort | while read -r file; do
  [[ -f "$cache_root/debs/$file" ]] || die "apt did not leave $cache_root/debs/$file"
  echo "$(sha256sum <"$cache_root/debs/$file" | cut -d' ' -f1) $file"
done)"
key="$({ cat "$0" "$conf" "$here/Cacerts.java"; echo "$manifest"; } | sha256sum | cut -c1-16)"
out="$cache_root/base-$flavour-$key"

publish() {
  [[ -z "$target" ]] || { mkdir -p "$(dirname "$target")"; ln -sfn "$out/image.tar" "$target"; }
  echo "$out/image.tar"
}
if [[ "$mode" == cached && -f "$out/image.tar" ]]; then
  log "up to date: $flavour in $out"; publish; exit 0
fi

if [[ "$mode" == cached ]]; then
  exec 9>"$cache_root/.lock"
  if ! flock -n 9; then
    log "waiting for another build of a base image (lock $cache_root/.lock)"
    flock -w "$lock_timeout_s" 9 || die "timed out after ${lock_timeout_s}s waiting for $cache_root/.lock"
  fi
  if [[ -f "$out/image.tar" ]]; then log "up to date (built by another process): $out"; publish; exit 0; fi
fi

started=$(date +%s)
if [[ "$mode" == cached ]]; then
  mkdir -p "$cache_root"; staging="$(mktemp -d "$cache_root/.build-$flavour.XXXXXX")"
else
  mkdir -p "$target"; staging="$(mktemp -d "$target/.build-$flavour.XXXXXX")"
fi
trap 'rm -rf "$apt_state" "$staging"' EXIT
root="$staging/root"
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/var/lib/dpkg/status.d"
# bookworm's merged /usr: packages still ship /bin, /lib..., which land under /usr through these.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

log "extracting $(wc -l <<<"$manifest") packages for $flavour"
while read -r _ file; do
  deb="$cache_root/debs/$file"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -p --no-same-owner --keep-directory-symlink -C "$root"
  name="$(dpkg-deb -f "$deb" Package)"
  # What image scanners read (as in distroless): each package's control fields.
  { dpkg-deb -f "$deb" Package Version Architecture Source Maintainer Depends; echo "Status: install ok installed"; } \
    > "$root/var/lib/dpkg/status.d/$name"
done <<<"$manifest"

# Documentation, manuals and lintian overrides are not needed to run; the licences stay.
find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/lintian" "$root/usr/share/bug"
jre=/usr/lib/jvm/java-17-openjdk-amd64
# Neither JVM uses glibc's iconv modules, javac's symbol file, or the class data archive for heaps
# over 32 GiB (uncompressed oops); the default CDS archive (lib/server/classes.jsa) stays.
rm -rf "$root/usr/lib/x86_64-linux-gnu/gconv" "$root$jre/lib/ct.sym" "$root$jre/lib/server/classes_nocoops.jsa"
[[ -x "$root$jre/bin/java" ]] || die "no JRE at $jre after extraction"
# The update-alternatives link openjdk's postinst would make.
ln -sfn "$jre/bin/java" "$root/usr/bin/java"
# (The image's PATH has the JRE's bin first as well: Jib's entrypoint `java` is the launcher itself.)
mkdir -p "$root/etc/ssl/certs/java"
"$java_cmd" "$here/Cacerts.java" "$root/usr/share/ca-certificates/mozilla" "$root/etc/ssl/certs/java/cacerts"
cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
nogroup:x:65534:
EOF
mkdir -p "$root/root" "$root/home/nonroot" "$root/tmp"
chmod 0700 "$root/root" "$root/home/nonroot"; chmod 1777 "$root/tmp"

# One layer: sorted, numeric owners (root, but nonroot's home), times clamped to SOURCE_DATE_EPOCH.
layer="$staging/layer.tar"
tar -C "$root" --sort=name --format=posix --numeric-owner --owner=0 --group=0 \
  --mtime="@$SOURCE_DATE_EPOCH" --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  --exclude=./home/nonroot -cf "$layer" .
tar -C "$root" --format=posix --numeric-owner --owner=65532 --group=65532 --mtime="@$SOURCE_DATE_EPOCH" \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --no-recursion -rf "$layer" ./home/nonroot
diff_id="sha256:$(sha256sum <"$layer" | cut -d' ' -f1)"
gzip -n -6 "$layer"
layer_sum="$(sha256sum <"$layer.gz" | cut -d' ' -f1)"

archive="$staging/archive"; mkdir -p "$archive"
mv "$layer.gz" "$archive/$layer_sum.tar.gz"
created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
pkgs_label="$(awk '{print $2}' <<<"$manifest" | sed 's/\.deb$//' | tr '\n' ' ' | sed 's/ $//')"
config="$(printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"User":"%s","Env":["PATH=%s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=%s","LANG=C.UTF-8"],"WorkingDir":"/","Labels":{"org.opencontainers.image.title":"livepatch-base-%s","dev.livepatch.base.packages":"%s"}},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"%s","created_by":"images/base/build.sh %s"}]}' \
  "$created" "$user" "$jre" "$jre" "$flavour" "$pkgs_label" "$diff_id" "$created" "$flavour")"
config_sum="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
printf '%s' "$config" > "$archive/$config_sum.json"
printf '[{"Config":"%s.json","RepoTags":["livepatch-base-%s:%s"],"Layers":["%s.tar.gz"]}]' \
  "$config_sum" "$flavour" "$key" "$layer_sum" > "$archive/manifest.json"
# Members named without "./" (Jib refuses a "./" entry), in byte order.
(cd "$archive" && LC_ALL=C ls | LC_ALL=C sort) > "$staging/members"
tar -C "$archive" --format=posix --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$staging/image.tar" -T "$staging/members"
printf 'sha256:%s\n' "$config_sum" > "$staging/image-id"
rm -rf "$root" "$archive" "$staging/members"
chmod 755 "$staging"

if [[ "$mode" == rebuild ]]; then
  mv "$staging/image.tar" "$staging/image-id" "$target/"; rmdir "$staging"
  log "rebuilt $flavour in $(( $(date +%s) - started ))s: $target/image.tar (image id $(cat "$target/image-id"))"
  echo "$target/image.tar"; exit 0
fi
mv -T "$staging" "$out"
log "built $flavour in $(( $(date +%s) - started ))s: $out/image.tar ($(du -h "$out/image.tar" | cut -f1), image id $(cat "$out/image-id"))"
publish
