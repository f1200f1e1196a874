package dev.livepatch.operator.controller;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.nodes.NodeFactsChanged;
import dev.livepatch.operator.nodes.PrunedStores;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.reconciler.RolloutReconciler;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.EventSink;
import dev.livepatch.operator.write.StatusWriter;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JOSDK entry for LivePatches, kept thin: it gathers the fleet from the informer caches (Nodes
 * and NodeLivePatches as secondary resources; any change of either may matter to every
 * LivePatch, so each event maps to all of them; Node updates only when {@link NodeFactsChanged})
 * and hands over to the {@link RolloutReconciler}, which decides and acts. Events that arrive during a reconcile are coalesced by
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
    private InformerEventSource<Node, LivePatch> nodes;
    private InformerEventSource<NodeLivePatch, LivePatch> nodeLivePatches;

    public LivePatchController(RolloutReconciler reconciler, StatusWriter writer, EventSink events, OperatorMetrics metrics, Clock clock) {
        this.reconciler = reconciler;
        this.writer = writer;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, LivePatch>> prepareEventSources(EventSourceContext<LivePatch> context) {
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, LivePatch.class)
                .withName("livepatch-nodes").withSecondaryToPrimaryMapper(n -> allLivePatches(context))
                .withOnUpdateFilter(new NodeFactsChanged()).withItemStore(new PrunedStores.Nodes()).build(), context);
        nodeLivePatches = new InformerEventSource<>(InformerEventSourceConfiguration.from(NodeLivePatch.class, LivePatch.class)
                .withName("livepatch-nodelivepatches").withSecondaryToPrimaryMapper(n -> allLivePatches(context))
                .withItemStore(new PrunedStores.NodeLivePatches()).build(), context);
        return List.of(nodes, nodeLivePatches);
    }

    private static <R extends HasMetadata> Set<ResourceID> allLivePatches(EventSourceContext<LivePatch> context) {
        return context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<LivePatch> reconcile(LivePatch lp, Context<LivePatch> context) {
        Instant start = clock.instant();
        try {
            Duration next = reconciler.reconcile(writer.freshest(lp), fleet(context), this::written);
            return UpdateControl.<LivePatch>noUpdate().rescheduleAfter(next);
        } finally {
            metrics.reconciled(Duration.between(start, clock.instant()));
        }
    }

    @Override
    public DeleteControl cleanup(LivePatch lp, Context<LivePatch> context) {
        Optional<Duration> again = reconciler.cleanup(writer.freshest(lp), fleet(context), this::written);
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
     * what this operator just wrote ({@link #written}, creations included) over an older informer
     * copy. The transitions the nodes report are counted here, where every reconcile reads them.
     */
    private Fleet fleet(Context<LivePatch> context) {
        Fleet fleet = Fleet.of(nodes.list().toList(), name -> nodeLivePatches.get(new ResourceID(name)), nodeLivePatches.list(),
                context.getPrimaryCache().list());
        metrics.observed(fleet.nodeLivePatches().values());
        return fleet;
    }

    private void written(NodeLivePatch before, NodeLivePatch after) {
        if (after == null || after == before) {
            return;
        }
        if (before == null) {
            nodeLivePatches.handleRecentResourceCreate(ResourceID.fromResource(after), after);
        } else {
            nodeLivePatches.handleRecentResourceUpdate(ResourceID.fromResource(after), after, before);
        }
    }
}
