package dev.livepatch.e2e.fleet;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.agent.NodeAgent;
import dev.livepatch.daemon.agent.StatusWriter;
import dev.livepatch.daemon.agent.Wiring;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.Sleeper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated node of a {@link SimFleet}: a {@link SimKernel} under its own host root and the real
 * daemon — assembled by {@link Wiring} as {@code Main} assembles it, over the simulated host's side
 * effects — run by the real {@link NodeAgent} on the fleet's shared pool.
 *
 * <p>The simulated kernel has no thread of its own: the fleet's kernel tick moves it on, daemon or
 * not, so a transition completes while the daemon is down. Its files are replaced whole (temp file +
 * rename), so a daemon reading them never sees half of one.
 *
 * <p>A daemon <em>incarnation</em> is one process lifetime: {@link #kill} ends it (no slice is
 * scheduled any more, the one running ends, and nothing it publishes afterwards reaches the API
 * server), {@link #startDaemon} starts a new one with fresh memory over the same host (state file,
 * module cache, kernel).
 */
public final class FleetNode {
  private static final Logger log = LoggerFactory.getLogger(FleetNode.class);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration STUCK_AFTER = Duration.ofMinutes(5);
  static final int STUCK_PID = 4242;

  private final String name;
  private final Path root;
  private final SimKernel kernel;
  private final Duration latency;
  private final KubernetesClient client;
  private final ScheduledExecutorService pool;
  private final ConvergerSettings settings;
  private final Duration resync;
  private final Function<String, NodeLivePatch> lookup;

  // guarded by this
  private boolean up;
  private int incarnation;
  private NodeAgent agent;
  private boolean stuckTaskAdded;

  FleetNode(String name, Path root, SimKernel.Config kernelConfig, KubernetesClient client, ScheduledExecutorService pool,
      ConvergerSettings settings, Duration resync, Function<String, NodeLivePatch> lookup) {
    this.name = name;
    this.root = root;
    this.kernel = new SimKernel(root, Clock.systemUTC(), kernelConfig);
    this.latency = kernelConfig.transitionLatency();
    this.client = client;
    this.pool = pool;
    this.settings = settings;
    this.resync = resync;
    this.lookup = lookup;
  }

  public String name() {
    return name;
  }

  /** The simulated kernel: the truth a test asserts on (enabled patches, transitions started, loaded modules). */
  public SimKernel kernel() {
    return kernel;
  }

  public Path root() {
    return root;
  }

  /** This node's simulated transition latency. */
  public Duration latency() {
    return latency;
  }

  public synchronized boolean daemonUp() {
    return up;
  }

  /** Starts a daemon incarnation (fresh memory, same host) and runs a first slice. No-op when one runs. */
  public void startDaemon() {
    NodeAgent a;
    synchronized (this) {
      if (up) {
        return;
      }
      int mine = ++incarnation;
      StatusWriter w = new StatusWriter(client, name);
      Converger converger = Wiring.converger(SimNode.host(root, kernel), Clock.systemUTC(), Sleeper.REAL, settings,
          new DaemonMetrics(new SimpleMeterRegistry()), status -> publish(mine, w, status));
      a = new NodeAgent(name, () -> lookup.apply(name), converger, w::reset, pool, resync, STUCK_AFTER, Clock.systemUTC());
      agent = a;
      up = true;
    }
    a.start();
  }

  /**
   * Kills the daemon: no slice is scheduled any more and this incarnation writes nothing more. The
   * kernel goes on: a transition it started completes without it. Returns once a slice still running
   * has ended (slices never sleep, so that is soon).
   */
  public void kill() {
    NodeAgent a;
    synchronized (this) {
      if (!up) {
        return;
      }
      up = false;
      incarnation++;
      a = agent;
      agent = null;
    }
    a.close();
    if (!a.awaitIdle(KILL_WAIT)) {
      log.warn("daemon of node {} did not stop within {}; its slice is still running", name, KILL_WAIT);
    }
  }

  /** Asks for a convergence slice. Ignored while the daemon is down. */
  public void trigger() {
    NodeAgent a;
    synchronized (this) {
      a = up ? agent : null;
    }
    if (a != null) {
      a.trigger();
    }
  }

  /** Adds a task that never leaves the patched functions: every transition on this node stalls until {@link #unstall}. */
  public synchronized void stall() {
    if (!stuckTaskAdded) {
      kernel.addTask(STUCK_PID, "fleet-worker", List.of("[<0>] do_exit+0x1d6/0x460", "[<0>] __x64_sys_exit+0x17/0x20"), true);
      stuckTaskAdded = true;
    } else {
      kernel.setStuck(STUCK_PID, true);
    }
  }

  /** Releases the stuck task: the transition in flight can complete. */
  public synchronized void unstall() {
    if (stuckTaskAdded) {
      kernel.setStuck(STUCK_PID, false);
    }
  }

  /** Reboots the kernel (new boot id, nothing loaded) under a daemon that is down; returns the boot id. */
  String rebootKernel(String bootId) {
    kill();
    kernel.advance();
    kernel.reboot(bootId);
    return bootId;
  }

  /** Runs {@code action} on the kernel (its methods are synchronized: the daemon's reads never see half a change). */
  public void onKernel(Consumer<SimKernel> action) {
    action.accept(kernel);
  }

  /** Moves the kernel on. */
  void tick() {
    kernel.advance();
  }

  /** Statuses of a killed incarnation are dropped: a dead process writes nothing. */
  private void publish(int from, StatusWriter w, NodeLivePatchStatus status) {
    synchronized (this) {
      if (!up || incarnation != from) {
        return;
      }
    }
    w.accept(status);
  }
}
