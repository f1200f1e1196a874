#!/bin/bash
# Boots the test VM once: run-vm.sh SHARED_DIR
#
# SHARED_DIR (a host directory) must hold script.sh (run by the guest's /bin/sh) and may hold
# env.sh (sourced before it; LP_SHARED_HOST=SHARED_DIR there puts the directory at its host
# path inside the guest's chroot /host too). The guest writes exit-code there and whatever the
# script leaves. The serial console is this script's stdout; QEMU exits when the guest powers off.
#
# The kernel, initramfs and QEMU come from the environment (LP_VMLINUX, LP_INITRAMFS, LP_QEMU),
# as prepare.sh prints them; without them this script runs prepare.sh itself for LP_KERNEL_SUITE
# (bookworm, trixie or sid; default bookworm):
#   LP_KERNEL_SUITE=sid e2e/kernel/run-vm.sh /path/to/dir
# Knobs: LP_VM_MEMORY (default 1024M), LP_VM_CPU (default qemu64: under TCG "max" makes the
# kernel boot and a JVM start two to three times slower), LP_VM_APPEND (extra kernel cmdline),
# LP_VM_QEMU_ARGS (extra QEMU arguments, split at spaces: the node tier's network and disk).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shared="$(cd "${1:?usage: run-vm.sh SHARED_DIR}" && pwd)"
[[ -f "$shared/script.sh" ]] || { echo "run-vm.sh: no script.sh in $shared" >&2; exit 2; }

if [[ -z "${LP_VMLINUX:-}" || -z "${LP_INITRAMFS:-}" || -z "${LP_QEMU:-}" ]]; then
  eval "$("$HERE/prepare.sh" "${LP_KERNEL_SUITE:-bookworm}")"
fi

# One vCPU under TCG: with two, every transition waits for the kernel's one-second retry.
# no_timer_check: on a loaded host (load average 15) a boot panicked in check_timer() ("IO-APIC +
# timer doesn't work!"): TCG ran too slowly for the kernel's test of the 8254 timer interrupt.
exec "$LP_QEMU" \
  -machine pc,accel=tcg -cpu "${LP_VM_CPU:-qemu64}" -smp 1 -m "${LP_VM_MEMORY:-1024M}" \
  -nodefaults -no-user-config -display none -no-reboot \
  -serial stdio \
  -kernel "$LP_VMLINUX" -initrd "$LP_INITRAMFS" \
  -append "console=ttyS0 quiet panic=-1 no_timer_check ${LP_VM_APPEND:-}" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$shared,mount_tag=shared,security_model=none,multidevs=remap" \
  ${LP_VM_QEMU_ARGS:-} \
  </dev/null
