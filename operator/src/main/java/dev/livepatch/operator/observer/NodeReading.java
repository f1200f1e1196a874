package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.nodes.Targeting;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.TransitionSample;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;

/**
 * What one node, its NodeLivePatch and the fleet's LivePatches say about that node in one
 * LivePatch's rollout: a function of those objects alone (no clock, no memory), so that an
 * unchanged node need not be read again ({@link NodeReadings}).
 *
 * @param view        the node as the planner sees it, its progress clock not yet set; null when the LivePatch does not select it
 * @param transitions its finished transitions, for stall-aware pacing (empty unless it is targeted)
 * @param desired     the LivePatch's entries for it at the current generation
 * @param release     it carries the LivePatch's entries and must lose them (not selected, not applicable, or an older LivePatch keeps it)
 */
record NodeReading(NodeView view, List<TransitionSample> transitions, List<NodeModule> desired, boolean release) {

    static NodeReading of(LivePatch lp, Fleet fleet, Node node, NodeLivePatch nlp) {
        String name = lp.getMetadata().getName();
        boolean selected = Targeting.selects(lp.getSpec(), node);
        List<PatchModule> modules = selected ? Targeting.modulesFor(lp.getSpec(), node) : List.of();
        ClaimResolver.Outcome claim = selected ? fleet.claimsOn(node).getOrDefault(name, new ClaimResolver.Outcome.Holds()) : null;
        NodeView view = selected ? NodeReader.read(lp, node, nlp, claim, modules) : null;
        List<TransitionSample> transitions = view != null && view.state().targeted() ? NodeReader.transitions(nlp).toList() : List.of();
        boolean held = view != null && view.state() != NodeState.NOT_APPLICABLE
                && !(view.state() == NodeState.CONFLICT && claim instanceof ClaimResolver.Outcome.Conflict);
        boolean release = !held && !NodeReader.entriesOf(name, nlp).isEmpty();
        return new NodeReading(view, transitions, NodeReader.desiredEntries(lp, modules), release);
    }
}
