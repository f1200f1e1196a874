package dev.livepatch.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.PlanInputBuilder;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.RolloutPolicy;
import dev.livepatch.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The reader and the planner against model kernels: each node's daemon loads one module at a
 * time (one transition each), reports its status only now and then (some daemons go silent for
 * a while), some loads fail, and the LivePatch's modules are edited between any two steps. The
 * operator sees only the reported status. Kernel truth, counted from the models: never more
 * kernels in a transition than maxConcurrent; once edits stop and daemons report, every node
 * converges to the last spec.
 */
class SlotModelPropertiesTest {
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    private final Planner planner = new Planner(PacingPolicy.defaults());

    @Property(tries = 300)
    void neverMoreKernelsInATransitionThanMaxConcurrent(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int maxConcurrent,
                                                         @ForAll @IntRange(min = 1, max = 8) int nodeCount) {
        Random random = new Random(seed);
        World world = new World(maxConcurrent, nodeCount, random);
        int peak = 0;
        for (int step = 0; step < 300; step++) {
            switch (random.nextInt(4)) {
                case 0 -> world.edit();
                case 1 -> world.reconcile();
                default -> world.daemons(0.6, 0.5);
            }
            peak = Math.max(peak, world.inTransition());
            assertThat(world.inTransition()).as("kernels in a transition at step %d", step).isLessThanOrEqualTo(maxConcurrent);
        }
        for (int step = 0; step < 60 * nodeCount && !world.converged(); step++) {
            world.reconcile();
            world.daemons(1.0, 1.0);
            assertThat(world.inTransition()).isLessThanOrEqualTo(maxConcurrent);
        }
        assertThat(world.converged()).as("every node runs the last spec, or failed on it (peak %d): %s", peak, world).isTrue();
    }

    /** The cluster's objects (LivePatch, NodeLivePatches) and, beside them, what each kernel really does. */
    private final class World {
        final int maxConcurrent;
        final Random random;
        final List<Node> nodes = new ArrayList<>();
        final Map<String, NodeLivePatch> objects = new LinkedHashMap<>();
        final Map<String, Kernel> kernels = new HashMap<>();
        LivePatch lp;
        long generation = 1;
        char shaA = 'a';
        char shaB = 'b';

        World(int maxConcurrent, int nodeCount, Random random) {
            this.maxConcurrent = maxConcurrent;
            this.random = random;
            for (int i = 0; i < nodeCount; i++) {
                String name = "node-" + i;
                nodes.add(Fixtures.node(name));
                NodeLivePatch nlp = new NodeLivePatch();
                nlp.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
                nlp.setSpec(new NodeLivePatchSpec(new ArrayList<>()));
                objects.put(name, nlp);
                kernels.put(name, new Kernel());
            }
            lp = livePatch();
        }

        LivePatch livePatch() {
            LivePatch l = Fixtures.livePatch("fix", s -> {
                s.setModules(new ArrayList<>(List.of(Fixtures.module("lp_a", shaA), Fixtures.module("lp_b", shaB))));
                s.getRollout().setMaxConcurrent(new IntOrString(maxConcurrent));
                s.getRollout().setMaxFailedNodes(new IntOrString("100%"));
            });
            l.getMetadata().setGeneration(generation);
            return l;
        }

        void edit() {
            if (random.nextBoolean()) {
                shaA = (char) ('a' + random.nextInt(6));
            } else {
                shaB = (char) ('a' + random.nextInt(6));
            }
            generation++;
            lp = livePatch();
        }

        void reconcile() {
            List<NodeView> views = nodes.stream().map(n -> NodeReader.forRollout(lp, n, objects.get(n.getMetadata().getName()),
                    new ClaimResolver.Outcome.Holds()).orElseThrow()).toList();
            Plan plan = planner.plan(PlanInputBuilder.rollout(RolloutPolicy.from(lp.getSpec().getRollout()), views).generation(generation)
                    .at(NOW).build());
            for (String name : plan.admit()) {
                NodeLivePatch nlp = objects.get(name);
                Node node = nodes.stream().filter(n -> n.getMetadata().getName().equals(name)).findFirst().orElseThrow();
                nlp.setSpec(new NodeLivePatchSpec(new ArrayList<>(NodeReader.desiredEntries(lp, node))));
                nlp.getMetadata().setGeneration(nlp.getMetadata().getGeneration() + 1);
            }
        }

