package dev.livepatch.e2e.image;

import static dev.livepatch.e2e.image.ImageContentsTest.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.livepatch.e2e.image.TarEntries.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's class data archive (images/appcds/dump.sh): in the image at the path its JVM flags name, dumped by
 * the image's own JRE against the image's class path, so that this JRE maps it ({@code -Xshare:on} fails hard
 * when an archive cannot be used: another JVM, another class path, a jar of another size or time).
 */
class NodeDaemonClassArchiveTest {
  private static final String ARCHIVE = "/app/daemon.jsa";
  private static final Pattern SHARED_ARCHIVE_FILE = Pattern.compile("(?:^| )-XX:SharedArchiveFile=(\\S+)");

  private final ImageArchive image = BuiltImages.NODE_DAEMON.archive();

  @BeforeEach
  void archiveBuilt() {
    assumeFalse(Boolean.getBoolean("livepatch.images.appcds.skip"), "no class data archive (-Dlivepatch.images.appcds.skip=true)");
  }

  /** The JRE's own archive first (the base the daemon's was dumped on, and what is mapped without it), then the daemon's. */
  @Test
  void theJvmFlagsNameTheJresArchiveThenTheDaemonsAndBothAreInTheImage() {
    Matcher m = SHARED_ARCHIVE_FILE.matcher(env().get("JAVA_TOOL_OPTIONS"));
    assertThat(m.find()).as("-XX:SharedArchiveFile in JAVA_TOOL_OPTIONS").isTrue();
    List<String> archives = List.of(m.group(1).split(":"));
    assertThat(archives).hasSize(2).last().isEqualTo(ARCHIVE);
    for (String archive : archives) {
      Entry e = image.resolve(archive).orElseThrow(() -> new AssertionError("no " + archive + " in the image"));
      assertThat(e.isFile()).as(archive).isTrue();
      assertThat(e.mtime()).as(archive + "'s time").isEqualTo(1);
    }
    assertThat(m.find()).as("a second -XX:SharedArchiveFile").isFalse();
  }

  @Test
  void theImagesJreLoadsTheDaemonsMainClassFromTheArchive(@TempDir Path dir) throws Exception {
    assumeTrue(ImageRoot.runningAsRoot(), "chroot needs root");
    ImageRoot root = ImageRoot.unpack(BuiltImages.NODE_DAEMON.archivePath(), dir);
    List<String> command = new ArrayList<>(List.of("java", "-Xshare:on", "-Xlog:class+load=info"));
    List<String> entrypoint = strings(image.runConfig().path("Entrypoint"));
    command.addAll(entrypoint.subList(1, entrypoint.size()));
    command.add("--no-such-flag"); // Main is loaded and initialised, then exits 2: no host needed

    ImageRoot.Run run = root.exec(env(), command, 120);

    String main = entrypoint.get(entrypoint.size() - 1);
    assertThat(run.output()).as("the JVM's output").contains("unknown argument --no-such-flag")
        .contains("] " + main + " source: shared objects file (top)");
    assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
  }

  private Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    strings(image.runConfig().path("Env")).forEach(e -> env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1)));
    return env;
  }
}
