package dev.livepatch.e2e.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The chart in {@code charts/livepatch-operator}, rendered by the real Helm 3 that helm-java embeds
 * ({@code helm template}, offline), and its output parsed into Fabric8 objects.
 *
 * <pre>{@code
 * Rendered r = ChartUnderTest.render("""
 *     nodeDaemon:
 *       privileged: false
 *     """);
 * DaemonSet ds = r.one(DaemonSet.class, "lp-livepatch-operator-node-daemon");
 * }</pre>
 */
final class ChartUnderTest {

  /** The control plane's version (e2e/controlplane); Helm's own default (1.20) is below the chart's kubeVersion. */
  static final String KUBE_VERSION = "1.34.4";
  static final String RELEASE = "lp";
  static final String NAMESPACE = "livepatch-system";
  static final String FULLNAME = "lp-livepatch-operator";
  static final String OPERATOR = FULLNAME + "-operator";
  static final String DAEMON = FULLNAME + "-node-daemon";
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private ChartUnderTest() {}

  /** The checkout's root: the nearest directory at or above the working directory holding the chart. */
  static Path repositoryRoot() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("charts/livepatch-operator/Chart.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("failed to find charts/livepatch-operator/Chart.yaml at or above " + start);
  }

  static Path chartDir() {
    return repositoryRoot().resolve("charts/livepatch-operator");
  }

  static Helm helm() {
    return new Helm(chartDir());
  }

  /** {@code helm template lp <chart> -n livepatch-system -f <values>}, CRDs excluded. */
  static Rendered render(String valuesYaml) {
    return render(valuesYaml, NAMESPACE);
  }

  static Rendered render(String valuesYaml, String releaseNamespace) {
    TemplateCommand template = helm().template().withName(RELEASE).withNamespace(releaseNamespace).withKubeVersion(KUBE_VERSION).skipCrds();
    Path values = writeValues(valuesYaml);
    try {
      return Rendered.parse(template.withValuesFile(values).call());
    } finally {
      deleteQuietly(values);
    }
  }

  static Path writeValues(String valuesYaml) {
    try {
      Path file = Files.createTempFile("livepatch-values-", ".yaml");
      Files.writeString(file, valuesYaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write a values file: " + e.getMessage(), e);
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a temp file left behind
    }
  }

  /** The objects {@code helm template} printed, in order. */
  record Rendered(String manifest, List<HasMetadata> objects) {

    static Rendered parse(String manifest) {
      List<HasMetadata> objects = new ArrayList<>();
      for (String doc : DOCUMENT_SEPARATOR.split(manifest)) {
        String yaml = doc.lines().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
        if (yaml.isBlank()) {
          continue;
        }
        objects.add(Serialization.unmarshal(doc, HasMetadata.class));
      }
      return new Rendered(manifest, List.copyOf(objects));
    }

    /** The object of this type and name; fails when there is none. */
    <T extends HasMetadata> T one(Class<T> type, String name) {
      return find(type, name).orElseThrow(() -> new AssertionError(
          "no " + type.getSimpleName() + " named " + name + " rendered; kinds and names: " + summary()));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
      return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Objects of a kind Fabric8 has no class for (ServiceMonitor, PrometheusRule). */
    List<GenericKubernetesResource> generic(String kind) {
      return all(GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    List<String> summary() {
      return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }
  }
}
