package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps NodeLivePatches tidy: deletes the one of a node that no longer exists (the garbage
 * collector does it by ownerReference where kube-controller-manager runs; this covers clusters and
 * tests without it), and drops a name from {@code spec.retained} once the daemon, having
 * observed the spec that carries it, no longer reports that patch (docs/node-contract.md). Only a NodeLivePatch update with names in
 * {@code retained}, and a node's deletion, can call for either: other updates (two or more per node
 * per rollout) reconcile nothing.
 */
@ControllerConfiguration(name = "nodelivepatch-janitor", generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = NodeLivePatchJanitor.HasRetained.class, itemStore = PrunedStores.NodeLivePatches.class))
public final class NodeLivePatchJanitor implements Reconciler<NodeLivePatch> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLivePatchJanitor.class);

    private final KubernetesClient client;
    private final NodeSpecStore writer;

    public NodeLivePatchJanitor(KubernetesClient client, NodeSpecStore writer) {
        this.client = client;
        this.writer = writer;
    }

    @Override
    public List<EventSource<?, NodeLivePatch>> prepareEventSources(EventSourceContext<NodeLivePatch> context) {
        var config = InformerEventSourceConfiguration.from(Node.class, NodeLivePatch.class)
                .withName("janitor-nodes")
                .withSecondaryToPrimaryMapper(node -> Set.of(new ResourceID(node.getMetadata().getName())))
                .withOnUpdateFilter((updated, old) -> false)
                .withItemStore(new PrunedStores.Nodes())
                .build();
        return List.of(new InformerEventSource<>(config, context));
    }

    /** Passes NodeLivePatch updates that carry retained names. */
    public static final class HasRetained implements OnUpdateFilter<NodeLivePatch> {
        @Override
        public boolean accept(NodeLivePatch updated, NodeLivePatch old) {
            return updated.getSpec() != null && !updated.getSpec().getRetained().isEmpty();
        }
    }

    /**
     * The retained names to keep: those the daemon still reports in {@code status.patches}; all of
     * them until the daemon has observed the current spec (the one that carries them). A status
     * from before a name was retained may not list a patch that is loading right then, and dropping
     * the name would have the daemon retire what the user meant to keep.
     */
    static List<String> stillRetained(NodeLivePatch nlp) {
        List<String> retained = nlp.getSpec() == null ? List.of() : nlp.getSpec().getRetained();
        if (retained.isEmpty() || nlp.getStatus() == null
                || !Objects.equals(nlp.getStatus().getObservedGeneration(), nlp.getMetadata().getGeneration())) {
            return retained;
        }
        Set<String> reported = nlp.getStatus().getPatches().stream().map(KernelPatch::getName).collect(Collectors.toSet());
        return retained.stream().filter(reported::contains).toList();
    }

    @Override
    public UpdateControl<NodeLivePatch> reconcile(NodeLivePatch nlp, Context<NodeLivePatch> context) {
        String name = nlp.getMetadata().getName();
        Optional<Node> node = context.getSecondaryResource(Node.class);
        if (node.isEmpty()) {
            if (client.nodes().withName(name).get() == null) { // the cache may lag a just-created node
                client.resource(nlp).delete();
                LOG.info("deleted NodeLivePatch of a deleted node node={}", name);
            }
            return UpdateControl.noUpdate();
        }
        List<String> retained = nlp.getSpec() == null ? List.of() : nlp.getSpec().getRetained();
        List<String> still = stillRetained(nlp);
        if (still.size() != retained.size()) {
            writer.store(new NodeSpec(node.get(), nlp, nlp.getSpec().getModules(), still));
            LOG.info("released retained patches no longer loaded node={} retained={}", name, still);
        }
        return UpdateControl.noUpdate();
    }
}
