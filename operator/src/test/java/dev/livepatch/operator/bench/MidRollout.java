package dev.livepatch.operator.bench;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.write.NodeSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

/**
 * A simulated fleet mid-rollout, held as an API server would store it, for the cost benchmarks:
 * N nodes (a fifth in a pool an older LivePatch patches, one in twenty on a kernel no module fits),
 * a fifth already updated by the rolling LivePatch, {@value #IN_FLIGHT} admitted whose daemons
 * have not reported. Every stored change gets a new resourceVersion; between reconciles
 * {@value #DONE_PER_RECONCILE} daemons in flight report done and the clock moves 200 ms.
 */
final class MidRollout {
    static final int IN_FLIGHT = 50;
    private static final int DONE_PER_RECONCILE = 5;
    private static final String OTHER_KERNEL = "6.1.0-57-amd64";

    final Map<String, NodeLivePatch> store = new HashMap<>();
    final List<Node> nodes = new ArrayList<>();
    final LivePatch base = livePatch("lp-base", "2026-01-01T00:00:00Z", PatchModuleBuilder.pinned("lp_base_fix").sha256("b".repeat(64)).build());
    LivePatch rolling = livePatch("lp-roll", "2026-02-01T00:00:00Z", PatchModuleBuilder.replaceable("lp_roll_fix").build());
    Instant now = Instant.parse("2026-05-01T12:00:00Z");
    private final Deque<String> inFlight = new ArrayDeque<>();
    private long resourceVersion = 1000;

    MidRollout(int n) {
        PatchModule roll = rolling.getSpec().getModules().get(0);
        PatchModule fix = base.getSpec().getModules().get(0);
        for (int i = 0; i < n; i++) {
            String name = String.format("node-%05d", i);
            boolean pool = i % 5 == 0;
            String kernel = i % 20 == 7 ? OTHER_KERNEL : PatchModuleBuilder.KERNEL;
            Node node = node(name, kernel, pool);
            nodes.add(node);
            List<NodeModule> entries = new ArrayList<>();
            if (pool && kernel.equals(PatchModuleBuilder.KERNEL)) {
                entries.add(NodeModule.of("lp-base", 1L, fix, base.getSpec()));
            }
            boolean updated = i < n / 5;
            boolean admittedNow = !updated && i < n / 5 + IN_FLIGHT;
            if ((updated || admittedNow) && kernel.equals(PatchModuleBuilder.KERNEL)) {
                entries.add(NodeModule.of("lp-roll", 1L, roll, rolling.getSpec()));
            }
            NodeLivePatch nlp = nlp(node, entries);
            if (!admittedNow) {
                report(nlp);
            } else {
                inFlight.add(name);
            }
            store.put(name, nlp);
        }
        // the informer's list comes in hash order, not by name
        Collections.shuffle(nodes, new Random(1));
    }

    /** The fleet as the controller builds it from the caches, each node's NodeLivePatch through {@code freshest}. */
    Fleet fleet(Function<String, Optional<NodeLivePatch>> freshest) {
        return Fleet.of(List.copyOf(nodes), freshest, store.values().stream(), List.of(base, rolling).stream());
    }

    /** The fleet with no write in flight. */
    Fleet fleet() {
        return fleet(name -> Optional.ofNullable(store.get(name)));
    }

    /** Stores a node's spec as the API server would (a new resourceVersion, the next generation); its daemon starts on it. */
    NodeLivePatch stored(NodeSpec spec) {
        NodeLivePatch before = store.get(spec.name());
        NodeLivePatch after = spec.desired();
        after.getMetadata().setGeneration(before.getMetadata().getGeneration() + 1);
        after.getMetadata().setResourceVersion(String.valueOf(++resourceVersion));
        after.getMetadata().setUid(before.getMetadata().getUid());
        after.setStatus(before.getStatus());
        store.put(spec.name(), after);
        inFlight.add(spec.name());
        return after;
    }

    /** Stores the rolling LivePatch's status as the API server would. */
    LivePatch storedStatus(LivePatchStatus status) {
        LivePatch next = new LivePatch();
        next.setMetadata(new ObjectMetaBuilder(rolling.getMetadata()).withResourceVersion(String.valueOf(++resourceVersion)).build());
        next.setSpec(rolling.getSpec());
        next.setStatus(status);
        rolling = next;
        return next;
    }

    /** What the daemons do before the next reconcile: a few in flight report done; the clock moves on. */
    void daemonsReport() {
        for (int i = 0; i < DONE_PER_RECONCILE && !inFlight.isEmpty(); i++) {
            NodeLivePatch done = store.get(inFlight.poll());
            NodeLivePatch next = new NodeLivePatch();
            next.setMetadata(new ObjectMetaBuilder(done.getMetadata()).build());
            next.setSpec(done.getSpec());
            report(next);
            store.put(next.getMetadata().getName(), next);
        }
        now = now.plusMillis(200);
    }

    private void report(NodeLivePatch nlp) {
        nlp.setStatus(DaemonReport.on(nlp).at(now).status());
        nlp.getMetadata().setResourceVersion(String.valueOf(++resourceVersion));
    }

    private NodeLivePatch nlp(Node node, List<NodeModule> entries) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName(node.getMetadata().getName()).withUid("nlp-" + node.getMetadata().getName())
                .withGeneration(1L).withResourceVersion(String.valueOf(++resourceVersion)).build());
        nlp.setSpec(new NodeLivePatchSpec(entries));
        return nlp;
    }

    private Node node(String name, String kernel, boolean pool) {
        Map<String, String> labels = new HashMap<>(Map.of("kubernetes.io/os", "linux", "kubernetes.io/hostname", name,
                "topology.kubernetes.io/zone", "zone-" + name.hashCode() % 3));
        if (pool) {
            labels.put("pool", "a");
        }
        return new NodeBuilder().withNewMetadata().withName(name).withUid("uid-" + name).withResourceVersion(String.valueOf(++resourceVersion))
                .withLabels(labels).endMetadata()
                .withNewStatus().withNewNodeInfo().withKernelVersion(kernel).withOperatingSystem("linux").endNodeInfo()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus("False").endCondition().endStatus().build();
    }

    private static LivePatch livePatch(String name, String created, PatchModule module) {
        LivePatchSpec spec = new LivePatchSpec();
        spec.setModules(new ArrayList<>(List.of(module)));
        RolloutSpec r = new RolloutSpec();
        r.setInterval("0s");
        r.setNodeCooldown("0s");
        r.setMaxConcurrent(new IntOrString(IN_FLIGHT));
        spec.setRollout(r);
        if (name.equals("lp-base")) {
            spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("pool", "a")).build());
        }
        LivePatch lp = new LivePatch();
        lp.setMetadata(new ObjectMetaBuilder().withName(name).withUid("uid-" + name).withGeneration(1L).withResourceVersion("1")
                .withCreationTimestamp(created).build());
        lp.setSpec(spec);
        return lp;
    }

    /** "median=… p90=… max=… mean=…" of nanosecond samples, in milliseconds. */
    static String summary(long[] ns) {
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(ns).average().orElse(0) / 1e6;
        return String.format("median=%.2fms p90=%.2fms max=%.2fms mean=%.2fms", sorted[sorted.length / 2] / 1e6,
                sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length - 1] / 1e6, mean);
    }
}
