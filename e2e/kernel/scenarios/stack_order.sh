# stack_order (6.14+): each patch's place in the kernel's stack, 1 the oldest, in load order. When
# a patch in the middle is removed the ones above it move down (no gap). Kernels without the
# attribute record "-" for every patch. Writes stack_order.three and stack_order.two
# ("<patch> <order>" lines, by load order).
. /lp/lib.sh
orders() { for p in "$@"; do echo "$p $(lp_attr "$p" stack_order)"; done; }

lp_load lp_cmdline_v1
lp_load lp_cmdline_v2
lp_load lp_version_v1
orders lp_cmdline_v1 lp_cmdline_v2 lp_version_v1 | tee /shared/stack_order.three

lp_unload lp_cmdline_v2
assert_file_contains /proc/cmdline "livepatched by lp_cmdline_v1"
orders lp_cmdline_v1 lp_version_v1 | tee /shared/stack_order.two

lp_unload lp_version_v1
lp_unload lp_cmdline_v1
log "stack_order recorded"
