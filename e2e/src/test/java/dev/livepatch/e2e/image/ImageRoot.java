package dev.livepatch.e2e.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An image's file system unpacked on the host (GNU tar, layer after layer, owners and times kept), and
 * its own programs run in it as a container runtime would: {@code chroot} in a private mount namespace
 * with /proc and /dev's null, zero, random and urandom (the mounts end with the namespace). Needs root.
 */
final class ImageRoot {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MOUNT_AND_CHROOT = """
      r="$0"; mount -t proc proc "$r/proc"; mount -t tmpfs -o mode=755 dev "$r/dev"
      for d in null zero random urandom; do touch "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
      exec chroot "$r" "$@"
      """;

  /** What a command printed (stdout and stderr together) and its exit code. */
  record Run(int exitCode, String output) {}

  private final Path root;

  private ImageRoot(Path root) {
    this.root = root;
  }

  static boolean runningAsRoot() throws IOException {
    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
  }

  /** Unpacks the {@code docker save} archive {@code imageTar} under {@code dir} (dir/root). */
  static ImageRoot unpack(Path imageTar, Path dir) throws IOException, InterruptedException {
    Path archive = Files.createDirectories(dir.resolve("archive"));
    Path root = Files.createDirectories(dir.resolve("root"));
    run(List.of("tar", "-xf", imageTar.toString(), "-C", archive.toString()));
    JsonNode manifest = JSON.readTree(archive.resolve("manifest.json").toFile());
    for (JsonNode layer : manifest.get(0).get("Layers")) {
      run(List.of("tar", "-xzf", archive.resolve(layer.asText()).toString(), "-C", root.toString(), "--numeric-owner",
          "--warning=no-unknown-keyword"));
    }
    return new ImageRoot(root);
  }

  /** {@code command} run in the image's root with exactly the environment {@code env}; at most {@code timeoutS} seconds. */
  Run exec(Map<String, String> env, List<String> command, long timeoutS) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "bash", "-ec",
        MOUNT_AND_CHROOT, root.toString()));
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " in the image did not end in " + timeoutS + " s");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }
}
