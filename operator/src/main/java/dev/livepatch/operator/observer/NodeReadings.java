package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link NodeReading}s of one LivePatch's last reconcile, reused for every node whose Node and
 * NodeLivePatch are the objects read then (same uid and resourceVersion: the API server gives every
 * stored change a new resourceVersion, and a recreated object a new uid) while no LivePatch's
 * spec, generation, age or deletion changed (a status write does not drop them). A reading is
 * a function of exactly those objects, so reusing one decides nothing differently; an object
 * without a resourceVersion (never stored) is read every time. A NodeLivePatch as a spec write in
 * flight will leave it carries its stored resourceVersion with the next generation and the new
 * spec, so the generation and the spec are part of the key too. Used by one reconcile at a time.
 */
final class NodeReadings {
    private record Versions(String nodeUid, String nodeVersion, String nlpUid, String nlpVersion, Long nlpGeneration,
                            List<NodeModule> modules, List<String> retained) {
        static Versions of(Node node, NodeLivePatch nlp) {
            ObjectMeta n = node.getMetadata();
            ObjectMeta p = nlp == null ? null : nlp.getMetadata();
            if (n.getResourceVersion() == null || p != null && p.getResourceVersion() == null) {
                return null;
            }
            if (p == null) {
                return new Versions(n.getUid(), n.getResourceVersion(), null, null, null, null, null);
            }
            NodeLivePatchSpec spec = nlp.getSpec();
            return new Versions(n.getUid(), n.getResourceVersion(), p.getUid(), p.getResourceVersion(), p.getGeneration(),
                    spec == null ? null : spec.getModules(), spec == null ? null : spec.getRetained());
        }
    }

    private record Held(Versions versions, NodeReading reading) {}

    private String livePatches;
    private final Map<String, Held> byNode = new HashMap<>();

    /** Starts a reconcile of {@code lp} over {@code fleet}: forgets every reading when a LivePatch's spec changed. */
    void begin(LivePatch lp, Fleet fleet) {
        StringBuilder key = new StringBuilder(identity(lp));
        fleet.livePatchesOldestFirst().forEach(other -> key.append('\n').append(identity(other)));
        String now = key.toString();
        if (!now.equals(livePatches)) {
            byNode.clear();
            livePatches = now;
        }
    }

    NodeReading reading(LivePatch lp, Fleet fleet, Node node, NodeLivePatch nlp) {
        Versions versions = Versions.of(node, nlp);
        String name = node.getMetadata().getName();
        Held held = versions == null ? null : byNode.get(name);
        if (held != null && held.versions().equals(versions)) {
            return held.reading();
        }
        NodeReading reading = NodeReading.of(lp, fleet, node, nlp);
        if (versions != null) {
            byNode.put(name, new Held(versions, reading));
        } else {
            byNode.remove(name);
        }
        return reading;
    }

    /** Forgets nodes that are gone. */
    void retain(Set<String> nodes) {
        byNode.keySet().retainAll(nodes);
    }

    /** What of a LivePatch a reading depends on: its name, uid, generation, age, deletion and spec; not its status. */
    private static String identity(LivePatch lp) {
        ObjectMeta m = lp.getMetadata();
        return String.join("|", m.getName(), Objects.toString(m.getUid()), Objects.toString(m.getGeneration()),
                Objects.toString(m.getCreationTimestamp()), Objects.toString(m.getDeletionTimestamp()), Serialization.asJson(lp.getSpec()));
    }
}
