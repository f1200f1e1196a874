package dev.livepatch.operator.rollout.steps;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.NodeViewBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepsTest {
    static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    /** [{nodes: 1, bake: 10m}, {nodes: 10%, bake: 30m}, {nodes: 100%}] */
    static final Steps ISSUE_EXAMPLE = new Steps(List.of(step(new IntOrString(1), Duration.ofMinutes(10)),
            step(new IntOrString("10%"), Duration.ofMinutes(30)), step(new IntOrString("100%"), Duration.ZERO)));

    static Step step(IntOrString nodes, Duration bake) {
        return new Step(IntOrPercent.parse(nodes).orElseThrow(), bake);
    }

    /** 40 nodes: {@code updated} of them updated, finished one minute apart ending {@code lastAgo} ago, then the states given. */
    static List<NodeView> fleet(int updated, Duration lastAgo, NodeState... then) {
        List<NodeView> nodes = new ArrayList<>();
        IntStream.range(0, updated).forEach(i -> nodes.add(node(String.format("n%02d", i), NodeState.UPDATED)
                .lastTransitionAt(NOW.minus(lastAgo).minus(Duration.ofMinutes(updated - 1 - i))).admittedAt(1).build()));
        for (NodeState s : then) {
            nodes.add(node(String.format("n%02d", nodes.size()), s).admittedGeneration(s == NodeState.PENDING ? null : 1L)
                    .reason(s == NodeState.FAILED ? "LoadFailed" : null, s == NodeState.FAILED ? "finit_module: EINVAL" : null).build());
        }
        while (nodes.size() < 40) {
            nodes.add(node(String.format("n%02d", nodes.size()), NodeState.PENDING).build());
        }
        return nodes;
    }

    @Test
    void countsArePercentagesRoundedUpNeverFewerThanTheStepBeforeNorMoreThanTheTarget() {
        assertThat(ISSUE_EXAMPLE.counts(40)).containsExactly(1, 4, 40);
        assertThat(ISSUE_EXAMPLE.counts(5)).containsExactly(1, 1, 5);
        assertThat(ISSUE_EXAMPLE.counts(0)).containsExactly(0, 0, 0);
        Steps shrinking = new Steps(List.of(step(new IntOrString(10), Duration.ZERO), step(new IntOrString("5%"), Duration.ZERO)));
        assertThat(shrinking.counts(40)).containsExactly(10, 10);
    }

    @Test
    void theFirstStepAdmitsOneNode() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(0, Duration.ZERO), NOW);
        assertThat(p).extracting(StepProgress::index, StepProgress::state, StepProgress::allowance, StepProgress::room)
                .containsExactly(0, StepState.Admitting, 1, 1);
    }

    @Test
    void whileItsNodeIsInProgressTheFirstStepHasNoRoom() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(0, Duration.ZERO, NodeState.IN_PROGRESS), NOW);
        assertThat(p.state()).isEqualTo(StepState.Admitting);
        assertThat(p.room()).isZero();
    }

    @Test
    void onceItsNodeIsUpdatedTheStepBakesFromWhenItFinished() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(1, Duration.ofMinutes(4)), NOW);
        assertThat(p.state()).isEqualTo(StepState.Baking);
        assertThat(p.bakeEndsAt()).isEqualTo(NOW.plus(Duration.ofMinutes(6)));
        assertThat(p.room()).isZero();
        assertThat(p.changesAt()).contains(NOW.plus(Duration.ofMinutes(6)));
    }

    @Test
    void afterTheBakeTheNextStepAdmitsUpToItsCount() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(1, Duration.ofMinutes(10)), NOW);
        assertThat(p).extracting(StepProgress::index, StepProgress::state, StepProgress::allowance, StepProgress::room)
                .containsExactly(1, StepState.Admitting, 4, 3);
    }

    @Test
    void theSecondStepBakesFromTheMomentItsLastNodeFinished() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(4, Duration.ofMinutes(20)), NOW);
        assertThat(p.index()).isEqualTo(1);
        assertThat(p.state()).isEqualTo(StepState.Baking);
        assertThat(p.bakeEndsAt()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aFailedNodeStopsTheStepsAndIsNamed() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(1, Duration.ofMinutes(15), NodeState.FAILED), NOW);
        assertThat(p.index()).isEqualTo(1);
        assertThat(p.state()).isEqualTo(StepState.Unhealthy);
        assertThat(p.failing()).extracting(NodeView::name).containsExactly("n01");
        assertThat(p.room()).isZero();
    }

    @Test
    void anUpdatedNodeThatIsNotReadyStopsTheStepsUntilItIsReadyAgain() {
        List<NodeView> nodes = new ArrayList<>(fleet(1, Duration.ofMinutes(15)));
        NodeView first = nodes.get(0);
        nodes.set(0, NodeViewBuilder.from(first).notReady().build());
        StepProgress stopped = ISSUE_EXAMPLE.progress(nodes, NOW);
        assertThat(stopped.state()).isEqualTo(StepState.Unhealthy);
        assertThat(stopped.failing()).extracting(NodeView::name).containsExactly("n00");
        assertThat(stopped.room()).isZero();

        nodes.set(0, first);
        assertThat(ISSUE_EXAMPLE.progress(nodes, NOW).state()).isEqualTo(StepState.Admitting);
    }

    @Test
    void aFailedNodeDuringTheBakeStopsItToo() {
        StepProgress p = ISSUE_EXAMPLE.progress(fleet(4, Duration.ofMinutes(1), NodeState.FAILED), NOW);
        assertThat(p.state()).isEqualTo(StepState.Unhealthy);
    }

    @Test
    void afterTheLastStepTheRemainingNodesFollowAndFailuresAreTheFailureBudgetsToJudge() {
        Steps twoSteps = new Steps(List.of(step(new IntOrString(1), Duration.ofMinutes(10)), step(new IntOrString(2), Duration.ofMinutes(10))));
        StepProgress p = twoSteps.progress(fleet(2, Duration.ofMinutes(10), NodeState.FAILED), NOW);
        assertThat(p.state()).isEqualTo(StepState.Done);
        assertThat(p.index()).isEqualTo(2);
        assertThat(p.room()).isEqualTo(40 - 3);
    }

    @Test
    void noStepsIsNoLimit() {
        assertThat(Steps.NONE.progress(fleet(0, Duration.ZERO), NOW)).isEqualTo(StepProgress.NONE);
        assertThat(StepProgress.NONE.staged()).isFalse();
    }
}
