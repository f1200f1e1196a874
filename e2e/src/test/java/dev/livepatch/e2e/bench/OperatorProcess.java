package dev.livepatch.e2e.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real operator ({@code dev.livepatch.operator.Main}) in a JVM of its own, so that its CPU time
 * and heap are its own: CPU seconds from {@code /proc/<pid>/stat} (utime + stime), heap from the
 * JVM's GC log (used before a collection = the peak between two collections; used after = what
 * survived), reconcile counts from its Prometheus endpoint. It talks to the API server with the
 * admin kubeconfig while impersonating {@value #USER} (Fabric8's {@code KUBERNETES_IMPERSONATE_*}
 * variables), so the audit log tells its requests apart. The chaos scenarios run it too, to kill it
 * with SIGKILL.
 */
public final class OperatorProcess implements AutoCloseable {
  public static final String USER = "livepatch-operator-bench";
  private static final long CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86_64 and arm64
  private static final Pattern GC_PAUSE = Pattern.compile("Pause.*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\) (\\d+\\.\\d+)ms");

  private final Process process;
  private final Path gcLog;
  private final Path log;
  private final int httpPort;
  private final String xmx;

  private OperatorProcess(Process process, Path gcLog, Path log, int httpPort, String xmx) {
    this.process = process;
    this.gcLog = gcLog;
    this.log = log;
    this.httpPort = httpPort;
    this.xmx = xmx;
  }

  public static OperatorProcess start(String classpath, Path kubeconfig, Path dir, String xmx, Map<String, String> extraEnv) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path gcLog = dir.resolve("operator-gc.log");
    Path log = dir.resolve("operator.log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + xmx, "-Xlog:gc:file=" + gcLog, "-XX:+ExitOnOutOfMemoryError",
        "-cp", classpath, "dev.livepatch.operator.Main"));
    String extraOpts = System.getenv().getOrDefault("BENCH_OPERATOR_JAVA_OPTS", "").trim(); // e.g. -XX:StartFlightRecording=...
    if (!extraOpts.isEmpty()) {
      cmd.addAll(1, List.of(extraOpts.split("\\s+")));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("KUBERNETES_IMPERSONATE_USERNAME", USER);
    env.put("KUBERNETES_IMPERSONATE_GROUP", "system:masters");
    env.put("LIVEPATCH_HTTP_PORT", Integer.toString(port));
    env.put("LIVEPATCH_IDENTITY", "bench");
    env.put("LIVEPATCH_LEASE_NAMESPACE", "livepatch-system");
    env.putAll(extraEnv);
    return new OperatorProcess(pb.start(), gcLog, log, port, xmx);
  }

  long pid() {
    return process.pid();
  }

  String xmx() {
    return xmx;
  }

  public Path log() {
    return log;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no last write; returns once the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("operator pid " + process.pid() + " did not die within 20s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing operator pid " + process.pid(), e);
    }
  }

  /** User plus system CPU seconds the process has used so far. */
  double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": f[0] is field 3 (state); utime is field 14, stime field 15
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the CPU time of the operator pid " + process.pid(), e);
    }
  }

  /** One Prometheus sample by its exact name and labels as printed, e.g. {@code livepatch_reconcile_seconds_count}. */
  OptionalDouble metric(String name) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      for (String line : r.body().split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
      }
      return OptionalDouble.empty();
    } catch (IOException e) {
      return OptionalDouble.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalDouble.empty();
    }
  }

  /** What the GC log shows so far. */
  GcFigures gc() {
    double maxBefore = 0;
    double maxAfter = 0;
    double pauses = 0;
    int count = 0;
    try {
      if (Files.exists(gcLog)) {
        for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
          Matcher m = GC_PAUSE.matcher(line);
          if (m.find()) {
            maxBefore = Math.max(maxBefore, mib(m.group(1), m.group(2)));
            pauses += Double.parseDouble(m.group(7)) / 1000;
            if (line.contains("Pause Young") || line.contains("Pause Full")) { // Remark and Cleanup free nothing
              maxAfter = Math.max(maxAfter, mib(m.group(3), m.group(4)));
              count++;
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the operator's GC log " + gcLog, e);
    }
    return new GcFigures(maxBefore, maxAfter, count, pauses);
  }

  record GcFigures(double peakUsedMiB, double peakAfterGcMiB, int collections, double pauseSeconds) {}

  private static double mib(String value, String unit) {
    double v = Double.parseDouble(value);
    return switch (unit) {
      case "K" -> v / 1024;
      case "G" -> v * 1024;
      default -> v;
    };
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
