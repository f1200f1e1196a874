package dev.livepatch.operator.bench;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.reconciler.RolloutPlan;
import dev.livepatch.operator.reconciler.RolloutPlanner;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.write.NodeSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's CPU per reconcile for reading and planning one LivePatch over a simulated fleet,
 * without a cluster: the fleet as the controller builds it from the caches ({@link Fleet#of}), then
 * {@link Observer#forRollout} and {@link RolloutPlanner#rollout}, as RolloutReconciler times them
 * ("read+plan"). Between reconciles the plan's admissions are stored as the API server would
 * (a new resourceVersion and generation) and a few daemons in flight report done, so each reconcile
 * sees a fleet mid-rollout in which a handful of objects changed. Prints figures; asserts nothing.
 *
 * <p>Run: {@code java -cp operator/target/test-classes:operator/target/classes:<deps> dev.livepatch.operator.bench.PlanCostBench [nodes] [reconciles]}.
 * It uses only the classes' public API, so the same harness runs against another build of them.
 */
public final class PlanCostBench {
    private static final String OTHER_KERNEL = "6.1.0-57-amd64";
    private static final int IN_FLIGHT = 50;
    private static final int DONE_PER_RECONCILE = 5;

    private final Map<String, NodeLivePatch> store = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Deque<String> inFlight = new ArrayDeque<>();
    private final LivePatch base = livePatch("lp-base", "2026-01-01T00:00:00Z", PatchModuleBuilder.pinned("lp_base_fix").sha256("b".repeat(64)).build());
    private final LivePatch rolling = livePatch("lp-roll", "2026-02-01T00:00:00Z", PatchModuleBuilder.replaceable("lp_roll_fix").build());
    private Instant now = Instant.parse("2026-05-01T12:00:00Z");
    private long resourceVersion = 1000;

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int reconciles = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        PlanCostBench bench = new PlanCostBench(n);
        Observer observer = new Observer();
        RolloutPlanner planner = new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofMinutes(5));
        int warmup = reconciles / 2;
        long[] fleetNs = new long[reconciles];
        long[] planNs = new long[reconciles];
        int admitted = 0;
        for (int i = 0; i < warmup + reconciles; i++) {
            long t0 = System.nanoTime();
            Fleet fleet = bench.fleet();
            long t1 = System.nanoTime();
            RolloutPlan plan = planner.rollout(observer.forRollout(bench.rolling, fleet, bench.now), bench.now);
            long t2 = System.nanoTime();
            if (i >= warmup) {
                fleetNs[i - warmup] = t1 - t0;
                planNs[i - warmup] = t2 - t1;
                admitted += plan.admissions().size();
            }
            bench.store(plan, observer);
        }
        System.out.printf("nodes=%d reconciles=%d (after %d warm-up) admitted=%d%n", n, reconciles, warmup, admitted);
        System.out.println("Fleet.of:   " + summary(fleetNs));
        System.out.println("read+plan:  " + summary(planNs));
    }

    private PlanCostBench(int n) {
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
            boolean updated = i < n * 2 / 5;
            boolean admittedNow = !updated && i < n * 2 / 5 + IN_FLIGHT;
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
        java.util.Collections.shuffle(nodes, new java.util.Random(1));
    }

    private Fleet fleet() {
        return Fleet.of(List.copyOf(nodes), name -> Optional.ofNullable(store.get(name)), store.values().stream(), List.of(base, rolling).stream());
    }

    /** What the API server and the daemons do before the next reconcile. */
    private void store(RolloutPlan plan, Observer observer) {
        for (NodeSpec spec : plan.admissions()) {
            NodeLivePatch before = store.get(spec.name());
            NodeLivePatch after = spec.desired();
            after.getMetadata().setGeneration(before.getMetadata().getGeneration() + 1);
            after.getMetadata().setResourceVersion(String.valueOf(++resourceVersion));
            after.getMetadata().setUid(before.getMetadata().getUid());
            after.setStatus(before.getStatus());
            store.put(spec.name(), after);
            observer.wrote(after, now);
            inFlight.add(spec.name());
        }
        for (int i = 0; i < DONE_PER_RECONCILE && !inFlight.isEmpty(); i++) {
            NodeLivePatch done = store.get(inFlight.poll());
            NodeLivePatch next = copy(done);
            report(next);
            store.put(next.getMetadata().getName(), next);
        }
        if (plan.status() != null) {
            rolling.setStatus(plan.status());
            rolling.getMetadata().setResourceVersion(String.valueOf(++resourceVersion));
        }
        now = now.plusMillis(200);
    }

    private void report(NodeLivePatch nlp) {
        nlp.setStatus(DaemonReport.on(nlp).at(now).status());
        nlp.getMetadata().setResourceVersion(String.valueOf(++resourceVersion));
    }

    private NodeLivePatch copy(NodeLivePatch nlp) {
        NodeLivePatch c = new NodeLivePatch();
        c.setMetadata(new ObjectMetaBuilder(nlp.getMetadata()).build());
        c.setSpec(nlp.getSpec());
        c.setStatus(nlp.getStatus());
        return c;
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

    private static String summary(long[] ns) {
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(ns).average().orElse(0) / 1e6;
        return String.format("median=%.2fms p90=%.2fms max=%.2fms mean=%.2fms", sorted[sorted.length / 2] / 1e6,
                sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length - 1] / 1e6, mean);
    }
}
