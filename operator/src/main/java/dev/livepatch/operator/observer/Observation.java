package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.TransitionSample;
import io.fabric8.kubernetes.api.model.Node;
import java.util.List;
import java.util.Map;

/**
 * Everything one reconcile of one LivePatch decides from, read once from the caches.
 *
 * @param livePatch the LivePatch as stored now
 * @param views     every node its selector picks (rolling out), or every node it is rolled off (unloading)
 * @param history   those nodes' finished transitions, for stall-aware pacing
 * @param nodes     every node of the fleet by name, with its NodeLivePatch and the LivePatch's entries for it
 * @param release   nodes that carry the LivePatch's entries and must lose them at once: no longer
 *                  selected, no module fits their kernel, an older LivePatch keeps them (Conflict);
 *                  while deleting with Retain, every node that carries them
 * @param loadOrder rank of each LivePatch by age, for ordering a node's desired set
 */
public record Observation(LivePatch livePatch, List<NodeView> views, List<TransitionSample> history, Map<String, ObservedNode> nodes,
                          List<String> release, Map<String, Integer> loadOrder) {

    /**
     * One node as read.
     *
     * @param current its NodeLivePatch, or null when it has none yet
     * @param desired the LivePatch's entries for it at the current generation (empty when not targeted)
     */
    public record ObservedNode(Node node, NodeLivePatch current, List<NodeModule> desired) {
        public List<NodeModule> entriesOf(String livePatch) {
            return NodeReader.entriesOf(livePatch, current);
        }
    }
}
