package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Since when each node's NodeLivePatch has not changed, as this operator saw it: any write to it
 * (the daemon's status, a spec the operator wrote) gives it a new resourceVersion, and the API
 * server does not store a write that changes nothing. Held in memory only: after a restart every
 * node's clock starts again, which delays a NodeUnresponsive verdict, never hastens one.
 */
final class ProgressClock {
    private record Seen(String resourceVersion, Instant since) {}

    private final Map<String, Seen> byNode = new ConcurrentHashMap<>();

    /** Since when {@code nlp} has looked as it does now; null when the node has none. */
    Instant since(NodeLivePatch nlp, Instant now) {
        if (nlp == null) {
            return null;
        }
        // With the generation: a spec write in flight shows the stored resourceVersion at the next generation (NodeSpecBatches#asWritten).
        String version = nlp.getMetadata().getResourceVersion() + "/" + nlp.getMetadata().getGeneration();
        return byNode.compute(nlp.getMetadata().getName(),
                (name, old) -> old != null && Objects.equals(old.resourceVersion(), version) ? old : new Seen(version, now)).since();
    }

    /** Forgets nodes that are gone. */
    void retain(Set<String> nodes) {
        byNode.keySet().retainAll(nodes);
    }
}
