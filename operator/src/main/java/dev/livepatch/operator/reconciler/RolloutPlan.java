package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.NodeSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything one reconcile decided, for {@link RolloutReconciler} to carry out in this order: the
 * canary pause, the status (before the node specs when it is the intent a restart resumes from),
 * the node specs, then the events.
 *
 * @param admission   the planner's decision (null for an invalid spec, or when nothing is left to plan)
 * @param status      the status to store, or null
 * @param statusFirst the status records an admission time or canaries that pace what follows: store it before the nodes
 * @param pause       set spec.rollout.paused (the canaries are done)
 * @param admissions  node specs that admit nodes (or, while unloading, roll the modules off them)
 * @param releases    node specs that release nodes at once
 * @param events      the events to record: what changed between the previous status and this one
 * @param requeue     when to look again; empty once the finalizer may go
 */
public record RolloutPlan(Plan admission, LivePatchStatus status, boolean statusFirst, boolean pause, List<NodeSpec> admissions,
                          List<NodeSpec> releases, List<EventNote> events, Optional<Duration> requeue) {

    /** The finalizer may go. */
    public boolean finished() {
        return requeue.isEmpty();
    }
}
