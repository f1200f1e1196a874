package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.daemon.converge.Converger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs one node's convergence slices on a scheduler: on every trigger (a spec event), when a slice
 * asks to come back (a transition in flight: after the poll interval), when a timer is due (an
 * rmmod, a retry), and every {@code resync}. Each slice starts by reading the current NodeLivePatch,
 * so a spec change, a new {@code onStall} or a deletion is seen between two looks at a stalled
 * transition. At most one slice of a node runs at a time; triggers during a slice coalesce into one
 * more. The scheduler may be the node's own thread (the DaemonSet) or a pool shared by many agents
 * (the simulated fleet).
 *
 * <p>No NodeLivePatch (not created yet, or deleted with its node) means: do nothing — an absent
 * object is never read as "retire everything".
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    private final String nodeName;
    private final Supplier<NodeLivePatch> current;
    private final Converger converger;
    private final Runnable onNewObject;
    private final ScheduledExecutorService scheduler;
    private final Duration resync;
    private final Duration stuckAfter;
    private final Clock clock;

    // guarded by this
    private boolean running;
    private boolean pending;
    private boolean closed;
    private ScheduledFuture<?> wake;
    private ScheduledFuture<?> resyncTask;
    private Instant sliceStartedAt;
    private String uid;
    private long slices;

    /**
     * @param current     the node's NodeLivePatch as last seen (null: none)
     * @param onNewObject run when the NodeLivePatch is a new object (its status writer must write again)
     * @param stuckAfter  a slice running longer than this makes the agent not alive (liveness restarts the pod)
     */
    public NodeAgent(String nodeName, Supplier<NodeLivePatch> current, Converger converger, Runnable onNewObject,
                     ScheduledExecutorService scheduler, Duration resync, Duration stuckAfter, Clock clock) {
        this.nodeName = nodeName;
        this.current = current;
        this.converger = converger;
        this.onNewObject = onNewObject;
        this.scheduler = scheduler;
        this.resync = resync;
        this.stuckAfter = stuckAfter;
        this.clock = clock;
    }

    public NodeAgent start() {
        synchronized (this) {
            resyncTask = scheduler.scheduleWithFixedDelay(this::trigger, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        }
        trigger();
        return this;
    }

    /** Asks for a slice; at most one waits behind the running one. */
    public void trigger() {
        synchronized (this) {
            if (closed) return;
            if (running) {
                pending = true;
                return;
            }
            running = true;
            pending = false;
        }
        scheduler.execute(this::run);
    }

    private void run() {
        synchronized (this) {
            if (closed) {
                running = false;
                return;
            }
            pending = false;
            sliceStartedAt = clock.instant();
        }
        Instant wakeAt = null;
        boolean ran = false;
        try {
            NodeLivePatch nlp = current.get();
            if (nlp != null) {
                if (!Objects.equals(uid, nlp.getMetadata().getUid())) {
                    uid = nlp.getMetadata().getUid();
                    onNewObject.run();
                }
                long gen = nlp.getMetadata().getGeneration() == null ? 0 : nlp.getMetadata().getGeneration();
                wakeAt = converger.slice(nlp.getSpec(), gen).wakeAt();
                ran = true;
            }
        } catch (RuntimeException e) {
            log.atError().setCause(e).addKeyValue("node", nodeName).log("convergence slice failed; tried again at the next resync");
        } finally {
            finish(wakeAt, ran);
        }
    }

    private void finish(Instant wakeAt, boolean ran) {
        boolean again;
        synchronized (this) {
            if (ran) slices++;
            notifyAll();
            sliceStartedAt = null;
            again = pending && !closed;
            if (!again) running = false;
            pending = false;
            if (!again && !closed && wakeAt != null) {
                long delay = Math.max(0, Duration.between(clock.instant(), wakeAt).toMillis());
                if (delay < resync.toMillis()) {
                    if (wake != null) wake.cancel(false);
                    wake = scheduler.schedule(this::trigger, delay, TimeUnit.MILLISECONDS);
                }
            }
        }
        if (again) scheduler.execute(this::run);
    }

    /** Ready: one slice has run (the caller adds its watch's sync). */
    public synchronized boolean ready() { return slices > 0; }

    /** Alive: not closed, and no slice has been running longer than stuckAfter (a slice is bounded: longer means stuck). */
    public synchronized boolean alive() {
        return !closed && (sliceStartedAt == null || Duration.between(sliceStartedAt, clock.instant()).compareTo(stuckAfter) < 0);
    }

    public synchronized long slices() { return slices; }

    /** Waits until no slice runs (after {@link #close}: the last one has ended); false when one still runs after {@code timeout}. */
    public synchronized boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running && sliceStartedAt != null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Stops scheduling slices; a slice in progress runs to its end. */
    @Override
    public synchronized void close() {
        closed = true;
        if (wake != null) wake.cancel(false);
        if (resyncTask != null) resyncTask.cancel(false);
    }
}
