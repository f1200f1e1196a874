package dev.livepatch.e2e.chart;

import static dev.livepatch.e2e.chart.ChartUnderTest.FULLNAME;
import static dev.livepatch.e2e.chart.ChartUnderTest.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.livepatch.e2e.metrics.GrafanaDashboard;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The optional ConfigMap with the chart's Grafana dashboard, for Grafana's dashboard sidecar: off
 * by default, labelled for the sidecar when on, holding the dashboard file byte for byte; and the
 * dashboard itself well-formed. That every metric it queries is exposed is checked against the
 * real scrapes in {@code MetricsExpositionClusterTest}.
 */
class GrafanaDashboardChartTest {
  private static final String NAME = FULLNAME + "-dashboard";

  @Test
  void offByDefault() {
    assertThat(ChartUnderTest.render("").find(ConfigMap.class, NAME)).isEmpty();
    assertThat(ChartUnderTest.render("monitoring: {grafanaDashboard: {enabled: false}}").find(ConfigMap.class, NAME)).isEmpty();
  }

  @Test
  void onItIsAConfigMapTheSidecarPicksUpHoldingTheDashboardFile() throws IOException {
    ConfigMap cm = ChartUnderTest.render("monitoring: {grafanaDashboard: {enabled: true}}").one(ConfigMap.class, NAME);
    assertThat(cm.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1")
        .containsEntry("app.kubernetes.io/instance", ChartUnderTest.RELEASE);
    String file = Files.readString(ChartUnderTest.chartDir().resolve("dashboards/livepatch-operator.json"));
    assertThat(cm.getData()).containsOnlyKeys("livepatch-operator.json");
    assertThat(cm.getData().get("livepatch-operator.json")).isEqualTo(file.stripTrailing());
  }

  @Test
  void theNamespaceLabelsAndAnnotationsAreTheUsers() {
    ConfigMap cm = ChartUnderTest.render("""
        monitoring:
          grafanaDashboard:
            enabled: true
            namespace: grafana
            labels: {dashboards: livepatch}
            annotations: {grafana_folder: Kernel}
        """).one(ConfigMap.class, NAME);
    assertThat(cm.getMetadata().getNamespace()).isEqualTo("grafana");
    assertThat(cm.getMetadata().getLabels()).containsEntry("dashboards", "livepatch").containsEntry("grafana_dashboard", "1");
    assertThat(cm.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Kernel");
    // Helm merges a user's map into the default: null takes the default label away.
    ConfigMap own = ChartUnderTest.render("monitoring: {grafanaDashboard: {enabled: true, labels: {grafana_dashboard: null, dashboards: x}}}")
        .one(ConfigMap.class, NAME);
    assertThat(own.getMetadata().getLabels()).containsEntry("dashboards", "x").doesNotContainKey("grafana_dashboard");
  }

  @Test
  void theSchemaRejectsANamespaceThatIsNoDnsLabelAndUnknownKeys() {
    for (String values : List.of("monitoring: {grafanaDashboard: {enabled: true, namespace: Not_A_Namespace}}",
        "monitoring: {grafanaDashboard: {enabled: true, folder: x}}")) {
      assertThatThrownBy(() -> ChartUnderTest.render(values)).as(values)
          .hasMessageContaining("values don't meet the specifications of the schema");
    }
  }

  @Test
  void theDashboardIsGrafanaJsonWhosePanelsAllQueryThePrometheusVariable() {
    GrafanaDashboard d = GrafanaDashboard.load();
    JsonNode json = d.json();
    assertThat(json.path("uid").asText()).isEqualTo("livepatch-operator");
    assertThat(json.path("schemaVersion").asInt()).isPositive();
    List<JsonNode> panels = new ArrayList<>();
    json.path("panels").forEach(p -> {
      if (!"row".equals(p.path("type").asText())) {
        panels.add(p);
      }
    });
    assertThat(panels).hasSizeGreaterThan(10).allSatisfy(p -> {
      String title = p.path("title").asText();
      assertThat(p.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
      assertThat(p.path("targets")).as(title).isNotEmpty();
      assertThat(p.path("description").asText()).as(title).isNotBlank();
      p.path("targets").forEach(t -> assertThat(GrafanaDashboard.metricsIn(t.path("expr").asText())).as(title + ": " + t).isNotEmpty());
    });
    assertThat(d.queriedMetrics()).allMatch(m -> m.matches("(livepatch|operator_sdk|jvm|process)_[a-z0-9_]+"));
  }

  @Test
  void metricNamesAreFoundInPromqlAndFunctionsLabelsRangesAndStringsAreNot() {
    assertThat(GrafanaDashboard.metricsIn(
        "histogram_quantile(0.95, sum by (le, direction) (rate(a_seconds_bucket{namespace=~\"$ns\", x=\"rate(b)\"}[$__rate_interval])))"
            + " / on (job) group_left max without (pod) (c_total) and d > bool 0"))
        .containsExactlyInAnyOrder("a_seconds_bucket", "c_total", "d");
    assertThat(GrafanaDashboard.metricsIn("label_values(livepatch_nodes{namespace=~\"$namespace\"}, livepatch)"))
        .containsExactly("livepatch_nodes");
  }
}
