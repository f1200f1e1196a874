package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.RetryStatus;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.validation.LivePatchValidator;
import dev.livepatch.api.validation.Violation;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.operator.observer.Observation;
import dev.livepatch.operator.rollout.Hold;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.PlanInput;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.rollout.RolloutPolicy;
import dev.livepatch.operator.rollout.steps.Steps;
import dev.livepatch.operator.rollout.window.WindowSchedule;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.NodeSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * From one {@link Observation} to one {@link RolloutPlan}: a pure function of the objects and the
 * clock. The admission decision is {@link Planner}'s; this adds what follows from it: the status,
 * the node specs to write, the canary pause, the events (a diff of the previous and the new
 * status) and when to look again. Deletion goes the same way.
 */
public final class RolloutPlanner {
    private static final Duration MIN_REQUEUE = Duration.ofSeconds(1);

    private final Planner planner;
    private final Duration resync;

    public RolloutPlanner(Planner planner, Duration resync) {
        this.planner = planner;
        this.resync = resync;
    }

    /** A live LivePatch: admit, release, report. */
    public RolloutPlan rollout(Observation o, Instant now) {
        LivePatch lp = o.livePatch();
        LivePatchStatus previous = lp.getStatus();
        List<Violation> violations = LivePatchValidator.validate(lp.getSpec());
        if (!violations.isEmpty()) {
            LivePatchStatus status = StatusBuilder.invalid(lp, violations, now);
            return new RolloutPlan(null, status, true, false, List.of(), List.of(), StatusEvents.invalid(previous, status), Optional.of(resync));
        }
        String name = lp.getMetadata().getName();
        List<String> recordedCanaries = previous == null || previous.getCanary() == null ? List.of() : previous.getCanary().getNodes();
        Long pausedGeneration = previous == null || previous.getCanary() == null ? null : previous.getCanary().getPausedGeneration();
        RetryStatus retry = retry(lp);
        RolloutPolicy policy = RolloutPolicy.from(lp.getSpec().getRollout());
        Plan plan = planner.plan(new PlanInput(generation(lp), lp.getSpec().isPreflight() ? policy.forPreflight() : policy, o.views(), recordedCanaries,
                pausedGeneration, StatusBuilder.lastAdmission(lp), o.history(), now, false, retry == null ? null : retry.getGeneration()));
        boolean pause = plan.hold() == Hold.CANARY_PAUSE && !lp.getSpec().getRollout().isPaused();
        LivePatchStatus status = StatusBuilder.rollout(lp, plan, plan.hold() == Hold.CANARY_PAUSE ? Long.valueOf(generation(lp)) : pausedGeneration, now);
        status.setRetry(retry);
        List<NodeSpec> admissions = plan.admit().stream().map(n -> NodeSpecs.with(name, o.nodes().get(n), o.loadOrder())).toList();
        List<NodeSpec> releases = o.release().stream().map(n -> NodeSpecs.without(name, o.nodes().get(n), o.loadOrder())).toList();
        Duration requeue = plan.nextCheck().map(t -> Duration.between(now, t)).map(d -> d.compareTo(MIN_REQUEUE) < 0 ? MIN_REQUEUE : d)
                .filter(d -> d.compareTo(resync) < 0).orElse(resync);
        return new RolloutPlan(plan, status, statusIsIntent(plan), pause, admissions, releases,
                StatusEvents.rollout(lp, previous, status, plan, pause), Optional.of(requeue));
    }

    /**
     * The retry of failed nodes in force: spec.rollout.retryFailed with the generation it was first
     * seen at (recorded in status.retry); a new value starts a new retry at the current generation.
     * Nodes failed on entries older than that generation are admitted again, once: their new
     * entries carry a newer generation, which is what makes their daemons try the module again.
     */
    static RetryStatus retry(LivePatch lp) {
        String token = lp.getSpec().getRollout() == null ? null : lp.getSpec().getRollout().getRetryFailed();
        if (token == null) {
            return null;
        }
        RetryStatus recorded = lp.getStatus() == null ? null : lp.getStatus().getRetry();
        return recorded != null && token.equals(recorded.getToken()) ? recorded : new RetryStatus(token, generation(lp));
    }

