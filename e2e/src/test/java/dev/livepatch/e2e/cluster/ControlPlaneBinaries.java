package dev.livepatch.e2e.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The directory holding the control plane's binaries and the Kubernetes version they report.
 *
 * <p>Where they come from, in order:
 * <ol>
 *   <li>{@code KUBEBUILDER_ASSETS}, the envtest convention: a directory with {@code etcd},
 *       {@code kube-apiserver} and {@code kubectl}, and optionally {@code kube-controller-manager}
 *       (envtest's archives have none: then garbage collection by ownerReference does not run);</li>
 *   <li>otherwise {@code e2e/controlplane/build.sh}, which builds all four from Go modules once per
 *       version and prints the cached directory (a no-op taking well under a second when built).</li>
 * </ol>
 */
public final class ControlPlaneBinaries {

  /** The envtest environment variable naming a directory of ready binaries. */
  public static final String KUBEBUILDER_ASSETS = "KUBEBUILDER_ASSETS";
  static final String ETCD = "etcd";
  static final String KUBE_APISERVER = "kube-apiserver";
  static final String KUBECTL = "kubectl";
  static final String KUBE_CONTROLLER_MANAGER = "kube-controller-manager";

  /** A cold build downloads ~1 GB of modules and compiles four large binaries on two cores. */
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
  private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern VERSION = Pattern.compile("v(\\d+\\.\\d+\\.\\d+)");

  private final Path directory;
  private final String version;
  private final String origin;

  private ControlPlaneBinaries(Path directory, String version, String origin) {
    this.directory = directory;
    this.version = version;
    this.origin = origin;
  }

  /** Binaries from {@code KUBEBUILDER_ASSETS} when set, else from (a build by) build.sh. */
  public static ControlPlaneBinaries locate() {
    String assets = System.getenv(KUBEBUILDER_ASSETS);
    if (assets != null && !assets.isBlank()) {
      return inDirectory(Path.of(assets), KUBEBUILDER_ASSETS + "=" + assets);
    }
    Path script = RepositoryLayout.root().resolve("e2e/controlplane/build.sh");
    return inDirectory(build(script), script.toString());
  }

  /** Binaries already in {@code directory}; fails when etcd, kube-apiserver or kubectl is missing. */
  public static ControlPlaneBinaries inDirectory(Path directory, String origin) {
    for (String name : List.of(ETCD, KUBE_APISERVER, KUBECTL)) {
      if (!Files.isExecutable(directory.resolve(name))) {
        throw new IllegalStateException("failed to find control plane binary " + name + " in " + directory
            + " (from " + origin + "): not an executable file; nothing started");
      }
    }
    return new ControlPlaneBinaries(directory.toAbsolutePath(), readVersion(directory.resolve(KUBE_APISERVER)), origin);
  }

  /**
   * Runs build.sh, relaying its progress lines (stderr) to this process's stderr, and returns the
   * directory it prints last on stdout.
   */
  static Path build(Path script) {
    ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectInput(ProcessBuilder.Redirect.PIPE);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start " + script + ": " + e.getMessage() + "; nothing built", e);
    }
    Thread relay = new Thread(() -> relayLines(process), "controlplane-build-progress");
    relay.setDaemon(true);
    relay.start();
    List<String> stdout = new ArrayList<>();
    try (BufferedReader out = reader(process.getInputStream())) {
      out.lines().forEach(stdout::add);
      if (!process.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        throw new IllegalStateException("failed to build the control plane with " + script + ": still running after "
            + BUILD_TIMEOUT + "; stopped it, its lock and partial output are released");
      }
      relay.join(Duration.ofSeconds(5).toMillis());
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the output of " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the control plane with " + script, e);
    }
    String last = stdout.isEmpty() ? "" : stdout.get(stdout.size() - 1).trim();
    if (process.exitValue() != 0 || last.isEmpty()) {
      throw new IllegalStateException("failed to build the control plane with " + script + ": exit code "
          + process.exitValue() + " (its progress and errors are above, prefixed [controlplane]); nothing started");
    }
    return Path.of(last);
  }

  private static void relayLines(Process process) {
    try (BufferedReader err = reader(process.getErrorStream())) {
      err.lines().forEach(System.err::println);
    } catch (IOException e) {
      System.err.println("[controlplane] lost the build's progress output: " + e.getMessage());
    }
  }

  private static String readVersion(Path apiServer) {
    try {
      Process process = new ProcessBuilder(apiServer.toString(), "--version").redirectErrorStream(true).start();
      String output;
      try (BufferedReader out = reader(process.getInputStream())) {
        output = String.join("\n", out.lines().toList());
      }
      if (!process.waitFor(VERSION_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      Matcher m = VERSION.matcher(output);
      if (!m.find()) {
        throw new IllegalStateException("failed to read the version of " + apiServer + ": `--version` printed '"
            + output + "'; nothing started");
      }
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to run " + apiServer + " --version: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the version of " + apiServer, e);
    }
  }

  private static BufferedReader reader(java.io.InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /** The directory with etcd, kube-apiserver, kubectl (and usually kube-controller-manager). */
  public Path directory() {
    return directory;
  }

  /** The Kubernetes version kube-apiserver reports, without the leading v: {@code 1.34.4}. */
  public String version() {
    return version;
  }

  /** Where the binaries came from, for messages: build.sh's path or KUBEBUILDER_ASSETS. */
  public String origin() {
    return origin;
  }

  public Path etcd() {
    return directory.resolve(ETCD);
  }

  public Path kubeApiServer() {
    return directory.resolve(KUBE_APISERVER);
  }

  public Path kubectl() {
    return directory.resolve(KUBECTL);
  }

  /** kube-controller-manager, when present (build.sh always builds it; envtest assets lack it). */
  public Optional<Path> kubeControllerManager() {
    Path path = directory.resolve(KUBE_CONTROLLER_MANAGER);
    return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
  }

  @Override
  public String toString() {
    return "Kubernetes " + version + " binaries in " + directory + " (from " + origin + ")";
  }
}
