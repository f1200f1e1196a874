package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.ObjectMeta;
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
    private record Seen(String resourceVersion, Long generation, Instant since) {
        boolean shows(ObjectMeta m) {
            return Objects.equals(resourceVersion, m.getResourceVersion()) && Objects.equals(generation, m.getGeneration());
        }
    }

    private final Map<String, Seen> byNode = new ConcurrentHashMap<>();

    /** Since when {@code nlp} has looked as it does now; null when the node has none. */
    Instant since(NodeLivePatch nlp, Instant now) {
        if (nlp == null) {
            return null;
        }
        // With the generation: a spec write in flight shows the stored resourceVersion at the next generation (NodeSpecBatches#asWritten).
        ObjectMeta m = nlp.getMetadata();
        Seen seen = byNode.get(m.getName());
        if (seen != null && seen.shows(m)) {
            return seen.since(); // the common case, read without a write to the map
        }
        return byNode.compute(m.getName(), (name, old) -> old != null && old.shows(m) ? old : new Seen(m.getResourceVersion(), m.getGeneration(), now)).since();
    }

    /** Forgets nodes that are gone once it holds more than {@code nodes}: a gone node's entry never matches a recreated object (a new resourceVersion). */
    void retain(Set<String> nodes) {
        if (byNode.size() > nodes.size()) {
            byNode.keySet().retainAll(nodes);
        }
    }
}
