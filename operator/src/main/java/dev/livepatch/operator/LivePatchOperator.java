package dev.livepatch.operator;

import dev.livepatch.operator.config.OperatorConfig;
import dev.livepatch.operator.livepatch.EventRecorder;
import dev.livepatch.operator.livepatch.LivePatchReconciler;
import dev.livepatch.operator.livepatch.LivePatchWriter;
import dev.livepatch.operator.livepatch.RolloutService;
import dev.livepatch.operator.metrics.HttpEndpoints;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.nodes.NodeLivePatchJanitor;
import dev.livepatch.operator.nodes.NodeLivePatchProvisioner;
import dev.livepatch.operator.nodes.NodeSpecWriter;
import dev.livepatch.operator.rollout.Planner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and starts the operator: the LivePatch reconciler, the NodeLivePatch provisioner and
 * janitor, leader election, metrics and probes. Tests start it against any client:
 * {@code try (var op = LivePatchOperator.start(client, OperatorConfig.forMockServer())) { ... }}.
 */
public final class LivePatchOperator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LivePatchOperator.class);

    private final Operator operator;
    private final HttpEndpoints http;
    private final PrometheusMeterRegistry registry;
    private final NodeSpecWriter nodeWriter;
    private final RolloutService service;

    private LivePatchOperator(Operator operator, HttpEndpoints http, PrometheusMeterRegistry registry, NodeSpecWriter nodeWriter,
                              RolloutService service) {
        this.operator = operator;
        this.http = http;
        this.registry = registry;
        this.nodeWriter = nodeWriter;
        this.service = service;
    }

    public static LivePatchOperator start(KubernetesClient client, OperatorConfig config) {
        return start(client, config, Clock.systemUTC());
    }

    public static LivePatchOperator start(KubernetesClient client, OperatorConfig config, Clock clock) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OperatorMetrics metrics = new OperatorMetrics(registry);
        Operator operator = new Operator(o -> {
            // Parsed resourceVersions let the cache of what this operator just wrote win over an older informer copy
            // whatever the order the write's response and its watch event arrive in: without it, a reconcile could
            // read a node spec from before its own last write and write it again (a 409 and a retry).
            o.withKubernetesClient(client).withCloseClientOnStop(false).withUseSSAToPatchPrimaryResource(config.serverSideApply())
                    .withParseResourceVersions(true);
            if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(config.leaseName())
                        .withLeaseNamespace(config.leaseNamespace()).withIdentity(config.identity())
                        .withExitOnStopLeading(config.exitOnLostLease()).build());
            }
        });
        NodeSpecWriter nodeWriter = new NodeSpecWriter(client, config.fieldManager(), config.serverSideApply());
        EventRecorder events = new EventRecorder(client, config.eventNamespace(), config.fieldManager(), clock);
        LivePatchWriter lpWriter = new LivePatchWriter(client, config.fieldManager(), config.serverSideApply());
        RolloutService service = new RolloutService(new Planner(config.pacing()), nodeWriter, lpWriter, events, metrics, clock, config.resync());
        operator.register(new LivePatchReconciler(service, lpWriter, events, metrics, clock));
        operator.register(new NodeLivePatchProvisioner(nodeWriter));
        operator.register(new NodeLivePatchJanitor(client, nodeWriter));
        HttpEndpoints http = null;
        try {
            if (config.httpPort() >= 0) {
                http = new HttpEndpoints(config.httpPort(), registry, () -> operator.getRuntimeInfo().isStarted());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("failed to listen on port " + config.httpPort() + " for metrics and probes", e);
        }
        operator.start();
        LOG.info("started livepatch-operator ssa={} leaderElection={} identity={} httpPort={}", config.serverSideApply(),
                config.leaderElection(), config.identity(), http == null ? "off" : http.port());
        return new LivePatchOperator(operator, http, registry, nodeWriter, service);
    }

    /** The HTTP port of /metrics and the probes, or -1 when disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void stop() {
        operator.stop();
        service.close();
        nodeWriter.close();
        if (http != null) {
            http.close();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
