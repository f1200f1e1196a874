package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.rollout.NodeView;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
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

        /** {@code equals(of(node, nlp))} without making one: this runs for every node of every reconcile. */
        boolean matches(Node node, NodeLivePatch nlp) {
            ObjectMeta n = node.getMetadata();
            if (n.getResourceVersion() == null || !n.getResourceVersion().equals(nodeVersion) || !Objects.equals(n.getUid(), nodeUid)) {
                return false;
            }
            if (nlp == null) {
                return nlpVersion == null && nlpUid == null;
            }
            ObjectMeta p = nlp.getMetadata();
            NodeLivePatchSpec spec = nlp.getSpec();
            return p.getResourceVersion() != null && p.getResourceVersion().equals(nlpVersion) && Objects.equals(p.getUid(), nlpUid)
                    && Objects.equals(p.getGeneration(), nlpGeneration) && Objects.equals(spec == null ? null : spec.getModules(), modules)
                    && Objects.equals(spec == null ? null : spec.getRetained(), retained);
        }
    }

    private record Held(Versions versions, Read read) {}

    /**
     * A node's reading and what the observer builds from it for one reconcile, each built again only
     * when what it is made of differs: the node as the Observation lists it (the very Node and
     * NodeLivePatch read now), and its view at the progress clock read now.
     */
    static final class Read {
        private final NodeReading reading;
        private Observation.ObservedNode observed;
        private NodeView progressed;

        Read(NodeReading reading) {
            this.reading = reading;
        }

        NodeReading reading() {
            return reading;
        }

        Observation.ObservedNode observed(Node node, NodeLivePatch nlp) {
            if (observed == null || observed.node() != node || observed.current() != nlp) {
                observed = new Observation.ObservedNode(node, nlp, reading.desired());
            }
            return observed;
        }

        /** Only for a node the LivePatch selects (its reading has a view). */
        NodeView view(Instant progressAt) {
            if (progressed == null || !Objects.equals(progressed.progressAt(), progressAt)) {
                progressed = reading.view().withProgressAt(progressAt);
            }
            return progressed;
        }
    }

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

    Read read(LivePatch lp, Fleet fleet, Node node, NodeLivePatch nlp) {
        String name = node.getMetadata().getName();
        Held held = byNode.get(name);
        if (held != null && held.versions().matches(node, nlp)) {
            return held.read();
        }
        Versions versions = Versions.of(node, nlp);
        Read read = new Read(NodeReading.of(lp, fleet, node, nlp));
        if (versions != null) {
            byNode.put(name, new Held(versions, read));
        } else {
            byNode.remove(name);
        }
        return read;
    }

    /**
     * Forgets nodes that are gone once it holds more than {@code nodes}: a gone node's reading is
     * never reused for a node that comes back under its name (a recreated object has a new uid).
     */
    void retain(Set<String> nodes) {
        if (byNode.size() > nodes.size()) {
            byNode.keySet().retainAll(nodes);
        }
    }

    /** What of a LivePatch a reading depends on: its name, uid, generation, age, deletion and spec; not its status. */
    private static String identity(LivePatch lp) {
        ObjectMeta m = lp.getMetadata();
        return String.join("|", m.getName(), Objects.toString(m.getUid()), Objects.toString(m.getGeneration()),
                Objects.toString(m.getCreationTimestamp()), Objects.toString(m.getDeletionTimestamp()), Serialization.asJson(lp.getSpec()));
    }
}