    /**
     * Whether the status must be stored before the nodes' specs (objects, not memory, carry the
     * rollout across a restart): when it records an admission time that paces the next one (a
     * non-zero interval, the spec's or a slowed one's) or the canaries. Otherwise, with no interval
     * and no canaries, it carries counts only and is written alongside the specs: one round trip
     * less per reconcile, which at 5,000 nodes is most of the time between a node reporting done
     * and the next node's admission.
     */
    private static boolean statusIsIntent(Plan plan) {
        return !plan.admit().isEmpty() && (!plan.pacing().interval().isZero() || !plan.canaries().isEmpty());
    }

    /**
     * Cleanup behind the finalizer. Retain: release every node's entries into {@code retained}, at
     * once, in one batch. Unload: roll the entries off with the rollout's concurrency, interval and
     * cooldown (not its pause, canaries or failure budget: deleting is the user's explicit word),
     * and wait until the daemons no longer report the modules.
     */
    public RolloutPlan cleanup(Observation o, boolean retain, Instant now) {
        LivePatch lp = o.livePatch();
        String name = lp.getMetadata().getName();
        if (retain) {
            List<NodeSpec> releases = o.release().stream().map(n -> NodeSpecs.retaining(name, o.nodes().get(n), o.loadOrder())).toList();
            List<EventNote> released = releases.isEmpty() ? List.of() : List.of(EventNote.normal(Reasons.RELEASED,
                    "released " + releases.size() + " node(s); their kernels stay patched (removalPolicy Retain)"));
            return new RolloutPlan(null, null, false, false, List.of(), releases, released, Optional.empty());
        }
        if (o.views().isEmpty()) {
            return new RolloutPlan(null, null, false, false, List.of(), List.of(),
                    List.of(EventNote.normal(Reasons.UNLOADED, "the modules are off every node; removing the finalizer")), Optional.empty());
        }
        Plan plan = planner.plan(new PlanInput(generation(lp), unloadPolicy(lp), o.views(), List.of(), null,
                StatusBuilder.lastAdmission(lp), o.history(), now, true));
        LivePatchStatus status = StatusBuilder.deleting(lp, plan, "unloading", now);
        List<NodeSpec> unloads = plan.admit().stream().map(n -> NodeSpecs.without(name, o.nodes().get(n), o.loadOrder())).toList();
        List<EventNote> events = new ArrayList<>();
        if (lp.getStatus() == null || lp.getStatus().getPhase() != LivePatchPhase.Deleting) {
            events.add(EventNote.normal(Reasons.DELETING, "unloading the modules from " + o.views().size() + " node(s) with the rollout's pacing"));
        }
        if (!plan.admit().isEmpty()) {
            events.add(EventNote.normal(Reasons.ADMITTED, "unloading from " + StatusEvents.names(plan.admit())));
        }
        events.addAll(StatusEvents.newFailures(lp.getStatus(), status, plan));
        events.addAll(ScheduleEvents.of(lp.getStatus(), status, plan));
        Duration requeue = plan.nextCheck().map(t -> Duration.between(now, t)).filter(d -> d.compareTo(MIN_REQUEUE) > 0)
                .filter(d -> d.compareTo(resync) < 0).orElse(MIN_REQUEUE.multipliedBy(5));
        return new RolloutPlan(plan, status, false, false, unloads, List.of(), events, Optional.of(requeue));
    }

    private static RolloutPolicy unloadPolicy(LivePatch lp) {
        RolloutSpec r = lp.getSpec() == null || lp.getSpec().getRollout() == null ? new RolloutSpec() : lp.getSpec().getRollout();
        RolloutPolicy p;
        try {
            p = RolloutPolicy.from(r);
        } catch (IllegalArgumentException e) {
            p = RolloutPolicy.from(new RolloutSpec()); // an invalid spec still gets unloaded, with the default pacing
        }
        // Windows and steps do not hold a deletion (like the pause); an emergency speeds it up.
        return new RolloutPolicy(p.maxConcurrent(), p.interval(), p.nodeCooldown(), IntOrPercent.parse(new IntOrString("100%")).orElseThrow(),
                0, false, p.progressDeadline()).scheduled(WindowSchedule.NONE, Steps.NONE, p.emergency(), p.emergencyMaxConcurrent());
    }

    private static long generation(LivePatch lp) {
        return lp.getMetadata().getGeneration() == null ? 0 : lp.getMetadata().getGeneration();
    }
}
