package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.CanaryStatus;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeFailure;
import dev.livepatch.api.v1alpha1.Pacing;
import dev.livepatch.api.v1alpha1.PreflightStatus;
import dev.livepatch.api.validation.Violation;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.operator.observer.NodeReader;
import dev.livepatch.operator.rollout.Counts;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.rollout.Hold;
import dev.livepatch.operator.rollout.Plan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The LivePatch status from a plan: a pure function. */
final class StatusBuilder {
    private StatusBuilder() {}

    static LivePatchStatus invalid(LivePatch lp, List<Violation> violations, Instant now) {
        LivePatchStatus s = base(lp);
        String message = "spec is invalid, nothing is rolled out: " + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
        s.setPhase(LivePatchPhase.Invalid);
        s.setConditions(new Conditions(previousConditions(lp), generation(lp), now)
                .set(Conditions.READY, false, Reasons.INVALID, message)
                .set(Conditions.RECONCILING, false, Reasons.INVALID, "fix the spec")
                .set(Conditions.STALLED, true, Reasons.INVALID, message)
                .build());
        s.setSummary("invalid");
        return s;
    }

    /**
     * @param pausedGeneration the canary pause recorded for this status (the previous one, or the
     *                         generation the operator paused the rollout at just now)
     */
    static LivePatchStatus rollout(LivePatch lp, Plan plan, Long pausedGeneration, Instant now) {
        LivePatchStatus s = withCounts(lp, plan, now);
        Counts c = plan.countsAfterAdmission();
        if (!plan.canaries().isEmpty() || pausedGeneration != null) {
            CanaryStatus canary = new CanaryStatus();
            canary.setNodes(new ArrayList<>(plan.canaries()));
            canary.setPausedGeneration(pausedGeneration);
            s.setCanary(canary);
        } else {
            s.setCanary(null);
        }
        ScheduleStatus.record(s, plan);
        Conditions conditions = new Conditions(previousConditions(lp), generation(lp), now);
        String summary = s.getSummary();
        if (plan.hold() == Hold.OUTSIDE_WINDOW || plan.hold() == Hold.BAKING) {
            boolean window = plan.hold() == Hold.OUTSIDE_WINDOW;
            String why = window ? ScheduleStatus.waiting(plan) : ScheduleStatus.baking(plan);
            String reason = window ? Reasons.WAITING_FOR_WINDOW : Reasons.BAKING;
            s.setPhase(LivePatchPhase.Progressing);
            conditions.set(Conditions.READY, false, reason, summary + "; " + why)
                    .set(Conditions.RECONCILING, true, reason, why)
                    .set(Conditions.STALLED, false, reason, "waiting, not stalled");
        } else if (plan.hold() == Hold.STEP_UNHEALTHY) {
            String why = ScheduleStatus.unhealthy(plan);
            s.setPhase(LivePatchPhase.Stalled);
            conditions.set(Conditions.READY, false, Reasons.STEP_UNHEALTHY, summary + "; " + why)
                    .set(Conditions.RECONCILING, false, Reasons.STEP_UNHEALTHY, why)
                    .set(Conditions.STALLED, true, Reasons.STEP_UNHEALTHY, why);
        } else if (plan.hold() == Hold.PAUSED || plan.hold() == Hold.CANARY_PAUSE) {
            boolean canary = plan.hold() == Hold.CANARY_PAUSE || !plan.canaries().isEmpty() && plan.canariesCleared();
            String why = canary ? "the canaries " + plan.canaries() + " are done; set spec.rollout.paused to false to roll out to the rest"
                    : "spec.rollout.paused is true";
            s.setPhase(LivePatchPhase.Paused);
            conditions.set(Conditions.READY, false, canary ? Reasons.CANARY_PAUSE : Reasons.PAUSED, summary + "; paused: " + why)
                    .set(Conditions.RECONCILING, false, Reasons.PAUSED, why)
                    .set(Conditions.STALLED, false, Reasons.PAUSED, "paused, not stalled")
                    .set(Conditions.PAUSED, true, canary ? Reasons.CANARY_PAUSE : Reasons.PAUSED, why);
        } else if (plan.hold() == Hold.TOO_MANY_FAILURES) {
            String why = (c.failed() + c.stalled()) + " failed or stalled node(s) exceed maxFailedNodes (" + plan.failureBudget()
                    + "): the rollout paused itself; fix the nodes or the modules, or raise maxFailedNodes";
            s.setPhase(LivePatchPhase.Stalled);
            conditions.set(Conditions.READY, false, Reasons.TOO_MANY_FAILURES, summary + "; " + why)
                    .set(Conditions.RECONCILING, false, Reasons.TOO_MANY_FAILURES, why)
                    .set(Conditions.STALLED, true, Reasons.TOO_MANY_FAILURES, why);
        } else if (c.settled()) {
            boolean all = c.updated() == c.target();
            String reason = all ? Reasons.COMPLETE : c.conflicting() > 0 ? Reasons.CONFLICT : Reasons.NODES_FAILED;
            s.setPhase(LivePatchPhase.Complete);
            conditions.set(Conditions.READY, all, reason, summary)
                    .set(Conditions.RECONCILING, false, reason, "nothing left to admit")
                    .set(Conditions.STALLED, false, reason, "not stalled");
        } else {
            String pacing = (plan.pacing().slowed() ? "; slowed: " + plan.pacing().reason() : "") + ScheduleStatus.progressNote(plan);
            s.setPhase(LivePatchPhase.Progressing);
            conditions.set(Conditions.READY, false, Reasons.PROGRESSING, summary + ScheduleStatus.progressNote(plan))
                    .set(Conditions.RECONCILING, true, Reasons.ROLLING_OUT, summary + pacing)
                    .set(Conditions.STALLED, false, Reasons.ROLLING_OUT, "not stalled");
        }
        s.setConditions(conditions.build());
        return s;
    }

