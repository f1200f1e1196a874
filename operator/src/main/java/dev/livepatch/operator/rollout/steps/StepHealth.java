package dev.livepatch.operator.rollout.steps;

import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import java.util.List;

/**
 * Whether a step's nodes hold their health gates, the condition for the next step to start
 * (docs/design.md §6.7). A node fails them when its rollout state is FAILED (a module Failed,
 * NodeUnresponsive, or a daemon's health gate failed: reason HealthGateFailed, read by NodeReader),
 * or when it is updated and its Node is not Ready: the steps wait until it is Ready again.
 * This is the one place that decides it.
 */
public final class StepHealth {
    private StepHealth() {}

    /** The admitted nodes that fail their health gates, by name. */
    public static List<NodeView> failingNodes(List<NodeView> admitted) {
        return admitted.stream().filter(n -> n.state() == NodeState.FAILED || n.state() == NodeState.UPDATED && !n.ready()).toList();
    }
}
