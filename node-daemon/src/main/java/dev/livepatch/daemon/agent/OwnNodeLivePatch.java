package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/** The daemon's watch of its own NodeLivePatch (an informer on one name): the current object, and a trigger on every spec change. */
public final class OwnNodeLivePatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OwnNodeLivePatch.class);
    private final KubernetesClient client;
    private final String nodeName;
    private SharedIndexInformer<NodeLivePatch> informer;

    public OwnNodeLivePatch(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    public void start(Runnable onSpecChange) {
        informer = client.resources(NodeLivePatch.class).withName(nodeName).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(NodeLivePatch obj) { onSpecChange.run(); }

            @Override
            public void onUpdate(NodeLivePatch oldObj, NodeLivePatch newObj) {
                if (!Objects.equals(oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())) onSpecChange.run();
            }

            @Override
            public void onDelete(NodeLivePatch obj, boolean deletedFinalStateUnknown) {
                log.atInfo().addKeyValue("node", nodeName).log("NodeLivePatch deleted; kernel left as it is");
            }
        });
    }

    public NodeLivePatch current() { return informer == null ? null : informer.getStore().getByKey(nodeName); }

    public boolean synced() { return informer != null && informer.hasSynced(); }

    @Override
    public void close() {
        if (informer != null) informer.close();
    }
}
