package dev.livepatch.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.testing.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The provisioner runs on the shared caches' events only while this process leads, for each name once, and retries what failed. */
class NodeLivePatchHousekeepingTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OperatorMetrics metrics = new OperatorMetrics(registry, Instant.EPOCH);

    private double runs(String outcome) {
        var c = registry.find("livepatch_housekeeping_runs").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private double retrying() {
        return registry.get("livepatch_housekeeping_retrying_nodes").gauge().value();
    }

    @Test
    void createsNothingWhileNotLeadingThenOneNodeLivePatchPerLinuxNodeWithoutOne() throws Exception {
        Caches caches = new Caches();
        Store store = new Store(caches, 0);
        try (var housekeeping = new NodeLivePatchHousekeeping(caches, null, store, metrics)) {
            caches.add(Fixtures.node("node-a"));
            caches.add(Fixtures.node("node-b"));
            caches.addNodeLivePatch(nodeLivePatch("node-b"));
            caches.add(Fixtures.node("node-w", Fixtures.KERNEL, Map.of("kubernetes.io/os", "windows")));
            Thread.sleep(300);
            assertThat(store.created).as("created before leading").isEmpty();

            housekeeping.startLeading();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.created.size() == 1);
            caches.add(Fixtures.node("node-a")); // an event for a name already done
            Thread.sleep(300);
            assertThat(store.created).containsExactly("node-a");

            housekeeping.stopLeading();
            caches.add(Fixtures.node("node-c"));
            Thread.sleep(300);
            assertThat(store.created).as("created after leading stopped").containsExactly("node-a");
        }
    }

    @Test
    void aFailedCreationIsRetried() {
        Caches caches = new Caches();
        Store store = new Store(caches, 2);
        try (var housekeeping = new NodeLivePatchHousekeeping(caches, null, store, metrics)) {
            caches.add(Fixtures.node("node-a"));
            housekeeping.startLeading();
            await().atMost(Duration.ofSeconds(5)).until(() -> runs("failed") == 1);
            assertThat(retrying()).as("node-a waits for its retry").isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.created.contains("node-a"));
            assertThat(store.attempts.get()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> runs("done") == 1);
            assertThat(runs("failed")).isEqualTo(2);
            assertThat(retrying()).isZero();
        }
    }

    private static NodeLivePatch nodeLivePatch(String name) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
        return nlp;
    }

    /** Creates, after failing {@code failures} times with a 500; what it creates goes into the caches, as the operator's writes do. */
    private static final class Store implements NodeSpecStore {
        final List<String> created = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        private final Caches caches;
        private final int failures;

        Store(Caches caches, int failures) {
            this.caches = caches;
            this.failures = failures;
        }

        @Override
        public NodeLivePatch store(NodeSpec spec) {
            if (attempts.incrementAndGet() <= failures) {
                throw new KubernetesClientException("the API server failed", 500, null);
            }
            created.add(spec.name());
            return spec.desired();
        }
    }

    private static final class Caches implements FleetCaches {
        private final Map<String, Node> nodes = new ConcurrentHashMap<>();
        private final Map<String, NodeLivePatch> nodeLivePatches = new ConcurrentHashMap<>();
        private final List<ResourceEventHandler<Node>> nodeHandlers = new CopyOnWriteArrayList<>();
        private final List<ResourceEventHandler<NodeLivePatch>> nodeLivePatchHandlers = new CopyOnWriteArrayList<>();

        void add(Node node) {
            added(nodes, nodeHandlers, node);
        }

        void addNodeLivePatch(NodeLivePatch nlp) {
            added(nodeLivePatches, nodeLivePatchHandlers, nlp);
        }

        private static <R extends HasMetadata> void added(Map<String, R> cache, List<ResourceEventHandler<R>> handlers, R resource) {
            R old = cache.put(resource.getMetadata().getName(), resource);
            handlers.forEach(h -> {
                if (old == null) {
                    h.onAdd(resource);
                } else {
                    h.onUpdate(old, resource);
                }
            });
        }

        @Override
        public void onNodes(ResourceEventHandler<Node> handler) {
            nodeHandlers.add(handler);
        }

        @Override
        public void onNodeLivePatches(ResourceEventHandler<NodeLivePatch> handler) {
            nodeLivePatchHandlers.add(handler);
        }

        @Override
        public Stream<Node> nodes() {
            return nodes.values().stream();
        }

        @Override
        public Optional<Node> node(String name) {
            return Optional.ofNullable(nodes.get(name));
        }

        @Override
        public Stream<NodeLivePatch> nodeLivePatches() {
            return nodeLivePatches.values().stream();
        }

        @Override
        public Optional<NodeLivePatch> nodeLivePatch(String name) {
            return Optional.ofNullable(nodeLivePatches.get(name));
        }

        @Override
        public void written(NodeLivePatch before, NodeLivePatch after) {
            if (after != null) {
                nodeLivePatches.put(after.getMetadata().getName(), after);
            }
        }
    }
}
