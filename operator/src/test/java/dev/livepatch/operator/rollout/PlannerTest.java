package dev.livepatch.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlannerTest {
    static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    final Planner planner = new Planner(PacingPolicy.defaults());

    static List<NodeView> pending(int n) {
        return IntStream.range(0, n).mapToObj(i -> NodeView.of("node-" + i, NodeState.PENDING)).toList();
    }

    static RolloutPolicy policy(int maxConcurrent, String interval, int canaries, int maxFailed, boolean paused) {
        RolloutSpec r = new RolloutSpec();
        r.setMaxConcurrent(new IntOrString(maxConcurrent));
        r.setInterval(interval);
        r.setNodeCooldown("60s");
        r.setCanaryNodes(canaries);
        r.setMaxFailedNodes(new IntOrString(maxFailed));
        r.setPaused(paused);
        return RolloutPolicy.from(r);
    }

    static PlanInput input(RolloutPolicy p, List<NodeView> nodes) {
        return new PlanInput(3, p, nodes, List.of(), null, null, List.of(), NOW, false);
    }

    @Test
    void admitsUpToMaxConcurrentInNameOrderWhenTheIntervalIsZero() {
        Plan plan = planner.plan(input(policy(2, "0s", 0, 0, false), pending(5)));
        assertThat(plan.admit()).containsExactly("node-0", "node-1");
        assertThat(plan.countsAfterAdmission().summary()).isEqualTo("0/5 updated, 2 in progress");
    }

    @Test
    void admitsOneNodePerIntervalAndSaysWhenToLookAgain() {
        PlanInput in = new PlanInput(3, policy(3, "30s", 0, 0, false), pending(3), List.of(), null, NOW.minusSeconds(10), List.of(), NOW, false);
        Plan plan = planner.plan(in);
        assertThat(plan.admit()).isEmpty();
        assertThat(plan.nextCheck()).contains(NOW.plusSeconds(20));
        PlanInput later = new PlanInput(3, in.policy(), in.nodes(), List.of(), null, NOW.minusSeconds(30), List.of(), NOW, false);
        assertThat(planner.plan(later).admit()).containsExactly("node-0");
    }

    @Test
    void percentConcurrencyRoundsUp() {
        RolloutSpec r = new RolloutSpec();
        r.setMaxConcurrent(new IntOrString("25%"));
        r.setInterval("0s");
        Plan plan = planner.plan(input(RolloutPolicy.from(r), pending(10)));
        assertThat(plan.admit()).hasSize(3);
    }

    @Test
    void skipsNodesInCooldownAndNodesNotReady() {
        List<NodeView> nodes = List.of(
                new NodeView("a", NodeState.PENDING, true, NOW.minusSeconds(10), null, null, null, null),
                new NodeView("b", NodeState.PENDING, false, null, null, null, null, null),
                NodeView.of("c", NodeState.PENDING));
        Plan plan = planner.plan(input(policy(3, "0s", 0, 0, false), nodes));
        assertThat(plan.admit()).containsExactly("c");
    }

    @Test
    void canariesFirstThenThePauseThenTheRest() {
        RolloutPolicy p = policy(5, "0s", 2, 0, false);
        Plan first = planner.plan(input(p, pending(4)));
        assertThat(first.canaries()).containsExactly("node-0", "node-1");
        assertThat(first.admit()).containsExactly("node-0", "node-1");

        List<NodeView> canariesDone = List.of(
                new NodeView("node-0", NodeState.UPDATED, true, null, 3L, null, null, null),
                new NodeView("node-1", NodeState.UPDATED, true, null, 3L, null, null, null),
                NodeView.of("node-2", NodeState.PENDING), NodeView.of("node-3", NodeState.PENDING));
        Plan pause = planner.plan(new PlanInput(3, p, canariesDone, first.canaries(), null, NOW, List.of(), NOW, false));
        assertThat(pause.hold()).isEqualTo(Hold.CANARY_PAUSE);
        assertThat(pause.admit()).isEmpty();

        // The operator set paused: true (generation 4) and recorded it; a user set paused: false (generation 5).
        Plan resumed = planner.plan(new PlanInput(5, p, canariesDone, first.canaries(), 4L, NOW.minusSeconds(60), List.of(), NOW, false));
        assertThat(resumed.hold()).isEqualTo(Hold.NONE);
        assertThat(resumed.admit()).containsExactly("node-2", "node-3");
    }

    @Test
    void aNewRevisionPausesAgainAfterItsCanaries() {
        RolloutPolicy p = policy(5, "0s", 1, 0, false);
        List<NodeView> nodes = List.of(new NodeView("node-0", NodeState.UPDATED, true, null, 7L, null, null, null),
                NodeView.of("node-1", NodeState.PENDING));
        Plan plan = planner.plan(new PlanInput(7, p, nodes, List.of("node-0"), 4L, null, List.of(), NOW, false));
        assertThat(plan.hold()).isEqualTo(Hold.CANARY_PAUSE);
    }

    @Test
    void pausesItselfWhenFailuresExceedTheBudget() {
        List<NodeView> nodes = List.of(new NodeView("a", NodeState.FAILED, true, null, 3L, "LoadFailed", "insmod: EINVAL", null),
                NodeView.of("b", NodeState.PENDING));
        Plan plan = planner.plan(input(policy(3, "0s", 0, 0, false), nodes));
        assertThat(plan.hold()).isEqualTo(Hold.TOO_MANY_FAILURES);
        assertThat(plan.failures()).extracting(NodeView::name).containsExactly("a");
        assertThat(planner.plan(input(policy(3, "0s", 0, 1, false), nodes)).admit()).containsExactly("b");
    }

    @Test
    void pausedAdmitsNothing() {
        assertThat(planner.plan(input(policy(3, "0s", 0, 0, true), pending(3))).hold()).isEqualTo(Hold.PAUSED);
    }

    @Test
    void stallsSlowDownToOneNodeAndAGrowingBoundedInterval() {
        List<TransitionSample> troubled = List.of(
                new TransitionSample("x", NOW.minusSeconds(200), 47, TransitionOutcome.Completed, 2),
                new TransitionSample("y", NOW.minusSeconds(100), 130, TransitionOutcome.Reverted, 0));
        PlanInput in = new PlanInput(3, policy(5, "10s", 0, 5, false), pending(5), List.of(), null, null, troubled, NOW, false);
        Plan plan = planner.plan(in);
        assertThat(plan.pacing().concurrency()).isEqualTo(1);
        assertThat(plan.pacing().interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(plan.pacing().reason()).contains("stalled").contains("concurrency 1, interval 1m");
        assertThat(plan.admit()).containsExactly("node-0");

        List<TransitionSample> many = IntStream.range(0, 10)
                .mapToObj(i -> new TransitionSample("n" + i, NOW.minusSeconds(100 + i), 5, TransitionOutcome.Completed, 1)).toList();
        Plan bounded = planner.plan(new PlanInput(3, in.policy(), in.nodes(), List.of(), null, null, many, NOW, false));
        assertThat(bounded.pacing().interval()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void recoversAfterCleanTransitions() {
        List<TransitionSample> history = List.of(
                new TransitionSample("x", NOW.minusSeconds(300), 47, TransitionOutcome.Completed, 1),
                new TransitionSample("a", NOW.minusSeconds(200), 2, TransitionOutcome.Completed, 0),
                new TransitionSample("b", NOW.minusSeconds(150), 2, TransitionOutcome.Completed, 0),
                new TransitionSample("c", NOW.minusSeconds(100), 2, TransitionOutcome.Completed, 0));
        Plan plan = planner.plan(new PlanInput(3, policy(4, "0s", 0, 0, false), pending(5), List.of(), null, null, history, NOW, false));
        assertThat(plan.pacing().slowed()).isFalse();
        assertThat(plan.pacing().cleanTransitions()).isEqualTo(3);
        assertThat(plan.admit()).hasSize(4);
    }

    @Test
    void aNodeStalledNowSlowsTheRolloutAndTakesASlot() {
        List<NodeView> nodes = List.of(new NodeView("a", NodeState.STALLED, true, null, 3L, "TransitionStalled", "blocked", null),
                NodeView.of("b", NodeState.PENDING));
        Plan plan = planner.plan(input(policy(3, "0s", 0, 1, false), nodes));
        assertThat(plan.pacing().reason()).startsWith("1 node(s) stalled");
        assertThat(plan.admit()).isEmpty();
    }

    @Test
    void anAdmittedNodeWithoutProgressForTheDeadlineIsFailedUnresponsiveAndKeepsItsSlot() {
        NodeView silent = new NodeView("node-0", NodeState.IN_PROGRESS, true, null, 3L, null, null, null, true, NOW.minus(Duration.ofMinutes(10)));
        List<NodeView> nodes = List.of(silent, NodeView.of("node-1", NodeState.PENDING));

        Plan plan = planner.plan(input(policy(1, "0s", 0, 1, false), nodes));

        assertThat(plan.failures()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("node-0");
            assertThat(f.reason()).isEqualTo(Reasons.NODE_UNRESPONSIVE);
            assertThat(f.message()).contains("10m");
        });
        assertThat(plan.counts().failed()).isEqualTo(1);
        assertThat(plan.admit()).isEmpty();
    }

    @Test
    void aNodeWithProgressWithinTheDeadlineIsWaitedForAndTheDeadlineIsWhenToLookAgain() {
        Instant since = NOW.minus(Duration.ofMinutes(9));
        NodeView slow = new NodeView("node-0", NodeState.IN_PROGRESS, true, null, 3L, null, null, null, true, since);

        Plan plan = planner.plan(input(policy(1, "0s", 0, 0, false), List.of(slow, NodeView.of("node-1", NodeState.PENDING))));

        assertThat(plan.failures()).isEmpty();
        assertThat(plan.counts().inProgress()).isEqualTo(1);
        assertThat(plan.nextCheck()).contains(since.plus(Duration.ofMinutes(10)));
    }

    @Test
    void tooManyUnresponsiveNodesPauseTheRollout() {
        NodeView silent = new NodeView("node-0", NodeState.IN_PROGRESS, true, null, 3L, null, null, null, true, NOW.minus(Duration.ofHours(1)));

        Plan plan = planner.plan(input(policy(2, "0s", 0, 0, false), List.of(silent, NodeView.of("node-1", NodeState.PENDING))));

        assertThat(plan.hold()).isEqualTo(Hold.TOO_MANY_FAILURES);
    }

    @Test
    void aRetryAdmitsNodesThatFailedOnOlderEntriesAgainOnce() {
        NodeView before = new NodeView("node-0", NodeState.FAILED, true, null, 3L, "LoadFailed", "insmod failed", null, false);
        NodeView after = new NodeView("node-1", NodeState.FAILED, true, null, 5L, "LoadFailed", "insmod failed", null, false);
        NodeView busy = new NodeView("node-2", NodeState.FAILED, true, null, 3L, "LoadFailed", "insmod failed", null, true);
        PlanInput in = new PlanInput(5, policy(3, "0s", 0, 3, false), List.of(before, after, busy), List.of(), null, null, List.of(), NOW, false, 5L);

        Plan plan = planner.plan(in);

        assertThat(plan.admit()).containsExactly("node-0");
        assertThat(plan.failures()).extracting(NodeView::name).containsExactly("node-1");
    }

    @Test
    void unloadingReportsASilentNodeUnresponsiveAndStillWaitsForIt() {
        NodeView silent = new NodeView("node-0", NodeState.IN_PROGRESS, true, null, 3L, null, null, null, true, NOW.minus(Duration.ofHours(1)));
        PlanInput in = new PlanInput(3, policy(1, "0s", 0, 0, false), List.of(silent, NodeView.of("node-1", NodeState.PENDING)), List.of(),
                null, null, List.of(), NOW, true);

        Plan plan = planner.plan(in);

        assertThat(plan.failures()).extracting(NodeView::reason).containsExactly(Reasons.NODE_UNRESPONSIVE);
        assertThat(plan.admit()).as("its slot stays taken").isEmpty();
        assertThat(plan.counts().failed()).isEqualTo(1);
    }
}
