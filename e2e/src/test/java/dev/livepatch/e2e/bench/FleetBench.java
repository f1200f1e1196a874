package dev.livepatch.e2e.bench;

import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The fleet benchmark ({@code ./bench fleet}): the real operator, in a JVM of its own, rolls one LivePatch
 * ({@code maxConcurrent: 10%}, no interval, no cooldown) over N simulated nodes ({@link LightFleet},
 * fixed transition time T) on a real kube-apiserver + etcd with an audit log. Prints, per N: the
 * rollout's wall time against its lower bound ceil(N / concurrency) x T, the operator's requests per
 * node by verb (from the audit log, by its impersonated user), its writes per node, CPU seconds,
 * heap, reconciles, the LivePatch's size, and what the API server served meanwhile (requests per
 * second and their latency, every client). With a baseline operator (another tree's build) each N
 * runs the baseline first, then this tree's, each on a fresh control plane, and the table shows them
 * one above the other. Run by {@code ./bench fleet}; arguments: {@code --nodes 1000,5000 --transition 2s
 * --xmx 256m --operator-classpath-file <file> [--baseline-classpath-file <file> --baseline-label <text>] --out <dir>}.
 */
public final class FleetBench {
  private static final String LIVEPATCH = "bench-fleet";
  private static final double STATUS_TARGET_BYTES = 16 * 1024;

  private FleetBench() {}

  record Options(List<Integer> nodes, Duration transition, String xmx, String operatorClasspath, String baselineClasspath,
                 String baselineLabel, Path out, String command) {
    static Options parse(String[] args) throws IOException {
      List<Integer> nodes = List.of(1000, 5000);
      Duration transition = Duration.ofSeconds(2);
      String xmx = "256m";
      String cp = null;
      String baseline = null;
      String baselineLabel = "baseline";
      Path out = Path.of("target", "bench");
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : "";
        switch (args[i]) {
          case "fleet" -> { continue; }
          case "--nodes" -> nodes = java.util.Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
          case "--transition" -> transition = KubeDuration.parseValid(value);
          case "--xmx" -> xmx = value;
          case "--operator-classpath-file" -> cp = Files.readString(Path.of(value)).trim();
          case "--baseline-classpath-file" -> baseline = Files.readString(Path.of(value)).trim();
          case "--baseline-label" -> baselineLabel = value;
          case "--out" -> out = Path.of(value);
          default -> throw new IllegalArgumentException("unknown argument '" + args[i]
              + "'; expected --nodes N[,N..] --transition <duration> --xmx <heap> --operator-classpath-file <file>"
              + " [--baseline-classpath-file <file> --baseline-label <text>] --out <dir>");
        }
        i++;
      }
      if (cp == null) {
        throw new IllegalArgumentException("--operator-classpath-file is required (the bench script writes it)");
      }
      String command = "./bench fleet --nodes " + nodes.stream().map(String::valueOf).collect(Collectors.joining(","))
          + " --transition " + KubeDuration.format(transition) + " --xmx " + xmx + (baseline == null ? "" : " --baseline " + baselineLabel);
      return new Options(nodes, transition, xmx, cp, baseline, baselineLabel, out, command);
    }
  }

  record Result(String operator, int nodes, Duration transition, int concurrency, double lowerBound, double wall, AuditLog.Counts rollout,
                AuditLog.Counts setup, double cpuRollout, double cpuTotal, OperatorProcess.GcFigures gc, String xmx,
                double reconciles, double reconcileSeconds, int lpBytes, int statusBytes, String load, long daemonWrites, double daemonWriteMillis,
                AuditLog.ServerLoad server) {
    double ratio() {
      return wall / lowerBound;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Files.createDirectories(o.out());
    List<Result> results = new ArrayList<>();
    for (int n : o.nodes()) {
      if (o.baselineClasspath() != null) {
        results.add(run(o, n, o.baselineLabel(), o.baselineClasspath()));
        print(o, results);
      }
      results.add(run(o, n, "this tree", o.operatorClasspath()));
      print(o, results);
    }
    Files.writeString(o.out().resolve("fleet-results.md"), table(o, results), StandardCharsets.UTF_8);
    System.exit(0); // the control plane's and fleet's threads are stopped; do not wait for stray non-daemon ones
  }

  static Result run(Options o, int n, String operator, String classpath) throws Exception {
    Path dir = Files.createDirectories(o.out().resolve("fleet-" + n + (o.baselineClasspath() == null ? "" : "-" + operator.replaceAll("[^A-Za-z0-9]+", "-"))));
    Path audit = dir.resolve("audit.log");
    Files.deleteIfExists(audit);
    ControlPlaneSettings settings = ControlPlaneSettings.defaults().withControllers();
    for (String flag : AuditLog.apiServerFlags(audit)) {
      settings = settings.withApiServerFlag(flag);
    }
    log("n=%d, operator of %s: starting the control plane (audit log %s)", n, operator, audit);
    try (ControlPlane cp = ControlPlane.start(settings)) {
      KubernetesClient client = cp.client();
      cp.installProjectCrds();
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("livepatch-system").endMetadata().build()).create();
      try (LightFleet fleet = new LightFleet(client, o.transition())) {
        fleet.startDaemons();
        Instant t = Instant.now();
        fleet.createNodes("node", n);
        log("n=%d: created %d nodes in %d ms", n, n, Duration.between(t, Instant.now()).toMillis());
        Instant operatorStart = Instant.now();
        try (OperatorProcess op = OperatorProcess.start(classpath, cp.kubeconfig(), dir, o.xmx(), Map.of())) {
          log("n=%d: operator pid %d (-Xmx%s), log %s", n, op.pid(), o.xmx(), op.log());
          waitFor(() -> fleet.reporting() >= n, Duration.ofMinutes(10), op, "every NodeLivePatch created and reported");
          log("n=%d: %d NodeLivePatches reported in %d ms; settling", n, n, Duration.between(operatorStart, Instant.now()).toMillis());
          Thread.sleep(5000);
          double cpu0 = op.cpuSeconds();
          CompletableFuture<Instant> complete = client.resources(LivePatch.class).withName(LIVEPATCH)
              .informOnCondition(lps -> lps.stream().map(LivePatch::getStatus).anyMatch(s -> s != null && s.getUpdatedNodes() != null
                  && s.getUpdatedNodes() == n))
              .thenApply(lps -> Instant.now());
          String load = loadAverage();
          Instant t0 = Instant.now();
          client.resource(livePatch()).create();
          int concurrency = (int) Math.ceil(n * 0.10);
          double lowerBound = Math.ceil(n / (double) concurrency) * o.transition().toMillis() / 1000.0;
          Instant t1;
          try {
            t1 = awaitRollout(complete, Duration.ofSeconds((long) (lowerBound * 10 + 300)), op);
          } catch (TimeoutException | IllegalStateException e) {
            complete.cancel(true);
            LivePatch lp = client.resources(LivePatch.class).withName(LIVEPATCH).get();
            throw new IllegalStateException("rollout of " + n + " nodes did not complete; status: "
                + Serialization.asJson(lp.getStatus()) + "; operator log " + op.log(), e);
          }
          double cpu1 = op.cpuSeconds();
          load = load + " → " + loadAverage();
          double wall = Duration.between(t0, t1).toMillis() / 1000.0;
          log("n=%d: rollout complete in %.1f s (lower bound %.1f s)", n, wall, lowerBound);
          LivePatch lp = client.resources(LivePatch.class).withName(LIVEPATCH).get();
          int lpBytes = Serialization.asJson(lp).getBytes(StandardCharsets.UTF_8).length;
          int statusBytes = Serialization.asJson(lp.getStatus()).getBytes(StandardCharsets.UTF_8).length;
          if (lp.getStatus().getPacing() != null && lp.getStatus().getPacing().getConcurrency() != null) {
            concurrency = lp.getStatus().getPacing().getConcurrency();
          }
          double reconciles = op.metric("livepatch_reconcile_seconds_count").orElse(Double.NaN);
          double reconcileSeconds = op.metric("livepatch_reconcile_seconds_sum").orElse(Double.NaN);
          OperatorProcess.GcFigures gc = op.gc();
          AuditLog log = new AuditLog(audit);
          Result r = new Result(operator, n, o.transition(), concurrency, lowerBound, wall, log.count(OperatorProcess.USER, t0, t1),
              log.count(OperatorProcess.USER, operatorStart, t0), cpu1 - cpu0, cpu1, gc, o.xmx(), reconciles, reconcileSeconds,
              lpBytes, statusBytes, load, fleet.statusWrites(), fleet.meanStatusWriteMillis(),
              log.serverLoad(t0, t1));
          Files.writeString(dir.resolve("livepatch.json"), Serialization.asJson(lp), StandardCharsets.UTF_8);
          return r;
        }
      }
    }
  }

  /** The completion time, or a failure as soon as the operator process is gone. */
  private static Instant awaitRollout(CompletableFuture<Instant> complete, Duration timeout, OperatorProcess op) throws Exception {
    Instant end = Instant.now().plus(timeout);
    while (true) {
      try {
        return complete.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        if (!op.alive()) {
          throw new IllegalStateException("the operator exited during the rollout", e);
        }
        if (Instant.now().isAfter(end)) {
          throw e;
        }
      }
    }
  }

  private static LivePatch livePatch() {
    RolloutSpec rollout = new RolloutSpec();
    rollout.setMaxConcurrent(new IntOrString("10%"));
    rollout.setInterval("0s");
    rollout.setNodeCooldown("0s");
    LivePatchSpec spec = new LivePatchSpec();
    spec.setModules(new ArrayList<>(List.of(PatchModuleBuilder.replaceable("lp_bench_fix").kernel(LightFleet.KERNEL)
        .from(ModuleSource.url("https://patches.example.com/lp_bench_fix.ko", "a".repeat(64))).build())));
    spec.setRollout(rollout);
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName(LIVEPATCH).build());
    lp.setSpec(spec);
    return lp;
  }

  private static void waitFor(java.util.function.BooleanSupplier done, Duration timeout, OperatorProcess op, String what)
      throws InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (!done.getAsBoolean()) {
      if (!op.alive()) {
        throw new IllegalStateException("the operator exited while waiting for " + what + "; see " + op.log());
      }
      if (Instant.now().isAfter(end)) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what + "; see " + op.log());
      }
      Thread.sleep(200);
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static void print(Options o, List<Result> results) {
    System.out.println();
    System.out.println(table(o, results));
  }

  static String table(Options o, List<Result> results) {
    StringBuilder b = new StringBuilder();
    b.append("Command: ").append(o.command()).append('\n');
    b.append("Operator: own JVM, -Xmx").append(o.xmx()).append(", default GC; CPU from /proc/<pid>/stat during the rollout;")
        .append(" heap from its GC log; requests from the API server's audit log (impersonated user ").append(OperatorProcess.USER)
        .append("), counted from LivePatch creation to updatedNodes = N.\n\n");
    b.append("| operator | nodes | T | concurrency | lower bound | wall | ratio (target) | operator requests / node, by verb | writes / node (target ≤ 3)"
        + " | watches | API server during the rollout: requests/s (writes/s), latency mean / p99 ms (writes)"
        + " | reconciles (mean ms) | CPU s rollout (process total) | heap peak used / live after GC, MiB (-Xmx) | LivePatch bytes / status bytes (≤ 16384)"
        + " | load avg (1 5 15, start → end) |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      double target = r.nodes() <= 1000 ? 1.10 : 1.25;
      String verbs = r.rollout().byVerb().entrySet().stream()
          .map(e -> e.getKey() + " " + fmt(e.getValue() / (double) r.nodes())).collect(Collectors.joining(", "));
      AuditLog.ServerLoad api = r.server();
      b.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.1f s | %.1f s | %.3f (≤ %.2f %s) | %s | %s %s | %d | %.0f (%.0f), %.1f / %.0f (%.1f / %.0f) | %.0f (%.1f) | %.1f (%.1f) | %.0f / %.0f (%s) | %d / %d %s | %s |%n",
          r.operator(), r.nodes(), KubeDuration.format(r.transition()), r.concurrency(), r.lowerBound(), r.wall(), r.ratio(), target,
          r.ratio() <= target ? "ok" : "MISSED", verbs, fmt(r.rollout().writes() / (double) r.nodes()),
          r.rollout().writes() / (double) r.nodes() <= 3 ? "ok" : "MISSED", r.setup().byVerb().getOrDefault("watch", 0L)
              + r.rollout().byVerb().getOrDefault("watch", 0L),
          api.requestsPerSecond(), api.writesPerSecond(), api.meanMillis(), api.p99Millis(), api.writeMeanMillis(), api.writeP99Millis(),
          r.reconciles(), r.reconcileSeconds() * 1000 / r.reconciles(), r.cpuRollout(), r.cpuTotal(),
          r.gc().peakUsedMiB(), r.gc().peakAfterGcMiB(), r.xmx(), r.lpBytes(), r.statusBytes(),
          r.statusBytes() <= STATUS_TARGET_BYTES ? "ok" : "MISSED", r.load()));
    }
    b.append("\nOperator writes during the rollout, by verb and resource (per node):\n");
    for (Result r : results) {
      b.append("- ").append(r.operator()).append(", ").append(r.nodes()).append(" nodes: ").append(r.rollout().writesByResource().entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue() + " (" + fmt(e.getValue() / (double) r.nodes()) + ")").collect(Collectors.joining(", ")))
          .append("; before the rollout (provisioning): ").append(r.setup().byVerb()).append("; daemon status writes ")
          .append(r.daemonWrites()).append(String.format(Locale.ROOT, " (mean %.0f ms each)", r.daemonWriteMillis())).append(String.format(Locale.ROOT, "; GC %d collections, %.2f s paused", r.gc().collections(), r.gc().pauseSeconds()))
          .append('\n');
    }
    return b.toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
  }

  private static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[bench %s] %s%n", Instant.now(), String.format(Locale.ROOT, format, args));
  }
}