    static LivePatchStatus deleting(LivePatch lp, Plan plan, String what, Instant now) {
        LivePatchStatus s = withCounts(lp, plan, now);
        Counts c = plan.countsAfterAdmission();
        s.setSummary(what + ": " + (c.pending() + c.inProgress()) + " node(s) left");
        s.setEmergency(plan.schedule().emergency() ? Boolean.TRUE : null);
        s.setPhase(LivePatchPhase.Deleting);
        s.setConditions(new Conditions(previousConditions(lp), generation(lp), now)
                .set(Conditions.READY, false, Reasons.DELETING, s.getSummary())
                .set(Conditions.RECONCILING, true, Reasons.DELETING, s.getSummary())
                .set(Conditions.STALLED, false, Reasons.DELETING, "not stalled")
                .build());
        return s;
    }

    private static LivePatchStatus withCounts(LivePatch lp, Plan plan, Instant now) {
        LivePatchStatus s = base(lp);
        Counts c = plan.countsAfterAdmission();
        s.setTargetNodes(c.target());
        s.setUpdatedNodes(c.updated());
        s.setInProgressNodes(c.inProgress());
        s.setPendingNodes(c.pending());
        s.setFailedNodes(c.failed());
        s.setStalledNodes(c.stalled());
        s.setConflictingNodes(c.conflicting());
        s.setNotApplicableNodes(c.notApplicable());
        s.setSummary(lp.getSpec().isPreflight() ? "preflight: " + c.summary() : c.summary());
        // While preflight is on, an updated node is one whose every module is ready to apply (NodeReader).
        s.setPreflight(lp.getSpec().isPreflight()
                ? new PreflightStatus(c.updated(), c.failed() + c.stalled(), c.pending() + c.inProgress()) : null);
        s.setFailures(plan.failures().stream()
                .map(n -> new NodeFailure(n.name(), n.reason(), n.message(), n.since()))
                .collect(Collectors.toCollection(ArrayList::new)));
        Pacing pacing = new Pacing();
        pacing.setConcurrency(plan.pacing().concurrency());
        pacing.setInterval(KubeDuration.format(plan.pacing().interval()));
        pacing.setReason(plan.pacing().reason());
        pacing.setCleanTransitions(plan.pacing().cleanTransitions());
        Pacing previous = lp.getStatus() == null ? null : lp.getStatus().getPacing();
        pacing.setLastAdmissionTime(!plan.admit().isEmpty() ? now.toString() : previous == null ? null : previous.getLastAdmissionTime());
        s.setPacing(pacing);
        return s;
    }

    private static LivePatchStatus base(LivePatch lp) {
        LivePatchStatus s = new LivePatchStatus();
        s.setObservedGeneration(lp.getMetadata().getGeneration());
        if (lp.getStatus() != null) {
            s.setCanary(lp.getStatus().getCanary());
            s.setRetry(lp.getStatus().getRetry());
        }
        return s;
    }

    private static List<io.fabric8.kubernetes.api.model.Condition> previousConditions(LivePatch lp) {
        return lp.getStatus() == null ? List.of() : lp.getStatus().getConditions();
    }

    private static long generation(LivePatch lp) {
        return lp.getMetadata().getGeneration() == null ? 0 : lp.getMetadata().getGeneration();
    }

    static Instant lastAdmission(LivePatch lp) {
        return lp.getStatus() == null || lp.getStatus().getPacing() == null ? null : NodeReader.instant(lp.getStatus().getPacing().getLastAdmissionTime());
    }
}
