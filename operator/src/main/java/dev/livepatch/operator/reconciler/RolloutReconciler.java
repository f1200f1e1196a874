package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.EventSink;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe → plan → act for one LivePatch: the {@link Observer} reads the fleet, the
 * {@link RolloutPlanner} decides, and this carries the {@link RolloutPlan} out in the order that
 * keeps a crash harmless: the canary pause, then the status when it is the intent (the admission
 * time, the canaries), then the nodes' specs, then the events. Everything it needs next time is in
 * those objects, so a restarted operator neither redoes nor skips a node. No reconcile waits
 * for its spec writes ({@link SpecWrites}); the finalizer goes only once none is in flight. Deletion takes the same path.
 */
public final class RolloutReconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutReconciler.class);
    private static final Duration RETRY_LOST_RACE = Duration.ofSeconds(1);
    private static final Set<String> PAUSES = Set.of(Reasons.CANARY_PAUSE, Reasons.TOO_MANY_FAILURES, Reasons.PAUSED);

    private final Observer observer;
    private final RolloutPlanner planner;
    private final NodeSpecBatches nodes;
    private final StatusWriter status;
    private final EventSink events;
    private final OperatorMetrics metrics;
    private final Clock clock;
    private final SpecWrites writes;

    /** {@code wake} asks for another reconcile of the named LivePatch (a write it deferred may go now, or one failed). */
    public RolloutReconciler(Observer observer, RolloutPlanner planner, NodeSpecBatches nodes, StatusWriter status, EventSink events,
                             OperatorMetrics metrics, Clock clock, Consumer<String> wake) {
        this.observer = observer;
        this.planner = planner;
        this.nodes = nodes;
        this.status = status;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.writes = new SpecWrites(observer, metrics, wake);
    }

    /**
     * Reconciles a live LivePatch; returns when to look again. A spec write of an earlier
     * reconcile that failed is thrown here, so that JOSDK retries with its back-off.
     */
    public Duration reconcile(LivePatch lp, Fleet fleet, NodeSpecBatches.Written written) {
        String name = lp.getMetadata().getName();
        writes.throwFailure(name);
        long began = System.nanoTime();
        Instant now = clock.instant();
        RolloutPlan plan = planner.rollout(observer.forRollout(lp, fleet, now), now);
        long planned = System.nanoTime();
        if (plan.pause()) {
            status.pause(lp);
        }
        if (plan.status() != null && plan.statusFirst()) {
            status.write(lp, plan.status());
        }
        Set<String> admit = plan.admission() == null ? Set.of() : Set.copyOf(plan.admission().admit());
        NodeSpecBatches.Submitted submitted = nodes.submit(specs(plan), written, writes.of(name, admit, now));
        writes.started(name, submitted.started());
        if (plan.status() != null && !plan.statusFirst()) {
            status.writeLater(lp, plan.status());
        }
        record(lp, plan);
        report(lp, plan, submitted, String.format("read+plan=%dms act=%dms", (planned - began) / 1_000_000, (System.nanoTime() - planned) / 1_000_000));
        return plan.requeue().orElseThrow();
    }

    /** Cleanup behind the finalizer; empty when the finalizer may go (never while a spec write of this LivePatch is in flight). */
    public Optional<Duration> cleanup(LivePatch lp, Fleet fleet, NodeSpecBatches.Written written) {
        String name = lp.getMetadata().getName();
        writes.throwFailure(name);
        boolean retain = lp.getSpec() != null && lp.getSpec().getRemovalPolicy() == RemovalPolicy.Retain;
        Instant now = clock.instant();
        RolloutPlan plan = planner.cleanup(observer.forDeletion(lp, fleet, retain, now), retain, now);
        if (plan.pause()) {
            status.pause(lp);
        }
        if (plan.status() != null) {
            status.write(lp, plan.status());
        }
        NodeSpecBatches.Submitted submitted = nodes.submit(specs(plan), written, writes.of(name, Set.of(), now));
        writes.started(name, submitted.started());
        record(lp, plan);
        if (plan.finished() && (submitted.started() > 0 || !submitted.deferred().isEmpty() || writes.inFlight(name))) {
            return Optional.of(RETRY_LOST_RACE); // the releases are not stored yet, or lost a race: read the nodes again first
        }
        if (plan.finished()) {
            writes.forget(name);
            metrics.forget(name);
            events.forget(lp);
            return Optional.empty();
        }
        metrics.nodes(name, plan.admission().countsAfterAdmission());
        return plan.requeue();
    }

    private static List<NodeSpec> specs(RolloutPlan plan) {
        return Stream.concat(plan.admissions().stream(), plan.releases().stream()).toList();
    }

    private void record(LivePatch lp, RolloutPlan plan) {
        for (EventNote e : plan.events()) {
            events.record(lp, e);
            if (PAUSES.contains(e.reason())) {
                metrics.paused(lp.getMetadata().getName(), e.reason());
            }
        }
    }

    /** Logs the reconcile; the admissions are counted as their writes go through ({@link SpecWrites}). */
    private void report(LivePatch lp, RolloutPlan plan, NodeSpecBatches.Submitted submitted, String took) {
        Plan p = plan.admission();
        String name = lp.getMetadata().getName();
        if (p == null) {
            LOG.info("reconciled livepatch={} generation={} phase={} took=\"{}\"", name, lp.getMetadata().getGeneration(),
                    plan.status() == null ? null : plan.status().getPhase(), took);
            return;
        }
        metrics.nodes(name, p.countsAfterAdmission());
        LOG.info("reconciled livepatch={} generation={} phase={} summary=\"{}\" admitted=[{}] released={} deferred={} concurrency={} interval={} slowed={} took=\"{}\"",
                name, lp.getMetadata().getGeneration(), plan.status().getPhase(), plan.status().getSummary(), StatusEvents.names(p.admit()),
                plan.releases().size(), submitted.deferred().size(), p.pacing().concurrency(), p.pacing().interval(),
                Objects.requireNonNullElse(p.pacing().reason(), "no"), took);
    }

    /** The LivePatches whose spec writes it still holds anything for (their counters, a failure to throw). */
    Set<String> heldSpecWrites() {
        return writes.held();
    }

    /** Writes the status still waiting, then stops. */
    @Override
    public void close() {
        status.close();
    }
}
