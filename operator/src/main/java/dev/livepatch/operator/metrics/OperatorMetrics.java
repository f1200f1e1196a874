package dev.livepatch.operator.metrics;

import dev.livepatch.operator.rollout.Counts;
import dev.livepatch.operator.rollout.NodeState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics: {@code livepatch_nodes{livepatch,state}} (nodes by state per
 * LivePatch), {@code livepatch_admissions_total{livepatch}}, {@code livepatch_pauses_total{livepatch,reason}}
 * and {@code livepatch_reconcile_seconds}.
 */
public final class OperatorMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final Timer reconcile;

    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.reconcile = Timer.builder("livepatch_reconcile").description("Time to reconcile one LivePatch").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void nodes(String livePatch, Counts c) {
        if (counts.put(livePatch, c) == null) {
            for (NodeState state : NodeState.values()) {
                Gauge.builder("livepatch_nodes", counts, m -> m.containsKey(livePatch) ? m.get(livePatch).of(state) : 0)
                        .description("Nodes by state in a LivePatch's rollout")
                        .tag("livepatch", livePatch).tag("state", state.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }
    }

    public void forget(String livePatch) {
        counts.remove(livePatch);
        registry.find("livepatch_nodes").tag("livepatch", livePatch).gauges().forEach(registry::remove);
    }

    public void admitted(String livePatch, int nodes) {
        Counter.builder("livepatch_admissions").description("Nodes admitted to a rollout").tag("livepatch", livePatch)
                .register(registry).increment(nodes);
    }

    public void paused(String livePatch, String reason) {
        Counter.builder("livepatch_pauses").description("Rollouts paused (canaries done, too many failures)")
                .tag("livepatch", livePatch).tag("reason", reason).register(registry).increment();
    }

    public void reconciled(Duration took) {
        reconcile.record(took);
    }
}
