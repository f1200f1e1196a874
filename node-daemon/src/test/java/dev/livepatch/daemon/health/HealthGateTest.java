package dev.livepatch.daemon.health;

import dev.livepatch.api.v1alpha1.HealthGateState;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.daemon.kernel.KmsgEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The health gates of one patch, by example (docs/design.md §5 rule 13); properties in {@link HealthGatePropertiesTest}. */
class HealthGateTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final long LOADED = (1L << 12) | (1L << 13) | (1L << 15);

    static GateWatch watch(Long taintAtLoad) {
        return GateWatch.started("lp_a", "lp1", "sha", "60s", OnUnhealthy.Revert, taintAtLoad, T0.toString());
    }

    static KmsgEvent line(long seq, String message) {
        return KmsgEvent.parse("4," + seq + ",1000,-;" + message).orElseThrow(() -> new AssertionError("not recognised: " + message));
    }

    static HealthGate.Look look(List<KmsgEvent> events, Long taint, boolean enabled, int seconds) {
        return new HealthGate.Look(events, taint, enabled, T0.plusSeconds(seconds));
    }

    @Test
    void aWarningAfterTheEnablingLineFailsTheGateWithThatLine() {
        GateWatch w = HealthGate.observe(watch(0L), look(List.of(line(10, "livepatch: enabling patch 'lp_a'"),
                line(11, "WARNING: CPU: 0 PID: 1 at lp_a.c:12 lp_a_work+0x1d/0x30 [lp_a]")), LOADED, true, 1));

        assertThat(w.state()).isEqualTo(HealthGateState.Failed);
        assertThat(w.lines()).containsExactly("WARNING: CPU: 0 PID: 1 at lp_a.c:12 lp_a_work+0x1d/0x30 [lp_a]");
        assertThat(w.since()).isEqualTo(T0.plusSeconds(1).toString());
    }

    @Test
    void eachKindOfTroubleIsRecognisedAndFailsTheGate() {
        for (String trouble : List.of("Oops: 0002 [#1] PREEMPT SMP NOPTI", "general protection fault: 0000 [#1] SMP",
                "BUG: unable to handle page fault for address: ffffffffc0a01000", "kernel BUG at mm/slub.c:379!",
                "WARNING: CPU: 1 PID: 77 at kernel/livepatch/core.c:1000 klp_enable_patch+0x1/0x2",
                "rcu_tasks_wait_gp: rcu_tasks grace period number 1046 (since boot) is 10088 jiffies old.",
                "INFO: rcu_tasks detected stalls on tasks:")) {
            GateWatch w = HealthGate.observe(watch(0L), look(List.of(line(1, "livepatch: enabling patch 'lp_a'"), line(2, trouble)), null, true, 1));
            assertThat(w.state()).as(trouble).isEqualTo(HealthGateState.Failed);
            assertThat(w.lines()).as(trouble).containsExactly(trouble);
        }
    }

    @Test
    void linesBeforeTheEnablingLineOrOfAnotherPatchsEnablingDoNotCount() {
        GateWatch w = HealthGate.observe(watch(0L), look(List.of(line(5, "WARNING: CPU: 0 PID: 1 at old.c:1 old+0x1/0x2"),
                line(6, "livepatch: enabling patch 'lp_b'"), line(7, "BUG: something before our load"),
                line(8, "livepatch: enabling patch 'lp_a'")), LOADED, true, 1));

        assertThat(w.state()).isEqualTo(HealthGateState.Watching);
        assertThat(w.enablingSeq()).isEqualTo(8L);
    }

    @Test
    void withoutTheEnablingLineNoLogLineCountsYet() {
        GateWatch w = HealthGate.observe(watch(0L), look(List.of(line(3, "WARNING: CPU: 0 PID: 1 at x.c:1 x+0x1/0x2")), 0L, false, 1));
        assertThat(w.state()).isEqualTo(HealthGateState.Watching);
        assertThat(w.enablingSeq()).isNull();
    }

    @Test
    void theTaintsALivepatchLoadSetsNeverFailItButAWarningTaintDoes() {
        assertThat(HealthGate.observe(watch(1L), look(List.of(), 1L | LOADED, true, 1)).state()).isEqualTo(HealthGateState.Watching);

        GateWatch w = HealthGate.observe(watch(1L), look(List.of(), 1L | LOADED | (1L << 9), true, 1));
        assertThat(w.state()).isEqualTo(HealthGateState.Failed);
        assertThat(w.lines()).singleElement().asString().contains("W (bit 9)").contains("was 1");
    }

    @Test
    void anUnreadableTaintChecksNoTaint() {
        assertThat(HealthGate.observe(watch(null), look(List.of(), 1L << 9, true, 1)).state()).isEqualTo(HealthGateState.Watching);
        assertThat(HealthGate.observe(watch(0L), look(List.of(), null, true, 1)).state()).isEqualTo(HealthGateState.Watching);
    }

    @Test
    void theBakeStartsWhenThePatchIsFirstSeenEnabledAndPassesWhenItIsOver() {
        GateWatch inTransition = HealthGate.observe(watch(0L), look(List.of(), 0L, false, 5));
        assertThat(inTransition.bakeUntil()).isNull();

        GateWatch enabled = HealthGate.observe(inTransition, look(List.of(), 0L, true, 10));
        assertThat(enabled.bakeUntil()).isEqualTo(T0.plusSeconds(70).toString());
        assertThat(HealthGate.observe(enabled, look(List.of(), 0L, true, 69)).state()).isEqualTo(HealthGateState.Watching);

        GateWatch passed = HealthGate.observe(enabled, look(List.of(), 0L, true, 70));
        assertThat(passed.state()).isEqualTo(HealthGateState.Passed);
        assertThat(passed.since()).isEqualTo(T0.plusSeconds(70).toString());
    }

    @Test
    void theLinesAreBoundedInNumberAndLength() {
        List<KmsgEvent> events = new ArrayList<>(List.of(line(1, "livepatch: enabling patch 'lp_a'")));
        for (int i = 0; i < 30; i++) events.add(line(2 + i, "WARNING: " + "x".repeat(400) + i));

        GateWatch w = HealthGate.observe(watch(0L), look(events, 0L, true, 1));

        assertThat(w.lines()).hasSize(HealthGate.MAX_LINES);
        assertThat(w.lines()).allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(HealthGate.MAX_LINE_CHARS));
        assertThat(w.lines().get(0)).startsWith("WARNING: xxx");
    }
}
