package dev.livepatch.e2e.image;

import static dev.livepatch.e2e.image.ImageContentsTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.e2e.image.TarEntries.Entry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The operator's image: the non-root user the chart's runAsUser names, and no module tools. */
class OperatorImageTest {
  private final ImageArchive image = BuiltImages.OPERATOR.archive();

  @Test
  void runsTheOperatorAsUser65532() {
    assertThat(image.runConfig().path("User").asText()).isEqualTo("65532:65532");
    assertThat(strings(image.runConfig().path("Entrypoint"))).first().isEqualTo("java");
    assertThat(strings(image.runConfig().path("Entrypoint"))).last().isEqualTo("dev.livepatch.operator.Main");
    String passwd = new String(image.content("etc/passwd"), StandardCharsets.UTF_8);
    assertThat(passwd.lines()).anyMatch(l -> l.startsWith("nonroot:x:65532:65532:"));
    Entry home = image.resolve("home/nonroot").orElseThrow(() -> new AssertionError("no /home/nonroot"));
    assertThat(home.uid()).isEqualTo(65532);
    assertThat(home.gid()).isEqualTo(65532);
  }

  @Test
  void carriesNoModuleTools() {
    assertThat(image.resolve("usr/bin/kmod")).isEmpty();
    assertThat(image.resolve("sbin/modprobe")).isEmpty();
  }
}
