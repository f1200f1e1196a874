#!/bin/bash
# Prepares everything the real-kernel tier (docs/design.md §8, tier 3) boots, idempotently:
#
#   prepare.sh [bookworm|trixie|sid]      (default bookworm: Debian 6.1; trixie 6.12; sid 7.2)
#   prepare.sh --print-release SUITE      (the pinned release, e.g. 6.12.117+deb13-amd64; no work)
#
#   1. host packages from Debian (qemu-system-x86, busybox-static, kmod, cpio, xz-utils, zstd,
#      debootstrap; for the host's own suite the headers of its pinned kernel), installed only
#      when something is missing;
#   2. for another suite than the host's: the tier's own apt configuration (its sources.list
#      naming trixie and sid, its own lists, cache and state; the machine's /etc/apt is never
#      touched) and a debootstrap chroot of that suite with the compiler the headers depend on:
#      their host tools (fixdep, modpost, objtool) are linked against that suite's libc;
#   3. the kernel's image package(s), fetched with `apt-get download` and extracted (never
#      installed), its modules indexed with `depmod -b`;
#   4. an uncompressed vmlinux cut out of the bzImage's XZ or zstd payload (QEMU boots it
#      through PVH);
#   5. the project's test modules (modules/) built against the headers, plus copies with a
#      broken vermagic;
#   6. a busybox initramfs with guest/init, guest/lib.sh, the virtio/9p modules in dependency
#      order and the test modules.
#
# Every product lives under $LIVEPATCH_CACHE/kernel/<release>/ (default ~/.cache/livepatch-operator)
# in a directory named after the hash of its inputs, completed by an atomic rename, so a second
# run only checks; the chroots under kernel/chroot/<suite>-<hash of suite and packages>. A lock
# file keeps two runs from building at once.
#
# stdout: the manifest, KEY=VALUE lines (LP_KERNEL_SUITE, LP_KERNEL_RELEASE, LP_VMLINUX,
# LP_INITRAMFS, LP_MODULES_DIR, LP_QEMU, LP_VM_CPU, LP_VM_APPEND). Everything else goes to stderr.
set -euo pipefail

# The pinned kernels, one per suite: the ABI that suite's main archive serves (not only its
# security archive, whose older ABIs disappear sooner; sid keeps one version, so its pin moves
# with it). Override with LIVEPATCH_KERNEL_ABI_<SUITE>, e.g. LIVEPATCH_KERNEL_ABI_SID=7.2.14+deb14.
PRINT_RELEASE=false
[[ "${1:-}" == --print-release ]] && { PRINT_RELEASE=true; shift; }
SUITE="${1:-${LIVEPATCH_KERNEL_SUITE:-bookworm}}"
case "$SUITE" in
  bookworm) KERNEL_ABI="${LIVEPATCH_KERNEL_ABI_BOOKWORM:-${LIVEPATCH_KERNEL_ABI:-6.1.0-50}}" ;;
  trixie) KERNEL_ABI="${LIVEPATCH_KERNEL_ABI_TRIXIE:-6.12.117+deb13}" ;;
  sid) KERNEL_ABI="${LIVEPATCH_KERNEL_ABI_SID:-7.2.13+deb14}" ;;
  *) printf 'prepare.sh: error: unknown suite %s (bookworm, trixie or sid)\n' "$SUITE" >&2; exit 2 ;;
