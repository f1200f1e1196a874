package dev.livepatch.operator.rollout.steps;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class StepsPropertiesTest {
    static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");

    @Property(tries = 1000)
    void countsNeverDecreaseNeverExceedTheTargetAndAreAtLeastOneOfANonEmptyFleet(@ForAll("steps") Steps steps,
                                                                                   @ForAll("targets") int target) {
        List<Integer> counts = steps.counts(target);
        for (int i = 0; i < counts.size(); i++) {
            assertThat(counts.get(i)).isBetween(Math.min(1, target), target);
            if (i > 0) {
                assertThat(counts.get(i)).isGreaterThanOrEqualTo(counts.get(i - 1));
            }
        }
    }

    /** The room a step gives never takes the admitted nodes past its count, and there is none while baking or unhealthy. */
    @Property(tries = 1000)
    void roomNeverTakesTheAdmittedNodesPastTheCurrentStep(@ForAll("steps") Steps steps, @ForAll("fleets") List<NodeView> nodes) {
        StepProgress p = steps.progress(nodes, NOW);
        if (p.state() != StepState.Done) {
            assertThat(p.admitted() + p.room()).isLessThanOrEqualTo(Math.max(p.admitted(), p.allowance()));
        }
        if (p.state() == StepState.Baking || p.state() == StepState.Unhealthy) {
            assertThat(p.room()).isZero();
        }
    }

    /** A step is passed only when its count of nodes is updated and its bake has run since the count-th of them finished. */
    @Property(tries = 1000)
    void aStepIsPassedOnlyWhenItsNodesAreUpdatedAndItsBakeIsOver(@ForAll("steps") Steps steps, @ForAll("fleets") List<NodeView> nodes) {
        StepProgress p = steps.progress(nodes, NOW);
        int target = (int) nodes.stream().filter(n -> n.state().targeted()).count();
        List<Instant> finished = nodes.stream().filter(n -> n.state() == NodeState.UPDATED).map(NodeView::lastTransitionAt).sorted().toList();
        for (int i = 0; i < p.index(); i++) {
            int count = steps.counts(target).get(i);
            assertThat(finished.size()).isGreaterThanOrEqualTo(count);
            if (count > 0) {
                assertThat(finished.get(count - 1).plus(steps.steps().get(i).bake())).isBeforeOrEqualTo(NOW);
            }
        }
        boolean failed = nodes.stream().anyMatch(n -> n.state() == NodeState.FAILED);
        if (failed && p.state() != StepState.Done) {
            assertThat(p.state()).isEqualTo(StepState.Unhealthy);
        }
    }

    @Provide
    Arbitrary<Integer> targets() {
        return Arbitraries.integers().between(0, 5000);
    }

    @Provide
    Arbitrary<Steps> steps() {
        Arbitrary<IntOrString> nodes = Arbitraries.oneOf(Arbitraries.integers().between(1, 50).map(IntOrString::new),
                Arbitraries.integers().between(1, 100).map(p -> new IntOrString(p + "%")));
        Arbitrary<Step> step = Combinators.combine(nodes, Arbitraries.of(0, 60, 600, 1800))
                .as((n, bake) -> new Step(IntOrPercent.parse(n).orElseThrow(), Duration.ofSeconds(bake)));
        return step.list().ofMinSize(1).ofMaxSize(5).map(Steps::new);
    }

    @Provide
    Arbitrary<List<NodeView>> fleets() {
        Arbitrary<NodeView> node = Combinators.combine(Arbitraries.integers().between(0, 60),
                        Arbitraries.of(NodeState.PENDING, NodeState.PENDING, NodeState.UPDATED, NodeState.UPDATED, NodeState.IN_PROGRESS,
                                NodeState.FAILED, NodeState.STALLED, NodeState.NOT_APPLICABLE, NodeState.CONFLICT),
                        Arbitraries.integers().between(0, 3600))
                .as((i, state, ago) -> node(String.format("node-%02d", i), state).lastTransitionAt(NOW.minusSeconds(ago)).build());
        return node.list().ofMaxSize(40).uniqueElements(NodeView::name);
    }
}
