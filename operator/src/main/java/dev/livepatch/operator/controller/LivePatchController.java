package dev.livepatch.operator.controller;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.nodes.FleetInformers;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.reconciler.RolloutReconciler;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.EventSink;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JOSDK entry for LivePatches, kept thin: it gathers the fleet from the informer caches (Nodes
 * and NodeLivePatches as secondary resources, the operator's only informers of them:
 * {@link FleetInformers}) and hands over to the {@link RolloutReconciler}, which decides and acts. Events that arrive during a reconcile are coalesced by
 * JOSDK into one more reconcile, so a wave of node reports costs a few reconciles, not one each.
 * Deletion goes through the finalizer JOSDK adds because this is a {@link Cleaner}.
 */
@ControllerConfiguration(name = LivePatchController.NAME)
public final class LivePatchController implements Reconciler<LivePatch>, Cleaner<LivePatch> {
    public static final String NAME = "livepatch";
    private static final Logger LOG = LoggerFactory.getLogger(LivePatchController.class);

    private final RolloutReconciler reconciler;
    private final StatusWriter writer;
    private final EventSink events;
    private final OperatorMetrics metrics;
    private final Clock clock;
    private final FleetInformers fleet;
    private final NodeSpecBatches specWrites;
    private final WriteCompletions completions;

    /** {@code completions} is the event source {@code reconciler} wakes LivePatches through. */
    public LivePatchController(RolloutReconciler reconciler, StatusWriter writer, EventSink events, OperatorMetrics metrics, Clock clock,
                               FleetInformers fleet, NodeSpecBatches specWrites, WriteCompletions completions) {
        this.reconciler = reconciler;
        this.writer = writer;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.fleet = fleet;
        this.specWrites = specWrites;
        this.completions = completions;
    }

    @Override
    public List<EventSource<?, LivePatch>> prepareEventSources(EventSourceContext<LivePatch> context) {
        List<EventSource<?, LivePatch>> sources = new java.util.ArrayList<>(fleet.eventSources(context));
        sources.add(completions);
        return sources;
    }

    @Override
    public UpdateControl<LivePatch> reconcile(LivePatch lp, Context<LivePatch> context) {
        Instant start = clock.instant();
        try {
            Duration next = reconciler.reconcile(writer.freshest(lp), fleet(context), fleet::written);
            return UpdateControl.<LivePatch>noUpdate().rescheduleAfter(next);
        } finally {
            metrics.reconciled(Duration.between(start, clock.instant()));
        }
    }

    @Override
    public DeleteControl cleanup(LivePatch lp, Context<LivePatch> context) {
        Optional<Duration> again = reconciler.cleanup(writer.freshest(lp), fleet(context), fleet::written);
        if (again.isEmpty()) {
            writer.forget(lp.getMetadata().getName());
        }
        return again.map(d -> DeleteControl.noFinalizerRemoval().rescheduleAfter(d)).orElseGet(DeleteControl::defaultDelete);
    }

    /**
     * Errors become a Warning event here, in one place; JOSDK retries. A 409 is a lost race, not
     * news. A persistent error is one aggregated event whose count grows, not an event per retry.
     */
    @Override
    public ErrorStatusUpdateControl<LivePatch> updateErrorStatus(LivePatch lp, Context<LivePatch> context, Exception e) {
        boolean conflict = e instanceof KubernetesClientException k && k.getCode() == 409;
        if (conflict) {
            LOG.debug("write conflict livepatch={}, retrying", lp.getMetadata().getName());
        } else {
            LOG.warn("failed to reconcile livepatch={}: {}", lp.getMetadata().getName(), e.toString(), e);
            events.record(lp, EventNote.warning(Reasons.RECONCILE_ERROR, "failed to reconcile: " + e.getMessage() + "; will retry"));
        }
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    /**
     * The fleet from the caches. Each node's NodeLivePatch goes through {@code get}, which prefers
     * what this operator just wrote ({@link FleetInformers#written}, creations included) over an older
     * informer copy, and what a spec write in flight will leave ({@link NodeSpecBatches#asWritten}) over both. The transitions the nodes report are counted here, where every reconcile reads them.
     */
    private Fleet fleet(Context<LivePatch> context) {
        Fleet observed = Fleet.of(fleet.nodes().toList(), n -> specWrites.asWritten(n, fleet.nodeLivePatch(n)), fleet.nodeLivePatches(), context.getPrimaryCache().list());
        metrics.observed(observed.nodeLivePatches().values());
        return observed;
    }
}
