package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of {@code NodeLivePatch.spec} (docs/node-contract.md). With server-side apply
 * (production) it applies the whole spec under the operator's field manager; otherwise (the
 * Fabric8 mock server only) it creates the object or replaces its spec by a JSON patch. Either way it sends
 * the resourceVersion it decided from, so that two reconciles writing one node's spec at once
 * cannot lose each other's entries: the loser gets a 409 and reconciles again.
 *
 * <p>{@link #writeAll} writes many nodes' specs at once ({@value #PARALLEL_WRITES} requests in
 * flight): a rollout at 10% of 5,000 nodes admits 500 in one reconcile, and one request after the
 * other would keep the first node waiting for the last.
 */
public final class NodeSpecWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSpecWriter.class);
    /** Spec writes in flight at once in {@link #writeAll}. */
    public static final int PARALLEL_WRITES = 16;

    /** One node's desired spec: {@code current} is the object it was decided from, or null. */
    public record Desired(Node node, NodeLivePatch current, List<NodeModule> modules, List<String> retained) {}

    /** Told about each stored object, on the caller's thread. */
    public interface Written {
        void written(NodeLivePatch before, NodeLivePatch after);
    }

    private final KubernetesClient client;
    private final String fieldManager;
    private final boolean serverSideApply;
    private final ExecutorService pool;

    public NodeSpecWriter(KubernetesClient client, String fieldManager, boolean serverSideApply) {
        this.client = client;
        this.fieldManager = fieldManager;
        this.serverSideApply = serverSideApply;
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(PARALLEL_WRITES, r -> {
            Thread t = new Thread(r, "nodespec-writer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes every desired spec, {@value #PARALLEL_WRITES} at a time, telling {@code written} about
     * each stored object (in the order given, on this thread). A write that loses a race (409: the
     * object changed since it was read) is skipped: the change that beat it brings a watch event,
     * and with it a reconcile that decides again from the newer object, without failing (and
     * retrying after a back-off) the writes that went through. When other writes fail, the rest
     * still finish and are told, then the first failure is thrown. Returns the writes skipped.
     */
    public int writeAll(List<Desired> desired, Written written) {
        List<Future<NodeLivePatch>> inFlight = desired.size() <= 1 ? List.of() : desired.stream().map(d -> pool.submit(() -> write(d))).toList();
        RuntimeException failure = null;
        int conflicts = 0;
        for (int i = 0; i < desired.size(); i++) {
            try {
                NodeLivePatch stored = inFlight.isEmpty() ? write(desired.get(i)) : await(inFlight.get(i), desired.get(i));
                written.written(desired.get(i).current(), stored);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    conflicts++;
                } else if (failure == null) {
                    failure = e;
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (conflicts > 0) {
            LOG.info("skipped {} NodeLivePatch spec write(s) that lost a race (409); their change brings another reconcile", conflicts);
        }
        return conflicts;
    }

    private static NodeLivePatch await(Future<NodeLivePatch> write, Desired d) {
        try {
            return write.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException("failed to write the spec of NodeLivePatch " + d.node().getMetadata().getName(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the spec of NodeLivePatch " + d.node().getMetadata().getName()
                    + "; it may be written", e);
        }
    }

    private NodeLivePatch write(Desired d) {
        return write(d.node(), d.current(), d.modules(), d.retained());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /**
     * Makes the node's spec {@code modules} + {@code retained}, creating the object (owned by the
     * node) when {@code current} is null. Returns the stored object, or {@code current} when nothing changes.
     */
    public NodeLivePatch write(Node node, NodeLivePatch current, List<NodeModule> modules, List<String> retained) {
        if (current != null && current.getSpec() != null && Objects.equals(current.getSpec().getModules(), modules)
                && Objects.equals(current.getSpec().getRetained(), retained)) {
            return current;
        }
        NodeLivePatchSpec spec = new NodeLivePatchSpec(new ArrayList<>(modules));
        spec.setRetained(new ArrayList<>(retained));
        NodeLivePatch desired = new NodeLivePatch();
        desired.setMetadata(new ObjectMetaBuilder()
                .withName(node.getMetadata().getName())
                .withResourceVersion(current == null ? null : current.getMetadata().getResourceVersion())
                .withOwnerReferences(ownerReference(node))
                .build());
        desired.setSpec(spec);
        if (current == null) {
            // Create, never apply: an apply without a resourceVersion from a cache that has not yet
            // seen an existing object would overwrite its spec (and the daemon would retire what it
            // names). A create of an existing object fails with 409, like any lost race.
            return client.resource(desired).create();
        }
        if (serverSideApply) {
            return client.resource(desired).fieldManager(fieldManager).forceConflicts().serverSideApply();
        }
        // A JSON patch replacing the whole spec: the mock server's merge patch does not empty a list.
        List<Map<String, Object>> patch = List.of(
                Map.of("op", "replace", "path", "/metadata/resourceVersion", "value", current.getMetadata().getResourceVersion()),
                Map.of("op", "add", "path", "/spec", "value", spec));
        return client.resources(NodeLivePatch.class).withName(node.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(patch));
    }

    /** Owned by its Node so that deleting the node deletes it; never blocks the node's deletion. */
    public static OwnerReference ownerReference(Node node) {
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node.getMetadata().getName())
                .withUid(node.getMetadata().getUid()).withBlockOwnerDeletion(false).withController(true).build();
    }
}
