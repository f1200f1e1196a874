package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link NodeLivePatch} per Linux node, named after it and owned by it, created with an empty
 * spec as soon as the node appears, so that its daemon has an object to report into before any
 * LivePatch admits the node. Only a Node that appears or becomes Linux, or a NodeLivePatch that
 * appears or goes, can call for one: updates of NodeLivePatches, and Node updates that change
 * nothing {@link NodeFactsChanged} looks at, reconcile nothing.
 */
@ControllerConfiguration(name = "nodelivepatch-provisioner", generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = NodeFactsChanged.class, itemStore = PrunedStores.Nodes.class))
public final class NodeLivePatchProvisioner implements Reconciler<Node> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLivePatchProvisioner.class);

    private final NodeSpecStore writer;

    public NodeLivePatchProvisioner(NodeSpecStore writer) {
        this.writer = writer;
    }

    @Override
    public List<EventSource<?, Node>> prepareEventSources(EventSourceContext<Node> context) {
        var config = InformerEventSourceConfiguration.from(NodeLivePatch.class, Node.class)
                .withName("provisioner-nodelivepatches")
                .withSecondaryToPrimaryMapper(nlp -> Set.of(new ResourceID(nlp.getMetadata().getName())))
                .withOnUpdateFilter((updated, old) -> false)
                .withItemStore(new PrunedStores.NodeLivePatches())
                .build();
        return List.of(new InformerEventSource<>(config, context));
    }

    @Override
    public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
        if (Targeting.isLinux(node) && context.getSecondaryResource(NodeLivePatch.class).isEmpty()) {
            try {
                writer.store(new NodeSpec(node, null, List.of(), List.of()));
                LOG.info("created NodeLivePatch node={}", node.getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                LOG.debug("NodeLivePatch already exists node={} (the cache had not seen it yet)", node.getMetadata().getName());
            }
        }
        return UpdateControl.noUpdate();
    }
}
