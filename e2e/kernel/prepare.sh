#!/bin/bash
# Prepares everything the real-kernel tier (docs/design.md §8, tier 3) boots, idempotently:
#
#   1. host packages from Debian (qemu-system-x86, busybox-static, kmod, cpio, xz-utils and the
#      headers of ONE pinned Debian 6.1 kernel), installed only when something is missing;
#   2. the matching linux-image package, fetched with `apt-get download` and extracted (never
#      installed), its modules indexed with `depmod -b`;
#   3. an uncompressed vmlinux cut out of the bzImage's XZ payload (QEMU boots it through PVH);
#   4. the project's test modules (modules/) built against the headers, plus copies with a
#      broken vermagic;
#   5. a busybox initramfs with guest/init, guest/lib.sh, the virtio/9p modules in dependency
#      order and the test modules.
#
# Every product lives under $LIVEPATCH_CACHE/kernel/<release>/ (default ~/.cache/livepatch-operator)
# in a directory named after the hash of its inputs, completed by an atomic rename, so a second
# run only checks. A lock file keeps two runs from building at once.
#
# stdout: the manifest, KEY=VALUE lines (LP_KERNEL_RELEASE, LP_VMLINUX, LP_INITRAMFS,
# LP_MODULES_DIR, LP_QEMU). Everything else goes to stderr.
set -euo pipefail

# The pinned kernel: Debian bookworm's 6.1 ABI served from the main archive (not only from
# bookworm-security, whose older ABIs disappear sooner). Override to try another one.
KERNEL_ABI="${LIVEPATCH_KERNEL_ABI:-6.1.0-50}"
KERNEL_FLAVOUR=amd64
KREL="$KERNEL_ABI-$KERNEL_FLAVOUR"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LIVEPATCH_CACHE:-${HOME:-/root}/.cache/livepatch-operator}/kernel"
CACHE="$CACHE_ROOT/$KREL"
HEADERS="/usr/src/linux-headers-$KREL"
# Modules the guest needs to mount 9p over virtio-pci; their order comes from modules.dep.
GUEST_KMODS=(virtio_pci 9pnet_virtio 9p)

