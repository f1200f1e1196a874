package dev.livepatch.e2e.node;

import java.io.File;
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
  /** The chart's default image of the node daemon (values.yaml, appVersion): no image values needed. */
  static final String DAEMON_REF = "ghcr.io/livepatch-dev/livepatch-node-daemon:0.1.0";
  private static final Pattern REPO_TAG = Pattern.compile("\"RepoTags\"\\s*:\\s*\\[\\s*\"([^\"]+)\"");
  /** Test-only parts of the e2e class path that the daemon's runtime does not need (the stand-in leaves them out). */
  private static final List<String> NOT_THE_DAEMONS = List.of("/e2e/target/", "/operator/target/", "/fixtures/target/",
      "/sandbox", "helm-java", "junit", "jqwik", "assertj", "luaj", "awaitility", "opentest4j", "apiguardian",
      "kube-api-test", "operator-framework", "byte-buddy", "/bouncycastle/", "mockwebserver", "kubernetes-server-mock");

  private NodeImages() {}

  static Path sandbox(NodeTierImage image) {
    Path out = image.workDir().resolve("images/sandbox.tar");
    if (!Files.isRegularFile(out)) {
      run(image, image.nodeDir().resolve("images/sandbox-image.sh").toString(), out.toString(), SANDBOX_REF);
    }
    return out;
  }

  /**
   * The node daemon's image. The tier's final form is the build's own, one line:
   * {@code return image.nodeDir().getParent().getParent().resolve("node-daemon/target/jib-image.tar");}
   * Until the build writes it, a stand-in of the same shape made from the host's JDK and this test's
   * class path ({@code e2e/node/images/standin-daemon-image.sh}), tagged {@link #DAEMON_REF}.
   */
  static Path daemon(NodeTierImage image) {
    Path out = image.workDir().resolve("images/node-daemon-standin.tar");
    run(image, image.nodeDir().resolve("images/standin-daemon-image.sh").toString(), out.toString(), DAEMON_REF,
        String.join(File.pathSeparator, daemonClassPath()));
    return out;
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

  private static List<String> daemonClassPath() {
    List<String> out = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isBlank() && Files.exists(Path.of(entry)) && NOT_THE_DAEMONS.stream().noneMatch(entry::contains)) {
        out.add(entry);
      }
    }
    return out;
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
