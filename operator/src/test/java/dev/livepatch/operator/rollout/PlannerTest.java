package dev.livepatch.operator.rollout;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static dev.livepatch.operator.rollout.PlanInputBuilder.rollout;
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
        return IntStream.range(0, n).mapToObj(i -> node("node-" + i, NodeState.PENDING).build()).toList();
    }

    static RolloutPolicy policy(int maxConcurrent, String interval, int canaries, int maxFailed) {
        RolloutSpec r = new RolloutSpec();
        r.setMaxConcurrent(new IntOrString(maxConcurrent));
        r.setInterval(interval);
        r.setNodeCooldown("60s");
        r.setCanaryNodes(canaries);
        r.setMaxFailedNodes(new IntOrString(maxFailed));
        return RolloutPolicy.from(r);
    }

    /** {@code p} with spec.rollout.paused set. */
    static RolloutPolicy paused(RolloutPolicy p) {
        return new RolloutPolicy(p.maxConcurrent(), p.interval(), p.nodeCooldown(), p.maxFailedNodes(), p.canaryNodes(), true,
                p.progressDeadline());
    }

    /** Generation 3 of a rollout, nothing admitted yet, no history. */
    static PlanInputBuilder input(RolloutPolicy p, List<NodeView> nodes) {
        return rollout(p, nodes).generation(3).at(NOW);
    }

    static PlanInput plain(RolloutPolicy p, List<NodeView> nodes) {
        return input(p, nodes).build();
    }

    @Test
    void admitsUpToMaxConcurrentInNameOrderWhenTheIntervalIsZero() {
        Plan plan = planner.plan(plain(policy(2, "0s", 0, 0), pending(5)));
        assertThat(plan.admit()).containsExactly("node-0", "node-1");
        assertThat(plan.countsAfterAdmission().summary()).isEqualTo("0/5 updated, 2 in progress");
    }

    @Test
    void admitsOneNodePerIntervalAndSaysWhenToLookAgain() {
        PlanInput in = input(policy(3, "30s", 0, 0), pending(3)).lastAdmission(NOW.minusSeconds(10)).build();
        Plan plan = planner.plan(in);
        assertThat(plan.admit()).isEmpty();
        assertThat(plan.nextCheck()).contains(NOW.plusSeconds(20));
        PlanInput later = PlanInputBuilder.from(in).lastAdmission(NOW.minusSeconds(30)).build();
        assertThat(planner.plan(later).admit()).containsExactly("node-0");
    }

    @Test
    void percentConcurrencyRoundsUp() {
        RolloutSpec r = new RolloutSpec();
        r.setMaxConcurrent(new IntOrString("25%"));
        r.setInterval("0s");
        Plan plan = planner.plan(plain(RolloutPolicy.from(r), pending(10)));
        assertThat(plan.admit()).hasSize(3);
    }

    @Test
    void skipsNodesInCooldownAndNodesNotReady() {
        List<NodeView> nodes = List.of(
                node("a", NodeState.PENDING).lastTransitionAt(NOW.minusSeconds(10)).build(),
                node("b", NodeState.PENDING).notReady().build(),
                node("c", NodeState.PENDING).build());
        Plan plan = planner.plan(plain(policy(3, "0s", 0, 0), nodes));
        assertThat(plan.admit()).containsExactly("c");
    }

    @Test
    void canariesFirstThenThePauseThenTheRest() {
        RolloutPolicy p = policy(5, "0s", 2, 0);
        Plan first = planner.plan(plain(p, pending(4)));
        assertThat(first.canaries()).containsExactly("node-0", "node-1");
        assertThat(first.admit()).containsExactly("node-0", "node-1");

        List<NodeView> canariesDone = List.of(
                node("node-0", NodeState.UPDATED).admittedAt(3).build(),
                node("node-1", NodeState.UPDATED).admittedAt(3).build(),
                node("node-2", NodeState.PENDING).build(), node("node-3", NodeState.PENDING).build());
        Plan pause = planner.plan(input(p, canariesDone).canaries(first.canaries()).lastAdmission(NOW).build());
        assertThat(pause.hold()).isEqualTo(Hold.CANARY_PAUSE);
        assertThat(pause.admit()).isEmpty();

        // The operator set paused: true (generation 4) and recorded it; a user set paused: false (generation 5).
        Plan resumed = planner.plan(input(p, canariesDone).generation(5).canaries(first.canaries()).canaryPausedAt(4L)
                .lastAdmission(NOW.minusSeconds(60)).build());
        assertThat(resumed.hold()).isEqualTo(Hold.NONE);
        assertThat(resumed.admit()).containsExactly("node-2", "node-3");
    }

    @Test
    void aNewRevisionPausesAgainAfterItsCanaries() {
        RolloutPolicy p = policy(5, "0s", 1, 0);
        List<NodeView> nodes = List.of(node("node-0", NodeState.UPDATED).admittedAt(7).build(), node("node-1", NodeState.PENDING).build());
        Plan plan = planner.plan(input(p, nodes).generation(7).canaries(List.of("node-0")).canaryPausedAt(4L).build());
        assertThat(plan.hold()).isEqualTo(Hold.CANARY_PAUSE);
    }

    @Test
    void pausesItselfWhenFailuresExceedTheBudget() {
        List<NodeView> nodes = List.of(node("a", NodeState.FAILED).admittedAt(3).reason("LoadFailed", "insmod: EINVAL").build(),
                node("b", NodeState.PENDING).build());
        Plan plan = planner.plan(plain(policy(3, "0s", 0, 0), nodes));
        assertThat(plan.hold()).isEqualTo(Hold.TOO_MANY_FAILURES);
        assertThat(plan.failures()).extracting(NodeView::name).containsExactly("a");
        assertThat(planner.plan(plain(policy(3, "0s", 0, 1), nodes)).admit()).containsExactly("b");
    }

    @Test
    void pausedAdmitsNothing() {
        assertThat(planner.plan(plain(paused(policy(3, "0s", 0, 0)), pending(3))).hold()).isEqualTo(Hold.PAUSED);
    }

    @Test
    void stallsSlowDownToOneNodeAndAGrowingBoundedInterval() {
        List<TransitionSample> troubled = List.of(
                new TransitionSample("x", NOW.minusSeconds(200), 47, TransitionOutcome.Completed, 2),
                new TransitionSample("y", NOW.minusSeconds(100), 130, TransitionOutcome.Reverted, 0));
        PlanInput in = input(policy(5, "10s", 0, 5), pending(5)).history(troubled).build();
        Plan plan = planner.plan(in);
        assertThat(plan.pacing().concurrency()).isEqualTo(1);
        assertThat(plan.pacing().interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(plan.pacing().reason()).contains("stalled").contains("concurrency 1, interval 1m");
        assertThat(plan.admit()).containsExactly("node-0");

        List<TransitionSample> many = IntStream.range(0, 10)
                .mapToObj(i -> new TransitionSample("n" + i, NOW.minusSeconds(100 + i), 5, TransitionOutcome.Completed, 1)).toList();
        Plan bounded = planner.plan(PlanInputBuilder.from(in).history(many).build());
        assertThat(bounded.pacing().interval()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void recoversAfterCleanTransitions() {
        List<TransitionSample> history = List.of(
                new TransitionSample("x", NOW.minusSeconds(300), 47, TransitionOutcome.Completed, 1),
                new TransitionSample("a", NOW.minusSeconds(200), 2, TransitionOutcome.Completed, 0),
                new TransitionSample("b", NOW.minusSeconds(150), 2, TransitionOutcome.Completed, 0),
                new TransitionSample("c", NOW.minusSeconds(100), 2, TransitionOutcome.Completed, 0));
        Plan plan = planner.plan(input(policy(4, "0s", 0, 0), pending(5)).history(history).build());
        assertThat(plan.pacing().slowed()).isFalse();
        assertThat(plan.pacing().cleanTransitions()).isEqualTo(3);
        assertThat(plan.admit()).hasSize(4);
    }

    @Test
    void aNodeStalledNowSlowsTheRolloutAndTakesASlot() {
        List<NodeView> nodes = List.of(node("a", NodeState.STALLED).admittedAt(3).reason("TransitionStalled", "blocked").build(),
                node("b", NodeState.PENDING).build());
        Plan plan = planner.plan(plain(policy(3, "0s", 0, 1), nodes));
        assertThat(plan.pacing().reason()).startsWith("1 node(s) stalled");
        assertThat(plan.admit()).isEmpty();
    }

    @Test
    void anAdmittedNodeWithoutProgressForTheDeadlineIsFailedUnresponsiveAndKeepsItsSlot() {
        NodeView silent = node("node-0", NodeState.IN_PROGRESS).admittedAt(3).progressAt(NOW.minus(Duration.ofMinutes(10))).build();
        List<NodeView> nodes = List.of(silent, node("node-1", NodeState.PENDING).build());

        Plan plan = planner.plan(plain(policy(1, "0s", 0, 1), nodes));

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
        NodeView slow = node("node-0", NodeState.IN_PROGRESS).admittedAt(3).progressAt(since).build();

        Plan plan = planner.plan(plain(policy(1, "0s", 0, 0), List.of(slow, node("node-1", NodeState.PENDING).build())));

        assertThat(plan.failures()).isEmpty();
        assertThat(plan.counts().inProgress()).isEqualTo(1);
        assertThat(plan.nextCheck()).contains(since.plus(Duration.ofMinutes(10)));
    }

    @Test
    void tooManyUnresponsiveNodesPauseTheRollout() {
        NodeView silent = node("node-0", NodeState.IN_PROGRESS).admittedAt(3).progressAt(NOW.minus(Duration.ofHours(1))).build();

        Plan plan = planner.plan(plain(policy(2, "0s", 0, 0), List.of(silent, node("node-1", NodeState.PENDING).build())));

        assertThat(plan.hold()).isEqualTo(Hold.TOO_MANY_FAILURES);
    }

    @Test
    void aRetryAdmitsNodesThatFailedOnOlderEntriesAgainOnce() {
        NodeView before = node("node-0", NodeState.FAILED).admittedAt(3).reason("LoadFailed", "insmod failed").kernelIdle().build();
        NodeView after = node("node-1", NodeState.FAILED).admittedAt(5).reason("LoadFailed", "insmod failed").kernelIdle().build();
        NodeView busy = node("node-2", NodeState.FAILED).admittedAt(3).reason("LoadFailed", "insmod failed").kernelBusy().build();
        PlanInput in = input(policy(3, "0s", 0, 3), List.of(before, after, busy)).generation(5).retryFailedBefore(5L).build();

        Plan plan = planner.plan(in);

        assertThat(plan.admit()).containsExactly("node-0");
        assertThat(plan.failures()).extracting(NodeView::name).containsExactly("node-1");
    }

    @Test
    void unloadingReportsASilentNodeUnresponsiveAndStillWaitsForIt() {
        NodeView silent = node("node-0", NodeState.IN_PROGRESS).admittedAt(3).progressAt(NOW.minus(Duration.ofHours(1))).build();
        PlanInput in = input(policy(1, "0s", 0, 0), List.of(silent, node("node-1", NodeState.PENDING).build())).unloading().build();

        Plan plan = planner.plan(in);

        assertThat(plan.failures()).extracting(NodeView::reason).containsExactly(Reasons.NODE_UNRESPONSIVE);
        assertThat(plan.admit()).as("its slot stays taken").isEmpty();
        assertThat(plan.counts().failed()).isEqualTo(1);
    }
}
