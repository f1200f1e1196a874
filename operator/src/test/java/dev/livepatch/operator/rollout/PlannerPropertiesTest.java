package dev.livepatch.operator.rollout;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static dev.livepatch.operator.rollout.PlanInputBuilder.rollout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.values.IntOrPercent;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PlannerPropertiesTest {
    static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    final Planner planner = new Planner(PacingPolicy.defaults());

    /**
     * Kernels busy (in a transition, owing one, or silent since their admission: pending nodes with
     * stale content, failed nodes still loading another module among them) plus the nodes admitted
     * now never exceed the effective concurrency, and a busy kernel is never admitted.
     */
    @Property(tries = 1000)
    void neverMoreThanTheEffectiveConcurrencyInProgress(@ForAll("inputs") PlanInput in) {
        Plan plan = planner.plan(in);
        Map<String, NodeView> byName = byName(in.nodes());
        long busy = in.nodes().stream().filter(NodeView::occupiesSlot).count();
        if (!plan.admit().isEmpty()) {
            assertThat(busy + plan.admit().size()).isLessThanOrEqualTo(plan.pacing().concurrency());
        }
        assertThat(plan.admit()).noneMatch(name -> byName.get(name).kernelBusy());
        if (!plan.pacing().interval().isZero()) {
            assertThat(plan.admit()).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Property(tries = 1000)
    void neverAdmitsAPausedCoolingDownNotReadyOrNotPendingNode(@ForAll("inputs") PlanInput in) {
        Plan plan = planner.plan(in);
        Map<String, NodeView> byName = byName(in.nodes());
        if (in.policy().paused()) {
            assertThat(plan.admit()).isEmpty();
        }
        for (String name : plan.admit()) {
            NodeView n = byName.get(name);
            boolean retried = n.state() == NodeState.FAILED && in.retryGeneration() != null && n.admittedGeneration() < in.retryGeneration();
            assertThat(n.state() == NodeState.PENDING || retried).as("%s admitted from %s", name, n.state()).isTrue();
            assertThat(n.ready()).isTrue();
            if (n.lastTransitionAt() != null) {
                assertThat(n.lastTransitionAt().plus(in.policy().nodeCooldown())).isBeforeOrEqualTo(in.now());
            }
        }
        assertThat(plan.admit()).doesNotHaveDuplicates();
        if (in.lastAdmission() != null && !plan.admit().isEmpty()) {
            assertThat(in.lastAdmission().plus(plan.pacing().interval())).isBeforeOrEqualTo(in.now());
        }
    }

    @Property(tries = 1000)
    void deterministicOrderWithCanariesFirst(@ForAll("inputs") PlanInput in, @ForAll long seed) {
        List<NodeView> shuffled = new ArrayList<>(in.nodes());
        Collections.shuffle(shuffled, new Random(seed));
        Plan plan = planner.plan(in);
        Plan again = planner.plan(withNodes(in, shuffled));
        assertThat(again).isEqualTo(plan);
        // Canaries first, then by name.
        List<String> canaries = plan.canaries();
        List<String> nonCanaries = plan.admit().stream().filter(n -> !canaries.contains(n)).toList();
        int firstNonCanary = plan.admit().isEmpty() || nonCanaries.isEmpty() ? plan.admit().size() : plan.admit().indexOf(nonCanaries.get(0));
        assertThat(plan.admit().subList(firstNonCanary, plan.admit().size())).allMatch(n -> !canaries.contains(n));
        assertThat(nonCanaries).isSorted();
        // While a canary is still pending or in progress, only canaries are admitted.
        boolean canariesOpen = canaries.stream().map(byName(in.nodes())::get)
                .anyMatch(n -> n.state() == NodeState.PENDING || n.state().busy() && !unresponsive(n, in));
        if (canariesOpen) {
            assertThat(canaries).containsAll(plan.admit());
        }
        assertThat(canaries).hasSizeLessThanOrEqualTo(Math.max(in.policy().canaryNodes(), in.recordedCanaries().size()));
    }

    @Property(tries = 1000)
    void countsAddUpToTheTargetedNodes(@ForAll("inputs") PlanInput in) {
        Plan plan = planner.plan(in);
        for (Counts c : List.of(plan.counts(), plan.countsAfterAdmission())) {
            assertThat(c.updated() + c.inProgress() + c.pending() + c.failed() + c.stalled() + c.conflicting()).isEqualTo(c.target());
            assertThat(c.target() + c.notApplicable()).isEqualTo(in.nodes().size());
            assertThat(c.pending()).isNotNegative();
        }
        assertThat(plan.failures()).hasSizeLessThanOrEqualTo(Planner.MAX_FAILURES);
    }

    /**
     * With nothing failing, a simulated fleet whose daemons finish every admitted node before the
     * next check is fully updated, with the canary pause lifted as a user would.
     */
    @Property(tries = 1000)
    void alwaysMakesProgressWhileNothingFails(@ForAll("cleanInputs") PlanInput start) {
        Map<String, NodeView> fleet = new HashMap<>(byName(start.nodes()));
        PlanInput in = start;
        Long pausedGeneration = start.canaryPausedGeneration();
        RolloutPolicy policy = start.policy();
        List<String> recorded = start.recordedCanaries();
        Instant now = start.now();
        Instant lastAdmission = start.lastAdmission();
        int steps = 0;
        while (fleet.values().stream().anyMatch(n -> n.state() == NodeState.PENDING || n.state().busy())) {
            assertThat(steps++).as("steps").isLessThan(4 * fleet.size() + 10);
            in = rollout(policy, List.copyOf(fleet.values())).generation(start.generation()).canaries(recorded)
                    .canaryPausedAt(pausedGeneration).lastAdmission(lastAdmission).at(now).unload(start.unload()).build();
            Plan plan = planner.plan(in);
            recorded = plan.canaries();
            if (plan.hold() == Hold.CANARY_PAUSE) {
                pausedGeneration = start.generation();
                continue;
            }
            if (plan.hold() == Hold.PAUSED) {
                policy = unpaused(policy);
                continue;
            }
            assertThat(plan.hold()).isEqualTo(Hold.NONE);
            boolean busyBefore = fleet.values().stream().anyMatch(n -> n.state().busy());
            for (String name : plan.admit()) {
                fleet.put(name, admitted(fleet.get(name), start.generation()));
            }
            if (!plan.admit().isEmpty()) {
                lastAdmission = now;
            }
            // Daemons finish every busy node before the next check.
            fleet.replaceAll((k, n) -> n.state().busy() ? withState(n, NodeState.UPDATED) : n);
            boolean stuck = plan.admit().isEmpty() && plan.nextCheck().isEmpty() && !busyBefore;
            assertThat(stuck).as("no admission and nothing to wait for: %s", plan).isFalse();
            now = plan.nextCheck().filter(now::isBefore).orElse(now.plusSeconds(1));
        }
    }

    // --- generators

    @Provide
    Arbitrary<PlanInput> inputs() {
        return input(Arbitraries.of(NodeState.values()), Arbitraries.of(true, true, true, false),
                Arbitraries.integers().between(0, 3), Arbitraries.of(false, false, true), Arbitraries.of(null, null, 3L, 6L),
                Arbitraries.integers().between(-1, 1200));
    }

    @Provide
    Arbitrary<PlanInput> cleanInputs() {
        return input(Arbitraries.of(NodeState.PENDING, NodeState.PENDING, NodeState.UPDATED, NodeState.IN_PROGRESS,
                NodeState.NOT_APPLICABLE, NodeState.CONFLICT), Arbitraries.just(true), Arbitraries.just(0), Arbitraries.just(false),
                Arbitraries.just(null), Arbitraries.just(-1));
    }

    private Arbitrary<PlanInput> input(Arbitrary<NodeState> states, Arbitrary<Boolean> ready, Arbitrary<Integer> troubles,
                                       Arbitrary<Boolean> busyKernels, Arbitrary<Long> retries, Arbitrary<Integer> progress) {
        Arbitrary<NodeView> node = Combinators.combine(
                Arbitraries.integers().between(0, 60), states, ready,
                Arbitraries.integers().between(-1, 600), Arbitraries.longs().between(1, 5), busyKernels,
                progress)
                .as((i, state, r, ago, gen, busy, progressAgo) -> node(String.format("node-%02d", i), state).ready(r)
                        .lastTransitionAt(ago < 0 ? null : NOW.minusSeconds(ago))
                        .admittedGeneration(state == NodeState.PENDING || state == NodeState.NOT_APPLICABLE || state == NodeState.CONFLICT ? null : gen)
                        .kernelBusy(state.busy() || busy && (state == NodeState.PENDING || state == NodeState.FAILED))
                        .progressAt(progressAgo < 0 ? null : NOW.minusSeconds(progressAgo)).build());
        Arbitrary<List<NodeView>> nodes = node.list().ofMaxSize(40).uniqueElements(NodeView::name);
        Arbitrary<RolloutPolicy> policy = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.integers().between(1, 6).map(IntOrString::new),
                        Arbitraries.integers().between(1, 100).map(p -> new IntOrString(p + "%"))),
                Arbitraries.of(0, 0, 10, 30), Arbitraries.of(0, 60, 300),
                Arbitraries.oneOf(Arbitraries.integers().between(0, 3).map(IntOrString::new),
                        Arbitraries.integers().between(1, 50).map(p -> new IntOrString(p + "%"))),
                Arbitraries.integers().between(0, 4), Arbitraries.of(false, false, true))
                .as((mc, interval, cooldown, mf, canaries, paused) -> new RolloutPolicy(
                        IntOrPercent.parse(mc).orElseThrow(), Duration.ofSeconds(interval), Duration.ofSeconds(cooldown),
                        IntOrPercent.parse(mf).orElseThrow(), canaries, paused));
        Arbitrary<List<TransitionSample>> history = troubles.flatMap(t -> Arbitraries.integers().between(0, 6).map(clean -> {
            List<TransitionSample> h = new ArrayList<>();
            IntStream.range(0, t).forEach(i -> h.add(new TransitionSample("node-t" + i, NOW.minusSeconds(300 - i), 50, TransitionOutcome.Completed, 1)));
            IntStream.range(0, clean).forEach(i -> h.add(new TransitionSample("node-c" + i, NOW.minusSeconds(100 - i), 2, TransitionOutcome.Completed, 0)));
            return h;
        }));
        return Combinators.combine(nodes, policy, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(-1, 60),
                        history, Arbitraries.of(false, false, true), retries)
                .as((ns, p, recordedCount, lastAgo, h, unload, retry) -> rollout(p, ns).generation(5)
                        .canaries(ns.stream().map(NodeView::name).sorted().skip(1).limit(recordedCount).toList())
                        .canaryPausedAt(recordedCount % 2 == 0 ? null : 4L)
                        .lastAdmission(lastAgo < 0 ? null : NOW.minusSeconds(lastAgo)).history(h).at(NOW).unload(unload)
                        .retryFailedBefore(retry).build());
    }

    // --- helpers

    static Map<String, NodeView> byName(List<NodeView> nodes) {
        Map<String, NodeView> m = new HashMap<>();
        nodes.forEach(n -> m.put(n.name(), n));
        return m;
    }

    /** Past progressDeadline while waiting on its daemon: the planner counts it failed. */
    static boolean unresponsive(NodeView n, PlanInput in) {
        return n.awaitingDaemon() && n.progressAt() != null && !in.now().isBefore(n.progressAt().plus(in.policy().progressDeadline()));
    }

    static PlanInput withNodes(PlanInput in, List<NodeView> nodes) {
        return PlanInputBuilder.from(in).nodes(nodes).build();
    }

    static NodeView withState(NodeView n, NodeState s) {
        return node(n.name(), s).ready(n.ready()).lastTransitionAt(n.lastTransitionAt()).admittedGeneration(n.admittedGeneration()).build();
    }

    static NodeView admitted(NodeView n, long generation) {
        return node(n.name(), NodeState.IN_PROGRESS).ready(n.ready()).lastTransitionAt(n.lastTransitionAt()).admittedAt(generation).build();
    }

    static RolloutPolicy unpaused(RolloutPolicy p) {
        return new RolloutPolicy(p.maxConcurrent(), p.interval(), p.nodeCooldown(), p.maxFailedNodes(), p.canaryNodes(), false);
    }
}
