package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.nodes.Targeting;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.TransitionSample;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the fleet for one LivePatch into one {@link Observation} per reconcile, targeting each
 * node once (selector, then the modules for its kernel). Records only: it never writes.
 */
public final class Observer {
    private final ProgressClock progress = new ProgressClock();

    /** A live LivePatch: the nodes it selects (with since when each has shown no progress), and the nodes that must lose its entries. */
    public Observation forRollout(LivePatch lp, Fleet fleet, Instant now) {
        String name = lp.getMetadata().getName();
        List<NodeView> views = new ArrayList<>();
        List<TransitionSample> history = new ArrayList<>();
        Map<String, Observation.ObservedNode> nodes = new LinkedHashMap<>();
        List<String> release = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            NodeLivePatch nlp = fleet.nodeLivePatch(node);
            boolean selected = Targeting.selects(lp.getSpec(), node);
            List<PatchModule> modules = selected ? Targeting.modulesFor(lp.getSpec(), node) : List.of();
            ClaimResolver.Outcome claim = selected ? fleet.claimsOn(node).getOrDefault(name, new ClaimResolver.Outcome.Holds()) : null;
            NodeView view = selected ? NodeReader.read(lp, node, nlp, claim, modules).withProgressAt(progress.since(nlp, now)) : null;
            if (view != null) {
                views.add(view);
                if (view.state().targeted()) {
                    NodeReader.transitions(nlp).forEach(history::add);
                }
            }
            nodes.put(node.getMetadata().getName(), new Observation.ObservedNode(node, nlp, NodeReader.desiredEntries(lp, modules)));
            boolean held = view != null && view.state() != NodeState.NOT_APPLICABLE
                    && !(view.state() == NodeState.CONFLICT && claim instanceof ClaimResolver.Outcome.Conflict);
            if (!held && !NodeReader.entriesOf(name, nlp).isEmpty()) {
                release.add(node.getMetadata().getName());
            }
        }
        progress.retain(nodes.keySet());
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
