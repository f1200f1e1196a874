package dev.livepatch.daemon.metrics;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's Prometheus metrics: {@code livepatch_transition_seconds{direction,outcome}} (a
 * histogram: finished transitions by outcome), {@code livepatch_transition_stalls_total},
 * {@code livepatch_transition_blocking_tasks}, {@code livepatch_rcu_stall_warnings_total} and
 * {@code livepatch_patches_loaded{managed}} (docs/design.md §6.5).
 */
public final class DaemonMetrics {
    /** The operator's {@code livepatch_reported_transition_seconds} has the same buckets. */
    private static final Duration[] TRANSITION_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800);

    private final MeterRegistry registry;
    private final AtomicInteger managedPatches = new AtomicInteger();
    private final AtomicInteger unmanagedPatches = new AtomicInteger();
    private final AtomicInteger blockingTasks = new AtomicInteger();
    private final Counter stalls;
    private final Counter rcuWarnings;

    public DaemonMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("livepatch_patches_loaded", managedPatches, AtomicInteger::get).tag("managed", "true")
                .description("Patches in /sys/kernel/livepatch").register(registry);
        Gauge.builder("livepatch_patches_loaded", unmanagedPatches, AtomicInteger::get).tag("managed", "false")
                .description("Patches in /sys/kernel/livepatch").register(registry);
        Gauge.builder("livepatch_transition_blocking_tasks", blockingTasks, AtomicInteger::get)
                .description("Tasks the last kernel transition waited for, as last read (up to 10; read once it stalled, 0 when it started)")
                .register(registry);
        stalls = Counter.builder("livepatch_transition_stalls").description("Transitions that outlasted stallTimeout").register(registry);
        rcuWarnings = Counter.builder("livepatch_rcu_stall_warnings").description("rcu_tasks_wait_gp warnings seen during transitions").register(registry);
    }

    public MeterRegistry registry() { return registry; }

    public void transition(TransitionDirection direction, TransitionOutcome outcome, Duration took, int rcu) {
        Timer.builder("livepatch_transition").tag("direction", direction.name()).tag("outcome", outcome.name())
                .description("Finished kernel transitions by outcome").serviceLevelObjectives(TRANSITION_BUCKETS)
                .register(registry).record(took);
        rcuWarnings.increment(rcu);
    }

    public void stalled() { stalls.increment(); }

    /** The transition in flight as last looked at: the tasks it waits for (none until it stalled). */
    public void inFlight(int blocking) { blockingTasks.set(blocking); }

    public void patchesLoaded(int managed, int unmanaged) {
        managedPatches.set(managed);
        unmanagedPatches.set(unmanaged);
    }

    private static Duration[] seconds(double... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) out[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
        return out;
    }
}
