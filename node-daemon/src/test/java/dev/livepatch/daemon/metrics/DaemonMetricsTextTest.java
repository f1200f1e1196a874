package dev.livepatch.daemon.metrics;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daemon's /metrics text: the exposition Micrometer's Prometheus registry gave for the same updates, line for line. */
class DaemonMetricsTextTest {
    @Test
    void theDaemonsFamiliesPrintAsTheyDidUnderMicrometer() {
        DaemonMetrics metrics = new DaemonMetrics();
        assertThat(metrics.registry().scrape()).as("no transition yet: no histogram series").isEqualTo("""
                # HELP livepatch_patches_loaded Patches in /sys/kernel/livepatch
                # TYPE livepatch_patches_loaded gauge
                livepatch_patches_loaded{managed="false"} 0.0
                livepatch_patches_loaded{managed="true"} 0.0
                # HELP livepatch_rcu_stall_warnings_total rcu_tasks_wait_gp warnings seen during transitions
                # TYPE livepatch_rcu_stall_warnings_total counter
                livepatch_rcu_stall_warnings_total 0.0
                # HELP livepatch_transition_blocking_tasks Tasks the last kernel transition waited for, as last read (up to 10; read once it stalled, 0 when it started)
                # TYPE livepatch_transition_blocking_tasks gauge
                livepatch_transition_blocking_tasks 0.0
                # HELP livepatch_transition_stalls_total Transitions that outlasted stallTimeout
                # TYPE livepatch_transition_stalls_total counter
                livepatch_transition_stalls_total 0.0
                """);
        metrics.transition(TransitionDirection.Patching, TransitionOutcome.Completed, Duration.ofMillis(400), 0);
        metrics.inFlight(3);
        metrics.stalled();
        metrics.transition(TransitionDirection.Patching, TransitionOutcome.CompletedAfterStall, Duration.ofSeconds(47), 2);
        metrics.transition(TransitionDirection.Unpatching, TransitionOutcome.Completed, Duration.ofMillis(100), 0);
        metrics.patchesLoaded(2, 1);
        String text = metrics.registry().scrape();
        assertThat(text).contains("""
                livepatch_patches_loaded{managed="false"} 1.0
                livepatch_patches_loaded{managed="true"} 2.0
                """, """
                livepatch_rcu_stall_warnings_total 2.0
                """, """
                livepatch_transition_blocking_tasks 3.0
                """, """
                # HELP livepatch_transition_seconds Finished kernel transitions by outcome
                # TYPE livepatch_transition_seconds histogram
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="0.1"} 0
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="0.25"} 0
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="0.5"} 1
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="1.0"} 1
                """, """
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="1800.0"} 1
                livepatch_transition_seconds_bucket{direction="Patching",outcome="Completed",le="+Inf"} 1
                livepatch_transition_seconds_count{direction="Patching",outcome="Completed"} 1
                livepatch_transition_seconds_sum{direction="Patching",outcome="Completed"} 0.4
                livepatch_transition_seconds_bucket{direction="Patching",outcome="CompletedAfterStall",le="0.1"} 0
                """, """
                livepatch_transition_seconds_bucket{direction="Patching",outcome="CompletedAfterStall",le="30.0"} 0
                livepatch_transition_seconds_bucket{direction="Patching",outcome="CompletedAfterStall",le="60.0"} 1
                """, """
                livepatch_transition_seconds_sum{direction="Patching",outcome="CompletedAfterStall"} 47.0
                """, """
                livepatch_transition_seconds_bucket{direction="Unpatching",outcome="Completed",le="0.1"} 1
                """, """
                livepatch_transition_stalls_total 1.0
                """);
        assertThat(text.lines().filter(l -> l.startsWith("livepatch_transition_seconds_bucket{direction=\"Patching\",outcome=\"Completed\""))).hasSize(14);
    }

    @Test
    void labelValuesAndHelpAreEscapedAndNonFiniteValuesSpelledAsPrometheusReadsThem() {
        MetricRegistry r = new MetricRegistry();
        r.gauge("a_gauge", "line one\nback\\slash \"quoted\"", List.of(List.of("id", "say \"hi\"\\\n"), List.of("id", "inf")),
                List.of(() -> Double.NaN, () -> Double.POSITIVE_INFINITY));
        assertThat(r.scrape()).isEqualTo("""
                # HELP a_gauge line one\\nback\\\\slash "quoted"
                # TYPE a_gauge gauge
                a_gauge{id="say \\"hi\\"\\\\\\n"} NaN
                a_gauge{id="inf"} +Inf
                """);
    }

    @Test
    void badUseIsRefusedAndChangesNothing() {
        MetricRegistry r = new MetricRegistry();
        MetricRegistry.Counter c = r.counter("c", "a counter");
        assertThatThrownBy(() -> c.increment(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only goes up");
        assertThatThrownBy(() -> r.counter("c", "again")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered already");
        assertThatThrownBy(() -> r.histogram("h", "h", List.of(), 1, 1)).hasMessageContaining("increasing");
        Histogram h = r.histogram("h2", "h", List.of("x"), 1);
        assertThatThrownBy(() -> h.observe(1, "a", "b")).hasMessageContaining("need 1 values");
        assertThat(r.scrape()).isEqualTo("""
                # HELP c_total a counter
                # TYPE c_total counter
                c_total 0.0
                """);
    }

    @Property
    void bucketsAreCumulativeAndEndInTheCount(@ForAll List<@net.jqwik.api.constraints.DoubleRange(min = 0, max = 100) Double> values) {
        MetricRegistry r = new MetricRegistry();
        Histogram h = r.histogram("h", "h", List.of(), 1, 10, 50);
        values.forEach(v -> h.observe(v));
        List<Long> buckets = r.scrape().lines().filter(l -> l.startsWith("h_bucket")).map(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).toList();
        if (values.isEmpty()) {
            assertThat(buckets).isEmpty();
            return;
        }
        assertThat(buckets).hasSize(4).isSorted();
        assertThat(buckets.get(0)).isEqualTo(values.stream().filter(v -> v <= 1).count());
        assertThat(buckets.get(3)).isEqualTo(values.size());
        assertThat(r.scrape()).contains("h_count " + values.size() + "\n");
    }
}
