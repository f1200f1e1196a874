package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Optional;
import java.util.stream.Stream;

/** The fleet's caches and their events, as the {@link NodeLivePatchHousekeeping} reads them ({@link FleetInformers}). */
interface FleetCaches {
    /** Every informer event, unfiltered, after the cache holds it; handlers run on the informer's thread and must not block. */
    void onNodes(ResourceEventHandler<Node> handler);

    void onNodeLivePatches(ResourceEventHandler<NodeLivePatch> handler);

    Stream<Node> nodes();

    Optional<Node> node(String name);

    Stream<NodeLivePatch> nodeLivePatches();

    Optional<NodeLivePatch> nodeLivePatch(String name);

    /** Tells the cache of a write of this operator ({@code before} null: a creation). */
    void written(NodeLivePatch before, NodeLivePatch after);
}
