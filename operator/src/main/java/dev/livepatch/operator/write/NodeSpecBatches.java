package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes node specs through a {@link NodeSpecStore}, {@value #PARALLEL_WRITES} requests in flight,
 * without making the reconcile that decided them wait (docs/design.md §6.1): a reconcile
 * {@link #submit}s and returns, and the next one reads each node whose write is in flight as that
 * write will leave it ({@link #asWritten}). One write per node at a time: a second one for a node
 * whose write is in flight is deferred, and its submitter is told when the first has ended. Every
 * path that writes node specs (admissions, releases, Unload, Retain) goes through here.
 */
public final class NodeSpecBatches implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeSpecBatches.class);
    /** Spec writes in flight at once: at 16, one wave of 100 admissions took about seven API round trips in a row (the fleet benchmark). */
    public static final int PARALLEL_WRITES = 64;

    /** Told about each stored object before its write stops counting as in flight. */
    public interface Written {
        void written(NodeLivePatch before, NodeLivePatch after);
    }

    /** How each submitted write ended; called on a writer thread. */
    public interface Completion {
        void stored(NodeSpec spec, NodeLivePatch stored);

        /** A 409: the object changed since it was read; the change that beat it brings a watch event and a reconcile. */
        void lost(NodeSpec spec);

        void failed(NodeSpec spec, RuntimeException e);

        /** The write in flight that deferred {@code deferred} has ended: decide that node again. */
        void settled(NodeSpec deferred);
    }

    /** The writes one {@link #submit} started ({@code done} when all have ended) and those it deferred. */
    public record Submitted(int started, List<NodeSpec> deferred, CompletableFuture<Void> done) {}

    private record InFlight(NodeSpec spec, List<Runnable> waiters) {}

    private final NodeSpecStore store;
    private final ExecutorService pool;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

    public NodeSpecBatches(NodeSpecStore store) {
        this(store, writers());
    }

    /** Writes on {@code pool}, which {@link #close} shuts down. */
    public NodeSpecBatches(NodeSpecStore store, ExecutorService pool) {
        this.store = store;
        this.pool = pool;
    }

    private static ExecutorService writers() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(PARALLEL_WRITES, r -> {
            Thread t = new Thread(r, "nodespec-writer-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a write of every changed spec and returns; a node whose write is still in flight is deferred. */
    public Submitted submit(List<NodeSpec> specs, Written written, Completion completion) {
        List<NodeSpec> deferred = new ArrayList<>();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (NodeSpec s : specs) {
            if (s.unchanged()) {
                continue;
            }
            boolean[] mine = {false};
            inFlight.compute(s.name(), (name, busy) -> {
                if (busy == null) {
                    mine[0] = true;
                    return new InFlight(s, new CopyOnWriteArrayList<>());
                }
                busy.waiters().add(() -> completion.settled(s));
                return busy;
            });
            if (!mine[0]) {
                deferred.add(s);
                continue;
            }
            try {
                started.add(CompletableFuture.runAsync(() -> write(s, written, completion), pool));
            } catch (RejectedExecutionException e) {
                inFlight.remove(s.name());
                throw new IllegalStateException("the node spec writer has stopped; NodeLivePatch " + s.name() + " not written", e);
            }
        }
        return new Submitted(started.size(), List.copyOf(deferred), CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)));
    }

    private void write(NodeSpec s, Written written, Completion completion) {
        Runnable told;
        try {
            NodeLivePatch stored = store.store(s);
            try {
                written.written(s.current(), stored);
            } finally {
                settle(s);
            }
            told = () -> completion.stored(s, stored);
        } catch (KubernetesClientException e) {
            settle(s);
            told = e.getCode() == 409 ? () -> completion.lost(s) : () -> completion.failed(s, e);
        } catch (RuntimeException e) {
            settle(s);
            told = () -> completion.failed(s, e);
        }
        try {
            told.run();
        } catch (RuntimeException e) {
            LOG.warn("failed to handle the end of the spec write of NodeLivePatch {}", s.name(), e);
        }
    }

    private void settle(NodeSpec s) {
        InFlight ended = inFlight.remove(s.name());
        if (ended != null) {
            ended.waiters().forEach(Runnable::run);
        }
    }

    /**
     * The node's NodeLivePatch as the write in flight for it will leave it: that write's spec at the
     * next generation over {@code cached} (whose status, the daemon's newest, stays); {@code cached}
     * when no write is in flight or the cache already shows the write.
     */
    public Optional<NodeLivePatch> asWritten(String node, Optional<NodeLivePatch> cached) {
        InFlight w = inFlight.get(node);
        if (w == null) {
            return cached;
        }
        NodeLivePatch desired = w.spec().desired();
        NodeLivePatch base = cached.orElse(w.spec().current());
        if (base == null) {
            desired.getMetadata().setGeneration(1L);
            return Optional.of(desired);
        }
        boolean shown = sameSpec(base, w.spec()) && !Objects.equals(base.getMetadata().getResourceVersion(), desired.getMetadata().getResourceVersion());
        if (shown) {
            return cached;
        }
        NodeLivePatch next = new NodeLivePatch();
        long generation = base.getMetadata().getGeneration() == null ? 0 : base.getMetadata().getGeneration();
        next.setMetadata(new ObjectMetaBuilder(base.getMetadata()).withGeneration(generation + 1).build());
        next.setSpec(desired.getSpec());
        next.setStatus(base.getStatus());
        return Optional.of(next);
    }

    /**
     * Whether a write of {@code nlp}'s node is in flight and sends exactly {@code nlp}'s spec: then
     * {@code nlp} may be that write's own result, seen before the write's response.
     */
    public boolean writing(NodeLivePatch nlp) {
        InFlight w = inFlight.get(nlp.getMetadata().getName());
        return w != null && sameSpec(nlp, w.spec());
    }

    private static boolean sameSpec(NodeLivePatch nlp, NodeSpec spec) {
        return nlp.getSpec() != null && Objects.equals(nlp.getSpec().getModules(), spec.modules())
                && Objects.equals(nlp.getSpec().getRetained(), spec.retained());
    }

    /** Nodes with a spec write in flight. */
    public int inFlight() {
        return inFlight.size();
    }

    /**
     * Lets the writes already started finish (a request sent completes on the API server anyway, so
     * an operator that says it stopped must not still be admitting), then stops; bounded.
     */
    @Override
    public void close() {
        BoundedShutdown.finish(pool, Duration.ofSeconds(10));
    }
}
