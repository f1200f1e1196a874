package dev.livepatch.daemon.node;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.daemon.execute.Converger;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches this node's own NodeLivePatch (an informer on one name) and runs convergence passes on one
 * worker thread: on every spec event, and every {@code resync} (grace periods ending, kernel drift,
 * a reboot under a running daemon). Events arriving during a pass coalesce into one more pass.
 *
 * <p>No NodeLivePatch (not created yet, or deleted with its node) means: do nothing — an absent
 * object is never read as "retire everything".
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    private final KubernetesClient client;
    private final String nodeName;
    private final Converger converger;
    private final StatusWriter writer;
    private final Duration resync;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "converge");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicLong passes = new AtomicLong();
    private SharedIndexInformer<NodeLivePatch> informer;
    private String uid;

    public NodeAgent(KubernetesClient client, String nodeName, Converger converger, StatusWriter writer, Duration resync) {
        this.client = client;
        this.nodeName = nodeName;
        this.converger = converger;
        this.writer = writer;
        this.resync = resync;
    }

    public NodeAgent start() {
        informer = client.resources(NodeLivePatch.class).withName(nodeName).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(NodeLivePatch obj) { trigger(); }

            @Override
            public void onUpdate(NodeLivePatch oldObj, NodeLivePatch newObj) {
                if (!Objects.equals(oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())) trigger();
            }

            @Override
            public void onDelete(NodeLivePatch obj, boolean deletedFinalStateUnknown) {
                log.atInfo().addKeyValue("node", nodeName).log("NodeLivePatch deleted; kernel left as it is");
            }
        });
        worker.scheduleWithFixedDelay(this::trigger, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        trigger();
        return this;
    }

    /** Asks for a pass; at most one waits behind the running one. */
    public void trigger() {
        if (queued.compareAndSet(false, true)) worker.execute(this::pass);
    }

    private void pass() {
        queued.set(false);
        NodeLivePatch nlp = informer == null ? null : informer.getStore().getByKey(nodeName);
        if (nlp == null) return;
        if (!Objects.equals(uid, nlp.getMetadata().getUid())) {
            uid = nlp.getMetadata().getUid();
            writer.reset();
        }
        try {
            long gen = nlp.getMetadata().getGeneration() == null ? 0 : nlp.getMetadata().getGeneration();
            converger.converge(nlp.getSpec(), gen);
            passes.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.atError().setCause(e).addKeyValue("node", nodeName).log("convergence pass failed; retried at the next resync");
        }
    }

    /** Ready: the watch has synced and one pass has completed. */
    public boolean ready() { return informer != null && informer.hasSynced() && passes.get() > 0; }

    /** Alive: the worker runs (a pass may legitimately block through a long transition). */
    public boolean alive() { return !worker.isShutdown(); }

    public long passes() { return passes.get(); }

    @Override
    public void close() {
        if (informer != null) informer.close();
        worker.shutdownNow();
    }
}
