package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link NodeLivePatch} per Linux node, named after it and owned by it, created with an empty
 * spec as soon as the node appears, so that its daemon has an object to report into before any
 * LivePatch admits the node. Run by the {@link NodeLivePatchHousekeeping} when a Node appears or
 * becomes Linux, or a NodeLivePatch goes.
 */
final class NodeLivePatchProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLivePatchProvisioner.class);

    private final NodeSpecStore writer;

    NodeLivePatchProvisioner(NodeSpecStore writer) {
        this.writer = writer;
    }

    /** Creates the node's NodeLivePatch when it is a Linux node without one; returns the one created, or null. */
    NodeLivePatch provision(Node node, Optional<NodeLivePatch> existing) {
        if (!Targeting.isLinux(node) || existing.isPresent()) {
            return null;
        }
        try {
            NodeLivePatch created = writer.store(new NodeSpec(node, null, List.of(), List.of()));
            LOG.info("created NodeLivePatch node={}", node.getMetadata().getName());
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            LOG.debug("NodeLivePatch already exists node={} (the cache had not seen it yet)", node.getMetadata().getName());
            return null;
        }
    }
}
