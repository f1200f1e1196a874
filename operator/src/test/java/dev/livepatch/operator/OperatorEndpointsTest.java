package dev.livepatch.operator;

import static dev.livepatch.operator.testing.Fixtures.livePatch;
import static dev.livepatch.operator.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.operator.config.OperatorConfig;
import dev.livepatch.operator.testing.MockServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Probes, Prometheus metrics and leader election, on the mock server. */
@EnableKubernetesMockClient(crud = true)
class OperatorEndpointsTest {
    KubernetesClient client;
    io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

    @Test
    void servesProbesAndMetrics() throws Exception {
        OperatorConfig config = OperatorConfig.fromEnv(Map.of("LIVEPATCH_LEADER_ELECTION", "false",
                "LIVEPATCH_HTTP_PORT", "0"));
        try (LivePatchOperator op = MockServer.start(client, config)) {
            client.resource(node("n1")).create();
            client.resource(livePatch("fix", s -> { })).create();
            HttpClient http = HttpClient.newHttpClient();
            assertThat(get(http, op.httpPort(), "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(http, op.httpPort(), "/readyz").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                String metrics = get(http, op.httpPort(), "/metrics").body();
                assertThat(metrics).contains("livepatch_nodes{livepatch=\"fix\",state=\"in_progress\"} 1.0");
                assertThat(metrics).contains("livepatch_admissions_total{livepatch=\"fix\"} 1.0");
                assertThat(metrics).contains("livepatch_reconcile_seconds_count");
                assertThat(metrics).contains("livepatch_spec_writes_in_flight 0.0");
            });
        }
    }

    @Test
    void twoReplicasElectOneLeaderThroughALease() {
        // JOSDK checks its Lease permissions by a SelfSubjectRulesReview, which the mock server does not answer by itself.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
                        .withNewMetadata().endMetadata().withNewStatus().withIncomplete(false)
                        .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "create", "update", "patch", "list", "watch").endResourceRule().endStatus().build())
                .always();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("livepatch-system")
                .endMetadata().build()).create();
        Map<String, String> env = Map.of("LIVEPATCH_HTTP_PORT", "-1", "LIVEPATCH_EXIT_ON_LOST_LEASE", "false");
        var first = new java.util.HashMap<>(env);
        first.put("LIVEPATCH_IDENTITY", "replica-a");
        var second = new java.util.HashMap<>(env);
        second.put("LIVEPATCH_IDENTITY", "replica-b");
        try (LivePatchOperator a = MockServer.start(client, OperatorConfig.fromEnv(first));
             LivePatchOperator b = MockServer.start(client, OperatorConfig.fromEnv(second))) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Lease lease = client.leases().inNamespace("livepatch-system").withName("livepatch-operator").get();
                assertThat(lease).isNotNull();
                assertThat(lease.getSpec().getHolderIdentity()).isIn("replica-a", "replica-b");
            });
            client.resource(node("n1")).create();
            client.resource(livePatch("fix", s -> { })).create();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                LivePatch lp = client.resources(LivePatch.class).withName("fix").get();
                return lp.getStatus() != null && Integer.valueOf(1).equals(lp.getStatus().getInProgressNodes());
            });
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
