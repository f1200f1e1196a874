package dev.livepatch.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReportedTransitionsTest {
    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
    private static final TransitionOutcome[] OUTCOMES = TransitionOutcome.values();

    /**
     * However often the reconciles read a node, and whether or not its resourceVersion changed, each
     * transition it reports finished after the operator started is counted once, by outcome, with its
     * seconds; those finished before are not. Reports advance by at most the status' bound of ten.
     */
    @Property(tries = 300)
    void eachReportedTransitionIsCountedOnce(@ForAll @IntRange(max = 5) int before, @ForAll @Size(max = 40) List<@IntRange(max = 3) Integer> outcomes,
                                             @ForAll @Size(min = 1, max = 30) List<@IntRange(max = 10) Integer> steps,
                                             @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 3) Integer> looks) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReportedTransitions reported = new ReportedTransitions(registry, START);
        List<TransitionRecord> history = new ArrayList<>();
        for (int i = 0; i < before; i++) {
            history.add(record(TransitionOutcome.Completed, 1, START.minusSeconds(100 - i)));
        }
        for (int i = 0; i < outcomes.size(); i++) {
            history.add(record(OUTCOMES[outcomes.get(i)], i + 1, START.plusSeconds(i + 1)));
        }
        int shown = 0;
        int version = 0;
        for (int i = 0; shown < history.size() || i < steps.size(); i++) {
            shown = Math.min(history.size(), shown + (i < steps.size() ? steps.get(i) : 10));
            List<TransitionRecord> last = history.subList(Math.max(0, shown - NodeLivePatchStatus.MAX_LAST_TRANSITIONS), shown);
            version++; // a changed status is a new resourceVersion
            for (int look = 0; look < looks.get(i % looks.size()); look++) {
                version += look / 2; // a second look at the same version, a third at a new one (another field changed)
                reported.observe(List.of(node("n1", String.valueOf(version), last, null)));
            }
        }
        for (TransitionOutcome o : OUTCOMES) {
            long expected = outcomes.stream().filter(x -> OUTCOMES[x] == o).count();
            double seconds = history.stream().filter(r -> r.getOutcome() == o && Instant.parse(r.getFinishedAt()).isAfter(START)
                    && r.getSeconds() != null).mapToDouble(TransitionRecord::getSeconds).sum();
            Timer t = registry.find("livepatch_reported_transition").tag("outcome", o.name()).timer();
            assertThat(t == null ? 0 : t.count()).as(o.name()).isEqualTo(expected);
            assertThat(t == null ? 0 : t.totalTime(java.util.concurrent.TimeUnit.SECONDS)).as(o.name()).isCloseTo(seconds, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void aStallIsCountedOncePerTransitionAndOneThatStartedBeforeTheOperatorIsNot() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReportedTransitions reported = new ReportedTransitions(registry, START);
        Transition old = transition("lp_a", START.minusSeconds(60));
        Transition first = transition("lp_b", START.plusSeconds(10));
        Transition second = transition("lp_b", START.plusSeconds(90));
        reported.observe(List.of(node("a", "1", List.of(), old), node("b", "1", List.of(), first)));
        reported.observe(List.of(node("a", "2", List.of(), old), node("b", "2", List.of(), first)));
        reported.observe(List.of(node("a", "3", List.of(), null), node("b", "3", List.of(), null)));
        reported.observe(List.of(node("a", "4", List.of(), null), node("b", "4", List.of(), second)));
        reported.observe(List.of(node("a", "5", List.of(), null), node("b", "5", List.of(), second)));
        Counter stalls = registry.find("livepatch_reported_stalls").tag("direction", "Patching").counter();
        assertThat(stalls).isNotNull();
        assertThat(stalls.count()).isEqualTo(2);
    }

    @Test
    void aNodeThatWentAwayAndCameBackIsReadAfresh() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReportedTransitions reported = new ReportedTransitions(registry, START);
        TransitionRecord r = record(TransitionOutcome.Failed, 2, START.plusSeconds(5));
        reported.observe(List.of(node("a", "1", List.of(r), null), node("b", "1", List.of(), null)));
        reported.observe(List.of(node("b", "2", List.of(), null)));
        reported.observe(List.of(node("a", "1", List.of(r), null), node("b", "2", List.of(), null)));
        // A recreated node's NodeLivePatch reports its history anew; the record after START counts again, as a new node's would.
        assertThat(registry.find("livepatch_reported_transition").tag("outcome", "Failed").timer().count()).isEqualTo(2);
    }

    private static TransitionRecord record(TransitionOutcome outcome, double seconds, Instant finishedAt) {
        TransitionRecord r = new TransitionRecord();
        r.setPatch("lp_fix");
        r.setDirection(TransitionDirection.Patching);
        r.setOutcome(outcome);
        r.setSeconds(seconds);
        r.setFinishedAt(finishedAt.toString());
        return r;
    }

    private static Transition transition(String patch, Instant startedAt) {
        Transition t = new Transition();
        t.setPatch(patch);
        t.setDirection(TransitionDirection.Patching);
        t.setStartedAt(startedAt.toString());
        return t;
    }

    private static NodeLivePatch node(String name, String resourceVersion, List<TransitionRecord> finished, Transition stalled) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName(name).withResourceVersion(resourceVersion).build());
        NodeLivePatchStatus s = new NodeLivePatchStatus();
        s.setLastTransitions(new ArrayList<>(finished));
        s.setTransition(stalled);
        s.getConditions().add(new ConditionBuilder().withType("Stalled").withStatus(stalled == null ? "False" : "True").build());
        nlp.setStatus(s);
        return nlp;
    }
}
