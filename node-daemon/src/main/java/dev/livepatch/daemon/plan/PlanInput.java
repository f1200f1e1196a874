package dev.livepatch.daemon.plan;

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
 */
public record PlanInput(List<Patch> patches, Set<String> loadedModules, boolean hybridAttr, List<Desired> desired, Map<String, Managed> managed,
                        Map<String, String> pendingUnloads) {
    public PlanInput {
        patches = List.copyOf(patches);
        loadedModules = Set.copyOf(loadedModules);
        desired = List.copyOf(desired);
        managed = Map.copyOf(managed);
        pendingUnloads = Map.copyOf(pendingUnloads);
    }

    /** A patch directory. {@code replaceableAttr} is the hybrid attribute's value, null where the kernel lacks it. */
    public record Patch(String name, boolean enabled, Boolean replaceableAttr) {}

    /** What the daemon recorded when it loaded a patch. */
    public record Managed(String name, String sha256, boolean replaceable, boolean atomicReplace, String livePatch) {}

    /**
     * One member of D. {@code blocked}: not to be loaded now (Failed until its spec entry changes, or
     * its file is not available), yet its name stays desired, so a loaded copy is not retired.
     */
    public record Desired(String name, String sha256, boolean replaceable, boolean atomicReplace, boolean blocked, String livePatch) {
        public boolean pinned() { return !replaceable; }
    }
}
