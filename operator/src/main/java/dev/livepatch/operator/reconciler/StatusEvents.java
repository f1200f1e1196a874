package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeFailure;
import dev.livepatch.operator.rollout.Hold;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.write.EventNote;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The events of a reconcile: a pure diff of the previous status and the new one (and the plan
 * that made it). Each fires once per change, not once per reconcile: a node's failure when it
 * first appears in {@code failures}, a phase when it is entered, the slow-down when it begins.
 */
final class StatusEvents {
    private StatusEvents() {}

    static List<EventNote> rollout(LivePatch lp, LivePatchStatus previous, LivePatchStatus status, Plan plan, boolean pause) {
        List<EventNote> events = new ArrayList<>();
        if (pause) {
            events.add(EventNote.normal(Reasons.CANARY_PAUSE, "canaries " + plan.canaries()
                    + " are done; paused the rollout: set spec.rollout.paused to false to go on"));
        }
        if (!plan.admit().isEmpty()) {
            events.add(EventNote.normal(Reasons.ADMITTED, "admitted " + names(plan.admit()) + " at generation " + lp.getMetadata().getGeneration()
                    + " (" + status.getSummary() + ")"));
        }
        int updatedBefore = previous == null || previous.getUpdatedNodes() == null ? 0 : previous.getUpdatedNodes();
        int updated = status.getUpdatedNodes() == null ? 0 : status.getUpdatedNodes();
        if (updated > updatedBefore) {
            events.add(EventNote.normal(Reasons.NODES_UPDATED, (updated - updatedBefore) + " more node(s) updated: " + status.getSummary()));
        }
        events.addAll(newFailures(previous, status, plan));
        events.addAll(ScheduleEvents.of(previous, status, plan));
        String retriedBefore = previous == null || previous.getRetry() == null ? null : previous.getRetry().getToken();
        if (status.getRetry() != null && !status.getRetry().getToken().equals(retriedBefore)) {
            events.add(EventNote.normal(Reasons.RETRYING_FAILED, "spec.rollout.retryFailed is '" + status.getRetry().getToken()
                    + "': the nodes that failed before generation " + status.getRetry().getGeneration() + " are admitted again"));
        }
        String slowedBefore = previous == null || previous.getPacing() == null ? null : previous.getPacing().getReason();
        if (plan.pacing().slowed() && slowedBefore == null) {
            events.add(EventNote.warning(Reasons.SLOWED_DOWN, plan.pacing().reason()));
        }
        LivePatchPhase before = previous == null ? null : previous.getPhase();
        if (status.getPhase() != before) {
            switch (status.getPhase()) {
                case Complete -> events.add(EventNote.normal(Reasons.COMPLETE, status.getSummary()));
                case Stalled -> events.add(EventNote.warning(Reasons.TOO_MANY_FAILURES, status.getConditions().get(0).getMessage()));
                case Paused -> {
                    if (plan.hold() == Hold.PAUSED) {
                        events.add(EventNote.normal(Reasons.PAUSED, "rollout paused: " + status.getSummary()));
                    }
                }
                default -> { }
            }
        }
        return events;
    }

    /** A Warning per node failure that {@code status} lists and {@code previous} did not. */
    static List<EventNote> newFailures(LivePatchStatus previous, LivePatchStatus status, Plan plan) {
        Set<String> known = previous == null ? Set.of() : previous.getFailures().stream().map(StatusEvents::key).collect(Collectors.toSet());
        return status.getFailures().stream().filter(f -> !known.contains(key(f)))
                .map(f -> EventNote.warning(failureReason(f, plan), "node " + f.getNode() + ": " + f.getReason() + ": " + f.getMessage()))
                .toList();
    }

    /** The Invalid event when the spec has just become invalid. */
    static List<EventNote> invalid(LivePatchStatus previous, LivePatchStatus status) {
        boolean was = previous != null && previous.getPhase() == LivePatchPhase.Invalid;
        return was ? List.of() : List.of(EventNote.warning(Reasons.INVALID, status.getConditions().get(0).getMessage()));
    }

    private static String failureReason(NodeFailure f, Plan plan) {
        if (Reasons.CONFLICT.equals(f.getReason())) {
            return Reasons.CONFLICT;
        }
        if (Reasons.NODE_UNRESPONSIVE.equals(f.getReason())) {
            return Reasons.NODE_UNRESPONSIVE;
        }
        boolean stalled = plan.failures().stream().anyMatch(v -> v.name().equals(f.getNode()) && v.state() == NodeState.STALLED);
        return stalled ? Reasons.NODE_STALLED : Reasons.NODE_FAILED;
    }

    private static String key(NodeFailure f) {
        return f.getNode() + "/" + f.getReason();
    }

    /** At most ten names: an event must not list 500 admitted nodes. */
    static String names(List<String> nodes) {
        return nodes.size() <= 10 ? String.join(", ", nodes) : String.join(", ", nodes.subList(0, 10)) + " and " + (nodes.size() - 10) + " more";
    }
}
