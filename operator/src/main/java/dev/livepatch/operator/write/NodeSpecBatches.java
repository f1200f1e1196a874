package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes many nodes' specs at once through a {@link NodeSpecStore}, {@value #PARALLEL_WRITES}
 * requests in flight: a rollout at 10% of 5,000 nodes admits 500 in one reconcile, and one request
 * after the other would keep the first node waiting for the last. Every path that writes node
 * specs (admissions, releases, Unload, Retain) goes through here.
 */
public final class NodeSpecBatches implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSpecBatches.class);
    /** Spec writes in flight at once: at 16, one wave of 100 admissions took about seven API round trips in a row (the fleet benchmark). */
    public static final int PARALLEL_WRITES = 64;

    /** Told about each stored object, on the caller's thread. */
    public interface Written {
        void written(NodeLivePatch before, NodeLivePatch after);
    }

    private final NodeSpecStore store;
    private final ExecutorService pool;

    public NodeSpecBatches(NodeSpecStore store) {
        this.store = store;
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(PARALLEL_WRITES, r -> {
            Thread t = new Thread(r, "nodespec-writer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes every changed spec, telling {@code written} about each stored object (in the order
     * given, on this thread). A write that loses a race (409: the object changed since it was read)
     * is skipped: the change that beat it brings a watch event, and with it a reconcile that decides
     * again from the newer object, without failing (and retrying after a back-off) the writes that
     * went through. When other writes fail, the rest still finish and are told, then the first
     * failure is thrown. Returns the writes skipped.
     */
    public int writeAll(List<NodeSpec> specs, Written written) {
        List<NodeSpec> changed = specs.stream().filter(s -> !s.unchanged()).toList();
        List<Future<NodeLivePatch>> inFlight = changed.size() <= 1 ? List.of() : changed.stream().map(s -> pool.submit(() -> store.store(s))).toList();
        RuntimeException failure = null;
        int conflicts = 0;
        for (int i = 0; i < changed.size(); i++) {
            try {
                NodeLivePatch stored = inFlight.isEmpty() ? store.store(changed.get(i)) : await(inFlight.get(i), changed.get(i));
                written.written(changed.get(i).current(), stored);
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

    private static NodeLivePatch await(Future<NodeLivePatch> write, NodeSpec s) {
        try {
            return write.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException("failed to write the spec of NodeLivePatch " + s.name(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the spec of NodeLivePatch " + s.name() + "; it may be written", e);
        }
    }

    /**
     * Lets the writes already started finish (a request sent completes on the API server anyway, so
     * an operator that says it stopped must not still be admitting), then stops; bounded.
     */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
