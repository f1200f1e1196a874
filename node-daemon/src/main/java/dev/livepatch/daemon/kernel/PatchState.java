package dev.livepatch.daemon.kernel;

/**
 * One directory of {@code /sys/kernel/livepatch} as read at one instant.
 *
 * @param replace        the {@code replace} attribute (6.11+), null where the kernel lacks it
 * @param stackOrder     the {@code stack_order} attribute (6.14+), null where the kernel lacks it
 * @param replaceableAttr the proposed hybrid {@code replaceable} attribute, null where the kernel lacks it
 */
public record PatchState(String name, boolean enabled, boolean transition, Boolean replace, Integer stackOrder, Boolean replaceableAttr) {
    public PatchState {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("patch name is empty");
    }
}
