package dev.livepatch.operator.rollout;

import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.KubeDuration;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;

/**
 * A LivePatch's {@code spec.rollout}, parsed. Build it only from a spec that passed validation.
 *
 * @param progressDeadline an admitted node with no status progress this long is failed (NodeUnresponsive)
 */
public record RolloutPolicy(IntOrPercent maxConcurrent, Duration interval, Duration nodeCooldown, IntOrPercent maxFailedNodes,
                            int canaryNodes, boolean paused, Duration progressDeadline) {
    public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

    public RolloutPolicy(IntOrPercent maxConcurrent, Duration interval, Duration nodeCooldown, IntOrPercent maxFailedNodes,
                         int canaryNodes, boolean paused) {
        this(maxConcurrent, interval, nodeCooldown, maxFailedNodes, canaryNodes, paused, DEFAULT_PROGRESS_DEADLINE);
    }

    public static RolloutPolicy from(RolloutSpec spec) {
        RolloutSpec r = spec == null ? new RolloutSpec() : spec;
        return new RolloutPolicy(
                parseCount(r.getMaxConcurrent(), 1),
                duration(r.getInterval(), "30s"),
                duration(r.getNodeCooldown(), "60s"),
                parseCount(r.getMaxFailedNodes(), 0),
                r.getCanaryNodes() == null ? 0 : r.getCanaryNodes(),
                r.isPaused(),
                duration(r.getProgressDeadline(), "10m"));
    }

    /** At least one node may be in progress, whatever the percentage rounds to. */
    public int concurrencyFor(int targeted) {
        return Math.max(1, maxConcurrent.resolveRoundingUp(targeted));
    }

    /** Failed plus stalled nodes tolerated before the rollout pauses itself. */
    public int failureBudgetFor(int targeted) {
        return maxFailedNodes.resolveRoundingDown(targeted);
    }

    private static IntOrPercent parseCount(IntOrString value, int fallback) {
        return IntOrPercent.parse(value).or(() -> IntOrPercent.parse(new IntOrString(fallback))).orElseThrow();
    }

    private static Duration duration(String text, String fallback) {
        return KubeDuration.parseValid(text == null ? fallback : text);
    }
}
