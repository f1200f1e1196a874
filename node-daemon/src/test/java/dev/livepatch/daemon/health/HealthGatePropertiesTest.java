package dev.livepatch.daemon.health;

import dev.livepatch.api.v1alpha1.HealthGateState;
import dev.livepatch.daemon.kernel.KmsgEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.livepatch.daemon.health.HealthGateTest.line;
import static dev.livepatch.daemon.health.HealthGateTest.look;
import static dev.livepatch.daemon.health.HealthGateTest.watch;
import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the health gates over generated kernel logs and taint masks (docs/design.md §5 rule 13). */
class HealthGatePropertiesTest {
    private static final List<String> TROUBLE = List.of("WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2", "BUG: kernel NULL pointer dereference",
            "Oops: 0000 [#1] SMP", "rcu_tasks_wait_gp: rcu_tasks grace period 7 is 9000 jiffies old.");
    private static final List<String> BENIGN = List.of("livepatch: 'lp_a': starting patching transition", "livepatch: 'lp_a': patching complete",
            "livepatch: signaling remaining tasks");

    /** A log around one load: lines (trouble or not) before the enabling line, then after it, delivered in any order. */
    record Log(List<KmsgEvent> events, long enablingSeq, boolean troubleAfter) {}

    @Provide
    Arbitrary<Log> logs() {
        Arbitrary<List<String>> before = Arbitraries.of(concat(TROUBLE, BENIGN)).list().ofMaxSize(8);
        Arbitrary<List<String>> after = Arbitraries.of(concat(TROUBLE, BENIGN)).list().ofMaxSize(8);
        return Combinators.combine(before, after, Arbitraries.randoms()).as((b, a, r) -> {
            List<KmsgEvent> events = new ArrayList<>();
            long seq = 1;
            for (String m : b) events.add(line(seq++, m));
            long enabling = seq++;
            events.add(line(enabling, "livepatch: enabling patch 'lp_a'"));
            for (String m : a) events.add(line(seq++, m));
            Collections.shuffle(events, r);
            return new Log(events, enabling, a.stream().anyMatch(TROUBLE::contains));
        });
    }

    @Property
    void aGateFailsExactlyWhenTroubleIsLoggedAfterTheLoad(@ForAll("logs") Log log) {
        GateWatch w = HealthGate.observe(watch(0L), look(log.events(), 0L, true, 1));
        assertThat(w.failed()).isEqualTo(log.troubleAfter());
        assertThat(w.lines()).allSatisfy(l -> assertThat(TROUBLE).contains(l));
    }

    @Property
    void linesFromBeforeTheLoadNeverFailIt(@ForAll("logs") Log log) {
        List<KmsgEvent> beforeOnly = log.events().stream().filter(e -> e.sequence() <= log.enablingSeq()).toList();
        assertThat(HealthGate.observe(watch(0L), look(beforeOnly, 0L, true, 1)).failed()).isFalse();
    }

    @Property
    void theLivepatchTaintAloneNeverFailsIt(@ForAll long atLoad) {
        long now = atLoad | (1L << 15);
        assertThat(HealthGate.observe(watch(atLoad), look(List.of(), now, true, 1)).failed()).isFalse();
    }

    @Property
    void anyOtherNewTaintBitFailsIt(@ForAll long atLoad, @ForAll("bits") int bit) {
        long now = atLoad | (1L << bit);
        boolean fresh = (atLoad & (1L << bit)) == 0 && (HealthGate.LOAD_TAINTS & (1L << bit)) == 0;
        assertThat(HealthGate.observe(watch(atLoad), look(List.of(), now, true, 1)).failed()).isEqualTo(fresh);
    }

    @Provide
    Arbitrary<Integer> bits() { return Arbitraries.integers().between(0, 19); }

    @Property
    void failedAndPassedAreFinal(@ForAll("logs") Log log, @ForAll long taint) {
        GateWatch failed = HealthGate.observe(watch(0L), look(List.of(line(1, "livepatch: enabling patch 'lp_a'"), line(2, TROUBLE.get(0))), 0L, true, 1));
        assertThat(HealthGate.observe(failed, look(log.events(), taint, true, 500))).isEqualTo(failed);

        GateWatch passed = HealthGate.observe(HealthGate.observe(watch(0L), look(List.of(), 0L, true, 1)), look(List.of(), 0L, true, 61));
        assertThat(passed.state()).isEqualTo(HealthGateState.Passed);
        assertThat(HealthGate.observe(passed, look(log.events(), taint, true, 500))).isEqualTo(passed);
    }

    @Property
    void lookingInPiecesFailsLikeLookingAtOnce(@ForAll("logs") Log log, @ForAll("cuts") int cut) {
        List<KmsgEvent> ordered = log.events().stream().sorted(java.util.Comparator.comparingLong(KmsgEvent::sequence)).toList();
        int at = Math.min(cut, ordered.size());
        GateWatch first = HealthGate.observe(watch(0L), look(ordered.subList(0, at), 0L, true, 1));
        GateWatch pieces = HealthGate.observe(first, look(ordered.subList(at, ordered.size()), 0L, true, 2));
        assertThat(pieces.failed()).isEqualTo(log.troubleAfter());
    }

    @Provide
    Arbitrary<Integer> cuts() { return Arbitraries.integers().between(0, 20); }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
