package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NodeLivePatches' upkeep, apart from any LivePatch: the {@link NodeLivePatchProvisioner} and
 * the {@link NodeLivePatchJanitor}, run for a node's name when the {@link FleetInformers} show a
 * change that can call for either, and for every name when this process starts leading. Work for
 * one name runs on one thread (names are spread over a few), a name queued again before it ran runs
 * once, and a failure is retried with backoff. Nothing runs while this process does not lead.
 */
public final class NodeLivePatchHousekeeping implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLivePatchHousekeeping.class);
    private static final int THREADS = 8;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);

    private final FleetCaches fleet;
    private final NodeLivePatchProvisioner provisioner;
    private final NodeLivePatchJanitor janitor;
    private final ScheduledExecutorService[] threads;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final OperatorMetrics metrics;
    private volatile boolean leading;

    public NodeLivePatchHousekeeping(FleetInformers fleet, KubernetesClient client, NodeSpecStore writer, OperatorMetrics metrics) {
        this((FleetCaches) fleet, client, writer, metrics);
    }

    NodeLivePatchHousekeeping(FleetCaches fleet, KubernetesClient client, NodeSpecStore writer, OperatorMetrics metrics) {
        this.fleet = fleet;
        this.metrics = metrics;
        metrics.housekeepingRetrying(failures);
        this.provisioner = new NodeLivePatchProvisioner(writer);
        this.janitor = new NodeLivePatchJanitor(client, writer);
        this.threads = IntStream.range(0, THREADS).mapToObj(i -> Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "livepatch-housekeeping-" + i);
            t.setDaemon(true);
            return t;
        })).toArray(ScheduledExecutorService[]::new);
        // Node updates that change no fact the provisioner reads (heartbeats) and NodeLivePatch updates without retained names call for nothing.
        NodeFactsChanged facts = new NodeFactsChanged();
        fleet.onNodes(queueing((old, updated) -> facts.accept(updated, old)));
        fleet.onNodeLivePatches(queueing((old, updated) -> NodeLivePatchJanitor.hasRetained(updated)));
    }

    private <R extends HasMetadata> ResourceEventHandler<R> queueing(BiPredicate<R, R> updateMatters) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(R resource) {
                queue(resource.getMetadata().getName());
            }

            @Override
            public void onUpdate(R old, R updated) {
                if (updateMatters.test(old, updated)) {
                    queue(updated.getMetadata().getName());
                }
            }

            @Override
            public void onDelete(R resource, boolean finalStateUnknown) {
                queue(resource.getMetadata().getName());
            }
        };
    }

    /** This process leads (or runs alone) and its informers have synced: every name is looked at once. */
    public void startLeading() {
        leading = true;
        Stream.concat(fleet.nodes(), fleet.nodeLivePatches()).map(r -> r.getMetadata().getName()).distinct().forEach(this::queue);
        LOG.info("NodeLivePatch housekeeping started");
    }

    public void stopLeading() {
        leading = false;
        LOG.info("NodeLivePatch housekeeping stopped");
    }

    private void queue(String name) {
        if (leading && queued.add(name)) {
            threadOf(name).execute(() -> run(name));
        }
    }

    private ScheduledExecutorService threadOf(String name) {
        return threads[Math.floorMod(name.hashCode(), threads.length)];
    }

    private void run(String name) {
        queued.remove(name); // an event from now on queues the name again: this run may read the cache before it
        if (!leading) {
            return;
        }
        try {
            Optional<Node> node = fleet.node(name);
            Optional<NodeLivePatch> nlp = fleet.nodeLivePatch(name);
            if (node.isPresent()) {
                fleet.written(null, provisioner.provision(node.get(), nlp));
            }
            if (nlp.isPresent()) {
                janitor.tidy(nlp.get(), node);
            }
            failures.remove(name);
            metrics.housekeepingRan(false);
        } catch (RuntimeException e) {
            metrics.housekeepingRan(true);
            int attempts = failures.merge(name, 1, Integer::sum);
            long wait = Math.min(LAST_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(attempts - 1, 10));
            LOG.warn("NodeLivePatch housekeeping failed node={} attempt={}, again in {} ms: {}", name, attempts, wait, e.toString());
            threadOf(name).schedule(() -> queue(name), wait, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        leading = false;
        for (ScheduledExecutorService t : threads) {
            t.shutdownNow();
        }
    }
}
