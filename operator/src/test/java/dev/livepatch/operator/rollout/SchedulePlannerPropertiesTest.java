package dev.livepatch.operator.rollout;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static dev.livepatch.operator.rollout.PlanInputBuilder.rollout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.operator.rollout.steps.Step;
import dev.livepatch.operator.rollout.steps.StepState;
import dev.livepatch.operator.rollout.steps.Steps;
import dev.livepatch.operator.rollout.window.Window;
import dev.livepatch.operator.rollout.window.WindowSchedule;
import dev.livepatch.operator.rollout.window.LocalClock;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** The planner under maintenance windows, steps and emergencies (docs/design.md §6.6–§6.8), whatever the clock. */
class SchedulePlannerPropertiesTest {
    static final Instant YEAR_START = Instant.parse("2026-01-01T00:00:00Z");
    final Planner planner = new Planner(PacingPolicy.defaults());

    /** Outside every window (by the local clock of each window's zone) nothing is admitted, unless in an emergency. */
    @Property(tries = 1000)
    void noAdmissionOutsideEveryWindow(@ForAll("inputs") PlanInput in) {
        Plan plan = planner.plan(in);
        boolean inWindow = in.policy().windows().windows().isEmpty()
                || in.policy().windows().windows().stream().anyMatch(w -> LocalClock.inside(w, in.now()));
        if (!in.policy().emergency() && !inWindow) {
            assertThat(plan.admit()).isEmpty();
            assertThat(plan.hold()).isNotEqualTo(Hold.NONE);
            assertThat(plan.nextCheck()).as("looks again when the window opens, or earlier").isPresent();
            assertThat(plan.nextCheck().get()).isBeforeOrEqualTo(plan.schedule().window().nextOpensAt());
        }
    }

    /** Never more nodes admitted (updated, in progress, failed, stalled) than the current step allows, nor any while it bakes. */
    @Property(tries = 2000)
    void neverMoreNodesThanTheCurrentStepAllows(@ForAll("inputs") PlanInput in) {
        Plan plan = planner.plan(in);
        boolean staged = !in.policy().emergency() && !in.policy().steps().steps().isEmpty() && plan.schedule().step().state() != StepState.Done;
        Statistics.label("a step in force").collect(!staged ? "no" : plan.admit().isEmpty() ? "nothing admitted" : "admitted");
        // About 0.6 % of the tries admit under a step (12 of 2,000): the bound says the generator reaches that path at all;
        // at 0.5 % it failed by seed (9 of 2,000 in one run).
        Statistics.label("a step in force").coverage(c -> c.check("admitted").percentage(p -> p >= 0.1));
        if (!staged) {
            return;
        }
        long admittedBefore = in.nodes().stream().filter(SchedulePlannerPropertiesTest::admitted).count();
        int target = (int) in.nodes().stream().filter(n -> n.state().targeted()).count();
        int allowance = plan.schedule().step().allowance();
        assertThat(steps(in).counts(target)).contains(allowance);
        assertThat(admittedBefore + plan.admit().size()).isLessThanOrEqualTo(Math.max(admittedBefore, allowance));
        if (plan.schedule().step().state() != StepState.Admitting) {
            assertThat(plan.admit()).isEmpty();
        }
    }

    /**
     * An emergency ignores windows, steps and the interval, but keeps a bound of its own: busy
     * kernels plus admissions stay within emergencyMaxConcurrent (1 while stalls slow the pacing down),
     * and every eligible node that fits is admitted.
     */
    @Property(tries = 1000)
    void anEmergencyIgnoresWindowsAndStepsWithinItsOwnConcurrency(@ForAll("inputs") PlanInput in) {
        if (!in.policy().emergency()) {
            return;
        }
        Plan plan = planner.plan(in);
        int target = (int) in.nodes().stream().filter(n -> n.state().targeted()).count();
        int concurrency = plan.pacing().slowed() ? 1 : Math.max(1, in.policy().emergencyMaxConcurrent().resolveRoundingUp(target));
        long busy = in.nodes().stream().filter(NodeView::occupiesSlot).count();
        assertThat(plan.schedule().emergency()).isTrue();
        assertThat(plan.pacing().concurrency()).isEqualTo(concurrency);
        assertThat(plan.pacing().slowed()).as("slowed only by stalls").isEqualTo(in.nodes().stream().anyMatch(n -> n.state() == NodeState.STALLED));
        if (!plan.admit().isEmpty()) {
            assertThat(busy + plan.admit().size()).isLessThanOrEqualTo(concurrency);
        }
        long failedOrStalled = in.nodes().stream().filter(n -> n.state() == NodeState.FAILED || n.state() == NodeState.STALLED).count();
        if (!in.policy().paused() && failedOrStalled <= in.policy().failureBudgetFor(target)) {
            long eligible = in.nodes().stream().filter(n -> n.state() == NodeState.PENDING && n.ready() && !n.kernelBusy()
                    && (n.lastTransitionAt() == null || !in.now().isBefore(n.lastTransitionAt().plus(in.policy().nodeCooldown())))).count();
            assertThat(plan.admit()).hasSize((int) Math.min(eligible, Math.max(0, concurrency - busy)));
        }
    }

