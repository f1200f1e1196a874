package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.kernel.ModuleImage;

import java.util.Set;

/** Gives verified module images from the host cache, fetching a module from its source when not cached. */
public interface ModuleStore {
    /**
     * The cached file of {@code module}, read and held open: its sha256 matches the spec, it is a
     * livepatch, its modinfo name is the spec's name, and its vermagic names {@code kernelRelease}.
     * Throws with the reason and a message a user can act on; {@link ModuleException#retryable()}
     * says whether trying again later can help. The caller closes the image.
     */
    ModuleImage verified(NodeModule module, String kernelRelease) throws ModuleException;

    /** Removes cached files whose sha256 is not in {@code referenced} once they are older than the store's grace period. */
    default void prune(Set<String> referenced) {}
}
