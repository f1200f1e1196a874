package dev.livepatch.e2e.node;

import dev.livepatch.e2e.kernel.KernelImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the node tier boots, as {@code e2e/node/prepare.sh} prepares it (once per JVM): the
 * real-kernel tier's bookworm kernel, the kubelet and kube-scheduler built from the control plane's
 * {@code k8s.io/kubernetes}, and the extracted CNI plugins and socat.
 *
 * @param kernel the kernel tier's image (bookworm's 6.1)
 * @param nodeBin the directory holding {@code kubelet} and {@code kube-scheduler}
 * @param packages the root the CNI plugins ({@code usr/lib/cni}) and socat were extracted into
 * @param nodeDir {@code e2e/node} of the checkout
 */
public record NodeTierImage(KernelImage kernel, Path nodeBin, Path packages, Path nodeDir) {

  private static NodeTierImage prepared;

  public static synchronized NodeTierImage prepare() {
    if (prepared == null) {
      prepared = runPrepare(KernelImage.prepare().kernelDir().getParent().resolve("node"));
    }
    return prepared;
  }

  /** The kernel's extracted image package: {@code lib/modules/<release>} for the guest's modprobe. */
  public Path kernelImageDir() {
    return kernel.modulesDir().getParent().resolve("image");
  }

  /** {@code e2e/target/node-tier}: the tier's work files (images, logs, the VMs' shared directories). */
  public Path workDir() {
    return nodeDir.getParent().resolve("target").resolve("node-tier");
  }

  public Path scheduler() {
    return nodeBin.resolve("kube-scheduler");
  }

  private static NodeTierImage runPrepare(Path nodeDir) {
    Path log = nodeDir.getParent().resolve("target/node-tier/prepare.log");
    try {
      Files.createDirectories(log.getParent());
      Process process = new ProcessBuilder("bash", nodeDir.resolve("prepare.sh").toString())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).redirectError(log.toFile()).start();
      String manifest = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(40, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("failed to prepare the node tier: e2e/node/prepare.sh failed; log " + log
            + ":\n" + String.join("\n", tail(Files.readAllLines(log), 30)));
      }
      KernelImage kernel = KernelImage.fromManifest(nodeDir.getParent().resolve("kernel"), manifest);
      return new NodeTierImage(kernel, Path.of(value(manifest, "LP_NODE_BIN")), Path.of(value(manifest, "LP_NODE_PKGS")),
          nodeDir);
    } catch (IOException e) {
      throw new IllegalStateException("failed to run e2e/node/prepare.sh: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the node tier", e);
    }
  }

  private static String value(String manifest, String key) {
    for (String line : manifest.split("\n")) {
      if (line.startsWith(key + "=")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new IllegalStateException("e2e/node/prepare.sh printed no " + key + ": " + manifest);
  }

  static List<String> tail(List<String> lines, int n) {
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }
}
