package dev.livepatch.operator.rollout.steps;

import dev.livepatch.operator.rollout.NodeView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The staged rollout at one instant.
 *
 * @param index     the current step, 0-based; {@code steps} once every step has baked
 * @param steps     how many steps the spec has (0: no steps, {@link #NONE})
 * @param allowance nodes the current step admits in all, earlier steps included
 * @param admitted  targeted nodes admitted so far (updated, in progress, failed, stalled)
 * @param state     admitting, baking, unhealthy or done
 * @param bakeEndsAt while baking, when the bake ends
 * @param failing   the nodes that fail the health gates, while unhealthy
 */
public record StepProgress(int index, int steps, int allowance, int admitted, StepState state, Instant bakeEndsAt, List<NodeView> failing) {
    public static final StepProgress NONE = new StepProgress(0, 0, Integer.MAX_VALUE, 0, StepState.Done, null, List.of());

    public boolean staged() {
        return steps > 0;
    }

    /** Nodes this step still lets in now (0 while baking or unhealthy). */
    public int room() {
        return state == StepState.Admitting || state == StepState.Done ? Math.max(0, allowance - admitted) : 0;
    }

    /** When the bake ends, while baking. */
    public Optional<Instant> changesAt() {
        return Optional.ofNullable(state == StepState.Baking ? bakeEndsAt : null);
    }
}
