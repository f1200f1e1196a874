package dev.livepatch.operator;

import dev.livepatch.operator.config.OperatorConfig;
import dev.livepatch.operator.controller.LivePatchController;
import dev.livepatch.operator.controller.WriteCompletions;
import dev.livepatch.operator.metrics.HttpEndpoints;
import dev.livepatch.operator.metrics.JvmMeters;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.nodes.FleetInformers;
import dev.livepatch.operator.nodes.NodeLivePatchHousekeeping;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.reconciler.RolloutPlanner;
import dev.livepatch.operator.reconciler.RolloutReconciler;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.write.EventRecorder;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import dev.livepatch.operator.write.Writes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and starts the operator: the LivePatch reconciler, the NodeLivePatch housekeeping (the
 * provisioner and the janitor) on the same informers, leader election, metrics and probes. Tests start it against any client:
 * {@code try (var op = LivePatchOperator.start(client, config)) { ... }}; on an API server without
 * server-side apply, with their own {@link Writes}.
 */
public final class LivePatchOperator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LivePatchOperator.class);

    private final Operator operator;
    private final HttpEndpoints http;
    private final PrometheusMeterRegistry registry;
    private final JvmMeters jvm;
    private final NodeSpecBatches nodeWriter;
    private final RolloutReconciler reconciler;
    private final EventRecorder events;
    private final NodeLivePatchHousekeeping housekeeping;

    private LivePatchOperator(Operator operator, HttpEndpoints http, PrometheusMeterRegistry registry, JvmMeters jvm, NodeSpecBatches nodeWriter,
                              RolloutReconciler reconciler, EventRecorder events, NodeLivePatchHousekeeping housekeeping) {
        this.operator = operator;
        this.http = http;
        this.registry = registry;
        this.jvm = jvm;
        this.nodeWriter = nodeWriter;
        this.reconciler = reconciler;
        this.events = events;
        this.housekeeping = housekeeping;
    }

    public static LivePatchOperator start(KubernetesClient client, OperatorConfig config) {
        return start(client, config, Clock.systemUTC(), Writes.serverSideApply(client, config.fieldManager()));
    }

    public static LivePatchOperator start(KubernetesClient client, OperatorConfig config, Clock clock, Writes writes) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OperatorMetrics metrics = new OperatorMetrics(registry, clock.instant());
        JvmMeters jvm = JvmMeters.bindTo(registry);
        NodeSpecBatches nodeWriter = new NodeSpecBatches(writes.nodeSpecs());
        metrics.specWritesInFlight(nodeWriter::inFlight);
        FleetInformers fleet = new FleetInformers(nodeWriter::writing);
        NodeLivePatchHousekeeping housekeeping = new NodeLivePatchHousekeeping(fleet, client, writes.nodeSpecs(), metrics);
        Operator operator = new Operator(o -> {
            // Parsed resourceVersions let the cache of what this operator just wrote win over an older informer copy
            // whatever the order the write's response and its watch event arrive in: without it, a reconcile could
            // read a node spec from before its own last write and write it again (a 409 and a retry).
            o.withKubernetesClient(client).withCloseClientOnStop(false).withUseSSAToPatchPrimaryResource(writes.josdkServerSideApply())
                    .withParseResourceVersions(true);
            // JOSDK's meters without per-resource series: one set per controller, whatever the number of LivePatches.
            o.withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
            if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(config.leaseName())
                        .withLeaseNamespace(config.leaseNamespace()).withIdentity(config.identity())
                        .withExitOnStopLeading(config.exitOnLostLease())
                        .withLeaderCallbacks(new LeaderCallbacks(housekeeping::startLeading, housekeeping::stopLeading, leader -> {})).build());
            }
        });
        EventRecorder events = new EventRecorder(client, config.eventNamespace(), config.fieldManager(), clock, config.eventInterval());
        StatusWriter status = new StatusWriter(writes.livePatches(), clock);
        WriteCompletions completions = new WriteCompletions();
        RolloutReconciler reconciler = new RolloutReconciler(new Observer(), new RolloutPlanner(new Planner(config.pacing()), config.resync()),
                nodeWriter, status, events, metrics, clock, completions::wake);
        operator.register(new LivePatchController(reconciler, status, events, metrics, clock, fleet, nodeWriter, completions));
        HttpEndpoints http = null;
        try {
            if (config.httpPort() >= 0) {
                http = new HttpEndpoints(config.httpPort(), registry, () -> operator.getRuntimeInfo().isStarted());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("failed to listen on port " + config.httpPort() + " for metrics and probes", e);
        }
        operator.start(); // the informers have synced when it returns; with leader election, leading starts later
        if (!config.leaderElection()) {
            housekeeping.startLeading();
        }
        LOG.info("started livepatch-operator leaderElection={} identity={} httpPort={}", config.leaderElection(), config.identity(), http == null ? "off" : http.port());
        return new LivePatchOperator(operator, http, registry, jvm, nodeWriter, reconciler, events, housekeeping);
    }

    /** The HTTP port of /metrics and the probes, or -1 when disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void stop() {
        housekeeping.close();
        operator.stop();
        nodeWriter.close();
        reconciler.close();
        events.close();
        if (http != null) {
            http.close();
        }
        jvm.close();
    }

    @Override
    public void close() {
        stop();
    }
}
