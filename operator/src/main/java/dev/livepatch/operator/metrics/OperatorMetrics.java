package dev.livepatch.operator.metrics;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.rollout.Counts;
import dev.livepatch.operator.rollout.NodeState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The operator's own Prometheus metrics: {@code livepatch_nodes{livepatch,state}} (nodes by state per
 * LivePatch), {@code livepatch_admissions_total{livepatch}}, {@code livepatch_pauses_total{livepatch,reason}},
 * {@code livepatch_reconcile_seconds} (a histogram), the NodeLivePatch housekeeping's runs
 * ({@code livepatch_housekeeping_runs_total{outcome}}, {@code livepatch_housekeeping_retrying_nodes}), the spec writes in flight ({@code livepatch_spec_writes_in_flight}) and the
 * transitions the daemons report ({@link ReportedTransitions}). JOSDK's and the JVM's meters share the registry (docs/design.md §6.5).
 */
public final class OperatorMetrics {
    private static final Duration[] RECONCILE_BUCKETS = Buckets.seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

    private final MeterRegistry registry;
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final Timer reconcile;
    private final ReportedTransitions reported;

    /** @param countFrom transitions the daemons report finished before this instant are not counted */
    public OperatorMetrics(MeterRegistry registry, Instant countFrom) {
        this.registry = registry;
        this.reconcile = Timer.builder("livepatch_reconcile").description("Time to reconcile one LivePatch")
                .serviceLevelObjectives(RECONCILE_BUCKETS).register(registry);
        this.reported = new ReportedTransitions(registry, countFrom);
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

    /** One run of the NodeLivePatch housekeeping (provisioning and clean-up) for one node. */
    public void housekeepingRan(boolean failed) {
        Counter.builder("livepatch_housekeeping_runs").description("NodeLivePatch housekeeping runs (provisioning, clean-up) for one node, by outcome")
                .tag("outcome", failed ? "failed" : "done").register(registry).increment();
    }

    /** The nodes whose housekeeping failed last and waits for its retry, as {@code retrying} counts them. */
    public void housekeepingRetrying(Map<String, Integer> retrying) {
        Gauge.builder("livepatch_housekeeping_retrying_nodes", retrying, Map::size)
                .description("Nodes whose NodeLivePatch housekeeping failed and waits for its retry").register(registry);
    }

    /** The NodeLivePatch spec writes started and not ended yet, as {@code inFlight} counts them (one per node at most). */
    public void specWritesInFlight(IntSupplier inFlight) {
        Gauge.builder("livepatch_spec_writes_in_flight", inFlight, IntSupplier::getAsInt)
                .description("NodeLivePatch spec writes started and not ended yet").strongReference(true).register(registry);
    }

    public void reconciled(Duration took) {
        reconcile.record(took);
    }

    /** The fleet's NodeLivePatches as one reconcile read them: their reported transitions and stalls, each counted once. */
    public void observed(Collection<NodeLivePatch> nodeLivePatches) {
        reported.observe(nodeLivePatches);
    }
}
