package dev.livepatch.operator.rollout;

import java.time.Instant;
import java.util.List;

/**
 * A {@link PlanInput} for tests, each field named:
 * {@code rollout(policy, nodes).at(NOW).canaries("node-0").canaryPausedAt(4).build()}. Unless told
 * otherwise it is generation 1 of a rollout (not an unload) with no canaries recorded, no admission
 * yet, no transition history and no retry.
 */
public final class PlanInputBuilder {
    private long generation = 1;
    private RolloutPolicy policy;
    private List<NodeView> nodes;
    private List<String> recordedCanaries = List.of();
    private Long canaryPausedGeneration;
    private Instant lastAdmission;
    private List<TransitionSample> history = List.of();
    private Instant now;
    private boolean unload;
    private Long retryGeneration;

    private PlanInputBuilder(RolloutPolicy policy, List<NodeView> nodes) {
        this.policy = policy;
        this.nodes = nodes;
    }

    /** Rolling a LivePatch with this policy out to these nodes. */
    public static PlanInputBuilder rollout(RolloutPolicy policy, List<NodeView> nodes) {
        return new PlanInputBuilder(policy, nodes);
    }

    /** The same input, every field copied. */
    public static PlanInputBuilder from(PlanInput in) {
        return rollout(in.policy(), in.nodes()).generation(in.generation()).canaries(in.recordedCanaries())
                .canaryPausedAt(in.canaryPausedGeneration()).lastAdmission(in.lastAdmission()).history(in.history()).at(in.now())
                .unload(in.unload()).retryFailedBefore(in.retryGeneration());
    }

    /** The LivePatch's metadata.generation. */
    public PlanInputBuilder generation(long generation) {
        this.generation = generation;
        return this;
    }

    public PlanInputBuilder policy(RolloutPolicy policy) {
        this.policy = policy;
        return this;
    }

    public PlanInputBuilder nodes(List<NodeView> nodes) {
        this.nodes = nodes;
        return this;
    }

    /** status.canary.nodes. */
    public PlanInputBuilder canaries(List<String> recorded) {
        this.recordedCanaries = recorded;
        return this;
    }

    /** status.canary.pausedGeneration; null: the rollout has not paused after its canaries. */
    public PlanInputBuilder canaryPausedAt(Long generation) {
        this.canaryPausedGeneration = generation;
        return this;
    }

    /** status.pacing.lastAdmissionTime; null: nothing admitted yet. */
    public PlanInputBuilder lastAdmission(Instant at) {
        this.lastAdmission = at;
        return this;
    }

    /** The selected nodes' lastTransitions. */
    public PlanInputBuilder history(List<TransitionSample> samples) {
        this.history = samples;
        return this;
    }

    /** The clock. */
    public PlanInputBuilder at(Instant now) {
        this.now = now;
        return this;
    }

    /** Rolling the modules off (deletion with removalPolicy Unload): no canaries. */
    public PlanInputBuilder unloading() {
        return unload(true);
    }

    public PlanInputBuilder unload(boolean unload) {
        this.unload = unload;
        return this;
    }

    /** spec.rollout.retryFailed took effect at this generation: nodes failed on older entries are pending again; null: no retry. */
    public PlanInputBuilder retryFailedBefore(Long generation) {
        this.retryGeneration = generation;
        return this;
    }

    public PlanInput build() {
        if (now == null) {
            throw new IllegalStateException("a plan input needs its clock: at(now)");
        }
        return new PlanInput(generation, policy, nodes, recordedCanaries, canaryPausedGeneration, lastAdmission, history, now, unload,
                retryGeneration);
    }
}
