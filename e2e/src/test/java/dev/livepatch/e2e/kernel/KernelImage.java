package dev.livepatch.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the real-kernel tier boots for one Debian suite's pinned kernel (bookworm 6.1, trixie 6.12,
 * sid 7.2): the kernel as an uncompressed vmlinux, the busybox initramfs and the project's test
 * modules built with that suite's toolchain, as {@code e2e/kernel/prepare.sh SUITE} builds them.
 *
 * <p>{@link #prepare(String)} runs that script once per suite and JVM. The script installs what is
 * missing from Debian's packages and caches every product under {@code $LIVEPATCH_CACHE/kernel/}
 * keyed by its inputs, so a warm call takes about a second; a cold one a minute or two. Its log
 * goes to {@code e2e/target/kernel-vm/prepare-<suite>.log}.
 *
 * @param suite the Debian suite whose kernel this is ({@code bookworm}, {@code trixie}, {@code sid})
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
    String suite, String kernelRelease, Path vmlinux, Path initramfs, Path modulesDir, Path qemu, Path kernelDir) {

  /** Overrides the search for the checkout, as {@code dev.livepatch.e2e.cluster} does. */
  static final String ROOT_PROPERTY = "livepatch.repo.root";

  private static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(30);
  private static final Map<String, KernelImage> PREPARED = new HashMap<>();
  private static final Map<String, RuntimeException> FAILED = new HashMap<>();
  private static final Map<String, String> RELEASES = new HashMap<>();

  /** The default suite's image (bookworm's 6.1), as the benchmarks boot it. */
  public static KernelImage prepare() {
    return prepare("bookworm");
  }

  /**
   * Runs {@code prepare.sh SUITE} on the first call for that suite; later calls return the same
   * image, or throw the same failure (a failed preparation is not retried by every test of the run).
   */
  public static synchronized KernelImage prepare(String suite) {
    if (!PREPARED.containsKey(suite) && !FAILED.containsKey(suite)) {
      try {
        PREPARED.put(suite, runPrepare(findKernelDir(), suite));
      } catch (RuntimeException e) {
        FAILED.put(suite, e);
      }
    }
    if (FAILED.containsKey(suite)) {
      throw FAILED.get(suite);
    }
    return PREPARED.get(suite);
  }

  /** The release {@code prepare.sh} pins for {@code suite}, without preparing anything. */
  public static synchronized String pinnedRelease(String suite) {
    return RELEASES.computeIfAbsent(suite, s -> {
      Path script = findKernelDir().resolve("prepare.sh");
      try {
        Process process = new ProcessBuilder("bash", script.toString(), "--print-release", s)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
          throw new IllegalArgumentException("failed to read the pinned release of suite " + s + ": " + out);
        }
        return out;
      } catch (IOException e) {
        throw new UncheckedIOException("failed to run " + script, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the pinned release of " + s, e);
      }
    });
  }

  /** A test module's file by name without {@code .ko}, e.g. {@code lp_cmdline_v1}. */
  public Path module(String name) {
    Path file = modulesDir.resolve(name + ".ko");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no test module " + name + " in " + modulesDir);
    }
    return file;
  }

  /** {@code e2e/target/kernel-vm}: the shared directories of the VMs (under one directory per release) and the logs. */
  public Path workDir() {
    return kernelDir.getParent().resolve("target").resolve("kernel-vm");
  }

  /** {@code e2e/target/kernel-vm/<release>}: the shared directories of this kernel's VMs. */
  public Path vmDir() {
    return workDir().resolve(kernelRelease);
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

  private static KernelImage runPrepare(Path kernelDir, String suite) {
    Path workDir = kernelDir.getParent().resolve("target").resolve("kernel-vm");
    Path log = workDir.resolve("prepare-" + suite + ".log");
    try {
      Files.createDirectories(workDir);
      Process process = new ProcessBuilder("bash", kernelDir.resolve("prepare.sh").toString(), suite)
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

  public static KernelImage fromManifest(Path kernelDir, String manifest) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : manifest.split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("LP_") && eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    for (String key : List.of("LP_KERNEL_SUITE", "LP_KERNEL_RELEASE", "LP_VMLINUX", "LP_INITRAMFS", "LP_MODULES_DIR", "LP_QEMU")) {
      if (!values.containsKey(key)) {
        throw new IllegalStateException("prepare.sh printed no " + key + ": " + manifest);
      }
    }
    return new KernelImage(values.get("LP_KERNEL_SUITE"), values.get("LP_KERNEL_RELEASE"), Path.of(values.get("LP_VMLINUX")),
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
