package dev.livepatch.sandbox;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.fixtures.world.SimWorld;
import dev.livepatch.operator.LivePatchOperator;
import dev.livepatch.sandbox.StageFollower.Outcome;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/**
 * The sandbox: a real control plane (built on first use), the operator and a simulated fleet in
 * one process; applies an example LivePatch (a pinned module and a replaceable one), shows the
 * rollout live, then upgrades the replaceable module to a new name (load before retire) and shows
 * that too. Started by the repository's {@code ./sandbox} script.
 *
 * <p>{@link #run} is the whole logic against a given control plane, so a test can drive it with a
 * few nodes on the shared one; {@link #main} adds the command line, logging to a file, and a
 * control plane of its own.
 */
public final class Sandbox {
  public static final String LIVEPATCH = "fleet-6-1-56";
  static final String ENABLED_LABEL = "livepatch.dev/enabled";
  static final String PINNED = "lp_do_exit_fix";
  static final String CUMULATIVE = "lp_cumulative_r13";
  static final String UPGRADED = "lp_cumulative_r14";
  static final Duration RANDOM_STALL = Duration.ofSeconds(8);
  /** The system property the sandbox's logging configuration ({@value #LOGGING_CONFIGURATION}) writes to. */
  static final String LOG_FILE_PROPERTY = "livepatch.sandbox.log.file";
  static final String LOGGING_CONFIGURATION = "livepatch-sandbox-logback.xml";

  private final SandboxOptions options;
  private final PrintStream out;
  private final boolean live;
  private final String nodePrefix;
  private final String livePatchName;
  private volatile Runnable cleanup = () -> { };

  public Sandbox(SandboxOptions options, PrintStream out, boolean live, String nodePrefix, String livePatchName) {
    this.options = options;
    this.out = out;
    this.live = live;
    this.nodePrefix = nodePrefix;
    this.livePatchName = livePatchName;
  }

