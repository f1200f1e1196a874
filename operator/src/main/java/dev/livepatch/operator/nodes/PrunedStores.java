package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * Informer stores that keep only what the operator reads ({@link FleetInformers}' caches of every
 * Node and every NodeLivePatch); at 5,000 nodes the parts nobody reads (a real Node's image list alone
 * is tens of KiB; managedFields on every object) would dominate the heap. Pruned on the way in,
 * before any event handler or reconciler sees the object, so every reader sees the same thing.
 */
public final class PrunedStores {
    private PrunedStores() {}

    /**
     * Nodes without managedFields, images or volumes: labels, annotations (JOSDK reads its own
     * there), nodeInfo and conditions stay.
     */
    public static final class Nodes extends BasicItemStore<Node> {
        public Nodes() {
            super(Cache::metaNamespaceKeyFunc);
        }

        @Override
        public Node put(String key, Node node) {
            node.getMetadata().setManagedFields(null);
            if (node.getStatus() != null) {
                node.getStatus().setImages(null);
                node.getStatus().setVolumesAttached(null);
                node.getStatus().setVolumesInUse(null);
            }
            return super.put(key, node);
        }
    }

    /** NodeLivePatches without managedFields. */
    public static final class NodeLivePatches extends BasicItemStore<NodeLivePatch> {
        public NodeLivePatches() {
            super(Cache::metaNamespaceKeyFunc);
        }

        @Override
        public NodeLivePatch put(String key, NodeLivePatch nlp) {
            nlp.getMetadata().setManagedFields(null);
            return super.put(key, nlp);
        }
    }
}
