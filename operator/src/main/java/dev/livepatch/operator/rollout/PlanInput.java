package dev.livepatch.operator.rollout;

import java.time.Instant;
import java.util.List;

/**
 * Everything the planner decides from; all of it is read from objects.
 *
 * @param generation             the LivePatch's metadata.generation
 * @param policy                 its spec.rollout
 * @param nodes                  every node its selector picks (targeted or not applicable)
 * @param recordedCanaries       status.canary.nodes
 * @param canaryPausedGeneration status.canary.pausedGeneration
 * @param lastAdmission          status.pacing.lastAdmissionTime
 * @param history                the selected nodes' lastTransitions
 * @param now                    the clock
 * @param unload                 rolling the modules off (deletion, removalPolicy Unload): no canaries
 * @param retryGeneration        nodes failed on entries older than this generation are pending again (spec.rollout.retryFailed); null: none
 */
public record PlanInput(long generation, RolloutPolicy policy, List<NodeView> nodes, List<String> recordedCanaries,
                        Long canaryPausedGeneration, Instant lastAdmission, List<TransitionSample> history, Instant now,
                        boolean unload, Long retryGeneration) {

    public PlanInput(long generation, RolloutPolicy policy, List<NodeView> nodes, List<String> recordedCanaries,
                     Long canaryPausedGeneration, Instant lastAdmission, List<TransitionSample> history, Instant now, boolean unload) {
        this(generation, policy, nodes, recordedCanaries, canaryPausedGeneration, lastAdmission, history, now, unload, null);
    }

    /** The same input under another policy. */
    public PlanInput withPolicy(RolloutPolicy other) {
        return new PlanInput(generation, other, nodes, recordedCanaries, canaryPausedGeneration, lastAdmission, history, now, unload, retryGeneration);
    }
}
