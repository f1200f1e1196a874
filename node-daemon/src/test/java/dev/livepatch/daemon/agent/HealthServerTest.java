package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class HealthServerTest {
    @Test
    void servesProbesAndPrometheusMetrics() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        DaemonMetrics metrics = new DaemonMetrics(registry);
        metrics.transition(TransitionDirection.Patching, TransitionOutcome.CompletedAfterStall, Duration.ofSeconds(47), 3);
        metrics.stalled();
        metrics.patchesLoaded(2, 1);
        AtomicBoolean ready = new AtomicBoolean(false);
        try (HealthServer server = new HealthServer(0, () -> true, ready::get, registry)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(503);
            ready.set(true);
            assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);
            String text = get(http, base + "/metrics").body();
            assertThat(text).contains("# TYPE livepatch_transition_seconds histogram")
                    .contains("livepatch_transition_seconds_bucket{direction=\"Patching\",outcome=\"CompletedAfterStall\",le=\"30.0\"} 0")
                    .contains("livepatch_transition_seconds_bucket{direction=\"Patching\",outcome=\"CompletedAfterStall\",le=\"60.0\"} 1")
                    .contains("livepatch_transition_seconds_count{direction=\"Patching\",outcome=\"CompletedAfterStall\"} 1")
                    .contains("livepatch_transition_stalls_total 1.0")
                    .contains("livepatch_rcu_stall_warnings_total 3.0")
                    .contains("livepatch_patches_loaded{managed=\"true\"} 2.0");
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