        /** Each daemon acts with probability {@code act} and then reports with probability {@code report}. */
        void daemons(double act, double report) {
            for (var e : objects.entrySet()) {
                Kernel k = kernels.get(e.getKey());
                if (random.nextDouble() < act) {
                    k.step(e.getValue(), random);
                }
                if (random.nextDouble() < report) {
                    e.getValue().setStatus(k.report(e.getValue()));
                }
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("spec a=" + shaA + " b=" + shaB + " generation=" + generation);
            for (Node n : nodes) {
                String name = n.getMetadata().getName();
                Kernel k = kernels.get(name);
                b.append("\n  ").append(name).append(' ')
                        .append(NodeReader.forRollout(lp, n, objects.get(name), new ClaimResolver.Outcome.Holds()).orElseThrow())
                        .append(" loaded=").append(k.loaded).append(" failed=").append(k.failed).append(" inFlight=")
                        .append(k.inFlight == null ? null : k.inFlight.getName());
            }
            return b.toString();
        }

        int inTransition() {
            return (int) kernels.values().stream().filter(k -> k.inFlight != null).count();
        }

        boolean converged() {
            return nodes.stream().allMatch(n -> {
                NodeLivePatch nlp = objects.get(n.getMetadata().getName());
                NodeView v = NodeReader.forRollout(lp, n, nlp, new ClaimResolver.Outcome.Holds()).orElseThrow();
                Kernel k = kernels.get(n.getMetadata().getName());
                boolean lastSpec = Map.of("lp_a", shaA, "lp_b", shaB).entrySet().stream()
                        .allMatch(m -> m.getValue().equals(k.loaded.get(m.getKey())) || k.failed.containsKey(m.getKey()));
                return (v.state() == NodeState.UPDATED || v.state() == NodeState.FAILED) && lastSpec && k.inFlight == null;
            });
        }
    }

    /** One node's kernel and daemon: one transition at a time; a load fails for some (node, content) pairs, not retried until the entry changes. */
    private static final class Kernel {
        final Map<String, Character> loaded = new LinkedHashMap<>();
        final Map<String, String> failed = new HashMap<>();
        NodeModule inFlight;
        int remaining;
        long seen;

        void step(NodeLivePatch nlp, Random random) {
            seen = nlp.getMetadata().getGeneration();
            if (inFlight != null) {
                if (--remaining > 0) {
                    return;
                }
                char sha = inFlight.getSource().getSha256().charAt(0);
                if ((sha + inFlight.getName().length() + nlp.getMetadata().getName().hashCode()) % 5 == 0) {
                    failed.put(inFlight.getName(), key(inFlight));
                } else {
                    loaded.put(inFlight.getName(), sha);
                }
                inFlight = null;
                return;
            }
            failed.entrySet().removeIf(f -> nlp.getSpec().getModules().stream().noneMatch(m -> m.getName().equals(f.getKey()) && key(m).equals(f.getValue())));
            for (NodeModule m : nlp.getSpec().getModules()) {
                if (!Character.valueOf(m.getSource().getSha256().charAt(0)).equals(loaded.get(m.getName())) && !failed.containsKey(m.getName())) {
                    inFlight = m;
                    remaining = 1 + random.nextInt(3);
                    return;
                }
            }
        }

        NodeLivePatchStatus report(NodeLivePatch nlp) {
            NodeLivePatchStatus s = new NodeLivePatchStatus();
            s.setObservedGeneration(seen);
            for (NodeModule m : nlp.getSpec().getModules()) {
                ModuleState state = inFlight != null && inFlight.getName().equals(m.getName()) ? ModuleState.Transitioning
                        : key(m).equals(failed.get(m.getName())) ? ModuleState.Failed
                        : Character.valueOf(m.getSource().getSha256().charAt(0)).equals(loaded.get(m.getName())) ? ModuleState.Enabled
                        : ModuleState.Pending;
                s.getModules().add(new ModuleStatus(m.getName(), m.getLivePatch(), state, state == ModuleState.Failed ? "LoadFailed" : null, null, null));
            }
            loaded.keySet().forEach(name -> {
                KernelPatch p = new KernelPatch();
                p.setName(name);
                p.setEnabled(true);
                p.setManaged(true);
                s.getPatches().add(p);
            });
            if (inFlight != null) {
                Transition t = new Transition();
                t.setPatch(inFlight.getName());
                t.setDirection(TransitionDirection.Patching);
                t.setStartedAt(NOW.toString());
                s.setTransition(t);
            }
            return s;
        }

        private static String key(NodeModule m) {
            return m.getSource().getSha256() + "@" + m.getLivePatchGeneration();
        }
    }
}
