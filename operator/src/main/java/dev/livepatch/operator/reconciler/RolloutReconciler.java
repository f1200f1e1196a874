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
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe → plan → act for one LivePatch: the {@link Observer} reads the fleet, the
 * {@link RolloutPlanner} decides, and this carries the {@link RolloutPlan} out in the order that
 * keeps a crash harmless: the canary pause, then the status (with the admission time, the
 * intent), then the nodes' specs, then the events. Everything it needs next time is in those
 * objects, so a restarted operator neither redoes nor skips a node. Deletion takes the same path.
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
    private final ExecutorService statusWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "livepatch-status-writer");
        t.setDaemon(true);
        return t;
    });

    public RolloutReconciler(Observer observer, RolloutPlanner planner, NodeSpecBatches nodes, StatusWriter status, EventSink events,
                             OperatorMetrics metrics, Clock clock) {
        this.observer = observer;
        this.planner = planner;
        this.nodes = nodes;
        this.status = status;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Reconciles a live LivePatch; returns when to look again. */
    public Duration reconcile(LivePatch lp, Fleet fleet, NodeSpecBatches.Written written) {
        long began = System.nanoTime();
        Instant now = clock.instant();
        RolloutPlan plan = planner.rollout(observer.forRollout(lp, fleet, now), now);
        long planned = System.nanoTime();
        Set<String> stored = new HashSet<>();
        carryOut(lp, plan, (before, after) -> {
            stored.add(after.getMetadata().getName());
            written.written(before, after);
        });
        report(lp, plan, stored, String.format("read+plan=%dms act=%dms", (planned - began) / 1_000_000, (System.nanoTime() - planned) / 1_000_000));
        return plan.requeue().orElseThrow();
    }

    /** Cleanup behind the finalizer; empty when the finalizer may go. */
    public Optional<Duration> cleanup(LivePatch lp, Fleet fleet, NodeSpecBatches.Written written) {
        boolean retain = lp.getSpec() != null && lp.getSpec().getRemovalPolicy() == RemovalPolicy.Retain;
        Instant now = clock.instant();
        RolloutPlan plan = planner.cleanup(observer.forDeletion(lp, fleet, retain, now), retain, now);
        int lost = carryOut(lp, plan, written);
        if (plan.finished() && lost > 0) {
            return Optional.of(RETRY_LOST_RACE); // a node changed under a release: read it again before the finalizer goes
        }
        if (plan.finished()) {
            metrics.forget(lp.getMetadata().getName());
            events.forget(lp);
            return Optional.empty();
        }
        metrics.nodes(lp.getMetadata().getName(), plan.admission().countsAfterAdmission());
        return plan.requeue();
    }

    /** Carries the plan out; returns the node spec writes that lost a race. */
    private int carryOut(LivePatch lp, RolloutPlan plan, NodeSpecBatches.Written written) {
        if (plan.pause()) {
            status.pause(lp);
        }
        CompletableFuture<Boolean> statusWrite = plan.status() == null ? CompletableFuture.completedFuture(false)
                : plan.statusFirst() ? CompletableFuture.completedFuture(status.write(lp, plan.status()))
                : CompletableFuture.supplyAsync(() -> status.write(lp, plan.status()), statusWriter);
        int lost;
        try {
            List<NodeSpec> specs = Stream.concat(plan.admissions().stream(), plan.releases().stream()).toList();
            Instant now = clock.instant();
            lost = nodes.writeAll(specs, (before, after) -> {
                observer.wrote(after, now);
                written.written(before, after);
            });
        } finally {
            join(statusWrite);
        }
        for (EventNote e : plan.events()) {
            events.record(lp, e);
            if (PAUSES.contains(e.reason())) {
                metrics.paused(lp.getMetadata().getName(), e.reason());
            }
        }
        return lost;
    }

    private static void join(CompletableFuture<Boolean> write) {
        try {
            write.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Logs the reconcile; counts as admitted the nodes whose spec write went through ({@code stored}), not those that lost a race. */
    private void report(LivePatch lp, RolloutPlan plan, Set<String> stored, String took) {
        Plan p = plan.admission();
        String name = lp.getMetadata().getName();
        if (p == null) {
            LOG.info("reconciled livepatch={} generation={} phase={} took=\"{}\"", name, lp.getMetadata().getGeneration(),
                    plan.status() == null ? null : plan.status().getPhase(), took);
            return;
        }
        metrics.nodes(name, p.countsAfterAdmission());
        long admitted = p.admit().stream().filter(stored::contains).count();
        if (admitted > 0) {
            metrics.admitted(name, (int) admitted);
        }
        LOG.info("reconciled livepatch={} generation={} phase={} summary=\"{}\" admitted=[{}] released={} concurrency={} interval={} slowed={} took=\"{}\"",
                name, lp.getMetadata().getGeneration(), plan.status().getPhase(), plan.status().getSummary(), StatusEvents.names(p.admit()),
                plan.releases().size(), p.pacing().concurrency(), p.pacing().interval(), Objects.requireNonNullElse(p.pacing().reason(), "no"), took);
    }

    /** Stops the thread that writes statuses alongside node specs. */
    @Override
    public void close() {
        statusWriter.shutdownNow();
    }
}
