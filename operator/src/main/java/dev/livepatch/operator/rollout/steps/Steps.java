package dev.livepatch.operator.rollout.steps;

import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A staged rollout (docs/design.md §6.7), a pure function of the nodes and the clock; nothing is
 * kept in memory or status. Step i admits up to its count of targeted nodes in all; it is done
 * when that many are updated, no admitted node fails its health gates ({@link StepHealth}) and
 * its bake has passed since the moment the last of them finished (the count-th earliest
 * transition end of the updated nodes). After the last step the remaining nodes follow.
 */
public record Steps(List<Step> steps) {
    public static final Steps NONE = new Steps(List.of());

    public Steps {
        steps = List.copyOf(steps);
    }

    public static Steps from(List<RolloutStep> spec) {
        if (spec == null || spec.isEmpty()) {
            return NONE;
        }
        return new Steps(spec.stream().map(s -> new Step(IntOrPercent.parse(s.getNodes()).orElseThrow(),
                s.getBake() == null ? Duration.ZERO : KubeDuration.parseValid(s.getBake()))).toList());
    }

    /**
     * The nodes each step admits in all for {@code target} targeted nodes: a percentage rounds up,
     * each step at least one node and no fewer than the step before, none more than the target.
     */
    public List<Integer> counts(int target) {
        List<Integer> out = new ArrayList<>();
        int previous = 0;
        for (Step s : steps) {
            int n = Math.min(target, Math.max(previous, Math.max(1, s.nodes().resolveRoundingUp(target))));
            out.add(n);
            previous = n;
        }
        return out;
    }

    /** Where the rollout of {@code nodes} (every node the LivePatch selects) stands at {@code now}. */
    public StepProgress progress(List<NodeView> nodes, Instant now) {
        if (steps.isEmpty()) {
            return StepProgress.NONE;
        }
        int target = (int) nodes.stream().filter(n -> n.state().targeted()).count();
        List<NodeView> admitted = nodes.stream().filter(Steps::admitted).toList();
        List<Instant> finished = nodes.stream().filter(n -> n.state() == NodeState.UPDATED)
                .map(n -> n.lastTransitionAt() == null ? Instant.EPOCH : n.lastTransitionAt()).sorted(Comparator.naturalOrder()).toList();
        List<NodeView> failing = StepHealth.failingNodes(admitted);
        List<Integer> counts = counts(target);
        for (int i = 0; i < steps.size(); i++) {
            int count = counts.get(i);
            Instant bakeEnds = finished.size() < count ? null : count == 0 ? now : finished.get(count - 1).plus(steps.get(i).bake());
            if (bakeEnds != null && !now.isBefore(bakeEnds)) {
                continue;
            }
            StepState state = !failing.isEmpty() ? StepState.Unhealthy : bakeEnds == null ? StepState.Admitting : StepState.Baking;
            return new StepProgress(i, steps.size(), count, admitted.size(), state, state == StepState.Baking ? bakeEnds : null,
                    state == StepState.Unhealthy ? failing : List.of());
        }
        return new StepProgress(steps.size(), steps.size(), target, admitted.size(), StepState.Done, null, List.of());
    }

    private static boolean admitted(NodeView n) {
        return n.state() == NodeState.UPDATED || n.state() == NodeState.IN_PROGRESS || n.state() == NodeState.FAILED
                || n.state() == NodeState.STALLED;
    }
}
