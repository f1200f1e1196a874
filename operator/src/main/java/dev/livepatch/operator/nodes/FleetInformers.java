package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The operator's one informer per fleet resource: every Node and every NodeLivePatch is watched,
 * decoded and cached once (pruned, {@link PrunedStores}). They are the LivePatch controller's event
 * sources (any change of either may matter to every LivePatch, so each event maps to all of them;
 * Node updates only when {@link NodeFactsChanged}, NodeLivePatch updates but the early echoes of
 * this operator's own spec writes, {@link SpecWriteEchoes}), and the {@link NodeLivePatchHousekeeping}
 * listens to the same informers. JOSDK 5.2 gives every controller informers of its own, so a
 * controller of its own over Nodes or NodeLivePatches would watch and cache the whole fleet again.
 */
public final class FleetInformers implements FleetCaches {
    private final List<ResourceEventHandler<Node>> nodeListeners = new CopyOnWriteArrayList<>();
    private final List<ResourceEventHandler<NodeLivePatch>> nodeLivePatchListeners = new CopyOnWriteArrayList<>();
    private volatile Shared<Node> nodes;
    private volatile Shared<NodeLivePatch> nodeLivePatches;
    private final Predicate<NodeLivePatch> writing;

    /** {@code writing}: this operator's spec write for the object's node is in flight with exactly its spec ({@link SpecWriteEchoes}). */
    public FleetInformers(Predicate<NodeLivePatch> writing) {
        this.writing = writing;
    }

    /** The two event sources, for the LivePatch controller's {@code prepareEventSources}; once. */
    public List<EventSource<?, LivePatch>> eventSources(EventSourceContext<LivePatch> context) {
        if (nodes != null) {
            throw new IllegalStateException("the fleet's informers are made once");
        }
        nodes = new Shared<>(InformerEventSourceConfiguration.from(Node.class, LivePatch.class)
                .withName("fleet-nodes").withSecondaryToPrimaryMapper(n -> allLivePatches(context))
                .withOnUpdateFilter(new NodeFactsChanged()).withItemStore(new PrunedStores.Nodes()).build(), context, nodeListeners);
        nodeLivePatches = new Shared<>(InformerEventSourceConfiguration.from(NodeLivePatch.class, LivePatch.class)
                .withName("fleet-nodelivepatches").withSecondaryToPrimaryMapper(n -> allLivePatches(context))
                .withOnUpdateFilter(new SpecWriteEchoes(writing))
                .withItemStore(new PrunedStores.NodeLivePatches()).build(), context, nodeLivePatchListeners);
        return List.of(nodes, nodeLivePatches);
    }

    private static Set<ResourceID> allLivePatches(EventSourceContext<LivePatch> context) {
        return context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    @Override
    public void onNodes(ResourceEventHandler<Node> handler) {
        nodeListeners.add(handler);
    }

    @Override
    public void onNodeLivePatches(ResourceEventHandler<NodeLivePatch> handler) {
        nodeLivePatchListeners.add(handler);
    }

    @Override
    public Stream<Node> nodes() {
        return nodes.list();
    }

    @Override
    public Optional<Node> node(String name) {
        return nodes.get(new ResourceID(name));
    }

    @Override
    public Stream<NodeLivePatch> nodeLivePatches() {
        return nodeLivePatches.list();
    }

    /** The NodeLivePatch, this operator's own last write when the informer has not shown it yet. */
    @Override
    public Optional<NodeLivePatch> nodeLivePatch(String name) {
        return nodeLivePatches.get(new ResourceID(name));
    }

    /** Tells the cache of a write of this operator ({@code before} null: a creation), so reads prefer it to an older informer copy. */
    @Override
    public void written(NodeLivePatch before, NodeLivePatch after) {
        if (after == null || after == before) {
            return;
        }
        if (before == null) {
            nodeLivePatches.handleRecentResourceCreate(ResourceID.fromResource(after), after);
        } else {
            nodeLivePatches.handleRecentResourceUpdate(ResourceID.fromResource(after), after, before);
        }
    }

    /** The informer's events go to JOSDK (filtered, mapped to LivePatches), then to the listeners as they came. */
    private static final class Shared<R extends HasMetadata> extends InformerEventSource<R, LivePatch> {
        private final List<ResourceEventHandler<R>> listeners;

        Shared(InformerEventSourceConfiguration<R> config, EventSourceContext<LivePatch> context, List<ResourceEventHandler<R>> listeners) {
            super(config, context);
            this.listeners = listeners;
        }

        @Override
        public void onAdd(R resource) {
            super.onAdd(resource);
            listeners.forEach(l -> l.onAdd(resource));
        }

        @Override
        public void onUpdate(R old, R updated) {
            super.onUpdate(old, updated);
            listeners.forEach(l -> l.onUpdate(old, updated));
        }

        @Override
        public void onDelete(R resource, boolean finalStateUnknown) {
            super.onDelete(resource, finalStateUnknown);
            listeners.forEach(l -> l.onDelete(resource, finalStateUnknown));
        }
    }
}
