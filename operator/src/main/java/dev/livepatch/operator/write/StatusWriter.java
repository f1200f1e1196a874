package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of LivePatch status, and of the single spec field the operator ever sets
 * ({@code spec.rollout.paused} after the canaries), through a {@link LivePatchStore}. A status
 * equal to the stored one is not written.
 *
 * <p>It remembers the object each write stored, so that a reconcile can start from what this
 * operator last wrote without a GET ({@link #freshest}): the informer cache may not show the
 * status written a moment ago (its admission time, its canary pause) yet.
 *
 * <p>A status that carries counts only may be written later ({@link #writeLater}): only the
 * latest one waiting is written, and a status written now first drops the one waiting, so an older
 * status is never stored after a newer one. Until it is stored, {@link #freshest} shows it. Such
 * writes are spaced {@link #COUNTS_SPACING} apart per LivePatch: at 1,000 nodes finishing a few
 * at a time, each reconcile's counts made one status write per node reconciled, the most frequent
 * LivePatch write, for a figure a user reads once a second at most.
 */
public final class StatusWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
    /** The least time between two counts-only status writes of one LivePatch. */
    public static final Duration COUNTS_SPACING = Duration.ofSeconds(1);

    /** Waits on the background thread until the next counts-only write is due. */
    public interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    private record Waiting(LivePatch current, LivePatchStatus status) {}

    private final LivePatchStore store;
    private final Map<String, LivePatch> lastStored = new ConcurrentHashMap<>();
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastCountsWrite = new ConcurrentHashMap<>();
    private final ExecutorService background;
    private final Clock clock;
    private final Duration spacing;
    private final Pause pause;

    public StatusWriter(LivePatchStore store, Clock clock) {
        this(store, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "livepatch-status-writer");
            t.setDaemon(true);
            return t;
        }), clock, COUNTS_SPACING, d -> Thread.sleep(d.toMillis()));
    }

    /** Writes the statuses that may wait on {@code background}, which {@link #close} shuts down; no spacing. */
    public StatusWriter(LivePatchStore store, ExecutorService background) {
        this(store, background, Clock.systemUTC(), Duration.ZERO, d -> { });
    }

    /** Writes the statuses that may wait on {@code background}, {@code spacing} apart per LivePatch, waiting by {@code pause}. */
    public StatusWriter(LivePatchStore store, ExecutorService background, Clock clock, Duration spacing, Pause pause) {
        this.store = store;
        this.background = background;
        this.clock = clock;
        this.spacing = spacing;
        this.pause = pause;
    }

    /** Writes the status unless it equals the stored one; returns whether it wrote. */
    public boolean write(LivePatch current, LivePatchStatus status) {
        if (Objects.equals(json(current.getStatus()), json(status))) {
            return false;
        }
        String name = current.getMetadata().getName();
        synchronized (lock(name)) {
            waiting.remove(name);
            store(current, status);
        }
        return true;
    }

    /** Writes the status soon, on another thread, unless a newer one replaces it first. */
    public void writeLater(LivePatch current, LivePatchStatus status) {
        if (Objects.equals(json(current.getStatus()), json(status))) {
            return;
        }
        String name = current.getMetadata().getName();
        if (waiting.put(name, new Waiting(current, status)) == null) {
            background.execute(() -> {
                waitForSpacing(name);
                synchronized (lock(name)) {
                    Waiting w = waiting.remove(name);
                    if (w == null) {
                        return;
                    }
                    try {
                        store(w.current(), w.status());
                        lastCountsWrite.put(name, clock.instant());
                    } catch (RuntimeException e) {
                        LOG.warn("failed to write the status of livepatch={}; the next reconcile writes it again: {}", name, e.toString());
                    }
                }
            });
        }
    }

    /** Newer statuses that arrive meanwhile replace the waiting one: the wait is what coalesces them. */
    private void waitForSpacing(String name) {
        Instant last = lastCountsWrite.get(name);
        if (last == null) {
            return;
        }
        Duration left = Duration.between(clock.instant(), last.plus(spacing));
        if (left.isNegative() || left.isZero()) {
            return;
        }
        try {
            pause.pause(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutting down: write what waits now
        }
    }

    private Object lock(String name) {
        return locks.computeIfAbsent(name, n -> new Object());
    }

    private void store(LivePatch current, LivePatchStatus status) {
        LivePatch desired = new LivePatch();
        desired.setMetadata(new ObjectMetaBuilder().withName(current.getMetadata().getName())
                .withResourceVersion(current.getMetadata().getResourceVersion()).build());
        desired.setStatus(status);
        stored(store.storeStatus(current, desired));
    }

    public void pause(LivePatch current) {
        stored(store.pause(current.getMetadata().getName()));
    }

    /**
     * The LivePatch as stored now, for a reconcile to start from: the newer of {@code cached} and
     * the object this writer last stored for it; a GET when this writer has stored none (after a
     * start) or resourceVersions do not compare. Kubernetes calls resourceVersions opaque, but they
     * are etcd revisions that only grow; the fallback keeps this right where they are not numbers.
     */
    public LivePatch freshest(LivePatch cached) {
        LivePatch stored = newest(cached);
        Waiting w = waiting.get(cached.getMetadata().getName());
        if (w == null) {
            return stored;
        }
        LivePatch shown = new LivePatch();
        shown.setMetadata(stored.getMetadata());
        shown.setSpec(stored.getSpec());
        shown.setStatus(w.status());
        return shown;
    }

    private LivePatch newest(LivePatch cached) {
        LivePatch mine = lastStored.get(cached.getMetadata().getName());
        if (mine != null && Objects.equals(mine.getMetadata().getUid(), cached.getMetadata().getUid())) {
            try {
                long cachedVersion = Long.parseLong(cached.getMetadata().getResourceVersion());
                long mineVersion = Long.parseLong(mine.getMetadata().getResourceVersion());
                return cachedVersion >= mineVersion ? cached : mine;
            } catch (NumberFormatException | NullPointerException e) {
                // not comparable: ask the server
            }
        }
        LivePatch stored = store.get(cached.getMetadata().getName());
        return stored == null ? cached : stored;
    }

    /** Forgets a deleted LivePatch. */
    public void forget(String name) {
        lastStored.remove(name);
        waiting.remove(name);
        locks.remove(name);
        lastCountsWrite.remove(name);
    }

    /** Writes the status still waiting, then stops (bounded). */
    @Override
    public void close() {
        BoundedShutdown.finish(background, Duration.ofSeconds(10));
    }

    private void stored(LivePatch lp) {
        if (lp != null && lp.getMetadata() != null) {
            lastStored.put(lp.getMetadata().getName(), lp);
        }
    }

    private static String json(Object o) {
        return o == null ? null : Serialization.asJson(o);
    }
}
