package dev.livepatch.operator.rollout;

import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.operator.rollout.steps.Steps;
import dev.livepatch.operator.rollout.window.WindowSchedule;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;

/**
 * A LivePatch's {@code spec.rollout}, parsed. Build it only from a spec that passed validation.
 *
 * @param progressDeadline an admitted node with no status progress this long is failed (NodeUnresponsive)
 * @param windows          the maintenance windows (docs/design.md §6.6); {@link WindowSchedule#NONE}: always open
 * @param steps            the staged rollout (§6.7); {@link Steps#NONE}: none
 * @param emergency        an emergency roll-off (§6.8): see {@link #inForce()}
 * @param emergencyMaxConcurrent nodes in a transition at once during an emergency
 */
public record RolloutPolicy(IntOrPercent maxConcurrent, Duration interval, Duration nodeCooldown, IntOrPercent maxFailedNodes,
                            int canaryNodes, boolean paused, Duration progressDeadline, WindowSchedule windows, Steps steps,
                            boolean emergency, IntOrPercent emergencyMaxConcurrent) {
    public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);
    private static final IntOrPercent DEFAULT_EMERGENCY_CONCURRENCY = IntOrPercent.parse(new IntOrString("25%")).orElseThrow();

    public RolloutPolicy(IntOrPercent maxConcurrent, Duration interval, Duration nodeCooldown, IntOrPercent maxFailedNodes,
                         int canaryNodes, boolean paused, Duration progressDeadline) {
        this(maxConcurrent, interval, nodeCooldown, maxFailedNodes, canaryNodes, paused, progressDeadline, WindowSchedule.NONE, Steps.NONE,
                false, DEFAULT_EMERGENCY_CONCURRENCY);
    }

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
                duration(r.getProgressDeadline(), "10m"),
                WindowSchedule.from(r.getWindows()),
                Steps.from(r.getSteps()),
                r.isEmergency(),
                IntOrPercent.parse(r.getEmergencyMaxConcurrent()).orElse(DEFAULT_EMERGENCY_CONCURRENCY));
    }

    /**
     * The policy the planner follows: during an emergency, emergencyMaxConcurrent nodes at once,
     * no interval, no canaries, no windows and no steps; paused, nodeCooldown, maxFailedNodes, the
     * progress deadline and the stall-aware slow-down stay (docs/design.md §6.8).
     */
    public RolloutPolicy inForce() {
        if (!emergency) {
            return this;
        }
        return new RolloutPolicy(emergencyMaxConcurrent, Duration.ZERO, nodeCooldown, maxFailedNodes, 0, paused, progressDeadline,
                WindowSchedule.NONE, Steps.NONE, true, emergencyMaxConcurrent);
    }

    /** This policy with other windows, steps and emergency. */
    public RolloutPolicy scheduled(WindowSchedule windows, Steps steps, boolean emergency, IntOrPercent emergencyMaxConcurrent) {
        return new RolloutPolicy(maxConcurrent, interval, nodeCooldown, maxFailedNodes, canaryNodes, paused, progressDeadline, windows, steps,
                emergency, emergencyMaxConcurrent);
    }

    /**
     * The policy of a preflight (docs/design.md §3.1): nothing is loaded, so a node that is not ready
     * stops nobody else's check (every failure tolerated), and there are no canaries to pause after,
     * no maintenance windows to wait for and no steps to bake.
     */
    public RolloutPolicy forPreflight() {
        return new RolloutPolicy(maxConcurrent, interval, nodeCooldown, IntOrPercent.parse(new IntOrString("100%")).orElseThrow(), 0, paused,
                progressDeadline);
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
