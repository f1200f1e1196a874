package dev.livepatch.e2e.image;

import static dev.livepatch.e2e.image.ImageContentsTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.e2e.image.TarEntries.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node daemon's image: root, kmod, and the JVM flags chosen for its footprint on the node. */
class NodeDaemonImageTest {
  /** The idle-RSS flags of the kernel benchmark (README, "daemon on the real kernel"), minus its guest's tmpdir. */
  private static final List<String> SMALL_FOOTPRINT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
      "-XX:-UsePerfData", "-Xms8m", "-Xmx48m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-Xss256k",
      "-XX:MaxMetaspaceSize=96m", "-XX:CompressedClassSpaceSize=32m", "-XX:ReservedCodeCacheSize=16m",
      "-XX:MaxDirectMemorySize=8m");

  private final ImageArchive image = BuiltImages.NODE_DAEMON.archive();

  @Test
  void runsTheDaemonAsRootWithTheSmallFootprintFlags() {
    assertThat(image.runConfig().path("User").asText()).isEqualTo("0:0");
    List<String> expected = new ArrayList<>(List.of("java"));
    expected.addAll(SMALL_FOOTPRINT);
    expected.addAll(List.of("-cp", "@/app/jib-classpath-file", "dev.livepatch.daemon.Main"));
    assertThat(strings(image.runConfig().path("Entrypoint"))).containsExactlyElementsOf(expected);
    assertThat(strings(image.runConfig().path("Cmd"))).isEmpty();
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
