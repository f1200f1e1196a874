package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * NodeLivePatch specs by server-side apply of the whole spec under the operator's field manager,
 * with the resourceVersion it decided from as a precondition.
 */
public final class AppliedNodeSpecs implements NodeSpecStore {
    private final KubernetesClient client;
    private final String fieldManager;

    public AppliedNodeSpecs(KubernetesClient client, String fieldManager) {
        this.client = client;
        this.fieldManager = fieldManager;
    }

    @Override
    public NodeLivePatch store(NodeSpec spec) {
        NodeLivePatch desired = spec.desired();
        if (spec.current() == null) {
            // Create, never apply: an apply without a resourceVersion from a cache that has not yet
            // seen an existing object would overwrite its spec (and the daemon would retire what it
            // names). A create of an existing object fails with 409, like any lost race.
            return client.resource(desired).create();
        }
        return client.resource(desired).fieldManager(fieldManager).forceConflicts().serverSideApply();
    }
}
