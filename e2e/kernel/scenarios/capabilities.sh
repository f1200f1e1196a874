# What a capability probe can find. With no patch loaded /sys/kernel/livepatch is an empty
# directory (attributes.none): nothing says which optional attributes a patch would have; the
# livepatch core's handlers of them are in /proc/kallsyms (kallsyms.handlers: replace_show 6.11+,
# stack_order_show 6.14+). With a patch loaded: enabled, transition, force on every kernel, plus
# replace (6.11+) and stack_order (6.14+) (attributes); per object `patched` and one directory per
# function (object.attributes); never `signal` (4.15-5.0) nor the hybrid proposal's `replaceable`.
# Plus the sysfs write rules and modinfo facts.
. /lp/lib.sh
[ -d "$LP_SYSFS" ] || fail "no $LP_SYSFS"
ls -A "$LP_SYSFS" >/shared/attributes.none
grep -oE ' t (replace|stack_order|replaceable|replace_set)_show$' /proc/kallsyms | cut -d' ' -f3 | sort -u >/shared/kallsyms.handlers
assert_eq "" "$(lp_list)" "patches at boot"
assert_eq -1 "$(cat /proc/self/patch_state)" "patch_state with no transition"
[ -n "$(cat /proc/sys/kernel/random/boot_id)" ] || fail "no boot_id"

lp_load lp_cmdline_v1
d="$LP_SYSFS/lp_cmdline_v1"
ls "$d" | tee /shared/attributes
ls "$d/vmlinux" >/shared/object.attributes
for a in enabled transition force; do [ -e "$d/$a" ] || fail "missing attribute $a"; done
for a in signal replaceable; do [ -e "$d/$a" ] && fail "unexpected attribute $a"; done

# Writing the current value is EINVAL; force is write-only.
echo 1 >"$d/enabled" 2>/shared/write.err && fail "writing 1 to an enabled patch succeeded"
assert_file_contains /shared/write.err "Invalid argument"
cat "$d/force" 2>/dev/null && fail "force is readable"

# modinfo of a livepatch module: livepatch=Y and the vermagic of this kernel; the plain one has none.
strings "$LP_MODULES/lp_cmdline_v1.ko" | grep -qx "livepatch=Y" || fail "no livepatch=Y in lp_cmdline_v1.ko"
strings "$LP_MODULES/lp_cmdline_v1.ko" | grep -q "^vermagic=$(uname -r) " || fail "vermagic is not $(uname -r)"
strings "$LP_MODULES/lp_plain.ko" | grep -q "^livepatch=" && fail "lp_plain.ko claims to be a livepatch"

# Taint: K (livepatch, 1<<15) and O (out-of-tree, 1<<12) are set once a patch is loaded.
taint=$(cat /proc/sys/kernel/tainted)
[ $((taint & 32768)) -ne 0 ] || fail "no TAINT_LIVEPATCH in $taint"
[ $((taint & 4096)) -ne 0 ] || fail "no TAINT_OOT_MODULE in $taint"
lp_unload lp_cmdline_v1
log "capabilities ok: $(tr '\n' ' ' </shared/attributes)"
