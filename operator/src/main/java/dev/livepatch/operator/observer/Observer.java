package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.TransitionSample;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the fleet for one LivePatch into one {@link Observation} per reconcile, targeting each
 * node once (selector, then the modules for its kernel). Records only: it never writes.
 */
public final class Observer {
    private final ProgressClock progress = new ProgressClock();
    private final Map<String, NodeReadings> readings = new ConcurrentHashMap<>();
    private final boolean memoise;

    public Observer() {
        this(true);
    }

    /** {@code memoise}: reuse the readings of unchanged nodes ({@link NodeReadings}); false reads every node every time. */
    Observer(boolean memoise) {
        this.memoise = memoise;
    }

    /** A live LivePatch: the nodes it selects (with since when each has shown no progress), and the nodes that must lose its entries. */
    public Observation forRollout(LivePatch lp, Fleet fleet, Instant now) {
        String name = lp.getMetadata().getName();
        NodeReadings readings = memoise ? this.readings.computeIfAbsent(name, n -> new NodeReadings()) : null;
        if (readings != null) {
            readings.begin(lp, fleet);
        }
        List<NodeView> views = new ArrayList<>();
        List<TransitionSample> history = new ArrayList<>();
        Map<String, Observation.ObservedNode> nodes = new LinkedHashMap<>(fleet.nodes().size() * 4 / 3 + 1);
        List<String> release = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            NodeLivePatch nlp = fleet.nodeLivePatch(node);
            NodeReadings.Read read = readings == null ? new NodeReadings.Read(NodeReading.of(lp, fleet, node, nlp)) : readings.read(lp, fleet, node, nlp);
            NodeReading reading = read.reading();
            if (reading.view() != null) {
                views.add(read.view(progress.since(nlp, now)));
                history.addAll(reading.transitions());
            }
            nodes.put(node.getMetadata().getName(), read.observed(node, nlp));
            if (reading.release()) {
                release.add(node.getMetadata().getName());
            }
        }
        progress.retain(nodes.keySet());
        if (readings != null) {
            readings.retain(nodes.keySet());
            Set<String> live = new HashSet<>();
            fleet.livePatchesOldestFirst().forEach(other -> live.add(other.getMetadata().getName()));
            live.add(name);
            this.readings.keySet().retainAll(live);
        }
        return new Observation(lp, views, history, nodes, release, fleet.loadOrder());
    }

    /** Told about a NodeLivePatch this operator just stored: its no-progress clock starts at the write, not when the cache shows it. */
    public void wrote(NodeLivePatch nlp, Instant at) {
        progress.since(nlp, at);
    }

    /**
     * A deleted LivePatch: with Retain, every node carrying its entries is to be released; with
     * Unload, the nodes it is rolled off (pending while their spec carries its entries, in
     * progress until their daemon no longer reports its modules).
     */
    public Observation forDeletion(LivePatch lp, Fleet fleet, boolean retain, Instant now) {
        String name = lp.getMetadata().getName();
        List<NodeView> views = new ArrayList<>();
        List<TransitionSample> history = new ArrayList<>();
        Map<String, Observation.ObservedNode> nodes = new LinkedHashMap<>();
        List<String> release = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            NodeLivePatch nlp = fleet.nodeLivePatch(node);
            nodes.put(node.getMetadata().getName(), new Observation.ObservedNode(node, nlp, List.of()));
            if (retain) {
                if (!NodeReader.entriesOf(name, nlp).isEmpty()) {
                    release.add(node.getMetadata().getName());
                }
                continue;
            }
            Optional<NodeView> view = NodeReader.forUnload(lp, node, nlp).map(v -> v.withProgressAt(progress.since(nlp, now)));
            view.ifPresent(v -> {
                views.add(v);
                NodeReader.transitions(nlp).forEach(history::add);
            });
        }
        return new Observation(lp, views, history, nodes, release, fleet.loadOrder());
    }
}
