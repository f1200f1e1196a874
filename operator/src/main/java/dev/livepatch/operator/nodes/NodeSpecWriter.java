package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

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
     * each stored object (in the order given, on this thread). When some writes fail, the others
     * still finish and are told, then the first failure is thrown.
     */
    public void writeAll(List<Desired> desired, Written written) {
        if (desired.size() == 1) {
            Desired d = desired.get(0);
            written.written(d.current(), write(d.node(), d.current(), d.modules(), d.retained()));
            return;
        }
        List<Future<NodeLivePatch>> results = new ArrayList<>();
        for (Desired d : desired) {
            results.add(pool.submit(() -> write(d.node(), d.current(), d.modules(), d.retained())));
        }
        RuntimeException failure = null;
        for (int i = 0; i < results.size(); i++) {
            try {
                written.written(desired.get(i).current(), results.get(i).get());
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
                        : new IllegalStateException("failed to write the spec of NodeLivePatch " + desired.get(i).node().getMetadata().getName(), e.getCause());
                failure = failure == null ? cause : failure;
            } catch (InterruptedException | CancellationException e) {
                results.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing " + desired.size() + " NodeLivePatch specs; some may be written", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
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
        if (serverSideApply) {
            return client.resource(desired).fieldManager(fieldManager).forceConflicts().serverSideApply();
        }
        if (current == null) {
            return client.resource(desired).create();
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