log() { printf 'prepare.sh: %s\n' "$*" >&2; }
die() { printf 'prepare.sh: error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" into a fresh temporary directory next to $1's final place, then renames it there:
# a crash halfway leaves no half-built product that a later run would trust.
build_dir() {
  local final="$1"; shift
  [[ -d "$final" ]] && return 0
  local tmp="$final.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  "$@" "$tmp"
  mv "$tmp" "$final"
}

hash_of() { # files or directories -> one sha256 over their relative names and contents
  (cd "$HERE" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -c1-16
}

# ---------------------------------------------------------------------------------------------
# 1. Host packages
# ---------------------------------------------------------------------------------------------
apt_lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

install_host_packages() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
    || missing+=(busybox-static)
  command -v depmod >/dev/null && command -v modprobe >/dev/null || missing+=(kmod)
  command -v cpio >/dev/null || missing+=(cpio)
  command -v xz >/dev/null || missing+=(xz-utils)
  command -v readelf >/dev/null || missing+=(binutils)
  command -v make >/dev/null || missing+=(make)
  [[ -f "$HEADERS/Makefile" ]] || missing+=("linux-headers-$KREL")
  ((${#missing[@]} == 0)) && return 0

  [[ $(id -u) == 0 ]] || die "missing host packages (${missing[*]}); run as root or install them"
  if ! apt_lists_present || ! apt-cache show "linux-headers-$KREL" >/dev/null 2>&1; then
    log "apt lists are missing or stale: apt-get update"
    apt-get update -qq >&2
  fi
  log "installing ${missing[*]}"
  if ! apt_install "${missing[@]}"; then
    log "install failed; the lists may name files the mirror no longer has: apt-get update, once more"
    apt-get update -qq >&2
    apt_install "${missing[@]}" \
      || die "failed to install ${missing[*]} (is linux-headers-$KREL still served? apt-cache policy linux-headers-$KREL); nothing else prepared"
  fi
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# ---------------------------------------------------------------------------------------------
# 2. The kernel image package, extracted
# ---------------------------------------------------------------------------------------------
extract_image() { # $1: target dir
  local out="$1" debs="$CACHE/debs"
  mkdir -p "$debs"
  if ! compgen -G "$debs/linux-image-$KREL-unsigned_*.deb" >/dev/null; then
    log "downloading linux-image-$KREL-unsigned"
    (cd "$debs" && apt-get download -qq "linux-image-$KREL-unsigned" >&2) \
      || { apt-get update -qq >&2 && (cd "$debs" && apt-get download -qq "linux-image-$KREL-unsigned" >&2); } \
      || die "failed to download linux-image-$KREL-unsigned (apt-cache policy linux-image-$KREL-unsigned)"
  fi
  local deb
  deb="$(ls "$debs"/linux-image-"$KREL"-unsigned_*.deb | head -1)"
  log "extracting $(basename "$deb")"
  dpkg-deb -x "$deb" "$out"
  [[ -f "$out/boot/vmlinuz-$KREL" ]] || die "no boot/vmlinuz-$KREL in $deb"
  # The package ships no modules.dep (the installed package's postinst runs depmod).
  depmod -b "$out" "$KREL"
}

# ---------------------------------------------------------------------------------------------
# 3. vmlinux out of the bzImage
# ---------------------------------------------------------------------------------------------
extract_vmlinux() { # $1: target dir
  local out="$1" bz="$IMAGE/boot/vmlinuz-$KREL" off
  off="$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$bz" | head -1 | cut -d: -f1)"
  [[ -n "$off" ]] || die "no XZ payload found in $bz"
  # xz complains about the bytes after the stream (the bzImage's tail); the ELF check below decides.
  tail -c "+$((off + 1))" "$bz" | xz -dc >"$out/vmlinux" 2>/dev/null || true
  readelf -h "$out/vmlinux" >/dev/null 2>&1 || die "XZ payload of $bz is not an ELF vmlinux"
  # Xen ELF note type 0x12 (XEN_ELFNOTE_PHYS32_ENTRY) is what QEMU's PVH boot looks for.
  readelf -n "$out/vmlinux" | grep -q 'Xen.*0x00000012' \
    || die "vmlinux from $bz has no PVH entry note; QEMU could not boot it directly"
}

# ---------------------------------------------------------------------------------------------
# 4. The test modules
# ---------------------------------------------------------------------------------------------
build_modules() { # $1: target dir
  local out="$1" build="$1/build"
  mkdir -p "$build"
  cp "$HERE"/modules/*.c "$HERE"/modules/*.h "$HERE"/modules/Kbuild "$build"/
  log "building test modules against $HEADERS"
  # BTF for external modules needs a vmlinux beside the headers: kbuild skips it, unneeded here.
  local rc=0
  nice -n 10 make -s -C "$HEADERS" M="$build" modules >"$out/make.log" 2>&1 || rc=$?
  grep -v '^Skipping BTF generation' "$out/make.log" >&2 || true
  rm -f "$out/make.log"
  ((rc == 0)) || die "failed to build the test modules in $build (make exit $rc); nothing cached"
  local ko
  for ko in "$build"/*.ko; do
    strip --strip-debug -o "$out/$(basename "$ko")" "$ko"
  done
  rm -rf "$build"
  make_bad_vermagic "$out/lp_cmdline_v1.ko" "$out/lp_cmdline_v1.vermagic-release.ko" release
  make_bad_vermagic "$out/lp_cmdline_v1.ko" "$out/lp_cmdline_v1.vermagic-flags.ko" flags
  (cd "$out" && sha256sum -- *.ko >SHA256SUMS)
}

# Copies a module with its .modinfo vermagic changed in place (same length, so nothing moves).
#   release: "6.1.0-50-amd64" -> "5.1.0-50-amd64". With CONFIG_MODVERSIONS the kernel compares
#            only what follows the release, so it LOADS this one: a user-space check must catch it.
#   flags:   "mod_unload " -> "mod_unl0ad ": the kernel refuses it (ENOEXEC, "version magic").
make_bad_vermagic() {
  local src="$1" dst="$2" kind="$3"
  case "$kind" in
    release) VM_FROM="vermagic=$KREL " VM_TO="vermagic=5${KREL:1} " ;;
    flags)   VM_FROM="mod_unload " VM_TO="mod_unl0ad " ;;
  esac
  VM_FROM="$VM_FROM" VM_TO="$VM_TO" perl -0777 -pe \
    'my $n = s/\Q$ENV{VM_FROM}\E/$ENV{VM_TO}/g; die "vermagic not found\n" unless $n == 1' \
    <"$src" >"$dst"
}

# ---------------------------------------------------------------------------------------------
# 5. The initramfs
# ---------------------------------------------------------------------------------------------
build_initramfs() { # $1: target dir
  local out="$1" root="$1/root" mod
  mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,host,shared,etc,lp/kmods,lp/modules}
  cp "$(command -v busybox)" "$root/bin/busybox"
  for a in $("$root/bin/busybox" --list); do
    [[ -e "$root/bin/$a" ]] || ln -s busybox "$root/bin/$a"
  done
  # insmod order for virtio-pci + 9p, dependencies first ("builtin" lines need nothing).
  : >"$root/lp/kmods/order"
  while read -r verb path _; do
    [[ "$verb" == insmod ]] || continue
    mod="$(basename "$path")"
    case "$mod" in
      *.ko.xz) xz -dc "$path" >"$root/lp/kmods/${mod%.xz}"; mod="${mod%.xz}" ;;
      *) cp "$path" "$root/lp/kmods/$mod" ;;
    esac
    grep -qx "$mod" "$root/lp/kmods/order" || echo "$mod" >>"$root/lp/kmods/order"
  done < <(for mod in "${GUEST_KMODS[@]}"; do modprobe -d "$IMAGE" -S "$KREL" --show-depends "$mod"; done)
  log "guest kernel modules: $(tr '\n' ' ' <"$root/lp/kmods/order")"
  cp "$MODULES"/*.ko "$MODULES"/SHA256SUMS "$root/lp/modules/"
  install -m 0755 "$HERE/guest/init" "$root/init"
  install -m 0644 "$HERE/guest/lib.sh" "$root/lp/lib.sh"
  echo "$KREL" >"$root/lp/kernel-release"
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$out/initramfs.cpio"
  rm -rf "$root"
}

main() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE_ROOT/.lock"
  flock 9 || die "failed to lock $CACHE_ROOT/.lock"
  rm -rf "$CACHE"/*.tmp.* # left by a run that died halfway (we hold the lock)

  install_host_packages

  IMAGE="$CACHE/image"
  build_dir "$IMAGE" extract_image

  local vmlinux_dir="$CACHE/vmlinux"
  build_dir "$vmlinux_dir" extract_vmlinux

  MODULES="$CACHE/modules-$(hash_of modules prepare.sh)"
  build_dir "$MODULES" build_modules

  local busybox_version
  busybox_version="$(dpkg-query -W -f='${Version}' busybox-static)"
  local initramfs_dir="$CACHE/initramfs-$( (echo "$busybox_version"; echo "$MODULES"; hash_of guest prepare.sh) | sha256sum | cut -c1-16)"
  build_dir "$initramfs_dir" build_initramfs

  # Products of other inputs (older sources, other checkouts) unused for a week go.
  touch "$MODULES" "$initramfs_dir"
  find "$CACHE" -mindepth 1 -maxdepth 1 \( -name 'modules-*' -o -name 'initramfs-*' \) -mtime +7 \
    -exec rm -rf {} + 2>/dev/null || true

  cat <<EOF
LP_KERNEL_RELEASE=$KREL
LP_VMLINUX=$vmlinux_dir/vmlinux
LP_INITRAMFS=$initramfs_dir/initramfs.cpio
LP_MODULES_DIR=$MODULES
LP_QEMU=$(command -v qemu-system-x86_64)
EOF
}

main "$@"
