package dev.livepatch.e2e.image;

import static dev.livepatch.e2e.image.ImageContentsTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.livepatch.e2e.image.TarEntries.Entry;
import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node daemon's image: root, kmod, and the JVM flags chosen for its footprint on the node. */
class NodeDaemonImageTest {
  private final ImageArchive image = BuiltImages.NODE_DAEMON.archive();

  /**
   * The JVM's flags are the environment's JAVA_TOOL_OPTIONS, which the chart's {@code nodeDaemon.javaOptions}
   * replaces: the entrypoint carries none (a flag there would come after JAVA_TOOL_OPTIONS and win), and the
   * image's default is the chart's, so a pod from the chart and the image run alone get the same flags.
   */
  @Test
  void runsTheDaemonAsRootWithTheChartsJvmFlagsAsItsDefaultAndNoneThatOverrideThem() throws Exception {
    assertThat(image.runConfig().path("User").asText()).isEqualTo("0:0");
    assertThat(strings(image.runConfig().path("Entrypoint")))
        .containsExactly("java", "-cp", "@/app/jib-classpath-file", "dev.livepatch.daemon.Main");
    assertThat(strings(image.runConfig().path("Cmd"))).isEmpty();
    Map<String, String> env = new LinkedHashMap<>();
    strings(image.runConfig().path("Env")).forEach(e -> env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1)));
    JsonNode values = new ObjectMapper(new YAMLFactory())
        .readTree(RepositoryLayout.root().resolve("charts/livepatch-operator/values.yaml").toFile());
    String chartDefault = values.path("nodeDaemon").path("javaOptions").asText();
    assertThat(chartDefault).contains("-Xmx48m", "-XX:+UseSerialGC");
    assertThat(env).containsEntry("JAVA_TOOL_OPTIONS", chartDefault).containsEntry("MALLOC_ARENA_MAX", "2");
  }

  @Test
  void carriesKmodsModuleTools() {
    Entry kmod = image.resolve("usr/bin/kmod").orElseThrow(() -> new AssertionError("no /usr/bin/kmod"));
    assertThat(kmod.isFile()).isTrue();
    assertThat(kmod.mode() & 0111).isNotZero();
    for (String tool : List.of("sbin/modprobe", "sbin/insmod", "sbin/rmmod", "sbin/lsmod", "sbin/modinfo", "bin/kmod")) {
      assertThat(image.resolve(tool).map(Entry::path)).as(tool).contains("usr/bin/kmod");
    }
  }
}
