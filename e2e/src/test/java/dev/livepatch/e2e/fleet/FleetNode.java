package dev.livepatch.e2e.fleet;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.execute.Converger;
import dev.livepatch.daemon.execute.ExecutorSettings;
import dev.livepatch.daemon.execute.HostStateStore;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.module.HostPathFetcher;
import dev.livepatch.daemon.node.StatusWriter;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.time.Sleeper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated node of a {@link SimFleet}: a {@link SimKernel} under its own host root and a
 * daemon made of the real node-daemon parts — {@link Converger} over {@link SysfsKernel}, the
 * caching module store with the hostPath fetcher, the host state file, {@link StatusWriter} — run
 * the way {@code NodeAgent} runs them (one pass at a time, events during a pass coalesced into one
 * more pass, an absent NodeLivePatch means do nothing, the writer reset when the object is
 * recreated), but on the fleet's shared pool instead of a thread of its own.
 *
 * <p>The simulated kernel keeps its sysfs/procfs tree in plain files, rewritten as it moves on, so
 * a reader racing a rewrite could see a half-written file (a real sysfs read is atomic). Hence one
 * thread at a time touches it: a running pass owns it (moving it on after every sleep, as
 * {@code SimNode} does) except while it writes its status, and otherwise the fleet's kernel tick
 * moves it on, so a transition completes while the daemon is down or busy with the API server. Changes from elsewhere (stall, unstall) are queued with
 * {@link #onKernel} and applied by whichever holds it next.
 *
 * <p>A daemon <em>incarnation</em> is one process lifetime: {@link #kill} ends it (the pass in
 * flight is interrupted and nothing it does afterwards reaches the API server), {@link #startDaemon}
 * starts a new one with fresh memory over the same host (state file, module cache, kernel).
 */
public final class FleetNode {
  private static final Logger log = LoggerFactory.getLogger(FleetNode.class);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  static final int STUCK_PID = 4242;

  private final String name;
  private final Path root;
  private final SimKernel kernel;
  private final Duration latency;
  private final KubernetesClient client;
  private final Executor pool;
  private final ExecutorSettings settings;
  private final Function<String, NodeLivePatch> lookup;
  private final ReentrantLock kernelOwner = new ReentrantLock();
  private final ConcurrentLinkedQueue<Consumer<SimKernel>> kernelActions = new ConcurrentLinkedQueue<>();

  // guarded by this
  private boolean up;
  private boolean running;
  private boolean pending;
  private int incarnation;
  private Thread passThread;
  private Converger converger;
  private StatusWriter writer;
  private String uid;
  private volatile boolean stuckTaskAdded; // read and written by the kernel's owner only

  FleetNode(String name, Path root, SimKernel.Config kernelConfig, KubernetesClient client, Executor pool, ExecutorSettings settings,
      Function<String, NodeLivePatch> lookup) {
    this.name = name;
    this.root = root;
    this.kernel = new SimKernel(root, Clock.systemUTC(), kernelConfig);
    this.latency = kernelConfig.transitionLatency();
    this.client = client;
    this.pool = pool;
    this.settings = settings;
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

  /** Starts a daemon incarnation (fresh memory, same host) and runs a first pass. No-op when one runs. */
  public void startDaemon() {
    synchronized (this) {
      if (up) {
        return;
      }
      int mine = ++incarnation;
      StatusWriter w = new StatusWriter(client, name);
      writer = w;
      uid = null;
      converger = new Converger(new SysfsKernel(root, kernel), kernel, moduleStore(), kernel,
          new HostStateStore(root.resolve("var/lib/livepatch-operator/state.json")), Clock.systemUTC(), sleeper(),
          settings, new DaemonMetrics(new SimpleMeterRegistry()), status -> publish(mine, w, status));
      up = true;
    }
    trigger();
  }

  /**
   * Kills the daemon: the pass in flight (possibly in the middle of a kernel transition) is
   * interrupted and this incarnation writes nothing more. The kernel goes on: a transition it started
   * completes without it. Returns once the interrupted pass has unwound.
   */
  public void kill() {
    synchronized (this) {
      if (!up) {
        return;
      }
      up = false;
      incarnation++;
      if (passThread != null) {
        passThread.interrupt();
      }
      long deadline = System.nanoTime() + KILL_WAIT.toNanos();
      while (running && System.nanoTime() < deadline) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (running) {
        log.warn("daemon of node {} did not stop within {}; its pass is still unwinding", name, KILL_WAIT);
      }
    }
  }

  /** Asks for a convergence pass; at most one waits behind the running one. Ignored while the daemon is down. */
  public void trigger() {
    synchronized (this) {
      if (!up) {
        return;
      }
      if (running) {
        pending = true;
        return;
      }
      running = true;
      pending = false;
    }
    pool.execute(this::pass);
  }

  /** Adds a task that never leaves the patched functions: every transition on this node stalls until {@link #unstall}. */
  public void stall() {
    onKernel(k -> {
      if (!stuckTaskAdded) {
        k.addTask(STUCK_PID, "fleet-worker", List.of("[<0>] do_exit+0x1d6/0x460", "[<0>] __x64_sys_exit+0x17/0x20"), true);
        stuckTaskAdded = true;
      } else {
        k.setStuck(STUCK_PID, true);
      }
    });
  }

  /** Releases the stuck task: the transition in flight can complete. */
  public void unstall() {
    onKernel(k -> {
      if (stuckTaskAdded) {
        k.setStuck(STUCK_PID, false);
      }
    });
  }

  /** Reboots the kernel (new boot id, nothing loaded) under a daemon that is down; returns the boot id. */
  String rebootKernel(String bootId) {
    kill();
    kernelOwner.lock();
    try {
      drainAndAdvance();
      kernel.reboot(bootId);
    } finally {
      kernelOwner.unlock();
    }
    return bootId;
  }

  /** Runs {@code action} on the kernel when no one else touches it: now if it is free, else at the owner's next poll. */
  public void onKernel(Consumer<SimKernel> action) {
    kernelActions.add(action);
    tick();
  }

  /** Moves the kernel on and applies queued changes, unless a pass owns it (which does so after every sleep). */
  void tick() {
    if (kernelOwner.tryLock()) {
      try {
        drainAndAdvance();
      } finally {
        kernelOwner.unlock();
      }
    }
  }

  private void drainAndAdvance() {
    for (Consumer<SimKernel> a = kernelActions.poll(); a != null; a = kernelActions.poll()) {
      a.accept(kernel);
    }
    kernel.advance();
  }

  private void pass() {
    Converger c;
    int mine;
    synchronized (this) {
      if (!up) {
        running = false;
        notifyAll();
        return;
      }
      pending = false;
      passThread = Thread.currentThread();
      c = converger;
      mine = incarnation;
    }
    kernelOwner.lock();
    try {
      drainAndAdvance();
      NodeLivePatch nlp = lookup.apply(name);
      if (nlp != null) {
        synchronized (this) {
          if (!Objects.equals(uid, nlp.getMetadata().getUid())) {
            uid = nlp.getMetadata().getUid();
            if (incarnation == mine) {
              writer.reset();
            }
          }
        }
        long gen = nlp.getMetadata().getGeneration() == null ? 0 : nlp.getMetadata().getGeneration();
        c.converge(nlp.getSpec(), gen);
      }
    } catch (InterruptedException e) {
      log.debug("daemon of node {} killed during a pass", name);
    } catch (RuntimeException e) {
      log.warn("convergence pass of node {} failed; retried at the next resync: {}", name, e.toString());
    } finally {
      kernelOwner.unlock();
      boolean again;
      synchronized (this) {
        passThread = null;
        Thread.interrupted(); // a kill's interrupt must not leak into the pool's next task
        again = up && pending && incarnation == mine;
        if (!again) {
          running = false;
          notifyAll();
        }
        pending = false;
      }
      if (again) {
        pool.execute(this::pass);
      }
    }
  }

  /**
   * Statuses of a killed incarnation are dropped: a dead process writes nothing. The write is a
   * network round trip that may take seconds on a busy machine; the pass lets go of the kernel
   * meanwhile, so that it moves on as a real kernel would (else a transition would look stalled
   * only because its status write was slow).
   */
  private void publish(int from, StatusWriter w, NodeLivePatchStatus status) {
    synchronized (this) {
      if (!up || incarnation != from) {
        return;
      }
    }
    boolean owned = kernelOwner.isHeldByCurrentThread();
    if (owned) {
      kernelOwner.unlock();
    }
    try {
      w.accept(status);
    } finally {
      if (owned) {
        kernelOwner.lock();
        drainAndAdvance();
      }
    }
  }

  /** The real daemon sleeps; the simulated kernel has no thread of its own, so it is moved on after each sleep. */
  private Sleeper sleeper() {
    return d -> {
      Thread.sleep(d.toMillis());
      drainAndAdvance();
    };
  }

  private CachingModuleStore moduleStore() {
    return new CachingModuleStore(root.resolve("var/lib/livepatch-operator/modules"), List.of(new HostPathFetcher(root, 64L << 20)));
  }
}
