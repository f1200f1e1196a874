package dev.livepatch.daemon.plan;

import dev.livepatch.daemon.kernel.PatchedFunction;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the planner decides from: the kernel as read now, the desired set, the daemon's records.
 *
 * @param patches       the patch directories, bottom of the stack first (by stack_order, else by load order)
 * @param loadedModules module names in /proc/modules (a module can outlive its patch directory)
 * @param hybridAttr    the kernel has the proposed hybrid {@code replaceable} attribute
 * @param desired       the desired set D in load order
 * @param managed       patches this daemon loaded and still manages, by name
 * @param pendingUnloads modules waiting out their rmmod grace period, with the instant it ends
 * @param kernelOrder   {@code patches} is in the kernel's stack_order; else in the daemon's recorded load order
 * @param baking        desired patches enabled whose health watch is running, or failed under {@code onUnhealthy: Pause}:
 *                      their LivePatch's older patches are not retired yet (docs/design.md §5 rule 13)
 * @param unhealthy     desired patches whose health gate failed under {@code onUnhealthy: Revert}, with the failure's words
 */
public record PlanInput(List<Patch> patches, Set<String> loadedModules, boolean hybridAttr, List<Desired> desired, Map<String, Managed> managed,
                        Map<String, String> pendingUnloads, boolean kernelOrder, Set<String> baking, Map<String, String> unhealthy) {
    public PlanInput {
        patches = List.copyOf(patches);
        loadedModules = Set.copyOf(loadedModules);
        desired = List.copyOf(desired);
        managed = Map.copyOf(managed);
        pendingUnloads = Map.copyOf(pendingUnloads);
        baking = Set.copyOf(baking);
        unhealthy = Map.copyOf(unhealthy);
    }

    /** No health watch running or failed. */
    public PlanInput(List<Patch> patches, Set<String> loadedModules, boolean hybridAttr, List<Desired> desired, Map<String, Managed> managed,
                     Map<String, String> pendingUnloads, boolean kernelOrder) {
        this(patches, loadedModules, hybridAttr, desired, managed, pendingUnloads, kernelOrder, Set.of(), Map.of());
    }

    /**
     * A patch directory. {@code replaceableAttr} is the hybrid attribute's value and {@code replace} the
     * kernel's {@code replace}, each null where the kernel lacks it; {@code functions} what it patches.
     */
    public record Patch(String name, boolean enabled, Boolean replaceableAttr, Boolean replace, Set<PatchedFunction> functions) {
        public Patch {
            functions = Set.copyOf(functions);
        }

        public Patch(String name, boolean enabled, Boolean replaceableAttr) { this(name, enabled, replaceableAttr, null, Set.of()); }
    }

    /**
     * What the daemon recorded when it loaded a patch. {@code adopted}: taken over from the kernel after
     * the records were lost, so where the kernel has no stack_order its place in the stack is a guess.
     */
    public record Managed(String name, String sha256, boolean replaceable, boolean atomicReplace, String livePatch, boolean adopted) {
        public Managed(String name, String sha256, boolean replaceable, boolean atomicReplace, String livePatch) {
            this(name, sha256, replaceable, atomicReplace, livePatch, false);
        }
    }

    /**
     * One member of D. {@code blocked}: not to be loaded now (Failed until its spec entry changes, or
     * its file is not available), yet its name stays desired, so a loaded copy is not retired.
     */
    public record Desired(String name, String sha256, boolean replaceable, boolean atomicReplace, boolean blocked, String livePatch,
                          Built built, Set<String> allowedOverlaps) {
        public Desired {
            allowedOverlaps = Set.copyOf(allowedOverlaps);
        }

        public Desired(String name, String sha256, boolean replaceable, boolean atomicReplace, boolean blocked, String livePatch) {
            this(name, sha256, replaceable, atomicReplace, blocked, livePatch, null, Set.of());
        }

        public boolean pinned() { return !replaceable; }
    }

    /**
     * What the module's file says it patches, read before the load where that is reliable (null where
     * not: the kernel's sysfs tells after the load): its klp_patch.replace and its functions.
     */
    public record Built(boolean replace, Set<PatchedFunction> functions) {
        public Built {
            functions = Set.copyOf(functions);
        }
    }
}
