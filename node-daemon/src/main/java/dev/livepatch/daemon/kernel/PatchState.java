package dev.livepatch.daemon.kernel;

import java.util.Set;

/**
 * One directory of {@code /sys/kernel/livepatch} as read at one instant.
 *
 * @param replace        the {@code replace} attribute (6.11+), null where the kernel lacks it
 * @param stackOrder     the {@code stack_order} attribute (6.14+), null where the kernel lacks it
 * @param replaceableAttr the proposed hybrid {@code replaceable} attribute, null where the kernel lacks it
 * @param functions      the functions it patches, from its {@code <object>/<function>,<sympos>} directories
 */
public record PatchState(String name, boolean enabled, boolean transition, Boolean replace, Integer stackOrder, Boolean replaceableAttr,
                         Set<PatchedFunction> functions) {
    public PatchState {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("patch name is empty");
        functions = Set.copyOf(functions);
    }

    /** A patch whose functions do not matter to the caller (tests of other rules). */
    public PatchState(String name, boolean enabled, boolean transition, Boolean replace, Integer stackOrder, Boolean replaceableAttr) {
        this(name, enabled, transition, replace, stackOrder, replaceableAttr, Set.of());
    }
}
