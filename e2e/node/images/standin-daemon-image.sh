#!/bin/bash
# DEVELOPMENT STAND-IN, not the product's image: until the Maven build writes
# node-daemon/target/jib-image.tar, this makes an image of the same shape from the host — a runtime
# jlinked from the host's JDK, its shared libraries, kmod, and the daemon's runtime class path under
# /app/lib — entrypoint `java -cp /app/lib/* dev.livepatch.daemon.Main` as images/node-daemon/Dockerfile.
#   standin-daemon-image.sh OUT.tar REF CLASSPATH     (CLASSPATH: jars and directories, ':'-separated)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1" ref="$2" cp="$3"
root="$(mktemp -d "${out}.root.XXXXXX")"; trap 'rm -rf "$root"' EXIT
jdk="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.net.http,java.xml,java.sql,java.desktop,jdk.crypto.ec,jdk.unsupported,jdk.management,jdk.httpserver,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --output "$root/opt/java"
mkdir -p "$root/app/lib" "$root/bin" "$root/sbin" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
IFS=: read -ra entries <<<"$cp"
i=0
for e in "${entries[@]}"; do
  i=$((i + 1))
  if [[ -d "$e" ]]; then (cd "$e" && jar cf "$root/app/lib/$(printf '%03d' "$i")-classes.jar" .)
  elif [[ -f "$e" ]]; then cp "$e" "$root/app/lib/"; fi
done
cp "$(command -v kmod)" "$root/bin/kmod"
for t in insmod rmmod modprobe modinfo lsmod; do ln -s kmod "$root/bin/$t"; ln -s ../bin/kmod "$root/sbin/$t"; done
ln -s ../opt/java/bin/java "$root/bin/java"
# The shared libraries of the runtime and kmod, at their host paths.
{ ldd "$root/opt/java/bin/java"; find "$root/opt/java/lib" -name '*.so' -exec ldd {} \; 2>/dev/null; ldd "$root/bin/kmod"; } \
  | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
  done
mkdir -p "$root/lib64"; cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
echo 'root:x:0:0:root:/root:/sbin/nologin' >"$root/etc/passwd"
"$here/docker-archive.sh" "$out" "$ref" "$root" '["/opt/java/bin/java","-cp","/app/lib/*","dev.livepatch.daemon.Main"]'