  public static void main(String[] args) {
    SandboxOptions options;
    try {
      options = SandboxOptions.parse(args);
    } catch (SandboxOptions.Help h) {
      System.out.print(SandboxOptions.USAGE);
      System.exit(0);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("sandbox: " + e.getMessage());
      System.err.print(SandboxOptions.USAGE);
      System.exit(2);
      return;
    }
    Instant begin = Instant.now();
    Path log = logToFile();
    // fd 1 itself: System.out may be a wrapped stream (an IDE's, Maven exec:java's) that strips the ANSI codes the live view redraws with
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    out.println("[sandbox] logs of the control plane, operator and daemons: " + log);
    out.println("[sandbox] starting the control plane (the first run builds it from Go modules; progress below)...");
    ControlPlane cp;
    try {
      cp = ControlPlane.start(ControlPlaneSettings.defaults());
    } catch (RuntimeException e) {
      System.err.println("[sandbox] " + e.getMessage());
      System.exit(1);
      return;
    }
    out.printf("[sandbox] control plane up in %.1f s (Kubernetes %s)%n", cp.startupTime().toMillis() / 1000.0, cp.kubernetesVersion());
    Sandbox sandbox = new Sandbox(options, out, System.console() != null, "node", LIVEPATCH);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { // Ctrl-C: the same cleanup as a normal end, then the processes
      sandbox.stop();
      cp.close();
    }, "sandbox-shutdown"));
    int code;
    try {
      code = sandbox.run(cp, begin);
    } catch (RuntimeException e) {
      System.err.println("[sandbox] failed: " + e);
      code = 1;
    }
    sandbox.stop();
    cp.close();
    System.exit(code);
  }

  /**
   * Runs the sandbox against {@code cp}: CRDs, operator, fleet, the example LivePatch and its
   * upgrade. With --until-complete returns 0 when both complete without failed nodes and 1 when
   * either fails; otherwise keeps showing progress until the thread is interrupted (Ctrl-C ends the
   * JVM). Removes what it created before returning.
   */
  public int run(ControlPlane cp, Instant begin) {
    FleetSettings settings = FleetSettings.defaults()
        .withLatency(Duration.ofMillis(300), Duration.ofMillis(1200))
        .withStalls(options.stallRate(), RANDOM_STALL)
        .withLabels(Map.of(ENABLED_LABEL, "true"))
        .withThreads(Math.max(4, Math.min(16, options.nodes() / 4 + 4)))
        .withUnloadGrace(Duration.ofSeconds(5))
        .withSeed(System.nanoTime());
    SimWorld world = SimWorld.start(cp, settings);
    cleanup = world::close;
    try {
      LivePatchOperator operator = world.startOperator(SimWorld.operatorConfig(SimWorld.ANY_FREE_PORT));
      world.fleet().addNodes(nodePrefix, options.nodes());
      out.printf("[sandbox] %d simulated nodes (kernel %s), the operator (metrics: http://127.0.0.1:%d/metrics): up %.1f s after start%n",
          options.nodes(), settings.kernelRelease(), operator.httpPort(), Duration.between(begin, Instant.now()).toMillis() / 1000.0);
      out.println("[sandbox] kubeconfig: " + cp.kubeconfig());
      out.println("[sandbox]   kubectl --kubeconfig " + cp.kubeconfig() + " get lp,nlp");
      out.println("[sandbox] " + ProgressView.LEGEND);

      PatchModule pinned = world.module(PINNED, false);
      PatchModule cumulative = world.module(CUMULATIVE, true);
      world.create(example(world, List.of(pinned, cumulative)));
      out.printf("[sandbox] applied LivePatch %s: %s (pinned) and %s (replaceable), 20%% of the nodes at a time%s%n",
          livePatchName, PINNED, CUMULATIVE, options.staged() ? "; " + StagedRollout.DESCRIPTION : "");
      StageFollower follower = new StageFollower(world.client(), world.fleet(), livePatchName, out, live, options.untilComplete());
      Outcome rollout = follower.follow(1, "rollout");
      if (rollout == Outcome.FAILED && options.untilComplete()) {
        return 1;
      }

      PatchModule upgraded = world.module(UPGRADED, true);
      world.client().resources(LivePatch.class).withName(livePatchName).edit(lp -> {
        lp.getSpec().setModules(new ArrayList<>(List.of(pinned, upgraded)));
        return lp;
      });
      out.printf("[sandbox] upgrading %s -> %s (load before retire; %s stays)%n", CUMULATIVE, UPGRADED, PINNED);
      Outcome upgrade = follower.follow(2, "upgrade");
      if (options.untilComplete()) {
        out.println("[sandbox] " + (rollout == Outcome.COMPLETE && upgrade == Outcome.COMPLETE ? "rollout and upgrade complete" : "failed"));
        return rollout == Outcome.COMPLETE && upgrade == Outcome.COMPLETE ? 0 : 1;
      }
      out.println("[sandbox] running; try: kubectl --kubeconfig " + cp.kubeconfig() + " get lp,nlp -o wide   (Ctrl-C stops it)");
      follower.watchForever();
      return 0;
    } finally {
      stop();
    }
  }

  /** Stops the operator and the fleet and removes the example LivePatch; idempotent (a normal end and Ctrl-C both call it). */
  public void stop() {
    cleanup.run();
  }

  private LivePatch example(SimWorld world, List<PatchModule> modules) {
    LivePatchSpec spec = new LivePatchSpec();
    Map<String, String> selector = new LinkedHashMap<>(Map.of(ENABLED_LABEL, "true"));
    selector.putAll(world.fleet().selector());
    spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
    spec.setModules(new ArrayList<>(modules));
    RolloutSpec r = new RolloutSpec();
    r.setMaxConcurrent(new IntOrString("20%"));
    r.setInterval("500ms");
    r.setNodeCooldown("0s");
    r.setStallTimeout("5s");
    r.setOnStall(OnStall.Wait);
    r.setMaxFailedNodes(new IntOrString("25%"));
    if (options.staged()) {
      StagedRollout.apply(r, ZonedDateTime.now(ZoneOffset.UTC));
    }
    spec.setRollout(r);
    spec.setRemovalPolicy(RemovalPolicy.Unload);
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName(livePatchName).build());
    lp.setSpec(spec);
    return lp;
  }

  /**
   * Chooses the sandbox's logging configuration ({@value #LOGGING_CONFIGURATION}, by name as each Main
   * does; {@code -Dlogback.configurationFile} overrides) and the file it writes, before any logger
   * exists: every log line (control plane launcher, operator, daemons) goes there, the terminal shows
   * progress only.
   */
  private static Path logToFile() {
    try {
      Path file = Files.createTempDirectory("livepatch-sandbox-").resolve("sandbox.log");
      System.setProperty(LOG_FILE_PROPERTY, file.toString());
      System.getProperties().putIfAbsent("logback.configurationFile", LOGGING_CONFIGURATION);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to create the sandbox's log directory: " + e.getMessage(), e);
    }
  }
}