    static boolean admitted(NodeView n) {
        return n.state() == NodeState.UPDATED || n.state() == NodeState.IN_PROGRESS || n.state() == NodeState.FAILED || n.state() == NodeState.STALLED;
    }

    static Steps steps(PlanInput in) {
        return in.policy().steps();
    }

    @Provide
    Arbitrary<PlanInput> inputs() {
        Arbitrary<Instant> now = Arbitraries.longs().between(0, 366L * 86400).map(YEAR_START::plusSeconds);
        return now.flatMap(t -> Combinators.combine(fleets(t), policies(), Arbitraries.integers().between(-1, 60))
                .as((nodes, policy, lastAgo) -> rollout(policy, nodes).at(t).lastAdmission(lastAgo < 0 ? null : t.minusSeconds(lastAgo)).build()));
    }

    /** Fleets, a third of them with failed and stalled nodes (which stop a staged rollout or exceed the failure budget). */
    private static Arbitrary<List<NodeView>> fleets(Instant now) {
        return Arbitraries.of(true, false, false).flatMap(troubled -> fleets(now, troubled));
    }

    private static Arbitrary<List<NodeView>> fleets(Instant now, boolean troubled) {
        Arbitrary<NodeState> states = troubled
                ? Arbitraries.of(NodeState.PENDING, NodeState.PENDING, NodeState.PENDING, NodeState.UPDATED, NodeState.UPDATED,
                        NodeState.IN_PROGRESS, NodeState.FAILED, NodeState.STALLED, NodeState.NOT_APPLICABLE, NodeState.CONFLICT)
                : Arbitraries.of(NodeState.PENDING, NodeState.PENDING, NodeState.PENDING, NodeState.UPDATED, NodeState.UPDATED,
                        NodeState.IN_PROGRESS, NodeState.NOT_APPLICABLE, NodeState.CONFLICT);
        Arbitrary<NodeView> node = Combinators.combine(Arbitraries.integers().between(0, 60), states,
                        Arbitraries.integers().between(-1, 3600), Arbitraries.of(true, true, true, false), Arbitraries.of(false, false, false, true))
                .as((i, state, ago, ready, busy) -> node(String.format("node-%02d", i), state).ready(ready)
                        .lastTransitionAt(ago < 0 ? null : now.minusSeconds(ago))
                        .admittedGeneration(admitted(node("x", state).build()) ? 1L : null)
                        .kernelBusy(state.busy() || busy && state == NodeState.PENDING).build());
        return node.list().ofMaxSize(40).uniqueElements(NodeView::name);
    }

    private static Arbitrary<RolloutPolicy> policies() {
        Arbitrary<IntOrString> counts = Arbitraries.oneOf(Arbitraries.integers().between(1, 6).map(IntOrString::new),
                Arbitraries.integers().between(1, 100).map(p -> new IntOrString(p + "%")));
        Arbitrary<RolloutPolicy> base = Combinators.combine(counts, Arbitraries.of(0, 0, 30), Arbitraries.of(0, 60),
                        Arbitraries.integers().between(0, 3), Arbitraries.of(false, false, false, true))
                .as((mc, interval, cooldown, mf, paused) -> new RolloutPolicy(IntOrPercent.parse(mc).orElseThrow(), Duration.ofSeconds(interval),
                        Duration.ofSeconds(cooldown), IntOrPercent.parse(new IntOrString(mf)).orElseThrow(), 0, paused));
        return Combinators.combine(base, schedules(), steps(), Arbitraries.of(false, false, true), counts)
                .as((p, windows, steps, emergency, ec) -> p.scheduled(windows, steps, emergency, IntOrPercent.parse(ec).orElseThrow()));
    }

    private static Arbitrary<WindowSchedule> schedules() {
        Arbitrary<Set<DayOfWeek>> days = Arbitraries.of(DayOfWeek.class).set().ofMinSize(1).ofMaxSize(7).map(EnumSet::copyOf);
        Arbitrary<LocalTime> times = Arbitraries.integers().between(0, 24 * 4 - 1).map(q -> LocalTime.of(q / 4, q % 4 * 15));
        Arbitrary<Window> window = Combinators.combine(days, times, times, Arbitraries.of(LocalClock.FIXED))
                .filter((d, s, e, z) -> !s.equals(e)).as((d, s, e, z) -> new Window(d, s, e, (ZoneId) z));
        return window.list().ofMaxSize(3).map(WindowSchedule::new);
    }

    private static Arbitrary<Steps> steps() {
        Arbitrary<IntOrString> nodes = Arbitraries.oneOf(Arbitraries.integers().between(1, 20).map(IntOrString::new),
                Arbitraries.integers().between(1, 100).map(p -> new IntOrString(p + "%")));
        Arbitrary<Step> step = Combinators.combine(nodes, Arbitraries.of(0, 300, 1800))
                .as((n, bake) -> new Step(IntOrPercent.parse(n).orElseThrow(), Duration.ofSeconds(bake)));
        return step.list().ofMaxSize(4).map(Steps::new);
    }
}
