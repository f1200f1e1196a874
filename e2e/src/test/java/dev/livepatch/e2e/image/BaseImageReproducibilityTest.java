package dev.livepatch.e2e.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.e2e.image.TarEntries.Entry;
import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** images/base/build.sh: the same packages make the same bytes, and Jib builds on that layer unchanged. */
class BaseImageReproducibilityTest {

  /** A second build of the daemon's base, from the cached packages into a fresh directory, is byte-identical. */
  @Test
  void rebuildingTheDaemonsBaseGivesTheSameDigest(@TempDir Path dir) throws Exception {
    BuiltImages daemon = BuiltImages.NODE_DAEMON;
    daemon.base(); // skipped, not passed, when the bases were not built
    Path script = RepositoryLayout.root().resolve("images/base/build.sh");
    Process build = new ProcessBuilder("bash", script.toString(), "--rebuild", "node-daemon", dir.toString())
        .redirectErrorStream(true).start();
    String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(build.waitFor(5, TimeUnit.MINUTES)).as("build.sh finished").isTrue();
    assertThat(build.exitValue()).as(output).isZero();
    assertThat(sha256(dir.resolve("image.tar"))).isEqualTo(sha256(daemon.basePath()));
  }

  @Test
  void theBaseLayerIsRootOwnedButNonrootsHome() {
    for (BuiltImages image : BuiltImages.values()) {
      List<String> otherOwners = new ArrayList<>();
      for (List<Entry> layer : image.base().layers()) {
        layer.stream()
            .filter(e -> e.path().equals("home/nonroot") ? e.uid() != 65532 || e.gid() != 65532 : e.uid() != 0 || e.gid() != 0)
            .forEach(e -> otherOwners.add(e.path() + " " + e.uid() + ":" + e.gid()));
      }
      assertThat(otherOwners).as(image.name()).isEmpty();
    }
  }

  /** Jib's image starts with the base's layer as it is: the image's first diff id is the base's only one. */
  @Test
  void theImagesFirstLayerIsTheBase() {
    for (BuiltImages image : BuiltImages.values()) {
      ImageArchive base = image.base();
      assertThat(base.config().path("rootfs").path("diff_ids")).hasSize(1);
      assertThat(image.archive().config().path("rootfs").path("diff_ids").get(0))
          .as(image.name()).isEqualTo(base.config().path("rootfs").path("diff_ids").get(0));
    }
  }

  private static String sha256(Path file) throws IOException, java.security.NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
