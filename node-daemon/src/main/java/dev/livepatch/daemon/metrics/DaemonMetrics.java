package dev.livepatch.daemon.metrics;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's Prometheus metrics: {@code livepatch_transition_seconds{direction,outcome}} (a
 * histogram: finished transitions by outcome), {@code livepatch_transition_stalls_total},
 * {@code livepatch_transition_blocking_tasks}, {@code livepatch_rcu_stall_warnings_total} and
 * {@code livepatch_patches_loaded{managed}} (docs/design.md §6.5).
 */
public final class DaemonMetrics {
    /** The operator's {@code livepatch_reported_transition_seconds} has the same buckets. */
    private static final double[] TRANSITION_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};

    private final MetricRegistry registry;
    private final AtomicInteger managedPatches = new AtomicInteger();
    private final AtomicInteger unmanagedPatches = new AtomicInteger();
    private final AtomicInteger blockingTasks = new AtomicInteger();
    private final MetricRegistry.Counter stalls;
    private final MetricRegistry.Counter rcuWarnings;
    private final Histogram transitions;

    /** On a registry of its own (a pass with no /metrics). */
    public DaemonMetrics() { this(new MetricRegistry()); }

    public DaemonMetrics(MetricRegistry registry) {
        this.registry = registry;
        registry.gauge("livepatch_patches_loaded", "Patches in /sys/kernel/livepatch",
                List.of(List.of("managed", "false"), List.of("managed", "true")), List.of(unmanagedPatches::get, managedPatches::get));
        registry.gauge("livepatch_transition_blocking_tasks",
                "Tasks the last kernel transition waited for, as last read (up to 10; read once it stalled, 0 when it started)", blockingTasks::get);
        stalls = registry.counter("livepatch_transition_stalls", "Transitions that outlasted stallTimeout");
        rcuWarnings = registry.counter("livepatch_rcu_stall_warnings", "rcu_tasks_wait_gp warnings seen during transitions");
        transitions = registry.histogram("livepatch_transition_seconds", "Finished kernel transitions by outcome",
                List.of("direction", "outcome"), TRANSITION_BUCKETS);
    }

    public MetricRegistry registry() { return registry; }

    public void transition(TransitionDirection direction, TransitionOutcome outcome, Duration took, int rcu) {
        transitions.observe(took.toNanos() / 1e9, direction.name(), outcome.name());
        rcuWarnings.increment(rcu);
    }

    public void stalled() { stalls.increment(); }

    /** The transition in flight as last looked at: the tasks it waits for (none until it stalled). */
    public void inFlight(int blocking) { blockingTasks.set(blocking); }

    public void patchesLoaded(int managed, int unmanaged) {
        managedPatches.set(managed);
        unmanagedPatches.set(unmanaged);
    }
}
