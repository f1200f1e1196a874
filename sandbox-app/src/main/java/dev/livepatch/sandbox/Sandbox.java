package dev.livepatch.sandbox;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.fixtures.fleet.SimFleet;
import dev.livepatch.operator.LivePatchOperator;
import dev.livepatch.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

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
  /** With --until-complete: a rollout paused by stalls for this long has failed. */
  static final Duration STALLED_FAILS_AFTER = Duration.ofSeconds(60);
  static final Duration STAGE_TIMEOUT = Duration.ofMinutes(10);
  static final Duration RANDOM_STALL = Duration.ofSeconds(8);

  enum Outcome { COMPLETE, FAILED }

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
    // fd 1 itself: System.out may be a wrapped stream (Maven's, under exec:java) that strips the ANSI codes the live view redraws with
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
    KubernetesClient client = cp.client();
    cp.installProjectCrds();
    LivePatchOperator operator = LivePatchOperator.start(client, operatorConfig());
    FleetSettings settings = FleetSettings.defaults()
        .withLatency(Duration.ofMillis(300), Duration.ofMillis(1200))
        .withStalls(options.stallRate(), RANDOM_STALL)
        .withLabels(Map.of(ENABLED_LABEL, "true"))
        .withThreads(Math.max(4, Math.min(16, options.nodes() / 4 + 4)))
        .withUnloadGrace(Duration.ofSeconds(5))
        .withSeed(System.nanoTime());
    SimFleet fleet = SimFleet.start(client, settings);
    AtomicBoolean stopped = new AtomicBoolean();
    cleanup = () -> {
      if (stopped.compareAndSet(false, true)) {
        operator.stop();
        removeLivePatch(client);
        fleet.close();
      }
    };
    try {
      fleet.addNodes(nodePrefix, options.nodes());
      out.printf("[sandbox] %d simulated nodes (kernel %s), the operator (metrics: http://127.0.0.1:%d/metrics): up %.1f s after start%n",
          options.nodes(), settings.kernelRelease(), operator.httpPort(), Duration.between(begin, Instant.now()).toMillis() / 1000.0);
      out.println("[sandbox] kubeconfig: " + cp.kubeconfig());
      out.println("[sandbox]   kubectl --kubeconfig " + cp.kubeconfig() + " get lp,nlp");
      out.println("[sandbox] " + ProgressView.LEGEND);

      PatchModule pinned = new PatchModule(PINNED, settings.kernelRelease(), false, false, fleet.module(PINNED, false));
      PatchModule cumulative = new PatchModule(CUMULATIVE, settings.kernelRelease(), true, false, fleet.module(CUMULATIVE, false));
      client.resource(example(fleet, List.of(pinned, cumulative))).create();
      out.printf("[sandbox] applied LivePatch %s: %s (pinned) and %s (replaceable), 20%% of the nodes at a time%n",
          livePatchName, PINNED, CUMULATIVE);
      Outcome rollout = follow(client, fleet, 1, "rollout");
      if (rollout == Outcome.FAILED && options.untilComplete()) {
        return 1;
      }

      PatchModule upgraded = new PatchModule(UPGRADED, settings.kernelRelease(), true, false, fleet.module(UPGRADED, false));
      client.resources(LivePatch.class).withName(livePatchName).edit(lp -> {
        lp.getSpec().setModules(new ArrayList<>(List.of(pinned, upgraded)));
        return lp;
      });
      out.printf("[sandbox] upgrading %s -> %s (load before retire; %s stays)%n", CUMULATIVE, UPGRADED, PINNED);
      Outcome upgrade = follow(client, fleet, 2, "upgrade");
      if (options.untilComplete()) {
        out.println("[sandbox] " + (rollout == Outcome.COMPLETE && upgrade == Outcome.COMPLETE ? "rollout and upgrade complete" : "failed"));
        return rollout == Outcome.COMPLETE && upgrade == Outcome.COMPLETE ? 0 : 1;
      }
      out.println("[sandbox] running; try: kubectl --kubeconfig " + cp.kubeconfig() + " get lp,nlp -o wide   (Ctrl-C stops it)");
      watchForever(client, fleet);
      return 0;
    } finally {
      stop();
    }
  }

  /** Stops the operator and the fleet and removes the example LivePatch; idempotent (a normal end and Ctrl-C both call it). */
  public void stop() {
    cleanup.run();
  }

  private LivePatch example(SimFleet fleet, List<PatchModule> modules) {
    LivePatchSpec spec = new LivePatchSpec();
    Map<String, String> selector = new LinkedHashMap<>(Map.of(ENABLED_LABEL, "true"));
    selector.putAll(fleet.selector());
    spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
    spec.setModules(new ArrayList<>(modules));
    RolloutSpec r = new RolloutSpec();
    r.setMaxConcurrent(new IntOrString("20%"));
    r.setInterval("500ms");
    r.setNodeCooldown("0s");
    r.setStallTimeout("5s");
    r.setOnStall(OnStall.Wait);
    r.setMaxFailedNodes(new IntOrString("25%"));
    spec.setRollout(r);
    spec.setRemovalPolicy(RemovalPolicy.Unload);
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName(livePatchName).build());
    lp.setSpec(spec);
    return lp;
  }

  /** Shows progress until the LivePatch completes at {@code generation} (or fails, with --until-complete). */
  private Outcome follow(KubernetesClient client, SimFleet fleet, long generation, String stage) {
    ProgressView view = new ProgressView(out, live);
    Instant start = Instant.now();
    Instant stalledSince = null;
    try {
      while (true) {
        LivePatch lp = client.resources(LivePatch.class).withName(livePatchName).get();
        if (lp == null) {
          out.println("[sandbox] LivePatch " + livePatchName + " is gone");
          return Outcome.FAILED;
        }
        view.show(lp, fleet, stage);
        LivePatchStatus s = lp.getStatus();
        boolean current = s != null && Objects.equals(s.getObservedGeneration(), lp.getMetadata().getGeneration())
            && lp.getMetadata().getGeneration() >= generation;
        if (current && s.getPhase() == LivePatchPhase.Complete) {
          view.finish();
          out.printf("[sandbox] %s complete in %.1f s: %s%n", stage, Duration.between(start, Instant.now()).toMillis() / 1000.0, s.getSummary());
          return s.getFailedNodes() != null && s.getFailedNodes() > 0 ? Outcome.FAILED : Outcome.COMPLETE;
        }
        if (current && s.getPhase() == LivePatchPhase.Invalid) {
          view.finish();
          out.println("[sandbox] " + stage + " invalid: " + s.getSummary());
          return Outcome.FAILED;
        }
        stalledSince = current && s.getPhase() == LivePatchPhase.Stalled ? (stalledSince == null ? Instant.now() : stalledSince) : null;
        if (options.untilComplete() && stalledSince != null && Duration.between(stalledSince, Instant.now()).compareTo(STALLED_FAILS_AFTER) > 0) {
          view.finish();
          out.println("[sandbox] " + stage + " paused by stalled or failed nodes for " + STALLED_FAILS_AFTER.toSeconds() + " s: " + s.getSummary());
          return Outcome.FAILED;
        }
        if (Duration.between(start, Instant.now()).compareTo(STAGE_TIMEOUT) > 0) {
          view.finish();
          out.println("[sandbox] " + stage + " did not complete within " + STAGE_TIMEOUT.toMinutes() + " min");
          return Outcome.FAILED;
        }
        Thread.sleep(live ? 250 : 500);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    }
  }

  private void watchForever(KubernetesClient client, SimFleet fleet) {
    ProgressView view = new ProgressView(out, live);
    try {
      while (!Thread.currentThread().isInterrupted()) {
        LivePatch lp = client.resources(LivePatch.class).withName(livePatchName).get();
        if (lp != null) {
          view.show(lp, fleet, "steady");
        }
        Thread.sleep(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void removeLivePatch(KubernetesClient client) {
    try {
      client.resources(LivePatch.class).withName(livePatchName).edit(lp -> {
        lp.getMetadata().setFinalizers(List.of());
        return lp;
      });
      client.resources(LivePatch.class).withName(livePatchName).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        out.println("[sandbox] failed to remove LivePatch " + livePatchName + ": " + e.getMessage());
      }
    }
  }

  /** The operator as deployed, with a stall-aware pacing policy scaled to the simulation's seconds. */
  static OperatorConfig operatorConfig() {
    return OperatorConfig.fromEnv(Map.of(
        OperatorConfig.Setting.LEADER_ELECTION.env, "false",
        OperatorConfig.Setting.HTTP_PORT.env, "0",
        OperatorConfig.Setting.RESYNC.env, "10s",
        OperatorConfig.Setting.SLOW_TRANSITION.env, "4s",
        OperatorConfig.Setting.RECOVERY_TRANSITIONS.env, "3",
        OperatorConfig.Setting.SLOWED_MIN_INTERVAL.env, "2s",
        OperatorConfig.Setting.MAX_SLOWED_INTERVAL.env, "10s",
        OperatorConfig.Setting.STALL_MEMORY.env, "5m"));
  }

  /** Sends every log line (control plane launcher, operator, daemons) to a file, so the terminal shows progress only. */
  private static Path logToFile() {
    try {
      Path dir = Files.createTempDirectory("livepatch-sandbox-");
      Path file = dir.resolve("sandbox.log");
      LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(ctx);
      encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n%ex");
      encoder.start();
      FileAppender<ILoggingEvent> appender = new FileAppender<>();
      appender.setContext(ctx);
      appender.setFile(file.toString());
      appender.setEncoder(encoder);
      appender.start();
      ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      root.detachAndStopAllAppenders();
      root.addAppender(appender);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("failed to create the sandbox's log directory: " + e.getMessage(), e);
    }
  }
}
