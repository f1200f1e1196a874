package dev.livepatch.operator.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to do now.
 *
 * @param admit          nodes to admit, in order
 * @param counts         nodes by state before the admissions
 * @param pacing         the pacing in force
 * @param canaries       the canary nodes (to record in status.canary.nodes)
 * @param hold           why nothing is admitted at all, or NONE
 * @param failureBudget  failed plus stalled nodes tolerated
 * @param failures       failed, stalled and conflicting nodes, at most {@link Planner#MAX_FAILURES}
 * @param nextCheck      when an interval or a cooldown ends and admission may be possible again
 * @param canariesCleared there are no canaries, or they are done and their pause was recorded
 * @param schedule       the maintenance windows, the step and the emergency in force
 */
public record Plan(List<String> admit, Counts counts, EffectivePacing pacing, List<String> canaries, Hold hold, int failureBudget,
                   List<NodeView> failures, Optional<Instant> nextCheck, boolean canariesCleared, Schedule schedule) {

    public Plan(List<String> admit, Counts counts, EffectivePacing pacing, List<String> canaries, Hold hold, int failureBudget,
                List<NodeView> failures, Optional<Instant> nextCheck, boolean canariesCleared) {
        this(admit, counts, pacing, canaries, hold, failureBudget, failures, nextCheck, canariesCleared, Schedule.NONE);
    }

    /** Counts after the admissions took effect: admitted nodes move from pending to in progress. */
    public Counts countsAfterAdmission() {
        return new Counts(counts.target(), counts.updated(), counts.inProgress() + admit.size(), counts.pending() - admit.size(),
                counts.failed(), counts.stalled(), counts.conflicting(), counts.notApplicable());
    }
}
