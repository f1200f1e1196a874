package dev.livepatch.e2e.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the real-kernel tier boots: the pinned Debian kernel as an uncompressed vmlinux, the busybox
 * initramfs and the project's test modules, as {@code e2e/kernel/prepare.sh} builds them.
 *
 * <p>{@link #prepare()} runs that script once per JVM. The script installs what is missing from
 * Debian's packages and caches every product under {@code $LIVEPATCH_CACHE/kernel/} keyed by its
 * inputs, so a warm call takes about a second; a cold one a few minutes. Its log goes to
 * {@code e2e/target/kernel-vm/prepare.log}.
 *
 * @param kernelRelease the guest's {@code uname -r}, e.g. {@code 6.1.0-50-amd64}
 * @param vmlinux the kernel QEMU boots (through its PVH entry)
 * @param initramfs the guest's whole root file system (cpio)
 * @param modulesDir the test modules ({@code lp_cmdline_v1.ko}, ..., {@code SHA256SUMS}) on the
 *     host; the guest sees the same files at this path inside its {@code chroot /host}, and copies at
 *     {@code /lp/modules} in its own root
 * @param qemu the {@code qemu-system-x86_64} binary
 * @param kernelDir {@code e2e/kernel} of the checkout (scripts, scenarios)
 */
public record KernelImage(
    String kernelRelease, Path vmlinux, Path initramfs, Path modulesDir, Path qemu, Path kernelDir) {

  /** Overrides the search for the checkout, as {@code dev.livepatch.e2e.cluster} does. */
  static final String ROOT_PROPERTY = "livepatch.repo.root";

  private static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(30);
  private static KernelImage prepared;
  private static RuntimeException failure;

  /**
   * Runs {@code prepare.sh} on the first call; later calls return the same image, or throw the
   * same failure (a failed preparation is not retried by every test of the run).
   */
  public static synchronized KernelImage prepare() {
    if (prepared == null && failure == null) {
      try {
        prepared = runPrepare(findKernelDir());
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
    return prepared;
  }

  /** A test module's file by name without {@code .ko}, e.g. {@code lp_cmdline_v1}. */
  public Path module(String name) {
    Path file = modulesDir.resolve(name + ".ko");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no test module " + name + " in " + modulesDir);
    }
    return file;
  }

  /** {@code e2e/target/kernel-vm}: the shared directories of the VMs and the logs. */
  public Path workDir() {
    return kernelDir.getParent().resolve("target").resolve("kernel-vm");
  }

  /** The variables {@code run-vm.sh} reads, so it does not run {@code prepare.sh} again. */
  Map<String, String> runVmEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LP_VMLINUX", vmlinux.toString());
    env.put("LP_INITRAMFS", initramfs.toString());
    env.put("LP_QEMU", qemu.toString());
    return env;
  }

  private static Path findKernelDir() {
    String configured = System.getProperty(ROOT_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().resolve("e2e/kernel");
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("e2e/kernel/prepare.sh"))) {
        return dir.resolve("e2e/kernel");
      }
    }
    throw new IllegalStateException("failed to find e2e/kernel/prepare.sh at or above " + start
        + "; set -D" + ROOT_PROPERTY + "=<checkout>");
  }

  private static KernelImage runPrepare(Path kernelDir) {
    Path workDir = kernelDir.getParent().resolve("target").resolve("kernel-vm");
    Path log = workDir.resolve("prepare.log");
    try {
      Files.createDirectories(workDir);
      Process process = new ProcessBuilder("bash", kernelDir.resolve("prepare.sh").toString())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectError(log.toFile())
          .start();
      byte[] manifest = process.getInputStream().readAllBytes();
      if (!process.waitFor(PREPARE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("failed to prepare the kernel image: prepare.sh still running after "
            + PREPARE_TIMEOUT + "; see " + log);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("failed to prepare the kernel image: prepare.sh exited "
            + process.exitValue() + "; nothing booted. Log " + log + ":\n" + tail(log, 30));
      }
      return fromManifest(kernelDir, new String(manifest, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("failed to run " + kernelDir.resolve("prepare.sh") + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing the kernel image", e);
    }
  }

  static KernelImage fromManifest(Path kernelDir, String manifest) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : manifest.split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("LP_") && eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    for (String key : List.of("LP_KERNEL_RELEASE", "LP_VMLINUX", "LP_INITRAMFS", "LP_MODULES_DIR", "LP_QEMU")) {
      if (!values.containsKey(key)) {
        throw new IllegalStateException("prepare.sh printed no " + key + ": " + manifest);
      }
    }
    return new KernelImage(values.get("LP_KERNEL_RELEASE"), Path.of(values.get("LP_VMLINUX")),
        Path.of(values.get("LP_INITRAMFS")), Path.of(values.get("LP_MODULES_DIR")), Path.of(values.get("LP_QEMU")),
        kernelDir);
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