esac
KERNEL_FLAVOUR=amd64
KREL="$KERNEL_ABI-$KERNEL_FLAVOUR"
if $PRINT_RELEASE; then echo "$KREL"; exit 0; fi # the pinned release only; nothing prepared
# The host's suite builds with the host's compiler and headers; another one in its chroot.
HOST_SUITE="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${LIVEPATCH_CACHE:-${HOME:-/root}/.cache/livepatch-operator}/kernel"
CACHE="$CACHE_ROOT/$KREL"
if [[ "$SUITE" == "$HOST_SUITE" ]]; then HEADERS="/usr/src/linux-headers-$KREL"; else HEADERS=""; fi
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
  command -v zstd >/dev/null || missing+=(zstd)
  command -v readelf >/dev/null || missing+=(binutils)
  command -v make >/dev/null || missing+=(make)
  if [[ -n "$HEADERS" ]]; then
    [[ -f "$HEADERS/Makefile" ]] || missing+=("linux-headers-$KREL")
  else
    command -v debootstrap >/dev/null || missing+=(debootstrap)
  fi
  ((${#missing[@]} == 0)) && return 0

  [[ $(id -u) == 0 ]] || die "missing host packages (${missing[*]}); run as root or install them"
  if ! apt_lists_present || { [[ -n "$HEADERS" ]] && ! apt-cache show "linux-headers-$KREL" >/dev/null 2>&1; }; then
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
# 2. The tier's own apt (other suites than the host's) and the suite's build chroot
# ---------------------------------------------------------------------------------------------
# apt-get/apt-cache with the tier's own sources.list and its own lists, cache and state under
# $CACHE_ROOT/apt; nothing of the machine's /etc/apt is read but the archive keyring.
OWN_APT="$CACHE_ROOT/apt"
own_apt_options() {
  printf '%s\n' -o "Dir::Etc::SourceList=$OWN_APT/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
    -o "Dir::State::Lists=$OWN_APT/lists" -o "Dir::State::status=$OWN_APT/status" \
    -o "Dir::Cache=$OWN_APT/cache" -o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
    -o APT::Sandbox::User=root
}
own_apt() { # apt-get|apt-cache ARGS...
  local tool="$1"; shift
  local opts; mapfile -t opts < <(own_apt_options)
  "$tool" "${opts[@]}" "$@"
}

setup_own_apt() {
  mkdir -p "$OWN_APT"/lists/partial "$OWN_APT"/cache/archives/partial
  [[ -f "$OWN_APT/status" ]] || : >"$OWN_APT/status"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg list
  list="$(printf 'deb [signed-by=%s] http://deb.debian.org/debian %s main\n' "$keyring" trixie "$keyring" sid)"
  [[ -f "$OWN_APT/sources.list" && "$(cat "$OWN_APT/sources.list")" == "$list" ]] \
    || printf '%s\n' "$list" >"$OWN_APT/sources.list"
  if ! compgen -G "$OWN_APT/lists/*_Packages*" >/dev/null \
    || ! own_apt apt-cache show "linux-headers-$KREL" >/dev/null 2>&1; then
    log "the tier's apt lists ($OWN_APT) are missing or lack linux-headers-$KREL: apt-get update"
    own_apt apt-get update -qq >&2 || die "apt-get update of $OWN_APT/sources.list failed"
  fi
  own_apt apt-cache show "linux-headers-$KREL" >/dev/null 2>&1 \
    || die "$SUITE serves no linux-headers-$KREL; it serves: $(own_apt apt-cache search "^linux-headers-[0-9].*-$KERNEL_FLAVOUR\$" | cut -d' ' -f1 | tr '\n' ' ') (set LIVEPATCH_KERNEL_ABI_${SUITE^^})"
}

# Downloads packages into $CACHE/debs (once; the lists are refreshed once if a file is gone).
download_debs() {
  local debs="$CACHE/debs" p want=()
  mkdir -p "$debs"
  for p in "$@"; do compgen -G "$debs/${p}_*.deb" >/dev/null || want+=("$p"); done
  ((${#want[@]} == 0)) && return 0
  log "downloading ${want[*]}"
  local get=(apt-get); [[ -n "$HEADERS" ]] || get=(own_apt apt-get)
  (cd "$debs" && "${get[@]}" download -qq "${want[@]}" >&2) \
    || { "${get[@]}" update -qq >&2 && (cd "$debs" && "${get[@]}" download -qq "${want[@]}" >&2); } \
    || die "failed to download ${want[*]} (apt-cache policy ${want[*]})"
}

deb_of() { ls "$CACHE/debs/$1"_*.deb | head -1; }

# The packages the headers depend on for building: the compiler their Makefile names (gcc-14 in
# trixie, gcc-16-for-host in sid) and the libraries of their host tools.
chroot_packages() {
  local gcc
  gcc="$(own_apt apt-cache show "linux-headers-$KREL" | sed -n 's/^Depends: //p' | head -1 \
    | grep -oE '(^|[ ,])gcc-[0-9]+(-for-host)?' | tr -d ' ,' | head -1)"
  [[ -n "$gcc" ]] || die "linux-headers-$KREL names no gcc-N among its dependencies"
  echo "$gcc,make,libc6-dev,libelf1t64,libssl3t64,zlib1g,pahole"
}

CHROOT_RECIPE=minbase-1 # bump when make_chroot changes what it makes
make_chroot() { # $1: target dir
  log "debootstrap --variant=minbase $SUITE with $CHROOT_PACKAGES"
  debootstrap --variant=minbase --include="$CHROOT_PACKAGES" "$SUITE" "$1" http://deb.debian.org/debian \
    >"$1.log" 2>&1 || { tail -20 "$1.log" >&2; die "debootstrap of $SUITE failed (log above)"; }
  rm -f "$1.log"
  rm -rf "$1"/var/cache/apt/archives/*.deb
  mkdir -p "$1/build"
}

extract_headers() { # $1: target dir: usr/src/linux-headers-$KREL{,-common}, linux-kbuild-*
  local common kbuild
  setup_own_apt
  common="linux-headers-$KERNEL_ABI-common"
  kbuild="linux-kbuild-$KERNEL_ABI"
  download_debs "linux-headers-$KREL" "$common" "$kbuild"
  local p; for p in "linux-headers-$KREL" "$common" "$kbuild"; do dpkg-deb -x "$(deb_of "$p")" "$1"; done
  [[ -f "$1/usr/src/linux-headers-$KREL/Makefile" ]] || die "no usr/src/linux-headers-$KREL/Makefile in the headers' packages"
}

# ---------------------------------------------------------------------------------------------
# 3. The kernel image package, extracted
# ---------------------------------------------------------------------------------------------
# bookworm and trixie ship linux-image-<rel>-unsigned (boot/vmlinuz-<rel>, modules); sid since
# 6.17 splits it: linux-binary-<rel> (usr/lib/modules/<rel>/vmlinuz), linux-modules-<rel> and
# linux-base-<rel> (modules.builtin, modules.order).
image_packages() {
  local show=(apt-cache); [[ -n "$HEADERS" ]] || show=(own_apt apt-cache)
  if "${show[@]}" show "linux-image-$KREL-unsigned" >/dev/null 2>&1; then
    echo "linux-image-$KREL-unsigned"
  else
    echo "linux-binary-$KREL" "linux-modules-$KREL" "linux-base-$KREL"
  fi
}

extract_image() { # $1: target dir
  local out="$1" p pkgs
  [[ -n "$HEADERS" ]] || setup_own_apt
  read -ra pkgs < <(image_packages)
  download_debs "${pkgs[@]}"
  for p in "${pkgs[@]}"; do log "extracting $(basename "$(deb_of "$p")")"; dpkg-deb -x "$(deb_of "$p")" "$out"; done
  # Merged /usr (trixie on): the modules are under usr/lib/modules; depmod -b and modprobe -d look in lib/.
  [[ -e "$out/lib" ]] || ln -s usr/lib "$out/lib"
  [[ -n "$(vmlinuz_of "$out")" ]] || die "no vmlinuz in ${pkgs[*]}"
  # The packages ship no modules.dep (the installed package's postinst runs depmod).
  depmod -b "$out" "$KREL"
}

# ---------------------------------------------------------------------------------------------
# 4. vmlinux out of the bzImage
# ---------------------------------------------------------------------------------------------
vmlinuz_of() { # the bzImage in an extracted image: boot/ (bookworm, trixie) or the modules dir (sid)
  local bz
  for bz in "$1/boot/vmlinuz-$KREL" "$1/lib/modules/$KREL/vmlinuz"; do
    [[ -f "$bz" ]] && { echo "$bz"; return 0; }
  done
}

extract_vmlinux() { # $1: target dir
  local out="$1" bz off magic tool
  bz="$(vmlinuz_of "$IMAGE")"
  # The payload's compressor: XZ in bookworm's 6.1, zstd in trixie's 6.12 and sid's 7.2.
  for magic in 'xz:\xfd\x37\x7a\x58\x5a\x00' 'zstd:\x28\xb5\x2f\xfd'; do
    tool="${magic%%:*}"
    off="$(LC_ALL=C grep -obUaP "${magic#*:}" "$bz" | head -1 | cut -d: -f1 || true)"
    [[ -n "$off" ]] || continue
    # The decompressor complains about the bytes after the stream (the bzImage's tail); the ELF check decides.
    tail -c "+$((off + 1))" "$bz" | "$tool" -dc >"$out/vmlinux" 2>/dev/null || true
    readelf -h "$out/vmlinux" >/dev/null 2>&1 && break
    rm -f "$out/vmlinux"
  done
  [[ -f "$out/vmlinux" ]] || die "no XZ or zstd payload of $bz is an ELF vmlinux"
  # Xen ELF note type 0x12 (XEN_ELFNOTE_PHYS32_ENTRY) is what QEMU's PVH boot looks for.
  readelf -n "$out/vmlinux" | grep -q 'Xen.*0x00000012' \
    || die "vmlinux from $bz has no PVH entry note; QEMU could not boot it directly"
}

# ---------------------------------------------------------------------------------------------
# 5. The test modules
# ---------------------------------------------------------------------------------------------
build_modules() { # $1: target dir
  local out="$1" build="$1/build"
  mkdir -p "$build"
  cp "$HERE"/modules/*.c "$HERE"/modules/*.h "$HERE"/modules/Kbuild "$build"/
  local rc=0
  if [[ -n "$HEADERS" ]]; then
    log "building test modules against $HEADERS"
    # BTF for external modules needs a vmlinux beside the headers: kbuild skips it, unneeded here.
    nice -n 10 make -s -C "$HEADERS" M="$build" modules >"$out/make.log" 2>&1 || rc=$?
  else
    log "building test modules against linux-headers-$KREL in $CHROOT"
    # In a private mount namespace: the chroot gets /proc (objtool reads its limits there), the
    # headers at /usr/src, their kbuild tools at /usr/lib/linux-kbuild-<abi> (an empty mount
    # point is all this leaves in the chroot) and the build directory at /build; nothing stays
    # mounted after. The chroot's own strip: the modules' binutils are that suite's (sid's
    # gcc-16-for-host brings only the triplet-named binutils).
    local kbuild="usr/lib/linux-kbuild-$KERNEL_ABI"
    mkdir -p "$CHROOT/$kbuild"
    unshare --mount --fork /bin/sh -c '
      mount -t proc proc "$1/proc" && mount --bind "$2/usr/src" "$1/usr/src" &&
      mount --bind "$2/$5" "$1/$5" && mount --bind "$3" "$1/build" &&
      exec chroot "$1" /bin/sh -c "nice -n 10 make -s -C /usr/src/linux-headers-$4 M=/build modules && s=\$(command -v strip || command -v x86_64-linux-gnu-strip) && for k in /build/*.ko; do \$s --strip-debug \"\$k\"; done"
    ' sh "$CHROOT" "$HEADERS_DIR" "$build" "$KREL" "$kbuild" >"$out/make.log" 2>&1 || rc=$?
  fi
  grep -v '^Skipping BTF generation' "$out/make.log" >&2 || true
  rm -f "$out/make.log"
  ((rc == 0)) || die "failed to build the test modules in $build (make exit $rc); nothing cached"
  local ko
  for ko in "$build"/*.ko; do
    if [[ -n "$HEADERS" ]]; then strip --strip-debug -o "$out/$(basename "$ko")" "$ko"; else cp "$ko" "$out/"; fi
  done
  rm -rf "$build"
  make_bad_vermagic "$out/lp_cmdline_v1.ko" "$out/lp_cmdline_v1.vermagic-release.ko" release
  make_bad_vermagic "$out/lp_cmdline_v1.ko" "$out/lp_cmdline_v1.vermagic-flags.ko" flags
  (cd "$out" && sha256sum -- *.ko >SHA256SUMS)
}

# Copies a module with its .modinfo vermagic changed in place (same length, so nothing moves).
#   release: "6.1.0-50-amd64" -> "5.1.0-50-amd64". With CONFIG_MODVERSIONS (6.1, 6.12) the kernel
#            compares only what follows the release, so it LOADS this one: a user-space check must
#            catch it. Without it (sid's 7.2) the kernel compares the whole string and refuses it.
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
# 6. The initramfs
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
      *.ko.zst) zstd -qdc "$path" >"$root/lp/kmods/${mod%.zst}"; mod="${mod%.zst}" ;;
      *) cp "$path" "$root/lp/kmods/$mod" ;;
    esac
    grep -qx "$mod" "$root/lp/kmods/order" || echo "$mod" >>"$root/lp/kmods/order"
  done < <(for mod in "${GUEST_KMODS[@]}"; do modprobe -d "$IMAGE" -S "$KREL" --show-depends "$mod" \
             || die "modprobe --show-depends $mod failed for $KREL"; done)
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
  rm -rf "$CACHE"/*.tmp.* "$CACHE_ROOT"/chroot/*.tmp.* # left by a run that died halfway (we hold the lock)

  install_host_packages

  local toolchain
  if [[ -n "$HEADERS" ]]; then
    toolchain="host $(gcc -dumpfullversion 2>/dev/null || echo unknown)"
  else
    # What the pinned release needs from the archive, asked once (apt-cache on the tier's lists
    # takes seconds) and kept beside the release's products: a warm run asks apt nothing.
    if [[ ! -f "$CACHE/chroot-packages" ]]; then
      setup_own_apt
      chroot_packages >"$CACHE/chroot-packages.tmp" && mv "$CACHE/chroot-packages.tmp" "$CACHE/chroot-packages"
    fi
    CHROOT_PACKAGES="$(cat "$CACHE/chroot-packages")"
    # Keyed by what makes it, not by this script: an edit here must not cost a new chroot.
    CHROOT="$CACHE_ROOT/chroot/$SUITE-$(echo "$CHROOT_RECIPE $SUITE $CHROOT_PACKAGES $(dpkg-query -W -f='${Version}' debootstrap)" | sha256sum | cut -c1-16)"
    mkdir -p "$CACHE_ROOT/chroot"
    build_dir "$CHROOT" make_chroot
    HEADERS_DIR="$CACHE/headers"
    build_dir "$HEADERS_DIR" extract_headers
    toolchain="$CHROOT"
  fi

  IMAGE="$CACHE/image"
  build_dir "$IMAGE" extract_image

  local vmlinux_dir="$CACHE/vmlinux"
  build_dir "$vmlinux_dir" extract_vmlinux

  MODULES="$CACHE/modules-$( (echo "$toolchain"; hash_of modules prepare.sh) | sha256sum | cut -c1-16)"
  build_dir "$MODULES" build_modules

  local busybox_version
  busybox_version="$(dpkg-query -W -f='${Version}' busybox-static)"
  local initramfs_dir="$CACHE/initramfs-$( (echo "$busybox_version"; echo "$MODULES"; hash_of guest prepare.sh) | sha256sum | cut -c1-16)"
  build_dir "$initramfs_dir" build_initramfs

  # Products of other inputs (older sources, other checkouts) unused for a week go.
  touch "$MODULES" "$initramfs_dir"
  find "$CACHE" -mindepth 1 -maxdepth 1 \( -name 'modules-*' -o -name 'initramfs-*' \) -mtime +7 \
    -exec rm -rf {} + 2>/dev/null || true

  cat <<EOM
LP_KERNEL_SUITE=$SUITE
LP_KERNEL_RELEASE=$KREL
LP_VMLINUX=$vmlinux_dir/vmlinux
LP_INITRAMFS=$initramfs_dir/initramfs.cpio
LP_MODULES_DIR=$MODULES
LP_QEMU=$(command -v qemu-system-x86_64)
EOM
}

main "$@"
