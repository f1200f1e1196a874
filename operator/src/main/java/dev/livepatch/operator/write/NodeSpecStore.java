package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.NodeLivePatch;

/**
 * Stores one node's spec; the one side effect on NodeLivePatches. Production: {@link AppliedNodeSpecs}.
 */
public interface NodeSpecStore {
    /**
     * Creates the object when {@code spec.current()} is null, else replaces its spec, sending the
     * resourceVersion decided from (a lost race is a 409 {@code KubernetesClientException}).
     * Returns the stored object. Never called for an unchanged spec.
     */
    NodeLivePatch store(NodeSpec spec);
}
