package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecBatches;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What follows from the end of each spec write a rollout reconcile started and did not wait for
 * (docs/design.md §6.1). Stored: the node's no-progress clock starts at the write, and an
 * admission is counted. A 409: nothing (the newer object's watch event brings a reconcile). Any
 * other failure is kept for the LivePatch's next reconcile to throw, and that reconcile is asked
 * for at once: JOSDK then records the Warning event and retries with its back-off, as for a
 * failure inside a reconcile. A write deferred behind one in flight asks for a reconcile when that
 * one ends.
 */
final class SpecWrites {
    private static final Logger LOG = LoggerFactory.getLogger(SpecWrites.class);

    private final Observer observer;
    private final OperatorMetrics metrics;
    private final Consumer<String> wake;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();

    SpecWrites(Observer observer, OperatorMetrics metrics, Consumer<String> wake) {
        this.observer = observer;
        this.metrics = metrics;
        this.wake = wake;
    }

    /** Throws (once) the failure of a spec write this LivePatch started. */
    void throwFailure(String livePatch) {
        RuntimeException failed = failures.remove(livePatch);
        if (failed != null) {
            throw failed;
        }
    }

    /** Whether a spec write this LivePatch started has not ended yet. */
    boolean inFlight(String livePatch) {
        AtomicInteger n = inFlight.get(livePatch);
        return n != null && n.get() > 0;
    }

    /** The completion of the writes one reconcile of {@code livePatch} submits at {@code at}; {@code admit} names its admissions. */
    NodeSpecBatches.Completion of(String livePatch, Set<String> admit, Instant at) {
        AtomicInteger count = inFlight.computeIfAbsent(livePatch, n -> new AtomicInteger());
        return new NodeSpecBatches.Completion() {
            @Override
            public void stored(NodeSpec spec, NodeLivePatch stored) {
                ended();
                observer.wrote(stored, at);
                if (admit.contains(spec.name())) {
                    metrics.admitted(livePatch, 1);
                }
            }

            @Override
            public void lost(NodeSpec spec) {
                ended();
                LOG.info("the spec write of NodeLivePatch {} for livepatch={} lost a race (409); its change brings another reconcile",
                        spec.name(), livePatch);
            }

            @Override
            public void failed(NodeSpec spec, RuntimeException e) {
                ended();
                failures.putIfAbsent(livePatch, e);
                wake.accept(livePatch);
            }

            @Override
            public void settled(NodeSpec deferred) {
                wake.accept(livePatch);
            }

            private void ended() {
                count.decrementAndGet();
            }
        };
    }

    /** Forgets a deleted LivePatch (none of its writes is in flight). */
    void forget(String livePatch) {
        inFlight.remove(livePatch);
        failures.remove(livePatch);
    }

    /** The LivePatches it holds anything for. */
    Set<String> held() {
        Set<String> held = new java.util.HashSet<>(inFlight.keySet());
        held.addAll(failures.keySet());
        return held;
    }

    /** Counts the writes one reconcile started (call right after submitting: none has been told before this matters). */
    void started(String livePatch, int writes) {
        inFlight.computeIfAbsent(livePatch, n -> new AtomicInteger()).addAndGet(writes);
    }
}
