package dev.livepatch.e2e.kernelbench;

import dev.livepatch.api.fixture.NodeModuleBuilder;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.e2e.kernel.GuestDaemon;
import dev.livepatch.e2e.kernel.GuestJava;
import dev.livepatch.e2e.kernel.GuestRun;
import dev.livepatch.e2e.kernel.KernelImage;
import dev.livepatch.e2e.kernel.KernelVm;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The kernel benchmarks ({@code ./bench-kernel daemon}, {@code hybrid}) on the real kernel (the QEMU tier of {@code e2e/kernel}); not tests.
 * Run through {@code ./bench-kernel}, which builds the project and starts this main:
 *
 * <pre>
 *   KernelBench daemon [--rounds 3] [--idle 10]     # benchmark 2: daemon vs raw insmod, idle RSS
 *   KernelBench hybrid [--k 1,4,16] [--rounds 3]    # benchmark 3: hybrid upgrade vs one atomic replace
 * </pre>
 *
 * <p>Each run boots its own VM(s) and drives a guest script whose timings come from the guest's
 * monotonic clock ({@code e2e/kernel/bench/guest.sh}); the tables go to stdout and to
 * {@code e2e/target/kernel-bench/<what>.md}, each with the command that produced it and the host's
 * load average before and after.
 */
public final class KernelBench {

  /** Flags of every JVM started in the guest for a one-shot pass: those of {@code lp_java}. */
  static final String HARNESS_FLAGS =
      "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData -Xmx256m -Djava.io.tmpdir=/run/tmp";

  /**
   * The long-running daemon's flags (benchmark 2's idle RSS): the chart's {@code nodeDaemon.javaOptions}, which is
   * what the DaemonSet runs with (the image's default too), and the guest's tmpdir; run with the image's
   * MALLOC_ARENA_MAX (daemon.sh).
   */
  static final String SMALL_FLAGS = chartDaemonJavaOptions() + " -Djava.io.tmpdir=/run/tmp";

  /** Added to the small flags for one more idle run whose NMT summary, printed at exit, explains the RSS. */
  static final String NMT_FLAGS = "-XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics";

  private static final Pattern NMT_LINE = Pattern.compile("^(?:-\\s+(.+?)\\s+|(Total): )\\(?reserved=\\d+(?:KB)?, committed=(\\d+)(KB)?.*");

