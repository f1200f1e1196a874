package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.KernelCapabilities;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel as read at one instant: everything one step of the daemon decides from. Read whole
 * or not at all: a read that fails (EACCES, EMFILE) fails the snapshot, so a broken read is never
 * taken for "absent".
 *
 * @param patches the patch directories, as the kernel lists them
 * @param modules loaded modules with their refcount
 * @param buildIds the build id of each patch's module, where it has one (a patch is named after its module)
 */
public record KernelSnapshot(String release, String bootId, KernelCapabilities capabilities, List<PatchState> patches,
                             Map<String, Integer> modules, Map<String, String> buildIds) {
    public KernelSnapshot {
        patches = List.copyOf(patches);
        modules = Map.copyOf(modules);
        buildIds = Map.copyOf(buildIds);
    }

    /** Reads {@code kernel} whole; the first read that fails fails the snapshot. */
    public static KernelSnapshot read(Kernel kernel) throws KernelException {
        List<PatchState> patches = kernel.patches();
        Map<String, String> buildIds = new java.util.HashMap<>();
        for (PatchState p : patches) kernel.moduleBuildId(p.name()).ifPresent(id -> buildIds.put(p.name(), id));
        return new KernelSnapshot(kernel.release(), kernel.bootId(), kernel.capabilities(), patches, kernel.modules(), buildIds);
    }

    public Optional<PatchState> patch(String name) {
        return patches.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<PatchState> inTransition() {
        return patches.stream().filter(PatchState::transition).findFirst();
    }

    public boolean moduleLoaded(String name) { return modules.containsKey(name); }

    public boolean livepatch() { return Boolean.TRUE.equals(capabilities.getLivepatch()); }
}
