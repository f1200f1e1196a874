package dev.livepatch.operator.testing;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.write.EventNote;
import dev.livepatch.operator.write.EventSink;
import dev.livepatch.operator.write.LivePatchStore;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The objects the reconciler reads and writes, in memory: Nodes, NodeLivePatches, LivePatches and
 * Events, with resourceVersions (a stale write is a 409) and generations that grow on spec writes.
 * Fakes for the node-spec, LivePatch and event interfaces, for unit tests of the reconcile logic.
 */
public final class InMemoryCluster implements NodeSpecStore, LivePatchStore, EventSink {
    public record Recorded(String livePatch, EventNote note) {}

    private final AtomicLong versions = new AtomicLong(100);
    public final Map<String, Node> nodes = new ConcurrentHashMap<>();
    public final Map<String, NodeLivePatch> nodeLivePatches = new ConcurrentHashMap<>();
    public final Map<String, LivePatch> livePatches = new ConcurrentHashMap<>();
    public final List<Recorded> events = new CopyOnWriteArrayList<>();
    public final AtomicLong specWrites = new AtomicLong();

    public Node add(Node node) {
        node.getMetadata().setUid("uid-" + node.getMetadata().getName());
        nodes.put(node.getMetadata().getName(), node);
        return node;
    }

    public LivePatch add(LivePatch lp) {
        lp.getMetadata().setGeneration(lp.getMetadata().getGeneration() == null ? 1L : lp.getMetadata().getGeneration());
        lp.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
        lp.getMetadata().setCreationTimestamp("2026-05-01T00:00:00Z");
        livePatches.put(lp.getMetadata().getName(), lp);
        return lp;
    }

    /** The fleet as the caches would show it now. */
    public Fleet fleet() {
        return Fleet.of(nodes.values().stream(), nodeLivePatches.values().stream().map(InMemoryCluster::copy), livePatches.values().stream());
    }

    public LivePatch livePatch(String name) {
        return copy(livePatches.get(name));
    }

    public List<String> reasons() {
        return events.stream().map(e -> e.note().reason()).toList();
    }

    @Override
    public synchronized NodeLivePatch store(NodeSpec spec) {
        NodeLivePatch stored = nodeLivePatches.get(spec.name());
        String expected = spec.current() == null ? null : spec.current().getMetadata().getResourceVersion();
        String actual = stored == null ? null : stored.getMetadata().getResourceVersion();
        if (!Objects.equals(expected, actual)) {
            throw new KubernetesClientException("conflict on " + spec.name(), 409, null);
        }
        NodeLivePatch next = spec.desired();
        next.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
        next.getMetadata().setGeneration(stored == null ? 1L : stored.getMetadata().getGeneration() + 1);
        next.setStatus(stored == null ? null : stored.getStatus());
        nodeLivePatches.put(spec.name(), next);
        specWrites.incrementAndGet();
        return copy(next);
    }

    /** A daemon's status write. */
    public synchronized void report(String node, java.util.function.Consumer<NodeLivePatch> daemon) {
        NodeLivePatch nlp = nodeLivePatches.get(node);
        daemon.accept(nlp);
        nlp.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
    }

    @Override
    public synchronized LivePatch storeStatus(LivePatch current, LivePatch desired) {
        LivePatch stored = livePatches.get(desired.getMetadata().getName());
        stored.setStatus(desired.getStatus());
        stored.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
        return copy(stored);
    }

    @Override
    public synchronized LivePatch pause(String name) {
        LivePatch stored = livePatches.get(name);
        stored.getSpec().getRollout().setPaused(true);
        stored.getMetadata().setGeneration(stored.getMetadata().getGeneration() + 1);
        stored.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
        return copy(stored);
    }

    /** A user's edit of the LivePatch's spec: a new generation. */
    public synchronized void edit(String name, java.util.function.Consumer<dev.livepatch.api.v1alpha1.LivePatchSpec> edit) {
        LivePatch stored = livePatches.get(name);
        edit.accept(stored.getSpec());
        stored.getMetadata().setGeneration(stored.getMetadata().getGeneration() + 1);
        stored.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
    }

    @Override
    public LivePatch get(String name) {
        return livePatch(name);
    }

    @Override
    public void record(LivePatch lp, EventNote note) {
        events.add(new Recorded(lp.getMetadata().getName(), note));
    }

    /** Objects as a reader gets them: copies, never the stored instance. */
    static <T> T copy(T o) {
        return o == null ? null : Serialization.clone(o);
    }
}
