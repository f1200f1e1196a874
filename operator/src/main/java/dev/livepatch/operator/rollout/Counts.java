package dev.livepatch.operator.rollout;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/** Nodes by state; the targeted states add up to {@link #target()}. */
public record Counts(int target, int updated, int inProgress, int pending, int failed, int stalled, int conflicting, int notApplicable) {

    public static Counts of(Collection<NodeView> nodes) {
        Map<NodeState, Integer> by = new EnumMap<>(NodeState.class);
        nodes.forEach(n -> by.merge(n.state(), 1, Integer::sum));
        int target = (int) nodes.stream().filter(n -> n.state().targeted()).count();
        return new Counts(target, get(by, NodeState.UPDATED), get(by, NodeState.IN_PROGRESS), get(by, NodeState.PENDING),
                get(by, NodeState.FAILED), get(by, NodeState.STALLED), get(by, NodeState.CONFLICT), get(by, NodeState.NOT_APPLICABLE));
    }

    private static int get(Map<NodeState, Integer> by, NodeState s) {
        return by.getOrDefault(s, 0);
    }

    /** Nodes in a state, for metrics. */
    public int of(NodeState s) {
        return switch (s) {
            case NOT_APPLICABLE -> notApplicable;
            case CONFLICT -> conflicting;
            case PENDING -> pending;
            case IN_PROGRESS -> inProgress;
            case UPDATED -> updated;
            case FAILED -> failed;
            case STALLED -> stalled;
        };
    }

    /** Nothing left to do: no node pending, in progress or stalled. */
    public boolean settled() {
        return pending == 0 && inProgress == 0 && stalled == 0;
    }

    /** "37/40 updated, 1 stalled": the non-zero troubles after the progress. */
    public String summary() {
        StringBuilder s = new StringBuilder().append(updated).append('/').append(target).append(" updated");
        if (inProgress > 0) s.append(", ").append(inProgress).append(" in progress");
        if (failed > 0) s.append(", ").append(failed).append(" failed");
        if (stalled > 0) s.append(", ").append(stalled).append(" stalled");
        if (conflicting > 0) s.append(", ").append(conflicting).append(" conflicting");
        return s.toString();
    }
}
