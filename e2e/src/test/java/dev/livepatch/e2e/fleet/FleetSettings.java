package dev.livepatch.e2e.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link SimFleet} behaves: an immutable snapshot with {@code with*} copies.
 *
 * @param kernelRelease {@code uname -r} of every simulated node (and its Node's
 *     {@code status.nodeInfo.kernelVersion})
 * @param latencyMin shortest simulated kernel transition; each node draws its latency once, uniformly
 *     between this and {@code latencyMax}
 * @param latencyMax longest simulated kernel transition
 * @param stallRate probability that a new node carries a stuck task, which blocks every transition on
 *     it until released ({@link SimFleet#unstall}) or until {@code stallFor} has passed
 * @param stallFor how long a random stall lasts, counted from the node's first transition;
 *     {@code null}: until {@link SimFleet#unstall}
 * @param failureRate probability that a new node's first insmod fails (the module ends {@code Failed})
 * @param poll the daemons' look at a transition in flight (DaemonConfig POLL_INTERVAL)
 * @param resync the daemons' convergence pass without a spec change (DaemonConfig RESYNC_INTERVAL)
 * @param unloadGrace delay before rmmod of a retired module (DaemonConfig UNLOAD_GRACE)
 * @param threads the one shared pool every simulated daemon runs its passes on; a pass holds a thread
 *     only while it runs (a stalled transition with {@code onStall: Wait} holds it until it ends)
 * @param labels labels every Node gets besides {@code kubernetes.io/os=linux} and {@code kubernetes.io/hostname}
 * @param seed seed of the random draws (latencies, stalls, failures), for repeatable fleets
 */
public record FleetSettings(String kernelRelease, Duration latencyMin, Duration latencyMax, double stallRate, Duration stallFor,
                            double failureRate, Duration poll, Duration resync, Duration unloadGrace, int threads,
                            Map<String, String> labels, long seed) {

  public static final String DEFAULT_KERNEL = "6.1.0-56-amd64";

  public FleetSettings {
    Objects.requireNonNull(kernelRelease, "kernelRelease");
    labels = Map.copyOf(labels);
    if (latencyMax.compareTo(latencyMin) < 0) {
      throw new IllegalArgumentException("latencyMax " + latencyMax + " is shorter than latencyMin " + latencyMin);
    }
    if (stallRate < 0 || stallRate > 1 || failureRate < 0 || failureRate > 1) {
      throw new IllegalArgumentException("stallRate and failureRate must be between 0 and 1, got " + stallRate + " and " + failureRate);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  /** Fast transitions (100–400 ms), no stalls or failures, 100 ms polls, 2 s resync, 1 s unload grace, 8 threads. */
  public static FleetSettings defaults() {
    return new FleetSettings(DEFAULT_KERNEL, Duration.ofMillis(100), Duration.ofMillis(400), 0, null, 0, Duration.ofMillis(100),
        Duration.ofSeconds(2), Duration.ofSeconds(1), 8, Map.of(), 42);
  }

  public FleetSettings withLatency(Duration min, Duration max) {
    return new FleetSettings(kernelRelease, min, max, stallRate, stallFor, failureRate, poll, resync, unloadGrace, threads, labels, seed);
  }

  public FleetSettings withStalls(double rate, Duration lasting) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, rate, lasting, failureRate, poll, resync, unloadGrace, threads, labels, seed);
  }

  public FleetSettings withFailureRate(double rate) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, stallRate, stallFor, rate, poll, resync, unloadGrace, threads, labels, seed);
  }

  public FleetSettings withLabels(Map<String, String> more) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, stallRate, stallFor, failureRate, poll, resync, unloadGrace, threads, more, seed);
  }

  public FleetSettings withThreads(int n) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, stallRate, stallFor, failureRate, poll, resync, unloadGrace, n, labels, seed);
  }

  public FleetSettings withUnloadGrace(Duration d) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, stallRate, stallFor, failureRate, poll, resync, d, threads, labels, seed);
  }

  public FleetSettings withSeed(long s) {
    return new FleetSettings(kernelRelease, latencyMin, latencyMax, stallRate, stallFor, failureRate, poll, resync, unloadGrace, threads, labels, s);
  }
}
