package dev.livepatch.e2e.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image tarballs the guest's containerd imports: the pod sandbox image made here
 * ({@code e2e/node/images/sandbox-image.sh}) and the node daemon's image.
 */
final class NodeImages {

  static final String SANDBOX_REF = "localhost/livepatch-node-sandbox:1";
  private static final Pattern REPO_TAG = Pattern.compile("\"RepoTags\"\\s*:\\s*\\[\\s*\"([^\"]+)\"");
  private NodeImages() {}

  static Path sandbox(NodeTierImage image) {
    Path out = image.workDir().resolve("images/sandbox.tar");
    if (!Files.isRegularFile(out)) {
      run(image, image.nodeDir().resolve("images/sandbox-image.sh").toString(), out.toString(), SANDBOX_REF);
    }
    return out;
  }

  /**
   * The node daemon's image as the build makes it: Jib's tarball ({@code mvn package} of node-daemon,
   * images/README.md), whose name the chart values then take from its manifest.
   */
  static Path daemon(NodeTierImage image) {
    Path tar = image.nodeDir().getParent().getParent().resolve("node-daemon/target/jib-image.tar");
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException("no " + tar + ": the node tier imports the daemon's image the build makes"
          + " (mvn -pl e2e -am verify packages node-daemon first; -Dlivepatch.images.skip=true skips it)");
    }
    return tar;
  }

  /** The image's name as its tarball's manifest.json gives it (docker-archive's RepoTags). */
  static String reference(Path tarball) {
    try {
      Process p = new ProcessBuilder("tar", "-xOf", tarball.toString(), "manifest.json").start();
      String manifest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("no manifest.json in image tarball " + tarball);
      }
      Matcher m = REPO_TAG.matcher(manifest);
      if (!m.find()) {
        throw new IllegalStateException("image tarball " + tarball + " names no image (RepoTags): " + manifest);
      }
      return m.group(1);
    } catch (IOException e) {
      throw new IllegalStateException("failed to read " + tarball + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + tarball, e);
    }
  }

  private static void run(NodeTierImage image, String... command) {
    Path log = image.workDir().resolve("images/build.log");
    try {
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder("bash").command(prepend("bash", command)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("failed to build an image: " + String.join(" ", command) + "; log " + log + ":\n"
            + String.join("\n", NodeTierImage.tail(Files.readAllLines(log), 20)));
      }
    } catch (IOException e) {
      throw new IllegalStateException("failed to run " + command[0] + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted building an image", e);
    }
  }

  private static List<String> prepend(String first, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all;
  }
}
