package dev.livepatch.daemon.metrics;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The daemon's Prometheus metrics: transitions by outcome, their seconds, stalls, RCU warnings, patches loaded. */
public final class DaemonMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger managedPatches = new AtomicInteger();
    private final AtomicInteger unmanagedPatches = new AtomicInteger();
    private final Counter stalls;
    private final Counter rcuWarnings;

    public DaemonMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("livepatch_patches_loaded", managedPatches, AtomicInteger::get).tag("managed", "true")
                .description("Patches in /sys/kernel/livepatch").register(registry);
        Gauge.builder("livepatch_patches_loaded", unmanagedPatches, AtomicInteger::get).tag("managed", "false")
                .description("Patches in /sys/kernel/livepatch").register(registry);
        stalls = Counter.builder("livepatch_transition_stalls").description("Transitions that outlasted stallTimeout").register(registry);
        rcuWarnings = Counter.builder("livepatch_rcu_stall_warnings").description("rcu_tasks_wait_gp warnings seen during transitions").register(registry);
    }

    public MeterRegistry registry() { return registry; }

    public void transition(TransitionDirection direction, TransitionOutcome outcome, Duration took, int rcu) {
        Counter.builder("livepatch_transitions").tag("direction", direction.name()).tag("outcome", outcome.name())
                .description("Finished kernel transitions by outcome").register(registry).increment();
        Timer.builder("livepatch_transition_seconds").tag("direction", direction.name())
                .description("Kernel transition durations").register(registry).record(took);
        rcuWarnings.increment(rcu);
    }

    public void stalled() { stalls.increment(); }

    public void patchesLoaded(int managed, int unmanaged) {
        managedPatches.set(managed);
        unmanagedPatches.set(unmanaged);
    }
}