  /** Where the bench modules are bound inside the daemon's node root. */
  static final String BENCH_MODULES_UNDER_NODE_ROOT = "/opt/lp-bench";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private KernelBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !List.of("daemon", "hybrid").contains(args[0])) {
      System.err.println("usage: KernelBench daemon [--rounds N] [--idle SECONDS] | hybrid [--k 1,4,16] [--rounds N]");
      System.exit(2);
    }
    Map<String, String> opts = options(Arrays.copyOfRange(args, 1, args.length));
    String command = "./bench-kernel " + String.join(" ", args);
    String loadBefore = loadAverage();
    KernelImage image = KernelImage.prepare();
    String report = args[0].equals("daemon")
        ? daemon(image, Integer.parseInt(opts.getOrDefault("--rounds", "3")), Integer.parseInt(opts.getOrDefault("--idle", "10")))
        : hybrid(image, Arrays.stream(opts.getOrDefault("--k", "1,4,16").split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray(),
            Integer.parseInt(opts.getOrDefault("--rounds", "3")));
    String text = "Command: `" + command + "`  \nHost load average (1/5/15 min) before: " + loadBefore + "; after: "
        + loadAverage() + " (" + Runtime.getRuntime().availableProcessors() + " host cores; guest: QEMU TCG, 1 vCPU, -cpu "
        + System.getenv().getOrDefault("LP_VM_CPU", "qemu64") + ", " + System.getenv().getOrDefault("LP_VM_MEMORY", "1024M")
        + ")\n\n" + report;
    Path out = image.kernelDir().getParent().resolve("target/kernel-bench");
    Files.createDirectories(out);
    Files.writeString(out.resolve(args[0] + ".md"), text, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(text);
    System.out.println("(also in " + out.resolve(args[0] + ".md") + ")");
  }

  // ---- benchmark 2 --------------------------------------------------------------------------

  static String daemon(KernelImage image, int rounds, int idleSeconds) throws IOException {
    KernelVm vm = KernelVm.create(image, "bench-daemon").timeout(Duration.ofMinutes(20));
    GuestDaemon daemon = GuestDaemon.in(vm);
    daemon.spec("apply.json", daemon.replaceable("lp_cmdline_v1"));
    daemon.spec("empty.json");
    String poll = System.getenv().getOrDefault("BENCH_POLL_INTERVAL", "100ms");
    vm.env("LP_BENCH_DIR", image.kernelDir().resolve("bench").toString())
        .env("BENCH_ROUNDS", Integer.toString(rounds))
        .env("BENCH_IDLE_S", Integer.toString(idleSeconds))
        .env("BENCH_POLL", poll)
        .env("BENCH_PASS_OPTS", HARNESS_FLAGS)
        .env("BENCH_SMALL_OPTS", SMALL_FLAGS)
        .env("BENCH_NMT_OPTS", NMT_FLAGS)
        .env("BENCH_TEST_CLASSES", testClasses());
    GuestRun run = vm.run(readScript(image, "daemon.sh"));
    Map<String, Long> f = figures(run);
    String archive = cdsNote(run);

    List<Long> rawInsmod = series(f, "raw_insmod", rounds);
    List<Long> rawLoad = series(f, "raw_load", rounds);
    List<Long> rawRetire = series(f, "raw_retire", rounds);
    List<Long> jvm = series(f, "jvm_version", rounds);
    List<Long> empty = series(f, "empty_pass", rounds);
    List<Long> apply = series(f, "apply_pass", rounds);
    List<Long> unload = series(f, "unload_pass", rounds);
    List<Long> daemonTransition = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      NodeLivePatchStatus s = GuestDaemon.parse(run.file("apply_" + i + ".status.json"));
      // The history spans passes (the host state keeps it): this pass's is the latest Patching record.
      s.getLastTransitions().stream()
          .filter(t -> t.getPatch().equals("lp_cmdline_v1") && t.getDirection() == TransitionDirection.Patching)
          .max(Comparator.comparing(TransitionRecord::getFinishedAt))
          .ifPresent(t -> daemonTransition.add(Math.round(t.getSeconds() * 1_000_000)));
    }
    long medApply = median(apply);
    long medRaw = median(rawLoad);
    long medEmpty = median(empty);
    StringBuilder out = new StringBuilder();
    out.append("### Benchmark 2: the node daemon on the real kernel (module lp_cmdline_v1, 1 function)\n\n")
        .append("Rounds: ").append(rounds).append(" (after one warm-up pass), one VM. Median [min–max] in ms. ")
        .append("Daemon passes: `Main --once` in the guest's chroot, JVM flags `").append(HARNESS_FLAGS)
        .append("` + ").append(archive)
        .append(", POLL_INTERVAL=").append(poll).append(", UNLOAD_GRACE=0s.\n\n")
        .append("| figure | ms |\n|---|---|\n")
        .append(row("raw `insmod` returned", rawInsmod))
        .append(row("raw `insmod` + wait for `transition` = 0 (the baseline)", rawLoad))
        .append(row("raw disable + wait + `rmmod`", rawRetire))
        .append(row("daemon pass applying the module: JVM start to exit, Ready", apply))
        .append(row("daemon's own transition time (status.lastTransitions, Patching)", daemonTransition))
        .append(row("`java -version` with the same flags (the JVM's own boot)", jvm))
        .append(row("daemon pass with nothing to do (empty spec): JVM start, wiring, reading the kernel", empty))
        .append(row("daemon pass retiring the module (empty spec, UNLOAD_GRACE=0s)", unload))
        .append(String.format(Locale.ROOT, "| **ratio** daemon apply pass / raw insmod+transition | **%.1f×** |%n",
            (double) medApply / medRaw))
        .append(String.format(Locale.ROOT, "| **absolute overhead** daemon apply pass − raw | **%s ms** |%n", ms(medApply - medRaw)))
        .append(String.format(Locale.ROOT, "| of which fixed cost (empty pass: JVM start + wiring + kernel read) | %s ms (%.0f%%) |%n",
            ms(medEmpty), 100.0 * medEmpty / Math.max(1, medApply - medRaw)))
        .append(String.format(Locale.ROOT, "| of which the work (apply pass − empty pass − raw) | %s ms |%n",
            ms(medApply - medEmpty - medRaw)))
        .append('\n');

    out.append("### Idle resident memory of the daemon (IdleDaemon: daemon-mode components, converged, idle ")
        .append(idleSeconds).append(" s)\n\n| JVM flags | VmRSS | RssAnon | RssFile | VmHWM (peak) |\n|---|---|---|---|---|\n");
    for (String variant : List.of("pass", "small", "nmt")) {
      String flags = switch (variant) {
        case "pass" -> HARNESS_FLAGS;
        case "small" -> SMALL_FLAGS;
        default -> "the small flags " + NMT_FLAGS + " (for the breakdown below; NMT costs memory itself)";
      };
      out.append("| `").append(flags).append("` + CDS | ")
          .append(kib(f, variant + "_VmRSS")).append(" | ").append(kib(f, variant + "_RssAnon")).append(" | ")
          .append(kib(f, variant + "_RssFile")).append(" | ").append(kib(f, variant + "_VmHWM")).append(" |\n");
    }
    out.append("\nTarget: VmRSS ≤ 64 MiB once idle (the chart's flags).\n\nNative memory tracking at exit (small flags, idle daemon; committed):\n\n```\n")
        .append(nmtSummary(run.file("idle_nmt.log"))).append("```\n");
    requireSucceeded(run, out);
    return out.toString();
  }

  // ---- benchmark 3 --------------------------------------------------------------------------

  static String hybrid(KernelImage image, int[] ks, int rounds) throws IOException {
    Path modules = buildBenchModules(image, ks);
    int f = Integer.parseInt(Files.readAllLines(modules.resolve("params")).stream()
        .filter(l -> l.startsWith("F=")).findFirst().orElseThrow().substring(2));
    String poll = System.getenv().getOrDefault("BENCH_POLL_INTERVAL", "100ms");
    StringBuilder table = new StringBuilder();
    table.append("### Benchmark 3: upgrading the replaceable patch over K pinned patches of F=").append(f)
        .append(" functions each\n\n")
        .append("(a) hybrid: the new replaceable version (non-replace) loaded on top, then the old one disabled and rmmod'ed — ")
        .append("by the daemon (`Main --once`, one pass; POLL_INTERVAL=").append(poll).append(") and by the same steps in the shell. ")
        .append("(b) one atomic-replace module carrying everything, loaded with `insmod` in the guest (the daemon refuses it ")
        .append("over pinned patches on a stock 6.1 kernel: `HybridUnsupported`), then the K+1 replaced modules rmmod'ed. ")
        .append("Medians of ").append(rounds).append(" rounds for the shell figures, one daemon pass; ms.\n\n")
        .append("| K | way | transitions | functions in transition | transition time(s) | wall to a clean state |\n")
        .append("|---|---|---|---|---|---|\n");
    StringBuilder notes = new StringBuilder();
    for (int k : ks) {
      KernelVm vm = KernelVm.create(image, "bench-hybrid-k" + k).timeout(Duration.ofMinutes(20));
      GuestDaemon daemon = GuestDaemon.in(vm);
      List<NodeModule> pins = IntStream.rangeClosed(1, k)
          .mapToObj(i -> benchModule(image, modules, String.format(Locale.ROOT, "lp_bench_pin_%02d", i), false)).toList();
      writeSpec(vm, "v1.json", pins, benchModule(image, modules, "lp_bench_rep_v1", true));
      writeSpec(vm, "v2.json", pins, benchModule(image, modules, "lp_bench_rep_v2", true));
      NodeModule atomic = benchModule(image, modules, "lp_bench_atomic_k" + k, true);
      atomic.setAtomicReplace(true);
      writeSpec(vm, "atomic.json", pins, atomic);
      vm.env("LP_BENCH_DIR", image.kernelDir().resolve("bench").toString())
          .env("LP_BENCH_MODULES_HOST", modules.toString())
          .env("BENCH_K", Integer.toString(k))
          .env("BENCH_ROUNDS", Integer.toString(rounds))
          .env("BENCH_POLL", poll)
          .env("BENCH_TRY_ATOMIC_DAEMON", k == ks[0] ? "1" : "0")
          .env("BENCH_PASS_OPTS", HARNESS_FLAGS);
      GuestRun run = vm.run(readScript(image, "hybrid.sh"));
      Map<String, Long> fig = figures(run);
      if (k == ks[0]) {
        table.insert(table.indexOf("\n\n") + 2, "Daemon JVM flags: `" + HARNESS_FLAGS + "` + " + cdsNote(run) + ".\n\n");
      }
      NodeLivePatchStatus upgraded = GuestDaemon.parse(run.file("hybrid.status.json"));
      List<String> before = GuestDaemon.parse(run.file("setup.status.json")).getLastTransitions().stream()
          .map(t -> t.getPatch() + "@" + t.getFinishedAt()).toList();
      List<TransitionRecord> ts = upgraded.getLastTransitions().stream() // the hybrid pass's own transitions
          .filter(t -> !before.contains(t.getPatch() + "@" + t.getFinishedAt())).toList();
      String daemonTs = ts.stream().map(t -> t.getDirection() + " " + t.getPatch().replace("lp_bench_", "") + " "
          + ms(Math.round(t.getSeconds() * 1_000_000))).collect(Collectors.joining(", "));
      table.append(String.format(Locale.ROOT, "| %d | (a) hybrid, daemon pass | %d | %d + %d | %s | %s (JVM start to exit) |%n",
          k, ts.size(), f, f, daemonTs, ms(fig.get("hybrid_daemon_pass"))));
      table.append(String.format(Locale.ROOT, "| %d | (a) hybrid, shell | 2 | %d + %d | load %s, unload %s | %s |%n",
          k, f, f, ms(median(series(fig, "hybrid_raw_load", rounds))), ms(median(series(fig, "hybrid_raw_disable", rounds))),
          ms(median(sums(series(fig, "hybrid_raw_load", rounds), series(fig, "hybrid_raw_retire", rounds))))));
      table.append(String.format(Locale.ROOT, "| %d | (b) one atomic replace, insmod | 1 | %d | %s | %s (+ rmmod of %d replaced: %s) |%n",
          k, f * (k + 1), ms(median(series(fig, "atomic_load", rounds))),
          ms(median(sums(series(fig, "atomic_load", rounds), series(fig, "atomic_cleanup", rounds)))), k + 1,
          ms(median(series(fig, "atomic_cleanup", rounds)))));
      notes.append("K=").append(k).append(": daemon set-up pass (").append(k + 1).append(" loads) ")
          .append(ms(fig.get("setup_pass"))).append(" ms");
      if (run.sharedDir().resolve("atomic.status.json").toFile().isFile()) {
        ModuleStatus refused = GuestDaemon.parse(run.file("atomic.status.json")).getModules().stream()
            .filter(m -> m.getName().equals("lp_bench_atomic_k" + k)).findFirst().orElse(null);
        notes.append("; the daemon on (b): exit ").append(run.file("atomic.rc").trim()).append(", ")
            .append(refused == null ? "no module status" : refused.getState() + "/" + refused.getReason() + ": " + refused.getMessage());
      }
      notes.append('\n');
      requireSucceeded(run, notes);
    }
    return table.append('\n').append(notes).toString();
  }

  /** A desired bench module, bound at {@link #BENCH_MODULES_UNDER_NODE_ROOT} in the node root. */
  static NodeModule benchModule(KernelImage image, Path dir, String name, boolean replaceable) {
    return (replaceable ? NodeModuleBuilder.replaceable(name) : NodeModuleBuilder.pinned(name)).of(name.replace('_', '-')).generation(1)
        .kernel(image.kernelRelease())
        .from(ModuleSource.hostPath(BENCH_MODULES_UNDER_NODE_ROOT + "/" + name + ".ko", GuestDaemon.sha256(dir.resolve(name + ".ko"))))
        .stallTimeout("120s").onStall(OnStall.Revert).build();
  }

  private static void writeSpec(KernelVm vm, String file, List<NodeModule> pins, NodeModule replaceable) throws IOException {
    List<NodeModule> all = new ArrayList<>(pins);
    all.add(replaceable);
    Files.writeString(vm.sharedDir().resolve(file), JSON.asJson(new NodeLivePatchSpec(all)), StandardCharsets.UTF_8);
  }

  /** Runs {@code e2e/kernel/bench/build-modules.sh} (cached) and returns the modules' directory. */
  static Path buildBenchModules(KernelImage image, int[] ks) throws IOException {
    ProcessBuilder b = new ProcessBuilder("bash", image.kernelDir().resolve("bench/build-modules.sh").toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    b.environment().put("BENCH_KS", Arrays.stream(ks).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
    Process p = b.start();
    String manifest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IllegalStateException("failed to build the benchmark modules: build-modules.sh exited " + p.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the benchmark modules", e);
    }
    return manifest.lines().filter(l -> l.startsWith("LP_BENCH_MODULES_DIR=")).map(l -> Path.of(l.substring(21)))
        .findFirst().orElseThrow(() -> new IllegalStateException("build-modules.sh printed no LP_BENCH_MODULES_DIR: " + manifest));
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** What the guest's daemon JVMs got for a class-data archive (the script copies LP_DAEMON_JAVA_OPTS to /shared/cds). */
  private static String cdsNote(GuestRun run) {
    String opts = run.file("cds").trim();
    return opts.isEmpty() ? "no class-data archive (dump failed: class directories on the class path?)"
        : "the harness's AppCDS archive (`" + opts.replaceAll(".*/", "…/") + "`)";
  }

  /** The top-level lines of an NMT summary: category, committed MiB. */
  static String nmtSummary(String log) {
    StringBuilder out = new StringBuilder();
    for (String line : log.split("\n")) {
      Matcher m = NMT_LINE.matcher(line.trim());
      if (m.matches()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        double mib = Long.parseLong(m.group(3)) / (m.group(4) != null ? 1024.0 : 1024.0 * 1024.0); // KB, or bytes at exit
        out.append(String.format(Locale.ROOT, "%-28s committed %7.1f MiB%n", name, mib));
      }
    }
    return out.length() == 0 ? "(no NMT summary in the log)\n" : out.toString();
  }

  private static String chartDaemonJavaOptions() {
    Path values = Path.of(System.getProperty("livepatch.repo.root", ".")).resolve("charts/livepatch-operator/values.yaml");
    try {
      String flags = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readTree(values.toFile()).path("nodeDaemon").path("javaOptions").asText();
      if (flags.isBlank()) throw new IllegalStateException("no nodeDaemon.javaOptions in " + values);
      return flags;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the chart's values " + values, e);
    }
  }

  private static String testClasses() {
    return GuestJava.testClassPath().stream().filter(e -> e.matches(".*/e2e/target/test-classes/?")).findFirst()
        .orElseThrow(() -> new IllegalStateException("e2e/target/test-classes is not on the class path: "
            + System.getProperty("java.class.path")));
  }

  private static String readScript(KernelImage image, String name) throws IOException {
    return Files.readString(image.kernelDir().resolve("bench").resolve(name), StandardCharsets.UTF_8);
  }

  /** The guest's {@code /shared/figures}: key=value lines. */
  static Map<String, Long> figures(GuestRun run) {
    Map<String, Long> out = new LinkedHashMap<>();
    String text;
    try {
      text = run.file("figures");
    } catch (RuntimeException e) {
      throw new IllegalStateException("the guest wrote no figures: " + run.describe(), e);
    }
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
      }
    }
    return out;
  }

  private static void requireSucceeded(GuestRun run, StringBuilder out) {
    if (!run.succeeded()) {
      out.append("\n**The guest script failed; figures above may be partial.** ").append(run.describe()).append('\n');
    }
  }

  static List<Long> series(Map<String, Long> f, String key, int rounds) {
    List<Long> out = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      Long v = f.get(key + "_" + i);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  private static List<Long> sums(List<Long> a, List<Long> b) {
    return IntStream.range(0, Math.min(a.size(), b.size())).mapToObj(i -> a.get(i) + b.get(i)).toList();
  }

  static long median(List<Long> values) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get((sorted.size() - 1) / 2);
  }

  private static String row(String label, List<Long> micros) {
    if (micros.isEmpty()) {
      return "| " + label + " | (missing) |\n";
    }
    long min = micros.stream().mapToLong(Long::longValue).min().orElseThrow();
    long max = micros.stream().mapToLong(Long::longValue).max().orElseThrow();
    return "| " + label + " | " + ms(median(micros)) + " [" + ms(min) + "–" + ms(max) + "] |\n";
  }

  /** Microseconds as milliseconds with one decimal. */
  static String ms(Long micros) {
    return micros == null ? "?" : String.format(Locale.ROOT, "%.1f", micros / 1000.0);
  }

  private static String kib(Map<String, Long> f, String key) {
    Long v = f.get(key);
    return v == null ? "?" : String.format(Locale.ROOT, "%.1f MiB", v / 1024.0);
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " / " + parts[1] + " / " + parts[2];
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read /proc/loadavg", e);
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value, got " + String.join(" ", args));
      }
      out.put(args[i], args[++i]);
    }
    return out;
  }
}
