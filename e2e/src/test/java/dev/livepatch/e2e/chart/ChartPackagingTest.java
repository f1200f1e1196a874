package dev.livepatch.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The chart as a package: lint, its CRDs, its metadata. */
class ChartPackagingTest {

  @Test
  void lintsCleanWithStrict() {
    LintResult lint = ChartUnderTest.helm().lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    // Only the icon hint: there is no project icon to point at.
    assertThat(lint.getMessages()).allSatisfy(m -> assertThat(m).startsWith("[INFO]").contains("icon"));
  }

  @Test
  void crdsAreByteIdenticalToTheGeneratedOnes() throws IOException {
    Path generated = ChartUnderTest.repositoryRoot().resolve("crds");
    Path chart = ChartUnderTest.chartDir().resolve("crds");
    List<String> names = yamlFiles(generated);
    assertThat(names).containsExactlyInAnyOrder("livepatches.livepatch.dev.yaml", "nodelivepatches.livepatch.dev.yaml");
    assertThat(yamlFiles(chart)).as("the chart's crds/ holds exactly the generated CRDs").containsExactlyInAnyOrderElementsOf(names);
    for (String name : names) {
      assertThat(Files.readAllBytes(chart.resolve(name)))
          .as("charts/livepatch-operator/crds/%s differs from crds/%s; refresh it: cp crds/*.yaml charts/livepatch-operator/crds/",
              name, name)
          .isEqualTo(Files.readAllBytes(generated.resolve(name)));
    }
  }

  @Test
  void chartMetadataIsComplete() throws IOException {
    String chartYaml = Files.readString(ChartUnderTest.chartDir().resolve("Chart.yaml"));
    assertThat(chartYaml).contains("apiVersion: v2", "name: livepatch-operator", "type: application",
        "version: 0.1.0", "appVersion: \"0.1.0\"", "kubeVersion: \">=1.30.0-0\"", "keywords:", "maintainers:");
    assertThat(ChartUnderTest.chartDir().resolve("values.schema.json")).isRegularFile();
    assertThat(ChartUnderTest.chartDir().resolve("templates/NOTES.txt")).isRegularFile();
  }

  private static List<String> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
    }
  }
}
