package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.NodeModule;

import java.nio.file.Path;

/** Gives the path of a verified module file in the host cache, fetching it from its source when not cached. */
public interface ModuleStore {
    /**
     * The cached file of {@code module}: its sha256 matches the spec, it is a livepatch, and its
     * vermagic names {@code kernelRelease}. Throws with the reason and a message a user can act on.
     */
    Path verified(NodeModule module, String kernelRelease) throws ModuleException;
}
